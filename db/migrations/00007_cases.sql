-- Arrears leads (欠薪线索) as durable workflows (SPEC R3). The workflow
-- lead:<id> owns each lead's state, deadlines and escalations; the tables
-- below are its projection, written by idempotent activities keyed by the
-- workflow's step sequence (seq), and read by the API. Only the intake
-- columns of leads (who reported what, against whom) are written by the
-- API, when the lead is received, and the assignee of a task by its office.

-- +goose Up

-- The working-day calendar: the official arrangement of each year (国务院办公厅
-- 部分节假日安排) as exceptions to "Monday to Friday". A year is added as
-- data (a row per holiday and per adjusted working day, and a row in
-- work_calendar_years); a deadline that runs into a year not listed is
-- counted on weekdays alone and says so.
CREATE TABLE work_calendar_years (
    year   integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    source text NOT NULL
);

CREATE TABLE work_calendar (
    day     date PRIMARY KEY,
    -- false: a public holiday (放假); true: a weekend day worked (调休上班)
    workday boolean NOT NULL,
    name    text NOT NULL CHECK (length(name) BETWEEN 1 AND 32),
    CHECK (NOT workday OR extract(isodow FROM day) >= 6)
);

INSERT INTO work_calendar_years (year, source) VALUES
    (2026, '国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）');

INSERT INTO work_calendar (day, workday, name)
SELECT d::date, false, n FROM (VALUES
    ('2026-01-01', '2026-01-03', '元旦'),
    ('2026-02-15', '2026-02-23', '春节'),
    ('2026-04-04', '2026-04-06', '清明节'),
    ('2026-05-01', '2026-05-05', '劳动节'),
    ('2026-06-19', '2026-06-21', '端午节'),
    ('2026-09-25', '2026-09-27', '中秋节'),
    ('2026-10-01', '2026-10-07', '国庆节')
) AS h(f, t, n), generate_series(f::date, t::date, interval '1 day') AS d;

INSERT INTO work_calendar (day, workday, name) VALUES
    ('2026-01-04', true, '元旦调休上班'),
    ('2026-02-14', true, '春节调休上班'),
    ('2026-02-28', true, '春节调休上班'),
    ('2026-05-09', true, '劳动节调休上班'),
    ('2026-09-20', true, '国庆节调休上班'),
    ('2026-10-10', true, '国庆节调休上班');

-- Time limits and thresholds per case kind (cases.Policy). A workflow reads
-- its kind's row at its start.
CREATE TABLE case_policies (
    kind              text PRIMARY KEY CHECK (kind IN ('lead')),
    accept_days       integer NOT NULL CHECK (accept_days BETWEEN 1 AND 60),
    handle_days       integer NOT NULL CHECK (handle_days BETWEEN 1 AND 365),
    extend_days       integer NOT NULL CHECK (extend_days BETWEEN 0 AND 365),
    rectify_days      integer NOT NULL CHECK (rectify_days BETWEEN 1 AND 365),
    confirm_days      integer NOT NULL CHECK (confirm_days BETWEEN 1 AND 60),
    remind_days       integer NOT NULL CHECK (remind_days BETWEEN 0 AND 30),
    listed_after_days integer NOT NULL CHECK (listed_after_days BETWEEN 0 AND 365),
    major_workers     integer NOT NULL CHECK (major_workers >= 0),
    major_amount_fen  bigint  NOT NULL CHECK (major_amount_fen >= 0),
    version           integer NOT NULL DEFAULT 1,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

INSERT INTO case_policies (kind, accept_days, handle_days, extend_days, rectify_days, confirm_days,
                           remind_days, listed_after_days, major_workers, major_amount_fen)
VALUES ('lead', 5, 60, 30, 10, 5, 1, 10, 10, 50000000);

CREATE TABLE leads (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- intake (written once by the API)
    source             text NOT NULL CHECK (source IN ('worker_app','hotline','walk_in','national_platform')),
    external_id        text CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 64),
    worker_id          bigint REFERENCES workers(id),
    reporter_name      text NOT NULL CHECK (length(reporter_name) BETWEEN 1 AND 64),
    reporter_phone_enc bytea,
    reporter_phone_hash bytea,
    reporter_id_enc    bytea,
    reporter_id_hash   bytea,
    project_id         bigint REFERENCES projects(id),
    project_named      text NOT NULL DEFAULT '' CHECK (length(project_named) <= 128),
    employer_named     text NOT NULL DEFAULT '' CHECK (length(employer_named) <= 128),
    amount_claimed_fen bigint NOT NULL CHECK (amount_claimed_fen >= 0),
    workers_claimed    integer NOT NULL CHECK (workers_claimed BETWEEN 1 AND 100000),
    description        text NOT NULL CHECK (length(description) BETWEEN 1 AND 2000),
    received_at        timestamptz NOT NULL,
    received_by        bigint REFERENCES accounts(id),
    -- projection of the workflow (written by activities only)
    seq                integer NOT NULL DEFAULT 0,
    status             text NOT NULL DEFAULT 'received'
                       CHECK (status IN ('received','triage','dispatched','investigating','rectifying',
                                         'verifying','confirming','review','closed')),
    town_code          text REFERENCES towns(code),
    rectify_enterprise_id bigint REFERENCES enterprises(id),
    major              boolean NOT NULL DEFAULT false,
    accept_due         timestamptz,
    handle_due         timestamptz,
    rectify_due        timestamptz,
    confirm_due        timestamptz,
    overdue            boolean NOT NULL DEFAULT false,
    supervision        text NOT NULL DEFAULT 'none' CHECK (supervision IN ('none','supervised','listed')),
    extended           boolean NOT NULL DEFAULT false,
    reopened           integer NOT NULL DEFAULT 0,
    linked_reports     integer NOT NULL DEFAULT 0,
    closure_code       text CHECK (closure_code IN ('paid_in_full','paid_in_part','arbitration','court','police',
                                                    'not_founded','duplicate','withdrawn','outside_jurisdiction','other')),
    amount_paid_fen    bigint CHECK (amount_paid_fen >= 0),
    amount_recovered_fen bigint CHECK (amount_recovered_fen >= 0),
    workers_covered    integer CHECK (workers_covered >= 0),
    result_summary     text,
    closed_at          timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, external_id)
);
-- One open lead per worker and project: a second report while one is open
-- is linked to it (the API serialises intake per worker and project).
CREATE UNIQUE INDEX leads_open_worker_project ON leads (worker_id, project_id)
    WHERE status <> 'closed' AND worker_id IS NOT NULL AND project_id IS NOT NULL;
CREATE INDEX leads_town_idx ON leads (town_code, status);
CREATE INDEX leads_worker_idx ON leads (worker_id);
CREATE INDEX leads_project_idx ON leads (project_id);
CREATE INDEX leads_rectify_enterprise_idx ON leads (rectify_enterprise_id) WHERE rectify_enterprise_id IS NOT NULL;
CREATE INDEX leads_received_idx ON leads (received_at);
CREATE INDEX leads_open_due_idx ON leads (status) WHERE status <> 'closed';

-- The history of a lead: one row per workflow step (seq), the key that
-- makes its projection idempotent. Escalations carry the rule that fired
-- them and no actor (the system); office actions (assignment) have no
-- seq.
CREATE TABLE lead_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id     bigint NOT NULL REFERENCES leads(id),
    seq         integer,
    at          timestamptz NOT NULL,
    action      text NOT NULL,
    actor_id    bigint REFERENCES accounts(id),
    actor_name  text NOT NULL DEFAULT '',
    actor_role  text NOT NULL,
    actor_domain text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    from_status text,
    to_status   text NOT NULL,
    changes     jsonb NOT NULL DEFAULT '{}',
    note        text NOT NULL DEFAULT '',
    rule        text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX lead_events_seq ON lead_events (lead_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX lead_events_lead_idx ON lead_events (lead_id, at);

-- The open work of each actor (and, closed, what was done): a task per
-- workflow task key. actor says whose inbox: the city, the town of
-- town_code, the enterprise of enterprise_id (and the labour manager of
-- project_id), or the worker. assignee_id is the officer in the office who
-- has it (claimed or assigned); the workflow never changes it.
CREATE TABLE case_tasks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id       bigint NOT NULL REFERENCES leads(id),
    key           text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('triage','accept','investigate','rectify','verify','confirm','review','supervise')),
    actor         text NOT NULL CHECK (actor IN ('city','town','enterprise','worker')),
    town_code     text REFERENCES towns(code),
    enterprise_id bigint REFERENCES enterprises(id),
    project_id    bigint REFERENCES projects(id),
    worker_id     bigint REFERENCES workers(id),
    assignee_id   bigint REFERENCES accounts(id),
    opened_seq    integer NOT NULL,
    opened_at     timestamptz NOT NULL,
    due_at        timestamptz,
    reminded_at   timestamptz,
    overdue       boolean NOT NULL DEFAULT false,
    closed_seq    integer,
    closed_at     timestamptz,
    UNIQUE (lead_id, key),
    CHECK (actor <> 'town' OR town_code IS NOT NULL),
    CHECK (actor <> 'enterprise' OR enterprise_id IS NOT NULL),
    CHECK (actor <> 'worker' OR worker_id IS NOT NULL)
);
CREATE INDEX case_tasks_city_open ON case_tasks (due_at) WHERE closed_at IS NULL AND actor = 'city';
CREATE INDEX case_tasks_town_open ON case_tasks (town_code, due_at) WHERE closed_at IS NULL AND actor = 'town';
CREATE INDEX case_tasks_enterprise_open ON case_tasks (enterprise_id, due_at) WHERE closed_at IS NULL AND actor = 'enterprise';
CREATE INDEX case_tasks_project_open ON case_tasks (project_id, due_at) WHERE closed_at IS NULL AND actor = 'enterprise';
CREATE INDEX case_tasks_worker_open ON case_tasks (worker_id) WHERE closed_at IS NULL AND actor = 'worker';
CREATE INDEX case_tasks_assignee_open ON case_tasks (assignee_id, due_at) WHERE closed_at IS NULL;
CREATE INDEX case_tasks_lead_idx ON case_tasks (lead_id);

-- Evidence files (整改凭证): stored content-addressed under the data
-- directory by their SHA-256; a row per upload to a lead. An upload in
-- progress has no sha256 yet (received counts the bytes stored so far).
CREATE TABLE evidence_files (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id       bigint NOT NULL REFERENCES leads(id),
    uploaded_by   bigint NOT NULL REFERENCES accounts(id),
    filename      text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
    declared_size bigint NOT NULL CHECK (declared_size > 0),
    received      bigint NOT NULL DEFAULT 0 CHECK (received >= 0 AND received <= declared_size),
    content_type  text,
    sha256        text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    completed_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((completed_at IS NULL) = (sha256 IS NULL))
);
CREATE INDEX evidence_files_lead_idx ON evidence_files (lead_id);

-- Every change is captured in the system log with the actor of its
-- transaction (the API's caller, or the workflow step's actor).
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON work_calendar_years FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('work_calendar_years', 'year');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON work_calendar FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('work_calendar', 'day');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON case_policies FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('case_policies', 'kind');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON leads FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('leads', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON case_tasks FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('case_tasks', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON evidence_files FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('evidence_files', 'id');

-- Permissions (docs/PERMISSIONS.md).
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','city_supervisor','city','leads','read'),
    ('p','city_supervisor','city','leads','intake'),
    ('p','city_supervisor','city','leads','act'),
    ('p','city_supervisor','city','leads','import'),
    ('p','city_supervisor','city','tasks','read'),
    ('p','city_supervisor','city','tasks','assign'),
    ('p','city_supervisor','city','evidence','read'),
    ('p','city_supervisor','city','calendar','read'),
    ('p','city_supervisor','city','calendar','write'),
    ('p','city_supervisor','city','case-policies','read'),
    ('p','city_supervisor','city','case-policies','write'),
    ('p','town_officer','town:*','leads','read'),
    ('p','town_officer','town:*','leads','intake'),
    ('p','town_officer','town:*','leads','act'),
    ('p','town_officer','town:*','tasks','read'),
    ('p','town_officer','town:*','tasks','assign'),
    ('p','town_officer','town:*','evidence','read'),
    ('p','town_officer','town:*','calendar','read'),
    ('p','town_officer','town:*','case-policies','read'),
    ('p','enterprise_user','ent:*','leads','read'),
    ('p','enterprise_user','ent:*','leads','act'),
    ('p','enterprise_user','ent:*','tasks','read'),
    ('p','enterprise_user','ent:*','evidence','read'),
    ('p','enterprise_user','ent:*','evidence','write'),
    ('p','project_manager','proj:*','leads','read'),
    ('p','project_manager','proj:*','leads','act'),
    ('p','project_manager','proj:*','tasks','read'),
    ('p','project_manager','proj:*','evidence','read'),
    ('p','project_manager','proj:*','evidence','write'),
    ('p','worker','worker:*','leads','read'),
    ('p','worker','worker:*','leads','report'),
    ('p','worker','worker:*','leads','act'),
    ('p','worker','worker:*','tasks','read');

-- +goose Down
DELETE FROM authz_policy WHERE v2 IN ('leads','tasks','evidence','calendar','case-policies');
DROP TABLE evidence_files;
DROP TABLE case_tasks;
DROP TABLE lead_events;
DROP TABLE leads;
DROP TABLE case_policies;
DROP TABLE work_calendar;
DROP TABLE work_calendar_years;
