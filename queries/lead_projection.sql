-- The projection of the lead workflows (activities.ProjectLead): every
-- write is keyed by the workflow's step sequence, so a retried step
-- changes nothing.

-- name: LeadProjectState :execrows
-- The state after step seq, unless that step (or a later one) is in.
UPDATE leads SET
    seq = @seq, status = @status, town_code = sqlc.narg('town_code'),
    rectify_enterprise_id = sqlc.narg('rectify_enterprise_id'), major = @major,
    accept_due = sqlc.narg('accept_due'), handle_due = sqlc.narg('handle_due'),
    rectify_due = sqlc.narg('rectify_due'), confirm_due = sqlc.narg('confirm_due'),
    accept_due_estimated = @accept_due_estimated, handle_due_estimated = @handle_due_estimated,
    rectify_due_estimated = @rectify_due_estimated, confirm_due_estimated = @confirm_due_estimated,
    overdue = @overdue, supervision = @supervision, extended = @extended, reopened = @reopened,
    linked_reports = @linked_reports, closure_code = sqlc.narg('closure_code'),
    amount_paid_fen = sqlc.narg('amount_paid_fen'), amount_recovered_fen = sqlc.narg('amount_recovered_fen'),
    workers_covered = sqlc.narg('workers_covered'), result_summary = sqlc.narg('result_summary'),
    closed_at = sqlc.narg('closed_at'), updated_at = @at
WHERE id = @id AND seq < @seq;

-- name: LeadSeq :one
SELECT seq FROM leads WHERE id = @id;

-- name: LeadEventInsert :exec
INSERT INTO lead_events (lead_id, seq, at, action, actor_id, actor_name, actor_role, actor_domain, ip,
                         from_status, to_status, changes, note, rule)
VALUES (@lead_id, @seq, @at, @action, sqlc.narg('actor_id'), @actor_name, @actor_role, @actor_domain, @ip,
        sqlc.narg('from_status'), @to_status, @changes, @note, @rule)
ON CONFLICT (lead_id, seq) WHERE seq IS NOT NULL DO NOTHING;

-- name: CaseTaskCloseOthers :exec
-- Closes the lead's open tasks that the step left out.
UPDATE case_tasks SET closed_seq = @seq, closed_at = @at
WHERE lead_id = @lead_id::bigint AND closed_at IS NULL AND NOT (key = ANY (@keys::text[]));

-- name: CaseTaskUpsert :exec
-- Opens a task, or updates its due date (and whether it is estimated), reminder and overdue flag. A new
-- task of an office goes to whoever in that office had the lead's
-- previous task of the same office.
INSERT INTO case_tasks (lead_id, key, kind, actor, town_code, enterprise_id, project_id, worker_id,
                        assignee_id, opened_seq, opened_at, due_at, due_estimated, reminded_at, overdue)
VALUES (@lead_id::bigint, @key, @kind, @actor, sqlc.narg('town_code'), sqlc.narg('enterprise_id'),
        sqlc.narg('project_id'), sqlc.narg('worker_id'),
        (SELECT p.assignee_id FROM case_tasks p
         WHERE p.lead_id = @lead_id::bigint AND p.actor = @actor AND p.actor <> 'worker'
           AND p.town_code IS NOT DISTINCT FROM sqlc.narg('town_code')
           AND p.enterprise_id IS NOT DISTINCT FROM sqlc.narg('enterprise_id')
           AND p.assignee_id IS NOT NULL
         ORDER BY p.id DESC LIMIT 1),
        @opened_seq, @opened_at, sqlc.narg('due_at'), @due_estimated, sqlc.narg('reminded_at'), @overdue)
ON CONFLICT (lead_id, key) DO UPDATE
SET due_at = EXCLUDED.due_at, due_estimated = EXCLUDED.due_estimated, reminded_at = EXCLUDED.reminded_at, overdue = EXCLUDED.overdue
WHERE case_tasks.closed_at IS NULL;
