-- The task inbox (db/migrations/00007_cases.sql, 00013_dispatches.sql):
-- the open work of each actor on the leads and dispatches, written by the workflows' projection; only the
-- assignee is the office's to change.
--
-- Task scope: the city sees every task (its inbox is actor = 'city'); a town its own; an
-- enterprise the tasks addressed to it; a project's labour manager the
-- enterprise tasks of the project; a worker their own. (The scope
-- parameters: projects.sql.)

-- name: CaseTaskList :many
SELECT t.*, coalesce(l.status, '')::text AS lead_status, coalesce(l.source, '')::text AS lead_source,
       coalesce(l.project_id, w.project_id) AS case_project_id, coalesce(l.amount_claimed_fen, 0)::bigint AS amount_claimed_fen,
       coalesce(l.workers_claimed, 0)::int AS workers_claimed, coalesce(l.supervision, '')::text AS supervision,
       coalesce(d.title, '')::text AS dispatch_title, coalesce(d.status, '')::text AS dispatch_status,
       coalesce(w.rule_code, '')::text AS warning_rule, coalesce(w.level, '')::text AS warning_level,
       coalesce(w.status, '')::text AS warning_status, coalesce(w.explanation, '')::text AS warning_explanation,
       coalesce(p.name, '')::text AS project_name, coalesce(a.display_name, '')::text AS assignee_name,
       coalesce(l.case_no, d.case_no, w.case_no, '')::text AS case_no,
       -- the text of the task's summary (cut to 60 characters in Go; read a little longer)
       left(CASE WHEN t.lead_id IS NOT NULL THEN l.description
                 WHEN t.dispatch_id IS NOT NULL THEN d.title ELSE w.explanation END, 120)::text AS summary_source,
       coalesce(l.major, false)::boolean AS major,
       count(*) OVER () AS total
FROM case_tasks t
LEFT JOIN leads l ON l.id = t.lead_id
LEFT JOIN dispatches d ON d.id = t.dispatch_id
LEFT JOIN warnings w ON w.id = t.warning_id
LEFT JOIN projects p ON p.id = coalesce(l.project_id, w.project_id)
LEFT JOIN accounts a ON a.id = t.assignee_id
WHERE t.closed_at IS NULL
  AND (sqlc.narg('id')::bigint IS NULL OR t.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true -- the city oversees every office's tasks
        WHEN 'town' THEN t.actor = 'town' AND t.town_code = @scope_key::text
        WHEN 'enterprise' THEN t.actor = 'enterprise' AND t.enterprise_id = scope_id(@scope_key::text)
        WHEN 'project' THEN t.actor = 'enterprise' AND t.project_id = scope_id(@scope_key::text)
        WHEN 'worker' THEN t.actor = 'worker' AND t.worker_id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('actor')::text IS NULL OR t.actor = sqlc.narg('actor'))
  AND (sqlc.narg('assignee_id')::bigint IS NULL OR t.assignee_id = sqlc.narg('assignee_id'))
  AND (NOT @unassigned::boolean OR t.assignee_id IS NULL)
  AND (sqlc.narg('overdue')::boolean IS NULL OR (t.overdue OR t.due_at <= @now::timestamptz) = sqlc.narg('overdue'))
  AND (sqlc.narg('due_before')::timestamptz IS NULL OR t.due_at <= sqlc.narg('due_before'))
  AND (sqlc.narg('kind')::text IS NULL OR t.kind = sqlc.narg('kind'))
  AND (sqlc.narg('lead_status')::text IS NULL OR l.status = sqlc.narg('lead_status'))
  AND (sqlc.narg('lead_id')::bigint IS NULL OR t.lead_id = sqlc.narg('lead_id'))
  AND (sqlc.narg('dispatch_id')::bigint IS NULL OR t.dispatch_id = sqlc.narg('dispatch_id'))
  AND (sqlc.narg('warning_id')::bigint IS NULL OR t.warning_id = sqlc.narg('warning_id'))
  AND (sqlc.narg('case_no')::text IS NULL OR coalesce(l.case_no, d.case_no, w.case_no) = sqlc.narg('case_no'))
  AND (sqlc.narg('case_kind')::text IS NULL OR sqlc.narg('case_kind') = CASE WHEN t.lead_id IS NOT NULL THEN 'lead'
        WHEN t.dispatch_id IS NOT NULL THEN 'dispatch' ELSE 'warning' END)
  AND (sqlc.narg('project_id')::bigint IS NULL OR coalesce(l.project_id, w.project_id) = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR coalesce(l.rectify_enterprise_id, w.enterprise_id) = sqlc.narg('enterprise_id'))
  AND (sqlc.narg('opened_from')::date IS NULL OR t.opened_at >= sqlc.narg('opened_from')::date::timestamp AT TIME ZONE 'Asia/Shanghai')
  AND (sqlc.narg('opened_to')::date IS NULL OR t.opened_at < (sqlc.narg('opened_to')::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
ORDER BY
  CASE WHEN @sort::text = 'due_at' THEN t.due_at END ASC NULLS LAST,
  CASE WHEN @sort::text = '-due_at' THEN t.due_at END DESC NULLS LAST,
  CASE WHEN @sort::text = 'opened_at' THEN t.opened_at END ASC,
  CASE WHEN @sort::text = '-opened_at' THEN t.opened_at END DESC,
  t.id ASC
LIMIT @lim OFFSET @off;

-- name: CaseTaskForAssign :one
-- An open task, locked for a change of assignee.
SELECT * FROM case_tasks WHERE id = @id AND closed_at IS NULL FOR UPDATE;

-- name: CaseTaskSetAssignee :exec
UPDATE case_tasks SET assignee_id = sqlc.narg('assignee_id') WHERE id = @id;

-- name: CaseTasksOfAssignee :many
-- The open tasks of an office held by one account, locked for reassignment.
SELECT * FROM case_tasks
WHERE assignee_id = @assignee_id AND closed_at IS NULL
ORDER BY id FOR UPDATE;

-- name: CaseTaskAssignable :one
-- Whether account may hold a task of this office: active, and of the
-- office's role and binding.
SELECT EXISTS (
    SELECT 1 FROM accounts a WHERE a.id = @account_id AND a.active AND (
        (@actor::text = 'city' AND a.role = 'city_supervisor')
     OR (@actor::text = 'town' AND a.role = 'town_officer' AND a.town_code = sqlc.narg('town_code'))
     OR (@actor::text = 'enterprise' AND ((a.role = 'enterprise_user' AND a.enterprise_id = sqlc.narg('enterprise_id'))
                                      OR (a.role = 'project_manager' AND a.project_id = sqlc.narg('project_id'))))));
