-- Failed sign-ins per login name and client (db/migrations/00009_auth_hardening.sql).
-- name_key is an HMAC of the normalised login name, whether or not an
-- account has it; client is the client's address ('*': all clients).

-- name: LoginThrottleTake :one
-- The row of this name and client, made if missing and locked for the rest
-- of the attempt (parallel guesses from one client queue here instead of
-- all passing the count). A count left alone for 24 hours, and no longer
-- locking, is forgotten.
INSERT INTO login_throttle AS t (name_key, client, since)
VALUES (@name_key, @client, @now::timestamptz)
ON CONFLICT (name_key, client) DO UPDATE
SET failures = CASE WHEN t.last_failure_at < @now::timestamptz - interval '24 hours'
                         AND coalesce(t.locked_until <= @now::timestamptz, true) THEN 0 ELSE t.failures END,
    locked_until = CASE WHEN t.last_failure_at < @now::timestamptz - interval '24 hours'
                         AND coalesce(t.locked_until <= @now::timestamptz, true) THEN NULL ELSE t.locked_until END
RETURNING failures, locked_until;

-- name: LoginThrottleFail :one
-- One more wrong password from this client. Every fifth locks the name
-- for this client: 15 minutes after the fifth, twice as long after each
-- further five (capped at 24 hours).
UPDATE login_throttle
SET failures = failures + 1,
    last_failure_at = sqlc.arg('now')::timestamptz,
    locked_until = CASE
        WHEN (failures + 1) % 5 = 0
        THEN sqlc.arg('now')::timestamptz + make_interval(mins => least(15 << least((failures + 1) / 5 - 1, 7), 1440))
        ELSE locked_until END
WHERE name_key = sqlc.arg('name_key') AND client = sqlc.arg('client')
RETURNING failures, locked_until;

-- name: LoginThrottleAllLocked :many
-- Until when the name is closed to clients unknown to its account (the
-- ceiling of all clients' failures was reached); no row: it is not.
SELECT locked_until::timestamptz AS locked_until FROM login_throttle
WHERE name_key = @name_key AND client = '*' AND locked_until > @now::timestamptz;

-- name: LoginThrottleFailAll :one
-- One more wrong password for the name from any client, counted per hour
-- from the first; reaching the ceiling within the hour closes the name to
-- unknown clients for the rest of it.
INSERT INTO login_throttle AS t (name_key, client, failures, since, last_failure_at, locked_until)
VALUES (sqlc.arg('name_key'), '*', 1, sqlc.arg('now')::timestamptz, sqlc.arg('now')::timestamptz,
        CASE WHEN sqlc.arg('ceiling')::integer <= 1 THEN sqlc.arg('now')::timestamptz + interval '1 hour' END)
ON CONFLICT (name_key, client) DO UPDATE
SET failures = CASE WHEN t.since <= sqlc.arg('now')::timestamptz - interval '1 hour' THEN 1 ELSE t.failures + 1 END,
    since = CASE WHEN t.since <= sqlc.arg('now')::timestamptz - interval '1 hour' THEN sqlc.arg('now')::timestamptz ELSE t.since END,
    last_failure_at = sqlc.arg('now')::timestamptz,
    locked_until = CASE
        WHEN t.since > sqlc.arg('now')::timestamptz - interval '1 hour' AND t.failures + 1 >= sqlc.arg('ceiling')::integer
        THEN t.since + interval '1 hour'
        ELSE t.locked_until END
RETURNING failures, locked_until;

-- name: LoginKnownClient :one
-- Whether this address opened a session of the account in the period (an
-- unknown name has no account: false).
SELECT EXISTS (SELECT 1 FROM sessions
               WHERE account_id = sqlc.narg('account_id') AND ip = @ip AND created_at > @since::timestamptz);

-- name: LoginThrottleClear :exec
-- A right password: this client's count of the name starts again.
DELETE FROM login_throttle WHERE name_key = @name_key AND client = @client;

-- name: LoginThrottleUnlock :execrows
-- An administrator's unlock (or password reset), first step: every
-- client's count of the name starts again. (Sign-ins lock their client's
-- row, then the all-clients one: the unlock deletes in the same order, in
-- two statements, so that the two never wait for each other.)
DELETE FROM login_throttle WHERE name_key = @name_key AND client <> '*';

-- name: LoginThrottleUnlockAll :execrows
-- Second step: the count of all clients starts again.
DELETE FROM login_throttle WHERE name_key = @name_key AND client = '*';

-- name: LoginLocks :many
-- The latest running lock of each of these names (for any client).
SELECT name_key, max(locked_until)::timestamptz AS locked_until
FROM login_throttle
WHERE name_key = ANY(@name_keys::bytea[]) AND locked_until > @now::timestamptz
GROUP BY name_key;

-- name: LoginThrottlePurge :execrows
-- Counts nobody added to for a day and that lock nothing are void (see
-- LoginThrottleTake): deleted by the daily retention run.
-- Rows a sign-in holds are skipped (next day), so the purge never waits
-- for one nor makes one wait in a different order.
DELETE FROM login_throttle t
USING (SELECT name_key, client FROM login_throttle
       WHERE coalesce(last_failure_at, since) < @before::timestamptz
         AND (locked_until IS NULL OR locked_until < @before::timestamptz)
       FOR UPDATE SKIP LOCKED) v
WHERE t.name_key = v.name_key AND t.client = v.client;
