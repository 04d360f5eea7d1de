-- Warnings (预警, SPEC R4, issue 10): a hit of a warning rule (rules.Hit)
-- becomes one warning per condition (Hit.Key: rule, subject, period). The
-- warned enterprise answers (整改说明) within working days; its town
-- verifies the answer; silence or a rejected answer escalates to the town,
-- then to the city. The workflow (workflows.WarningWorkflow, ID
-- warning:<id>) owns the state; these rows are its projection
-- (activities.ProjectWarning), keyed by step.

-- +goose Up
CREATE TABLE warnings (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule_code     text NOT NULL,
    rule_version  integer NOT NULL,
    level         text NOT NULL CHECK (level IN ('yellow', 'orange', 'red')),
    subject_kind  text NOT NULL CHECK (subject_kind IN ('project', 'enterprise', 'employment')),
    project_id    bigint REFERENCES projects(id),
    enterprise_id bigint REFERENCES enterprises(id),
    employment_id bigint REFERENCES employments(id),
    -- the project's town (the warning's scope), or the enterprise's
    town_code     text REFERENCES towns(code),
    period        text NOT NULL DEFAULT '',
    figures       jsonb NOT NULL DEFAULT '{}',
    explanation   text NOT NULL DEFAULT '',
    basis         text NOT NULL DEFAULT '',
    -- rules.Hit.Key(): rule code + subject + period; one warning per key
    key           text NOT NULL UNIQUE,
    status        text NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'answering', 'verifying',
                      'escalated_town', 'escalated_city', 'closed', 'converted')),
    -- the enterprise's answer (整改说明) and its evidence
    answer        text NOT NULL DEFAULT '',
    evidence_ids  bigint[] NOT NULL DEFAULT '{}',
    answered_at   timestamptz,
    -- the deadline of whoever holds the warning now, and whether it passed
    due_at        timestamptz,
    overdue       boolean NOT NULL DEFAULT false,
    lead_id       bigint REFERENCES leads(id),
    seq           integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz,
    resolution    text NOT NULL DEFAULT '',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (rule_code, rule_version) REFERENCES warning_rules(code, version),
    CHECK (status <> 'converted' OR lead_id IS NOT NULL)
);
CREATE INDEX warnings_project_idx ON warnings (project_id) WHERE project_id IS NOT NULL;
CREATE INDEX warnings_enterprise_idx ON warnings (enterprise_id) WHERE enterprise_id IS NOT NULL;
CREATE INDEX warnings_town_idx ON warnings (town_code, id);
CREATE INDEX warnings_open_idx ON warnings (id) WHERE status NOT IN ('closed', 'converted');

CREATE TABLE warning_events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warning_id   bigint NOT NULL REFERENCES warnings(id),
    -- the workflow step; null for an office action (claim, assignment)
    seq          integer,
    at           timestamptz NOT NULL,
    action       text NOT NULL,
    actor_id     bigint REFERENCES accounts(id),
    actor_name   text NOT NULL DEFAULT '',
    actor_role   text NOT NULL,
    actor_domain text NOT NULL DEFAULT '',
    ip           text NOT NULL DEFAULT '',
    from_status  text,
    to_status    text NOT NULL,
    changes      jsonb NOT NULL DEFAULT '{}',
    note         text NOT NULL DEFAULT '',
    rule         text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX warning_events_seq ON warning_events (warning_id, seq) WHERE seq IS NOT NULL;
CREATE INDEX warning_events_warning_idx ON warning_events (warning_id, at);

-- A task is a lead's, a dispatch's or a warning's.
ALTER TABLE case_tasks ADD COLUMN warning_id bigint REFERENCES warnings(id);
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_one_case;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_one_case CHECK (num_nonnulls(lead_id, dispatch_id, warning_id) = 1);
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_warning_key UNIQUE (warning_id, key);
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_kind_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_kind_check CHECK (kind IN ('triage', 'accept', 'investigate', 'rectify',
    'verify', 'confirm', 'review', 'supervise', 'dispatch_report', 'dispatch_review',
    'warning_answer', 'warning_verify', 'warning_review'));
CREATE INDEX case_tasks_warning_idx ON case_tasks (warning_id) WHERE warning_id IS NOT NULL;

CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON warnings FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('warnings', 'id');

-- +goose Down
DROP INDEX case_tasks_warning_idx;
DELETE FROM case_tasks WHERE warning_id IS NOT NULL;
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_kind_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_kind_check CHECK (kind IN ('triage', 'accept', 'investigate', 'rectify',
    'verify', 'confirm', 'review', 'supervise', 'dispatch_report', 'dispatch_review'));
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_warning_key;
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_one_case;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_one_case CHECK (num_nonnulls(lead_id, dispatch_id) = 1);
ALTER TABLE case_tasks DROP COLUMN warning_id;
DROP TABLE warning_events;
DROP TABLE warnings;
