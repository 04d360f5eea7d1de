-- Deadlines counted without an official holiday calendar on dispatches
-- and warnings themselves, not only on their tasks (issue 10: "a deadline
-- counted without an official calendar is marked as such in the API",
-- as leads have since 00012_calendar_recount.sql). The workflows carry
-- the flag in their state (cases.DispatchPart.DueEstimated,
-- ReviewDueEstimated; cases.WarningState.DueEstimated); the projections
-- write it here. A town's part also keeps the city's deadline to review
-- its report (review_due), which the workflow had and the table did not.
--
-- The rows of cases in flight are filled from their tasks, which carried
-- the flag already: the workflows' states (rebuilt by replay on
-- the new code) say the same, so the reconcile check finds them equal
-- before their next step writes them.

-- +goose Up
ALTER TABLE dispatch_towns
    ADD COLUMN due_estimated        boolean NOT NULL DEFAULT false,
    ADD COLUMN review_due           timestamptz,
    ADD COLUMN review_due_estimated boolean NOT NULL DEFAULT false;

ALTER TABLE warnings
    ADD COLUMN due_estimated boolean NOT NULL DEFAULT false;

-- a part's marks are those of its latest tasks: the report's due date
-- stays on the part after the report, the review's after the answer
UPDATE dispatch_towns dt SET due_estimated = t.due_estimated
FROM (SELECT DISTINCT ON (dispatch_id, town_code) dispatch_id, town_code, due_estimated
      FROM case_tasks WHERE dispatch_id IS NOT NULL AND kind = 'dispatch_report'
      ORDER BY dispatch_id, town_code, opened_seq DESC) t
WHERE t.dispatch_id = dt.dispatch_id AND t.town_code = dt.town_code AND t.due_estimated;

UPDATE dispatch_towns dt SET review_due = t.due_at, review_due_estimated = t.due_estimated
FROM (SELECT DISTINCT ON (dispatch_id, town_code) dispatch_id, town_code, kind, due_at, due_estimated
      FROM case_tasks WHERE dispatch_id IS NOT NULL AND kind IN ('dispatch_report', 'dispatch_review')
      ORDER BY dispatch_id, town_code, opened_seq DESC) t
WHERE t.dispatch_id = dt.dispatch_id AND t.town_code = dt.town_code AND t.kind = 'dispatch_review';

UPDATE warnings w SET due_estimated = true
FROM case_tasks t
WHERE t.warning_id = w.id AND t.closed_at IS NULL AND t.due_estimated
  AND w.status IN ('answering', 'verifying', 'escalated_town', 'escalated_city');

-- +goose Down
ALTER TABLE warnings DROP COLUMN due_estimated;
ALTER TABLE dispatch_towns
    DROP COLUMN due_estimated,
    DROP COLUMN review_due,
    DROP COLUMN review_due_estimated;
