-- Idempotency keys (api/idempotency.go). A create request (POST answering
-- 201, and the lead report and import) may carry an Idempotency-Key
-- header; its first answer is kept here for 24 hours, so that a client
-- that lost the answer and sends the request again gets that answer back
-- instead of a second row. A key is the client's, per account and route.

-- +goose Up

CREATE TABLE idempotency_keys (
    account_id       bigint NOT NULL REFERENCES accounts(id),
    route            text NOT NULL,  -- the route template, "POST /api/v1/leads"
    key              text NOT NULL CHECK (key ~ '^[\x21-\x7e]{1,128}$'),
    -- SHA-256 of the request (method, path, query and body, JSON
    -- canonicalised): the same key with another request is refused
    request_hash     bytea NOT NULL CHECK (length(request_hash) = 32),
    -- null while the first request is in flight
    status           integer CHECK (status BETWEEN 100 AND 599),
    -- the answer, encrypted with the personal-data key (an answer may
    -- carry personal data, or an account's initial password)
    response_body    bytea,
    response_headers jsonb,
    created_at       timestamptz NOT NULL,
    completed_at     timestamptz,
    PRIMARY KEY (account_id, route, key),
    CHECK ((status IS NULL) = (completed_at IS NULL))
);
-- expiry: keys older than 24 hours are reused and purged
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
