-- The system log 系统日志 (SPEC R7): an append-only, tamper-evident record of
-- every change to the business tables, every login and refused request,
-- every API access and every look at unmasked personal data. docs/AUDIT.md
-- describes it; package audit reads, verifies, exports and archives it.
--
-- Capture. audit_capture(), an AFTER ROW trigger on every business table,
-- writes one row per inserted, updated or deleted row into audit_pending:
-- action '<table>.<insert|update|delete>', the row's key as object_id, the
-- row as old_values/new_values (an update only the changed keys plus the
-- key; columns ending in _enc or _hash — ciphertext and keyed hashes of
-- personal data, password_hash — never: "<changed>" when they changed). The
-- actor is the transaction-local setting anxin.actor (JSON: account_id,
-- username, role, domain, ip, user_agent, request_id; audit.SetActor), or
-- 'db:' || current_user without it. A bulk loader switches capture off for
-- its transaction with SET LOCAL anxin.audit_capture = 'off' (the WHEN
-- clause of the trigger: then not even a trigger event is queued).
--
-- Sealing. Business rows are locked in any order during a transaction, so
-- nothing may take the chain head then. audit_seal(), a deferred constraint
-- trigger on audit_pending, runs at commit: its first firing locks
-- audit_head, moves all of the transaction's pending rows into audit_log in
-- pending order with the ids head+1, head+2, … and their hashes, moves the
-- head and deletes the pending rows; the other firings find their row gone.
-- The head lock is the last lock a transaction takes and is held only until
-- its commit. (A transaction that runs SET CONSTRAINTS ALL IMMEDIATE would
-- seal early and hold the head to its end; nothing here does.) Sealing
-- reads the newest head, so audited writes must run in READ COMMITTED: in
-- REPEATABLE READ or SERIALIZABLE a commit after another one sealed fails
-- with a serialization error (40001, retryable).
--
-- Hash chain. hash = sha256(prev_hash || encoding), prev_hash of id 1 is 32
-- zero bytes, and encoding is the UTF-8 string of the fields
--   id, at (integer microseconds since 1970-01-01 UTC), account_id,
--   username, role, domain, ip, user_agent, request_id, action,
--   object_type, object_id, outcome, status, old_values::text,
--   new_values::text, detail::text
-- each written 'N' when NULL and 'S' || <byte length> || ':' || <bytes>
-- otherwise (numbers in decimal). audit_encode() below and package audit
-- (audit/hash.go) are the two implementations; a test keeps them equal.
--
-- at never decreases along the chain (sealing raises it to the previous
-- entry's at when needed), so each month partition holds one contiguous
-- range of ids: retention exports and drops whole months, oldest first,
-- and records in audit_archive where the chain continues.
--
-- Append-only: UPDATE, DELETE and TRUNCATE of audit_log raise an error.
-- Old months leave only by DETACH and DROP of their partition (DDL), after
-- their export verified (audit.ArchiveAndDrop).

-- +goose Up
CREATE TABLE audit_log (
    id          bigint NOT NULL,           -- position in the chain: 1, 2, 3, …
    at          timestamptz NOT NULL,
    account_id  bigint,
    username    text,
    role        text,
    domain      text,
    ip          text,
    user_agent  text,
    request_id  text,
    -- 'GET /api/v1/projects/:id', 'auth.login', 'projects.update', …
    action      text NOT NULL,
    object_type text,
    object_id   text,
    outcome     text NOT NULL CHECK (outcome IN ('ok','denied','failed','error')),
    status      integer,                   -- HTTP status of an API access
    old_values  jsonb,
    new_values  jsonb,
    detail      jsonb,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
-- at follows the physical order of the rows (appended in id order with a
-- non-decreasing at), so a BRIN index serves time ranges at almost no cost.
CREATE INDEX audit_log_at_idx ON audit_log USING brin (at);
CREATE INDEX audit_log_account_idx ON audit_log (account_id, at) WHERE account_id IS NOT NULL;
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id) WHERE object_id IS NOT NULL;
CREATE INDEX audit_log_request_idx ON audit_log (request_id) WHERE request_id IS NOT NULL;

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

-- The chain head: the id and hash of the last sealed entry.
CREATE TABLE audit_head (
    one       boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id   bigint NOT NULL,
    last_hash bytea NOT NULL,
    last_at   timestamptz
);
INSERT INTO audit_head (last_id, last_hash) VALUES (0, decode(repeat('00', 32), 'hex'));

-- Entries of open transactions, sealed into audit_log at their commit.
CREATE TABLE audit_pending (
    pid         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    account_id  bigint,
    username    text,
    role        text,
    domain      text,
    ip          text,
    user_agent  text,
    request_id  text,
    action      text NOT NULL,
    object_type text,
    object_id   text,
    outcome     text NOT NULL DEFAULT 'ok' CHECK (outcome IN ('ok','denied','failed','error')),
    status      integer,
    old_values  jsonb,
    new_values  jsonb,
    detail      jsonb
);
CREATE INDEX audit_pending_xid_idx ON audit_pending (xid, pid);

-- Months exported and dropped by retention (and anchors recorded by an
-- import of a chain that does not start at id 1): where the chain
-- continues after rows that are no longer in audit_log.
CREATE TABLE audit_archive (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month           date,               -- first day (UTC) of the month dropped
    first_id        bigint NOT NULL,
    last_id         bigint NOT NULL,
    row_count       bigint NOT NULL,
    first_prev_hash bytea NOT NULL,     -- prev_hash of first_id
    last_hash       bytea NOT NULL,     -- hash of last_id: the anchor
    file_name       text NOT NULL,
    file_sha256     text,               -- hex sha256 of the archive file
    exported_at     timestamptz NOT NULL DEFAULT now(),
    dropped_at      timestamptz,
    restored_at     timestamptz,        -- imported again
    CHECK (last_id >= first_id AND row_count = last_id - first_id + 1)
);
CREATE INDEX audit_archive_first_idx ON audit_archive (first_id);

-- The encoding functions are inlined into the queries that call them
-- (which is what makes them fast: a call of a SQL function that is not
-- inlined costs far more than the hashing). Inlining needs the declared
-- volatility to hold for the body: hence octet_length(v)::text (text ||
-- integer would be the STABLE anytextcat) and audit_encode STABLE
-- (convert_to is).
-- +goose StatementBegin
CREATE FUNCTION audit_field(v text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL THEN 'N' ELSE 'S' || octet_length(v)::text || ':' || v END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_encode(id bigint, at timestamptz, account_id bigint, username text, role text,
                             domain text, ip text, user_agent text, request_id text, action text,
                             object_type text, object_id text, outcome text, status integer,
                             old_values jsonb, new_values jsonb, detail jsonb) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT convert_to(
        audit_field(id::text)
        || audit_field(((extract(epoch FROM at) * 1000000)::bigint)::text)
        || audit_field(account_id::text)
        || audit_field(username) || audit_field(role) || audit_field(domain)
        || audit_field(ip) || audit_field(user_agent) || audit_field(request_id)
        || audit_field(action) || audit_field(object_type) || audit_field(object_id)
        || audit_field(outcome) || audit_field(status::text)
        || audit_field(old_values::text) || audit_field(new_values::text) || audit_field(detail::text),
        'UTF8')
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the system log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'old months leave only through retention (audit.ArchiveAndDrop)';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
-- Statement triggers are not cloned to partitions: each partition gets its
-- own TRUNCATE guard (audit_ensure_partitions).
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log_default
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Archive records are evidence for verification: never deleted.
CREATE TRIGGER audit_archive_keep BEFORE DELETE OR TRUNCATE ON audit_archive
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_head_keep BEFORE DELETE OR TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Monthly partitions audit_log_YYYYMM, months in UTC. A month whose rows
-- already sit in the default partition is skipped (its rows stay there).
-- +goose StatementBegin
CREATE FUNCTION audit_ensure_partitions(from_month date, to_month date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', from_month)::date;
    created integer := 0;
    part text;
    lo timestamptz;
    hi timestamptz;
BEGIN
    WHILE m <= to_month LOOP
        part := format('audit_log_%s', to_char(m, 'YYYYMM'));
        lo := m::timestamp AT TIME ZONE 'UTC';
        hi := (m + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        IF to_regclass(part) IS NULL
           AND NOT EXISTS (SELECT 1 FROM audit_log_default WHERE at >= lo AND at < hi) THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_log FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
            EXECUTE format('CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON %I '
                           'FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', part);
            created := created + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN created;
END;
$$;
-- +goose StatementEnd

SELECT audit_ensure_partitions(date '2025-01-01',
                               greatest(date '2027-12-01', (now() + interval '3 months')::date));

-- Seal the transaction's pending entries into the chain (see the top).
-- +goose StatementBegin
CREATE FUNCTION audit_seal() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    head_id   bigint;
    head_hash bytea;
    head_at   timestamptz;
    r         record;
    t         timestamptz;
    h         bytea;
BEGIN
    -- Every pending row fires this at commit; the first firing seals them
    -- all, so the others find their row gone.
    PERFORM 1 FROM audit_pending WHERE pid = NEW.pid;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT last_id, last_hash, last_at INTO head_id, head_hash, head_at
      FROM audit_head FOR UPDATE;
    FOR r IN
        WITH moved AS (DELETE FROM audit_pending WHERE xid = pg_current_xact_id() RETURNING *)
        SELECT * FROM moved ORDER BY pid
    LOOP
        head_id := head_id + 1;
        t := greatest(r.at, head_at);
        h := sha256(head_hash || audit_encode(head_id, t, r.account_id, r.username, r.role, r.domain,
                                              r.ip, r.user_agent, r.request_id, r.action, r.object_type,
                                              r.object_id, r.outcome, r.status, r.old_values,
                                              r.new_values, r.detail));
        INSERT INTO audit_log (id, at, account_id, username, role, domain, ip, user_agent, request_id,
                               action, object_type, object_id, outcome, status, old_values,
                               new_values, detail, prev_hash, hash)
        VALUES (head_id, t, r.account_id, r.username, r.role, r.domain, r.ip, r.user_agent,
                r.request_id, r.action, r.object_type, r.object_id, r.outcome, r.status,
                r.old_values, r.new_values, r.detail, head_hash, h);
        head_hash := h;
        head_at := t;
    END LOOP;
    UPDATE audit_head SET last_id = head_id, last_hash = head_hash, last_at = head_at;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER audit_seal AFTER INSERT ON audit_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_seal();

-- Columns never copied into the log: ciphertext (_enc) and keyed hashes
-- (_hash, password_hash) of personal data.
-- +goose StatementBegin
CREATE FUNCTION audit_redacted(col text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT col LIKE '%\_enc' OR col LIKE '%\_hash'
$$;
-- +goose StatementEnd

-- The capture trigger. Arguments: the object type (the table name; given
-- because the trigger of a partitioned table runs on its partitions), then
-- the key columns, joined by '/' into object_id.
-- +goose StatementBegin
CREATE FUNCTION audit_capture() RETURNS trigger
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

-- The business tables of 00001–00003 (accounts: 00006).
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON towns FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('towns', 'code');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON enterprises FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('enterprises', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON enterprise_credit_listings FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('enterprise_credit_listings', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON projects FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('projects', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON project_wage_systems FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('project_wage_systems', 'project_id', 'system');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON workers FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('workers', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON teams FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('teams', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON employments FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('employments', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON attendance FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('attendance', 'project_id', 'work_date', 'worker_id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON work_records FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('work_records', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON payroll_sheets FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('payroll_sheets', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON payroll_lines FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('payroll_lines', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON wage_accounts FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('wage_accounts', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON labour_cost_transfers FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('labour_cost_transfers', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON wage_deposits FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('wage_deposits', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON wage_deposit_movements FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('wage_deposit_movements', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON safety_homes FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('safety_homes', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON safety_supervisors FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('safety_supervisors', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON safety_activities FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('safety_activities', 'id');

-- +goose Down
DROP TRIGGER audit_capture ON safety_activities;
DROP TRIGGER audit_capture ON safety_supervisors;
DROP TRIGGER audit_capture ON safety_homes;
DROP TRIGGER audit_capture ON wage_deposit_movements;
DROP TRIGGER audit_capture ON wage_deposits;
DROP TRIGGER audit_capture ON labour_cost_transfers;
DROP TRIGGER audit_capture ON wage_accounts;
DROP TRIGGER audit_capture ON payroll_lines;
DROP TRIGGER audit_capture ON payroll_sheets;
DROP TRIGGER audit_capture ON work_records;
DROP TRIGGER audit_capture ON attendance;
DROP TRIGGER audit_capture ON employments;
DROP TRIGGER audit_capture ON teams;
DROP TRIGGER audit_capture ON workers;
DROP TRIGGER audit_capture ON project_wage_systems;
DROP TRIGGER audit_capture ON projects;
DROP TRIGGER audit_capture ON enterprise_credit_listings;
DROP TRIGGER audit_capture ON enterprises;
DROP TRIGGER audit_capture ON towns;
DROP FUNCTION audit_capture();
DROP FUNCTION audit_redacted(text);
DROP TABLE audit_pending;
DROP FUNCTION audit_seal();
DROP FUNCTION audit_ensure_partitions(date, date);
DROP TABLE audit_archive;
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP FUNCTION audit_refuse_change();
DROP FUNCTION audit_encode(bigint, timestamptz, bigint, text, text, text, text, text, text, text, text, text, text, integer, jsonb, jsonb, jsonb);
DROP FUNCTION audit_field(text);
