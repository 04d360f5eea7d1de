-- Claimants of a lead (集体欠薪: one lead, many claimants; SPEC R3). Each
-- line is a worker of the real-name records (worker_id) or a name and a
-- phone, with the amount owed, the period and the team leader. The API
-- writes a line's personal data (name, phone) at intake, a linked report
-- or a merge; the lead's workflow owns the line's state (status, amounts,
-- app) and its projection writes them (activities.ProjectLead). A line is
-- part of its lead once a projected step took it in (added_seq): a row the
-- API recorded for a step the workflow then refused stays out of sight.
-- A merge (并案) moves the lines of the merged lead to the lead it joins
-- (lead_id changes, moved_from keeps where they came from).

-- +goose Up
CREATE TABLE lead_claimants (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id              bigint NOT NULL REFERENCES leads(id),
    worker_id            bigint REFERENCES workers(id),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    phone_enc            bytea,
    phone_hash           bytea,
    amount_owed_fen      bigint NOT NULL CHECK (amount_owed_fen >= 0),
    period_from          date,
    period_to            date,
    team_leader          text NOT NULL DEFAULT '' CHECK (length(team_leader) <= 64),
    -- the workflow's (projection)
    status               text NOT NULL DEFAULT 'open' CHECK (status IN ('open','confirmed','disputed','unreachable')),
    app                  boolean NOT NULL DEFAULT false,
    amount_recovered_fen bigint CHECK (amount_recovered_fen >= 0),
    note                 text NOT NULL DEFAULT '',
    added_seq            integer,
    moved_from           bigint REFERENCES leads(id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (period_from IS NULL OR period_to IS NULL OR period_from <= period_to)
);
CREATE INDEX lead_claimants_lead_idx ON lead_claimants (lead_id, id);
CREATE INDEX lead_claimants_worker_idx ON lead_claimants (worker_id) WHERE worker_id IS NOT NULL;

-- A merged lead points to the lead it was merged into.
ALTER TABLE leads ADD COLUMN merged_into bigint REFERENCES leads(id);
ALTER TABLE leads DROP CONSTRAINT leads_closure_code_check;
ALTER TABLE leads ADD CONSTRAINT leads_closure_code_check CHECK (closure_code IN ('paid_in_full','paid_in_part',
    'arbitration','court','police','not_founded','duplicate','withdrawn','outside_jurisdiction','other','merged'));

-- The town's call-back (回访) of the claimants without the app.
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_kind_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_kind_check CHECK (kind IN ('triage', 'accept', 'investigate', 'rectify',
    'verify', 'confirm', 'review', 'supervise', 'dispatch_report', 'dispatch_review',
    'warning_answer', 'warning_verify', 'warning_review', 'callback'));

CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON lead_claimants FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('lead_claimants', 'id');

-- +goose Down
DELETE FROM case_tasks WHERE kind = 'callback';
ALTER TABLE case_tasks DROP CONSTRAINT case_tasks_kind_check;
ALTER TABLE case_tasks ADD CONSTRAINT case_tasks_kind_check CHECK (kind IN ('triage', 'accept', 'investigate', 'rectify',
    'verify', 'confirm', 'review', 'supervise', 'dispatch_report', 'dispatch_review',
    'warning_answer', 'warning_verify', 'warning_review'));
UPDATE leads SET closure_code = 'duplicate' WHERE closure_code = 'merged';
ALTER TABLE leads DROP CONSTRAINT leads_closure_code_check;
ALTER TABLE leads ADD CONSTRAINT leads_closure_code_check CHECK (closure_code IN ('paid_in_full','paid_in_part',
    'arbitration','court','police','not_founded','duplicate','withdrawn','outside_jurisdiction','other'));
ALTER TABLE leads DROP COLUMN merged_into;
DROP TABLE lead_claimants;
