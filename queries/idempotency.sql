-- Idempotency keys of create requests (db/migrations/00010_idempotency.sql,
-- api/idempotency.go).

-- name: IdempotencyClaim :execrows
-- Takes a key for a request about to run: a new key, or one whose earlier
-- use has expired. No row is affected when the key is in use (in flight or
-- answered): then IdempotencyGet tells which.
INSERT INTO idempotency_keys AS k (account_id, route, key, request_hash, created_at)
VALUES (@account_id, @route, @key, @request_hash, @now)
ON CONFLICT (account_id, route, key) DO UPDATE
SET request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at,
    status = NULL, response_body = NULL, response_headers = NULL, completed_at = NULL
WHERE k.created_at < @expired_before;

-- name: IdempotencyGet :one
SELECT * FROM idempotency_keys
WHERE account_id = @account_id AND route = @route AND key = @key;

-- name: IdempotencyComplete :execrows
-- Keeps the answer of the request that claimed the key.
UPDATE idempotency_keys
SET status = @status, response_body = @response_body, response_headers = @response_headers, completed_at = @now
WHERE account_id = @account_id AND route = @route AND key = @key AND created_at = @created_at AND completed_at IS NULL;

-- name: IdempotencyRelease :exec
-- Gives a key back when its request changed nothing (refused), so that
-- the client may send it again, corrected.
DELETE FROM idempotency_keys
WHERE account_id = @account_id AND route = @route AND key = @key AND created_at = @created_at AND completed_at IS NULL;

-- name: IdempotencyPurge :execrows
-- Deletes a batch of expired keys (run on each claim).
DELETE FROM idempotency_keys
WHERE (account_id, route, key) IN (
    SELECT i.account_id, i.route, i.key FROM idempotency_keys i
    WHERE i.created_at < @expired_before
    LIMIT 100);
