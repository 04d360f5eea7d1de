-- The consistency check of the lead projection (package reconcile): it
-- reads what activities.ProjectLead wrote, to compare it with the state
-- each lead workflow answers. Read-only.

-- name: ReconcileLeadPage :many
-- The projected state of the leads after after_id, in id order: open ones
-- only unless include_closed; only those of ids when ids is not empty.
SELECT id, seq, status, town_code, rectify_enterprise_id, major,
       accept_due, handle_due, rectify_due, confirm_due, accept_due_estimated, handle_due_estimated,
       rectify_due_estimated, confirm_due_estimated, overdue, supervision, extended,
       reopened, linked_reports, closure_code, amount_paid_fen, amount_recovered_fen,
       workers_covered, result_summary, closed_at, created_at
FROM leads
WHERE id > @after_id
  AND (@include_closed::boolean OR status <> 'closed')
  AND (cardinality(@ids::bigint[]) = 0 OR id = ANY (@ids::bigint[]))
ORDER BY id
LIMIT @lim;

-- name: ReconcileOpenTasks :many
-- The open tasks of the leads of lead_ids.
SELECT lead_id::bigint AS lead_id, key, kind, actor, town_code, enterprise_id, project_id, worker_id,
       due_at, due_estimated, reminded_at, overdue
FROM case_tasks
WHERE lead_id = ANY (@lead_ids::bigint[]) AND closed_at IS NULL
ORDER BY lead_id, key;

-- name: ReconcileEventSeqs :many
-- The step numbers of the events of the leads of lead_ids (office actions,
-- which have no seq, left out), ascending.
SELECT lead_id, array_agg(seq ORDER BY seq)::integer[] AS seqs
FROM lead_events
WHERE lead_id = ANY (@lead_ids::bigint[]) AND seq IS NOT NULL
GROUP BY lead_id
ORDER BY lead_id;

-- name: ReconcileDispatches :many
-- The projected dispatches to check: open ones unless include_closed,
-- those recorded before @before (a younger one may be starting).
SELECT id FROM dispatches
WHERE (@include_closed::boolean OR status IN ('received', 'open')) AND created_at < @before::timestamptz
ORDER BY id;

-- name: ReconcileDispatchTowns :many
SELECT dispatch_id, town_code, status, due_at, due_estimated, review_due, review_due_estimated, overdue, returned
FROM dispatch_towns
WHERE dispatch_id = @dispatch_id ORDER BY town_code;

-- name: ReconcileDispatchTasks :many
SELECT key FROM case_tasks WHERE dispatch_id = @dispatch_id AND closed_at IS NULL ORDER BY key;

-- name: ReconcileDispatchSeqs :many
SELECT seq::integer AS seq FROM dispatch_events WHERE dispatch_id = @dispatch_id AND seq IS NOT NULL ORDER BY seq;

-- name: ReconcileDispatch :one
SELECT id, seq, status, closed_at, created_at FROM dispatches WHERE id = @id;

-- name: ReconcileWarnings :many
-- The projected warnings to check: open ones unless include_closed,
-- those recorded before @before (a younger one may be starting).
SELECT id FROM warnings
WHERE (@include_closed::boolean OR status NOT IN ('closed', 'converted')) AND created_at < @before::timestamptz
ORDER BY id;

-- name: ReconcileWarning :one
SELECT id, seq, status, level, due_at, due_estimated, overdue, lead_id, closed_at, created_at FROM warnings WHERE id = @id;

-- name: ReconcileWarningTasks :many
SELECT key FROM case_tasks WHERE warning_id = @warning_id AND closed_at IS NULL ORDER BY key;

-- name: ReconcileWarningSeqs :many
SELECT seq::integer AS seq FROM warning_events WHERE warning_id = @warning_id AND seq IS NOT NULL ORDER BY seq;
