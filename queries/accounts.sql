-- Accounts and sessions (db/migrations/00005_identity.sql).

-- name: AccountCreate :one
INSERT INTO accounts (username, display_name, role, town_code, enterprise_id, project_id, worker_id,
                      password_hash, must_change_password, demo, created_by)
VALUES (@username, @display_name, @role, sqlc.narg('town_code'), sqlc.narg('enterprise_id'),
        sqlc.narg('project_id'), sqlc.narg('worker_id'), @password_hash, @must_change_password, @demo,
        sqlc.narg('created_by'))
RETURNING *;

-- name: AccountForLogin :one
-- The account a login names. Not locked: failures are counted per name and
-- client in login_throttle (queries/login_throttle.sql), so that attempts
-- from elsewhere do not queue the owner's sign-in behind them.
SELECT * FROM accounts WHERE username = @username;

-- name: AccountLoginSucceeded :exec
UPDATE accounts SET last_login_at = @now::timestamptz WHERE id = @id;

-- name: AccountList :many
-- Accounts as an administrator sees them: the city's account administrators
-- all; an enterprise the project managers of its projects (as builder or
-- general contractor) and its own users; no other level administers
-- accounts. (Scope: see projects.sql.)
SELECT sqlc.embed(a), count(*) OVER () AS total
FROM accounts a
WHERE CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'enterprise' THEN a.enterprise_id = scope_id(@scope_key::text)
          OR a.project_id IN (SELECT sp.id FROM projects sp
                              WHERE sp.builder_id = scope_id(@scope_key::text) OR sp.contractor_id = scope_id(@scope_key::text))
        ELSE false END
  AND (sqlc.narg('id')::bigint IS NULL OR a.id = sqlc.narg('id'))
  AND (sqlc.narg('role')::text IS NULL OR a.role = sqlc.narg('role'))
  AND (sqlc.narg('domain')::text IS NULL OR a.domain = sqlc.narg('domain'))
  AND (sqlc.narg('active')::boolean IS NULL OR a.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR a.username LIKE sqlc.narg('q') || '%' OR a.display_name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY
  CASE WHEN @sort::text = 'username' THEN a.username END,
  CASE WHEN @sort::text = '-username' THEN a.username END DESC,
  CASE WHEN @sort::text = '-id' THEN a.id END DESC,
  a.id
LIMIT @lim OFFSET @off;

-- name: AccountSetActive :one
UPDATE accounts
SET active = @active, deactivated_reason = sqlc.narg('reason'), updated_at = now(), version = version + 1
WHERE id = @id AND version = @version
RETURNING *;

-- name: AccountSetPassword :one
-- A new password: by the user (must_change false) or an administrator's
-- reset (must_change true; the API also clears the name's sign-in locks).
UPDATE accounts
SET password_hash = @password_hash, must_change_password = @must_change_password,
    password_changed_at = now(), updated_at = now(), version = version + 1
WHERE id = @id AND (sqlc.narg('version')::integer IS NULL OR version = sqlc.narg('version'))
RETURNING *;

-- name: AccountUsernameTaken :one
SELECT EXISTS (SELECT 1 FROM accounts WHERE username = @username);

-- name: WorkerForRegistration :one
-- The real-name record a worker registers against: the ID number and the
-- phone must both match (by their keyed hashes).
SELECT w.id, w.name, w.active, (a.id IS NOT NULL)::boolean AS has_account
FROM workers w
LEFT JOIN accounts a ON a.worker_id = w.id
WHERE w.id_number_hash = @id_number_hash AND w.phone_hash = @phone_hash;

-- name: SessionCreate :one
INSERT INTO sessions (token_hash, account_id, expires_at, last_seen_at, ip, user_agent)
VALUES (@token_hash, @account_id, @expires_at, @now::timestamptz, @ip, @user_agent)
RETURNING id, created_at, expires_at;

-- name: SessionLookup :one
-- The hot path of every request: a live session and its active account.
SELECT s.id AS session_id, s.last_seen_at, sqlc.embed(a)
FROM sessions s
JOIN accounts a ON a.id = s.account_id
WHERE s.token_hash = @token_hash
  AND s.revoked_at IS NULL
  AND s.expires_at > @now::timestamptz
  AND s.last_seen_at > @idle_since::timestamptz
  AND a.active;

-- name: SessionTouch :exec
UPDATE sessions SET last_seen_at = @now::timestamptz WHERE id = @id;

-- name: SessionRevokeAccount :execrows
-- Ends every live session of an account (except one, e.g. the session that
-- changed the password).
UPDATE sessions SET revoked_at = @now::timestamptz, revoked_reason = @reason
WHERE account_id = @account_id AND revoked_at IS NULL
  AND (sqlc.narg('keep')::bigint IS NULL OR id <> sqlc.narg('keep'));

-- name: SessionPurge :execrows
-- Sessions ended more than a month ago carry no information the audit log
-- does not keep.
DELETE FROM sessions WHERE expires_at < @before::timestamptz OR revoked_at < @before::timestamptz;

-- name: AccountRename :one
UPDATE accounts SET display_name = @display_name, updated_at = now(), version = version + 1
WHERE id = @id AND version = @version
RETURNING *;

-- name: SessionListLive :many
-- An account's live sessions, most recently used first.
SELECT id, created_at, expires_at, last_seen_at, ip, user_agent
FROM sessions
WHERE account_id = @account_id AND revoked_at IS NULL
  AND expires_at > @now::timestamptz AND last_seen_at > @idle_since::timestamptz
ORDER BY last_seen_at DESC, id DESC;

-- name: SessionRevokeOwn :execrows
-- Ends one live session of an account (logout, or one of its other
-- sessions); 0 rows: not its session, or already over.
UPDATE sessions SET revoked_at = @now::timestamptz, revoked_reason = 'logout'
WHERE id = @id AND account_id = @account_id AND revoked_at IS NULL;
