-- Deadlines counted without an official holiday calendar (issue 10,
-- item 5). A deadline that passes through a year missing from
-- work_calendar_years is counted on weekdays alone: the lead workflow
-- says so per deadline (cases.Deadline.Covered false), the projection
-- writes it here, and the API shows it (due_estimated). When the city
-- enters that year (PUT /calendar/{year}), the open leads whose running
-- deadlines pass through it (found with LeadsForRecount) are signalled
-- and recount them (workflows.RecountDeadlines).

-- +goose Up

ALTER TABLE leads
    ADD COLUMN accept_due_estimated  boolean NOT NULL DEFAULT false,
    ADD COLUMN handle_due_estimated  boolean NOT NULL DEFAULT false,
    ADD COLUMN rectify_due_estimated boolean NOT NULL DEFAULT false,
    ADD COLUMN confirm_due_estimated boolean NOT NULL DEFAULT false;

ALTER TABLE case_tasks
    ADD COLUMN due_estimated boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE case_tasks DROP COLUMN due_estimated;
ALTER TABLE leads
    DROP COLUMN accept_due_estimated,
    DROP COLUMN handle_due_estimated,
    DROP COLUMN rectify_due_estimated,
    DROP COLUMN confirm_due_estimated;
