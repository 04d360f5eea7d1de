-- Dispatches (交办/督办, db/migrations/00013_dispatches.sql): what the API
-- records and reads, and the projection of the dispatch workflows
-- (activities.ProjectDispatch), every write keyed by the step sequence.
--
-- Dispatch scope (see queries/projects.sql for the pattern): the city sees
-- every dispatch; a town the dispatches it is one of the towns of; nobody
-- else any.

-- name: DispatchList :many
SELECT sqlc.embed(d), coalesce(a.display_name, '')::text AS created_by_name,
       (SELECT count(*) FROM dispatch_towns t WHERE t.dispatch_id = d.id)::int AS towns,
       (SELECT count(*) FROM dispatch_towns t WHERE t.dispatch_id = d.id AND t.status = 'accepted')::int AS towns_accepted,
       (SELECT count(*) FROM dispatch_towns t WHERE t.dispatch_id = d.id AND t.overdue)::int AS towns_overdue,
       count(*) OVER () AS total
FROM dispatches d
LEFT JOIN accounts a ON a.id = d.created_by
WHERE (sqlc.narg('id')::bigint IS NULL OR d.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN EXISTS (SELECT 1 FROM dispatch_towns st WHERE st.dispatch_id = d.id AND st.town_code = @scope_key::text)
        ELSE false END
  AND (sqlc.narg('status')::text IS NULL OR d.status = sqlc.narg('status'))
  AND (sqlc.narg('lead_id')::bigint IS NULL OR d.lead_id = sqlc.narg('lead_id'))
  AND (sqlc.narg('case_no')::text IS NULL OR d.case_no = sqlc.narg('case_no'))
  AND (sqlc.narg('town_code')::text IS NULL
       OR EXISTS (SELECT 1 FROM dispatch_towns ft WHERE ft.dispatch_id = d.id AND ft.town_code = sqlc.narg('town_code')))
  AND (sqlc.narg('overdue')::boolean IS NULL
       OR EXISTS (SELECT 1 FROM dispatch_towns ot WHERE ot.dispatch_id = d.id AND ot.overdue) = sqlc.narg('overdue'))
ORDER BY
  CASE WHEN @sort::text = '-id' THEN d.id END DESC,
  d.id ASC
LIMIT @lim OFFSET @off;

-- name: DispatchTownsOf :many
-- The towns' parts of the dispatches ids, with the towns' names.
SELECT sqlc.embed(t), coalesce(tw.name, '')::text AS town_name
FROM dispatch_towns t LEFT JOIN towns tw ON tw.code = t.town_code
WHERE t.dispatch_id = ANY (@ids::bigint[])
ORDER BY t.dispatch_id, t.town_code;

-- name: DispatchEvents :many
SELECT * FROM dispatch_events WHERE dispatch_id = @dispatch_id ORDER BY at, id;

-- name: DispatchInsert :one
-- A dispatch of a lead step (lead_seq, its supervision) recorded already
-- is not recorded again: no row (then DispatchOfLeadStep reads it).
INSERT INTO dispatches (title, instructions, lead_id, lead_seq, level, due_days, created_by)
VALUES (@title, @instructions, sqlc.narg('lead_id'), sqlc.narg('lead_seq'), @level, @due_days, @created_by)
ON CONFLICT (lead_id, lead_seq) DO NOTHING
RETURNING *;

-- name: DispatchOfLeadStep :one
-- The dispatch step lead_seq of lead lead_id recorded (its supervision).
SELECT * FROM dispatches WHERE lead_id = @lead_id AND lead_seq = @lead_seq;

-- name: DispatchOpenOfLead :one
-- Whether a dispatch linked to the lead is open (or recorded and not yet
-- started).
SELECT EXISTS (SELECT 1 FROM dispatches WHERE lead_id = @lead_id AND status IN ('received', 'open'))::boolean;

-- name: DispatchTownInsert :exec
INSERT INTO dispatch_towns (dispatch_id, town_code) VALUES (@dispatch_id, @town_code);

-- name: DispatchStalledWithRecorder :many
-- Dispatches recorded before @before whose workflow never took its first
-- step, with their towns and who recorded them (the stalled-case sweep).
SELECT sqlc.embed(d), a.display_name AS by_name, a.role AS by_role, a.domain AS by_domain,
       ARRAY(SELECT t.town_code FROM dispatch_towns t WHERE t.dispatch_id = d.id ORDER BY t.town_code)::text[] AS towns
FROM dispatches d
JOIN accounts a ON a.id = d.created_by
WHERE d.status = 'received' AND d.created_at < @before::timestamptz
ORDER BY d.id
LIMIT 100;

-- name: DispatchProjectState :execrows
-- The state after step seq, unless that step (or a later one) is in.
UPDATE dispatches SET seq = @seq, status = @status, closed_at = sqlc.narg('closed_at'), updated_at = @at
WHERE id = @id AND seq < @seq;

-- name: DispatchSeq :one
SELECT seq FROM dispatches WHERE id = @id;

-- name: DispatchTownProject :exec
UPDATE dispatch_towns SET status = @status, due_at = sqlc.narg('due_at'), reminded_at = sqlc.narg('reminded_at'),
    overdue = @overdue, returned = @returned, report = @report, reported_at = sqlc.narg('reported_at'),
    accepted_at = sqlc.narg('accepted_at'), evidence_ids = @evidence_ids::bigint[], due_estimated = @due_estimated,
    review_due = sqlc.narg('review_due'), review_due_estimated = @review_due_estimated
WHERE dispatch_id = @dispatch_id AND town_code = @town_code;

-- name: DispatchEventInsert :exec
INSERT INTO dispatch_events (dispatch_id, seq, at, action, actor_id, actor_name, actor_role, actor_domain, ip,
                             town_code, from_status, to_status, changes, note, rule)
VALUES (@dispatch_id, @seq, @at, @action, sqlc.narg('actor_id'), @actor_name, @actor_role, @actor_domain, @ip,
        sqlc.narg('town_code'), sqlc.narg('from_status'), @to_status, @changes, @note, @rule)
ON CONFLICT (dispatch_id, seq) WHERE seq IS NOT NULL DO NOTHING;

-- name: DispatchAssignEvent :exec
-- An office action on a dispatch's task (claim, assignment): history
-- without a workflow step.
INSERT INTO dispatch_events (dispatch_id, at, action, actor_id, actor_name, actor_role, actor_domain, ip, town_code,
                             to_status, changes, note)
SELECT d.id, @at, @action, @actor_id, @actor_name, @actor_role, @actor_domain, @ip, sqlc.narg('town_code'), d.status,
       @changes, @note
FROM dispatches d WHERE d.id = @dispatch_id;

-- name: DispatchTaskCloseOthers :exec
-- Closes the dispatch's open tasks that the step left out.
UPDATE case_tasks SET closed_seq = @seq, closed_at = @at
WHERE dispatch_id = @dispatch_id AND closed_at IS NULL AND NOT (key = ANY (@keys::text[]));

-- name: DispatchTaskUpsert :exec
-- Opens a task of a dispatch, or updates its due date, reminder and
-- overdue flag. A town's new task goes to whoever in the town had its
-- previous task on the dispatch.
INSERT INTO case_tasks (dispatch_id, key, kind, actor, town_code, assignee_id, opened_seq, opened_at, due_at,
                        due_estimated, reminded_at, overdue)
VALUES (@dispatch_id, @key, @kind, @actor, sqlc.narg('town_code'),
        (SELECT p.assignee_id FROM case_tasks p
         WHERE p.dispatch_id = @dispatch_id AND p.actor = @actor AND p.actor = 'town'
           AND p.town_code IS NOT DISTINCT FROM sqlc.narg('town_code') AND p.assignee_id IS NOT NULL
         ORDER BY p.id DESC LIMIT 1),
        @opened_seq, @opened_at, sqlc.narg('due_at'), @due_estimated, sqlc.narg('reminded_at'), @overdue)
ON CONFLICT (dispatch_id, key) DO UPDATE
SET due_at = EXCLUDED.due_at, due_estimated = EXCLUDED.due_estimated, reminded_at = EXCLUDED.reminded_at,
    overdue = EXCLUDED.overdue
WHERE case_tasks.closed_at IS NULL;
