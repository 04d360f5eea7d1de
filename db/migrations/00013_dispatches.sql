-- Dispatches (交办/督办, SPEC R3, issue 10): the city assigns a matter to
-- one or more towns with instructions and a working-day deadline; each
-- town reports back and the city accepts or returns each report; the
-- dispatch closes when every town's report is accepted. The workflow
-- (workflows.DispatchWorkflow, ID dispatch:<id>) owns the state; these
-- tables are its projection (activities.ProjectDispatch), keyed by step.

-- +goose Up
CREATE TABLE dispatches (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL CHECK (length(title) BETWEEN 2 AND 200),
    instructions text NOT NULL CHECK (length(instructions) BETWEEN 2 AND 4000),
    -- the lead this dispatch supervises (督办 on a lead), if any
    lead_id      bigint REFERENCES leads(id),
    level        text NOT NULL DEFAULT 'supervised' CHECK (level IN ('supervised', 'listed')),
    due_days     integer NOT NULL CHECK (due_days BETWEEN 1 AND 365),
    status       text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'open', 'closed', 'cancelled')),
    seq          integer NOT NULL DEFAULT 0,
    created_by   bigint NOT NULL REFERENCES accounts(id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    closed_at    timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispatches_lead_idx ON dispatches (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX dispatches_open_idx ON dispatches (id) WHERE status IN ('received', 'open');

-- One town's part of a dispatch: its deadline, its report, the city's
-- answer. Rows are made with the dispatch (status assigned), then kept
-- equal to the workflow's state by the projection.
CREATE TABLE dispatch_towns (
    dispatch_id  bigint NOT NULL REFERENCES dispatches(id),
    town_code    text NOT NULL REFERENCES towns(code),
    status       text NOT NULL DEFAULT 'assigned' CHECK (status IN ('assigned', 'reported', 'accepted', 'cancelled')),
    due_at       timestamptz,
    reminded_at  timestamptz,
    overdue      boolean NOT NULL DEFAULT false,
    returned     integer NOT NULL DEFAULT 0,
    report       text NOT NULL DEFAULT '',
    reported_at  timestamptz,
    accepted_at  timestamptz,
    PRIMARY KEY (dispatch_id, town_code)
);
CREATE INDEX dispatch_towns_town_idx ON dispatch_towns (town_code, dispatch_id);

CREATE TABLE dispatch_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dispatch_id  bigint NOT NULL REFERENCES dispatches(id),
    -- the workflow step; null for an office action (claim, assignment)
    seq          integer,
    at           timestamptz NOT NULL,
    action       text NOT NULL,
    actor_id     bigint REFERENCES accounts(id),
    actor_name   text NOT NULL DEFAULT '',
    actor_role   text NOT NULL,
    actor_domain text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    town_code    text,
    from_status  text,
    to_status    text NOT NULL,
    changes      jsonb NOT NULL DEFAULT '{}',
    note         text NOT NULL DEFAULT '',
    rule         text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX dispatch_events_seq ON dispatch_events (dispatch_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX dispatch_events_dispatch_idx ON dispatch_events (dispatch_id, at);

-- The inbox holds the tasks of every case kind: a task is a lead's or a
-- dispatch's.
ALTER TABLE case_tasks ALTER COLUMN lead_id DROP NOT NULL;
ALTER TABLE case_tasks ADD COLUMN dispatch_id bigint REFERENCES dispatches(id);
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_one_case CHECK (num_nonnulls(lead_id, dispatch_id) = 1);
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_dispatch_key UNIQUE (dispatch_id, key);
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_kind_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_kind_check CHECK (kind IN ('triage', 'accept', 'investigate', 'rectify',
    'verify', 'confirm', 'review', 'supervise', 'dispatch_report', 'dispatch_review'));
CREATE INDEX case_tasks_dispatch_idx ON case_tasks (dispatch_id) WHERE dispatch_id IS NOT NULL;

CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON dispatches FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('dispatches', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON dispatch_towns FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('dispatch_towns', 'dispatch_id');

-- Permissions (docs/PERMISSIONS.md): the city creates and answers
-- dispatches; a town reads and reports on its own part.
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','city_supervisor','city','dispatches','read'),
    ('p','city_supervisor','city','dispatches','create'),
    ('p','city_supervisor','city','dispatches','act'),
    ('p','town_officer','town:*','dispatches','read'),
    ('p','town_officer','town:*','dispatches','act');

-- +goose Down
DELETE FROM authz_policy WHERE v2 = 'dispatches';
DROP INDEX case_tasks_dispatch_idx;
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_kind_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_kind_check CHECK (kind IN ('triage','accept','investigate','rectify','verify','confirm','review','supervise'));
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_dispatch_key;
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_one_case;
ALTER TABLE case_tasks DROP COLUMN dispatch_id;
ALTER TABLE case_tasks ALTER COLUMN lead_id SET NOT NULL;
DROP TABLE dispatch_events;
DROP TABLE dispatch_towns;
DROP TABLE dispatches;
