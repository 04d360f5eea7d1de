-- Sign-in hardening (finding of an attack on the platform).
--
-- 1. Failed sign-ins are counted per login name AND client address, in
--    login_throttle, whether or not the name exists: the row is keyed by
--    an HMAC of the normalised name (package pii, kind "login", key from
--    ANXIN_PII_KEY), so the table reveals neither the names tried nor which
--    of them exist. Five failures from one client lock that name for that
--    client for 15 minutes, doubling with each further five (at most 24 h);
--    the owner signing in from another address is not affected. The row
--    with client '*' counts the failures of a name from all clients in a
--    one-hour window: past a high ceiling (the API's LoginCeiling, 100),
--    clients that never opened a session of the account are refused until
--    the window ends. docs/ARCHITECTURE.md ("Identity") has the design.
--    accounts.failed_logins and accounts.locked_until are no longer used
--    (kept: migrations are additive, the previous binary still runs).

-- +goose Up
CREATE TABLE login_throttle (
    -- HMAC-SHA256 of the normalised login name (never the name)
    name_key        bytea NOT NULL CHECK (length(name_key) = 32),
    -- the client: an IPv4 address, an IPv6 /64 prefix, or '*' for the
    -- failures of all clients together
    client          text NOT NULL CHECK (length(client) BETWEEN 1 AND 64),
    failures        integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    -- per client: until when this client may not try this name; '*': until
    -- when clients unknown to the account may not
    locked_until    timestamptz,
    -- '*': start of the counted hour; per client: when the row was made
    since           timestamptz NOT NULL,
    last_failure_at timestamptz,
    PRIMARY KEY (name_key, client)
);
CREATE INDEX login_throttle_stale_idx ON login_throttle (coalesce(last_failure_at, since));

-- "has this client signed in to this account before" (the '*' ceiling)
CREATE INDEX sessions_account_ip_idx ON sessions (account_id, ip, created_at);

-- +goose Down
DROP INDEX sessions_account_ip_idx;
DROP TABLE login_throttle;
