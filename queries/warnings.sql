-- Warnings (预警, db/migrations/00014_warnings.sql): what the scan records
-- and the projection of the warning workflows (activities.ProjectWarning),
-- every write keyed by the step sequence. The list and detail reads (with
-- the scope parameters) come with the API.

-- name: WarningInsert :one
-- Records the warning of a rule's hit; nothing when its key is recorded
-- already (then no row: the scan updates the existing warning instead).
INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id, enterprise_id, employment_id, town_code,
                      period, figures, explanation, basis, key)
VALUES (@rule_code, @rule_version, @level, @subject_kind, sqlc.narg('project_id'), sqlc.narg('enterprise_id'),
        sqlc.narg('employment_id'), sqlc.narg('town_code'), @period, @figures, @explanation, @basis, @key)
ON CONFLICT (key) DO NOTHING
RETURNING *;

-- name: WarningProjectState :execrows
-- The state after step seq, unless that step (or a later one) is in.
UPDATE warnings SET seq = @seq, status = @status, level = @level, answer = @answer, evidence_ids = @evidence_ids::bigint[],
    answered_at = sqlc.narg('answered_at'), due_at = sqlc.narg('due_at'), overdue = @overdue, due_estimated = @due_estimated,
    lead_id = sqlc.narg('lead_id'), resolution = @resolution, closed_at = sqlc.narg('closed_at'), updated_at = @at
WHERE id = @id AND seq < @seq;

-- name: WarningSeq :one
SELECT seq FROM warnings WHERE id = @id;

-- name: WarningEventInsert :exec
INSERT INTO warning_events (warning_id, seq, at, action, actor_id, actor_name, actor_role, actor_domain, ip,
                            from_status, to_status, changes, note, rule)
VALUES (@warning_id, @seq, @at, @action, sqlc.narg('actor_id'), @actor_name, @actor_role, @actor_domain, @ip,
        sqlc.narg('from_status'), @to_status, @changes, @note, @rule)
ON CONFLICT (warning_id, seq) WHERE seq IS NOT NULL DO NOTHING;

-- name: WarningTaskCloseOthers :exec
-- Closes the warning's open tasks that the step left out.
UPDATE case_tasks SET closed_seq = @seq, closed_at = @at
WHERE warning_id = @warning_id AND closed_at IS NULL AND NOT (key = ANY (@keys::text[]));

-- name: WarningTaskUpsert :exec
-- Opens a task of a warning, or updates its due date (and whether it is
-- estimated), reminder and
-- overdue flag. A new task of an office goes to whoever in that office had
-- the warning's previous task.
INSERT INTO case_tasks (warning_id, key, kind, actor, town_code, enterprise_id, project_id, assignee_id, opened_seq,
                        opened_at, due_at, due_estimated, reminded_at, overdue)
VALUES (@warning_id, @key, @kind, @actor, sqlc.narg('town_code'), sqlc.narg('enterprise_id'), sqlc.narg('project_id'),
        (SELECT p.assignee_id FROM case_tasks p
         WHERE p.warning_id = @warning_id AND p.actor = @actor AND p.actor <> 'worker'
           AND p.town_code IS NOT DISTINCT FROM sqlc.narg('town_code')
           AND p.enterprise_id IS NOT DISTINCT FROM sqlc.narg('enterprise_id')
           AND p.assignee_id IS NOT NULL
         ORDER BY p.id DESC LIMIT 1),
        @opened_seq, @opened_at, sqlc.narg('due_at'), @due_estimated, sqlc.narg('reminded_at'), @overdue)
ON CONFLICT (warning_id, key) DO UPDATE
SET due_at = EXCLUDED.due_at, due_estimated = EXCLUDED.due_estimated, reminded_at = EXCLUDED.reminded_at, overdue = EXCLUDED.overdue
WHERE case_tasks.closed_at IS NULL;

-- name: WarningAssignEvent :exec
-- An office action on a warning's task (claim, assignment): history
-- without a workflow step.
INSERT INTO warning_events (warning_id, at, action, actor_id, actor_name, actor_role, actor_domain, ip, to_status, changes, note)
SELECT w.id, @at, @action, @actor_id, @actor_name, @actor_role, @actor_domain, @ip, w.status, @changes, @note
FROM warnings w WHERE w.id = @warning_id;

-- name: WarningProjectTowns :many
-- The towns of the projects ids (a hit's project is the warning's scope).
SELECT id, town_code FROM projects WHERE id = ANY (@ids::bigint[]);

-- name: WarningEnterpriseTowns :many
-- The towns of the enterprises ids (an enterprise subject's warning).
SELECT id, town_code FROM enterprises WHERE id = ANY (@ids::bigint[]);

-- name: WarningOpenOfRules :many
-- The open warnings raised by the rules codes (the scan updates or
-- resolves them), and the ones recorded whose workflow never started.
SELECT * FROM warnings
WHERE rule_code = ANY (@codes::text[]) AND status NOT IN ('closed', 'converted')
ORDER BY id;

-- name: WarningList :many
-- Warnings in scope (pattern: queries/projects.sql): the city every one;
-- a town those of its projects (or enterprises); an enterprise those it
-- is to answer; a project's labour manager those of the project; a
-- worker none.
SELECT sqlc.embed(w), coalesce(p.name, '')::text AS project_name, coalesce(e.name, '')::text AS enterprise_name,
       count(*) OVER () AS total
FROM warnings w
LEFT JOIN projects p ON p.id = w.project_id
LEFT JOIN enterprises e ON e.id = w.enterprise_id
WHERE (sqlc.narg('id')::bigint IS NULL OR w.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN w.town_code = @scope_key::text
        WHEN 'enterprise' THEN w.enterprise_id = scope_id(@scope_key::text)
        WHEN 'project' THEN w.project_id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('status')::text IS NULL OR w.status = sqlc.narg('status'))
  AND (sqlc.narg('open')::boolean IS NULL OR (w.status NOT IN ('closed', 'converted')) = sqlc.narg('open'))
  AND (sqlc.narg('level')::text IS NULL OR w.level = sqlc.narg('level'))
  AND (sqlc.narg('rule_code')::text IS NULL OR w.rule_code = sqlc.narg('rule_code'))
  AND (sqlc.narg('case_no')::text IS NULL OR w.case_no = sqlc.narg('case_no'))
  AND (sqlc.narg('town_code')::text IS NULL OR w.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR w.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR w.enterprise_id = sqlc.narg('enterprise_id'))
  AND (sqlc.narg('lead_id')::bigint IS NULL OR w.lead_id = sqlc.narg('lead_id'))
ORDER BY
  CASE WHEN @sort::text = '-id' THEN w.id END DESC,
  w.id ASC
LIMIT @lim OFFSET @off;

-- name: WarningEvents :many
SELECT * FROM warning_events WHERE warning_id = @warning_id ORDER BY at, id;

-- name: WarningStalled :many
-- Warnings recorded before @before whose workflow never took its first
-- step (the scan records the row, then starts the workflow; the
-- stalled-case sweep starts what a failed scan left).
SELECT * FROM warnings
WHERE status = 'received' AND created_at < @before::timestamptz
ORDER BY id
LIMIT 100;
