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
-- 2. A worker's login name is their mobile number: the system log keeps it
--    masked (150****7584) in the captured values of accounts rows, as the
--    API masks it in the actor of every entry. audit_masked() is the hook
--    audit_capture() now applies to every row before copying it.

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

-- What the system log may copy of a row: a worker account's login name
-- (its mobile number) masked as the API masks phones (pii.MaskPhone: the
-- first 3 and last 4 digits kept).
-- +goose StatementBegin
CREATE FUNCTION audit_mask_phone(p text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE WHEN length(p) - 7 >= 4 THEN left(p, 3) || repeat('*', length(p) - 7) || right(p, 4)
                ELSE repeat('*', length(p)) END
$fn$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_masked(obj text, r jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT CASE WHEN obj = 'accounts' AND r ->> 'role' = 'worker' AND r ? 'username'
                THEN jsonb_set(r, '{username}', to_jsonb(audit_mask_phone(r ->> 'username')))
                ELSE r END
$fn$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    obj   text := TG_ARGV[0];
    keys  text[] := TG_ARGV[1:];
    o     jsonb;
    n     jsonb;
    oldv  jsonb;
    newv  jsonb;
    k     text;
    obj_id text;
    a     text;
    actor jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN o := audit_masked(obj, to_jsonb(OLD)); END IF;
    IF TG_OP <> 'DELETE' THEN n := audit_masked(obj, to_jsonb(NEW)); END IF;
    SELECT string_agg(coalesce(n, o) ->> u.col, '/' ORDER BY u.i) INTO obj_id
      FROM unnest(keys) WITH ORDINALITY AS u(col, i);
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(e.key, CASE WHEN audit_redacted(e.key) THEN to_jsonb('<changed>'::text) ELSE e.value END),
               jsonb_object_agg(e.key, CASE WHEN audit_redacted(e.key) THEN to_jsonb('<changed>'::text) ELSE n -> e.key END)
          INTO oldv, newv
          FROM jsonb_each(o) e
         WHERE e.value IS DISTINCT FROM n -> e.key;
        IF oldv IS NULL THEN
            RETURN NULL; -- nothing changed
        END IF;
        FOREACH k IN ARRAY keys LOOP
            oldv := oldv || jsonb_build_object(k, o -> k);
            newv := newv || jsonb_build_object(k, n -> k);
        END LOOP;
    ELSE
        SELECT jsonb_object_agg(e.key, CASE WHEN audit_redacted(e.key) THEN to_jsonb('<changed>'::text) ELSE e.value END)
          INTO newv
          FROM jsonb_each(coalesce(n, o)) e
         WHERE NOT (audit_redacted(e.key) AND e.value = 'null'::jsonb);
        IF TG_OP = 'DELETE' THEN
            oldv := newv;
            newv := NULL;
        END IF;
    END IF;
    a := current_setting('anxin.actor', true);
    IF a IS NOT NULL AND a <> '' THEN
        actor := a::jsonb;
    END IF;
    INSERT INTO audit_pending (account_id, username, role, domain, ip, user_agent, request_id,
                               action, object_type, object_id, outcome, old_values, new_values)
    VALUES ((actor ->> 'account_id')::bigint,
            CASE WHEN actor IS NULL THEN 'db:' || current_user ELSE actor ->> 'username' END,
            actor ->> 'role', actor ->> 'domain', actor ->> 'ip', actor ->> 'user_agent',
            actor ->> 'request_id', obj || '.' || lower(TG_OP), obj, obj_id, 'ok', oldv, newv);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_capture() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    obj   text := TG_ARGV[0];
    keys  text[] := TG_ARGV[1:];
    o     jsonb;
    n     jsonb;
    oldv  jsonb;
    newv  jsonb;
    k     text;
    obj_id text;
    a     text;
    actor jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN o := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN n := to_jsonb(NEW); END IF;
    SELECT string_agg(coalesce(n, o) ->> u.col, '/' ORDER BY u.i) INTO obj_id
      FROM unnest(keys) WITH ORDINALITY AS u(col, i);
    IF TG_OP = 'UPDATE' THEN
        SELECT jsonb_object_agg(e.key, CASE WHEN audit_redacted(e.key) THEN to_jsonb('<changed>'::text) ELSE e.value END),
               jsonb_object_agg(e.key, CASE WHEN audit_redacted(e.key) THEN to_jsonb('<changed>'::text) ELSE n -> e.key END)
          INTO oldv, newv
          FROM jsonb_each(o) e
         WHERE e.value IS DISTINCT FROM n -> e.key;
        IF oldv IS NULL THEN
            RETURN NULL; -- nothing changed
        END IF;
        FOREACH k IN ARRAY keys LOOP
            oldv := oldv || jsonb_build_object(k, o -> k);
            newv := newv || jsonb_build_object(k, n -> k);
        END LOOP;
    ELSE
        SELECT jsonb_object_agg(e.key, CASE WHEN audit_redacted(e.key) THEN to_jsonb('<changed>'::text) ELSE e.value END)
          INTO newv
          FROM jsonb_each(coalesce(n, o)) e
         WHERE NOT (audit_redacted(e.key) AND e.value = 'null'::jsonb);
        IF TG_OP = 'DELETE' THEN
            oldv := newv;
            newv := NULL;
        END IF;
    END IF;
    a := current_setting('anxin.actor', true);
    IF a IS NOT NULL AND a <> '' THEN
        actor := a::jsonb;
    END IF;
    INSERT INTO audit_pending (account_id, username, role, domain, ip, user_agent, request_id,
                               action, object_type, object_id, outcome, old_values, new_values)
    VALUES ((actor ->> 'account_id')::bigint,
            CASE WHEN actor IS NULL THEN 'db:' || current_user ELSE actor ->> 'username' END,
            actor ->> 'role', actor ->> 'domain', actor ->> 'ip', actor ->> 'user_agent',
            actor ->> 'request_id', obj || '.' || lower(TG_OP), obj, obj_id, 'ok', oldv, newv);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
DROP FUNCTION audit_masked(text, jsonb);
DROP FUNCTION audit_mask_phone(text);
DROP INDEX sessions_account_ip_idx;
DROP TABLE login_throttle;
