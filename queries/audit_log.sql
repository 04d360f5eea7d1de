-- The system log as auditors read it (db/migrations/00004_audit.sql). A
-- time range is always given, so only its month partitions are read.

-- name: AuditLogList :many
SELECT id, at, account_id, username, role, domain, ip, user_agent, request_id, action, object_type, object_id,
       outcome, status, old_values, new_values, detail, hash, count(*) OVER () AS total
FROM audit_log
WHERE at >= @at_from::timestamptz AND at < @at_to::timestamptz
  AND (sqlc.narg('account_id')::bigint IS NULL OR account_id = sqlc.narg('account_id'))
  AND (sqlc.narg('username')::text IS NULL OR username = sqlc.narg('username'))
  AND (sqlc.narg('action')::text IS NULL OR action LIKE sqlc.narg('action') || '%')
  AND (sqlc.narg('object_type')::text IS NULL OR object_type = sqlc.narg('object_type'))
  AND (sqlc.narg('object_id')::text IS NULL OR object_id = sqlc.narg('object_id'))
  AND (sqlc.narg('outcome')::text IS NULL OR outcome = sqlc.narg('outcome'))
  AND (sqlc.narg('request_id')::text IS NULL OR request_id = sqlc.narg('request_id'))
  AND (sqlc.narg('ip')::text IS NULL OR ip = sqlc.narg('ip'))
ORDER BY
  CASE WHEN @sort::text = 'id' THEN id END,
  id DESC
LIMIT @lim OFFSET @off;
