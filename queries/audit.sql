-- The system log's own bookkeeping (package audit; db/migrations/00004_audit.sql):
-- writing entries, the chain head, the ends of stored and archived
-- pieces of the chain, the archive records. What auditors list is in
-- audit_log.sql. The COPY streams of verify, export and import and the
-- DDL on month partitions stay in audit/rawsql.go (sqlc cannot express
-- them).

-- name: AuditSetActor :exec
-- Names the actor of the rest of the transaction for the capture trigger
-- (the transaction-local setting anxin.actor, JSON).
SELECT set_config('anxin.actor', @actor::text, true);

-- name: AuditPendingInsert :exec
-- An entry that is not a row change, sealed into the chain at commit.
INSERT INTO audit_pending (at, account_id, username, role, domain, ip, user_agent, request_id,
    action, object_type, object_id, outcome, status, old_values, new_values, detail)
VALUES (@at, @account_id, @username, @role, @domain, @ip, @user_agent, @request_id,
    @action, @object_type, @object_id, @outcome, @status, @old_values, @new_values, @detail);

-- name: AuditPendingCopy :copyfrom
-- A batch of entries (the group-commit Writer), as AuditPendingInsert.
INSERT INTO audit_pending (at, account_id, username, role, domain, ip, user_agent, request_id,
    action, object_type, object_id, outcome, status, old_values, new_values, detail)
VALUES (@at, @account_id, @username, @role, @domain, @ip, @user_agent, @request_id,
    @action, @object_type, @object_id, @outcome, @status, @old_values, @new_values, @detail);

-- name: AuditMaintenanceLock :exec
-- Serialises Import and ArchiveAndDrop to the end of the transaction
-- (advisory lock 0x61756469746d6e74, "auditmnt").
SELECT pg_advisory_xact_lock(7022629598041828980);

-- name: AuditHead :one
-- The chain head: the last sealed id, its hash and time.
SELECT last_id, last_hash, last_at FROM audit_head;

-- name: AuditHeadForUpdate :one
-- The chain head, locked until the end of the transaction: no commit
-- seals entries meanwhile.
SELECT last_id, last_hash, last_at FROM audit_head FOR UPDATE;

-- name: AuditHeadMove :exec
-- Moves the head to last_id (rows copied straight into audit_log); its
-- time never goes back.
UPDATE audit_head SET last_id = @last_id, last_hash = @last_hash,
    last_at = greatest(last_at, @last_at::timestamptz);

-- name: AuditRangeSummary :one
-- The entries with at in [at_from, at_to) (a NULL end is open): how many,
-- their first and last id and their first and last time (0 and the epoch
-- when there are none).
SELECT count(*) AS entries,
       coalesce(min(id), 0)::bigint AS first_id, coalesce(max(id), 0)::bigint AS last_id,
       coalesce(min(at), 'epoch')::timestamptz AS first_at, coalesce(max(at), 'epoch')::timestamptz AS last_at
FROM audit_log
WHERE (sqlc.narg('at_from')::timestamptz IS NULL OR at >= sqlc.narg('at_from'))
  AND (sqlc.narg('at_to')::timestamptz IS NULL OR at < sqlc.narg('at_to'));

-- name: AuditPrevHashOf :one
-- The prev_hash of entry id (in [at_from, at_to) when given; the earliest
-- copy should an id repeat).
SELECT prev_hash FROM audit_log
WHERE id = @id
  AND (sqlc.narg('at_from')::timestamptz IS NULL OR at >= sqlc.narg('at_from'))
  AND (sqlc.narg('at_to')::timestamptz IS NULL OR at < sqlc.narg('at_to'))
ORDER BY at LIMIT 1;

-- name: AuditHashOf :one
-- The hash of entry id (in [at_from, at_to) when given; the latest copy
-- should an id repeat).
SELECT hash FROM audit_log
WHERE id = @id
  AND (sqlc.narg('at_from')::timestamptz IS NULL OR at >= sqlc.narg('at_from'))
  AND (sqlc.narg('at_to')::timestamptz IS NULL OR at < sqlc.narg('at_to'))
ORDER BY at DESC LIMIT 1;

-- name: AuditMonthCounts :many
-- The months (YYYY-MM, in the transaction's time zone) that hold entries
-- with at in [at_from, at_to), and how many each.
SELECT to_char(date_trunc('month', at), 'YYYY-MM')::text AS month, count(*) AS entries
FROM audit_log
WHERE at >= @at_from::timestamptz AND at < @at_to::timestamptz
GROUP BY 1 ORDER BY 1;

-- name: AuditIDsCount :one
-- How many entries have ids in [first_id, last_id].
SELECT count(*) FROM audit_log WHERE id BETWEEN @first_id::bigint AND @last_id::bigint;

-- name: AuditLogEmpty :one
SELECT NOT EXISTS (SELECT 1 FROM audit_log) AS empty;

-- name: AuditIDsOutsideRange :one
-- Whether an entry with an id up to max_id has at outside [at_from,
-- at_to): then the month of that range is not the start of the chain.
SELECT EXISTS (
    SELECT 1 FROM audit_log
    WHERE id <= @max_id::bigint AND NOT (at >= @at_from::timestamptz AND at < @at_to::timestamptz)
) AS outside;

-- name: AuditMonthPartitions :many
-- The month partitions of audit_log (audit_log_YYYYMM), oldest first.
SELECT c.relname::text AS name
FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'audit_log'::regclass AND c.relname ~ '^audit_log_[0-9]{6}$'
ORDER BY c.relname;

-- name: AuditArchivedSegments :many
-- The dropped pieces of the chain, with a label for reports: the month
-- (or the ids of an anchor) and the file.
SELECT first_id, last_id, first_prev_hash, last_hash,
       (coalesce(to_char(month, 'YYYY-MM'), 'ids ' || first_id || '..' || last_id) || ' (' || file_name || ')')::text AS label
FROM audit_archive
WHERE dropped_at IS NOT NULL
ORDER BY id;

-- name: AuditArchiveLastHashEndingAt :one
-- The hash a dropped piece of the chain ends with at last_id.
SELECT last_hash FROM audit_archive
WHERE last_id = @last_id AND dropped_at IS NOT NULL
ORDER BY id DESC LIMIT 1;

-- name: AuditArchiveFirstPrevHashStartingAt :one
-- The prev_hash a dropped piece of the chain starts with at first_id.
SELECT first_prev_hash FROM audit_archive
WHERE first_id = @first_id AND dropped_at IS NOT NULL
ORDER BY id DESC LIMIT 1;

-- name: AuditArchiveRecordMonth :exec
-- Records a month exported, verified and (in the same transaction)
-- dropped.
INSERT INTO audit_archive (month, first_id, last_id, row_count, first_prev_hash, last_hash,
                           file_name, file_sha256, exported_at, dropped_at)
VALUES (@month, @first_id, @last_id, @row_count, @first_prev_hash, @last_hash,
        @file_name, @file_sha256, @exported_at, now());

-- name: AuditArchiveRecordAnchor :exec
-- Records that ids 1..last_id are elsewhere (older archives), ending in
-- last_hash: a restore into an empty log of a chain that does not start
-- at 1.
INSERT INTO audit_archive (month, first_id, last_id, row_count, first_prev_hash, last_hash,
                           file_name, exported_at, dropped_at)
VALUES (NULL, 1, @last_id, @last_id, @first_prev_hash, @last_hash, @file_name, @exported_at, now());

-- name: AuditArchiveMarkRestored :exec
-- Marks the dropped pieces within [first_id, last_id] as imported again.
UPDATE audit_archive SET restored_at = now()
WHERE dropped_at IS NOT NULL AND restored_at IS NULL
  AND first_id >= @first_id::bigint AND last_id <= @last_id::bigint;
