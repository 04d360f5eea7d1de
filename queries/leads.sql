-- Arrears leads as the API reads and records them (db/migrations/00007_cases.sql).
--
-- Lead scope: the city sees every lead; a town the leads currently with it;
-- an enterprise the leads it was ordered to rectify; a project's labour
-- manager the leads of the project once an enterprise was ordered to
-- rectify; a worker their own leads. (The scope parameters: projects.sql.)
-- The other queries here are intake's and the workflows' own look-ups,
-- unscoped; the API reads a lead for a caller through LeadList.

-- name: LeadList :many
SELECT sqlc.embed(l), coalesce(p.name, '')::text AS project_name, coalesce(tw.name, '')::text AS town_name,
       coalesce(w.name, '')::text AS worker_name, coalesce(e.name, '')::text AS rectify_enterprise_name,
       ARRAY(SELECT lc.worker_id FROM lead_claimants lc
             WHERE lc.lead_id = l.id AND lc.worker_id IS NOT NULL AND lc.added_seq IS NOT NULL)::bigint[] AS claimant_worker_ids,
       count(*) OVER () AS total
FROM leads l
LEFT JOIN projects p ON p.id = l.project_id
LEFT JOIN towns tw ON tw.code = l.town_code
LEFT JOIN workers w ON w.id = l.worker_id
LEFT JOIN enterprises e ON e.id = l.rectify_enterprise_id
WHERE (sqlc.narg('id')::bigint IS NULL OR l.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN l.town_code = @scope_key::text
        WHEN 'enterprise' THEN l.rectify_enterprise_id = scope_id(@scope_key::text)
        WHEN 'project' THEN l.project_id = scope_id(@scope_key::text) AND l.rectify_enterprise_id IS NOT NULL
        WHEN 'worker' THEN l.worker_id = scope_id(@scope_key::text)
                           OR EXISTS (SELECT 1 FROM lead_claimants lc WHERE lc.lead_id = l.id
                                      AND lc.worker_id = scope_id(@scope_key::text) AND lc.added_seq IS NOT NULL)
        ELSE false END
  AND (sqlc.narg('status')::text IS NULL OR l.status = sqlc.narg('status'))
  AND (sqlc.narg('open')::boolean IS NULL OR (l.status <> 'closed') = sqlc.narg('open'))
  AND (sqlc.narg('town_code')::text IS NULL OR l.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR l.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR l.rectify_enterprise_id = sqlc.narg('enterprise_id'))
  AND (sqlc.narg('source')::text IS NULL OR l.source = sqlc.narg('source'))
  AND (sqlc.narg('overdue')::boolean IS NULL OR l.overdue = sqlc.narg('overdue'))
  AND (sqlc.narg('supervision')::text IS NULL OR l.supervision = sqlc.narg('supervision'))
  AND (sqlc.narg('major')::boolean IS NULL OR l.major = sqlc.narg('major'))
  AND (sqlc.narg('case_no')::text IS NULL OR l.case_no = sqlc.narg('case_no'))
  AND (sqlc.narg('received_from')::date IS NULL OR l.received_at >= sqlc.narg('received_from')::date::timestamp AT TIME ZONE 'Asia/Shanghai')
  AND (sqlc.narg('received_to')::date IS NULL OR l.received_at < (sqlc.narg('received_to')::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
ORDER BY
  CASE WHEN @sort::text = 'received_at' THEN l.received_at END ASC,
  CASE WHEN @sort::text = '-received_at' THEN l.received_at END DESC,
  CASE WHEN @sort::text = 'handle_due' THEN l.handle_due END ASC NULLS LAST,
  CASE WHEN @sort::text = '-amount_claimed_fen' THEN l.amount_claimed_fen END DESC,
  CASE WHEN @sort::text = '-id' THEN l.id END DESC,
  l.id ASC
LIMIT @lim OFFSET @off;

-- name: LeadInsert :one
INSERT INTO leads (source, external_id, worker_id, reporter_name, reporter_phone_enc, reporter_phone_hash,
                   reporter_id_enc, reporter_id_hash, project_id, project_named, employer_named,
                   amount_claimed_fen, workers_claimed, description, received_at, received_by)
VALUES (@source, sqlc.narg('external_id'), sqlc.narg('worker_id'), @reporter_name, sqlc.narg('reporter_phone_enc'),
        sqlc.narg('reporter_phone_hash'), sqlc.narg('reporter_id_enc'), sqlc.narg('reporter_id_hash'),
        sqlc.narg('project_id'), @project_named, @employer_named, @amount_claimed_fen, @workers_claimed,
        @description, @received_at, sqlc.narg('received_by'))
RETURNING *;

-- name: LeadOpenFor :one
-- The open lead of a worker against a project, if any (intake links a new
-- report to it): their own, or one where they are a claimant.
SELECT * FROM leads l
WHERE l.project_id = @project_id AND l.status <> 'closed'
  AND (l.worker_id = @worker_id OR EXISTS (SELECT 1 FROM lead_claimants lc
                                           WHERE lc.lead_id = l.id AND lc.worker_id = @worker_id AND lc.added_seq IS NOT NULL))
ORDER BY (l.worker_id = @worker_id) DESC NULLS LAST, l.id
LIMIT 1;

-- name: LeadByExternal :one
SELECT * FROM leads WHERE source = @source AND external_id = @external_id;

-- name: LeadGetRaw :one
-- A lead by id, unscoped: for the platform's own use (tests, tools), never
-- for an answer to a caller.
SELECT * FROM leads WHERE id = @id;

-- name: ProjectIDByCode :one
-- The id of the project with this code (an import names projects by
-- code); what the importer may see of it is read through ProjectList.
SELECT id FROM projects WHERE code = @code;

-- name: ProjectHasParty :one
-- Whether an enterprise takes part in a project (builder, general
-- contractor, or labour firm of a team): who may be ordered to rectify.
SELECT EXISTS (SELECT 1 FROM projects p WHERE p.id = @project_id AND (p.builder_id = @enterprise_id OR p.contractor_id = @enterprise_id))
    OR EXISTS (SELECT 1 FROM teams t WHERE t.project_id = @project_id AND t.labour_firm_id = @enterprise_id);

-- name: LeadEvents :many
SELECT * FROM lead_events WHERE lead_id = @lead_id ORDER BY at, id;

-- name: LeadAssignEvent :exec
-- An office action on a lead's task (claim, assignment): history without
-- a workflow step.
INSERT INTO lead_events (lead_id, at, action, actor_id, actor_name, actor_role, actor_domain, ip, to_status, changes, note)
SELECT l.id, @at, @action, @actor_id, @actor_name, @actor_role, @actor_domain, @ip, l.status, @changes, @note
FROM leads l WHERE l.id = @lead_id;

-- name: WorkerAsReporter :one
-- A worker as intake needs it: name and phone for the reporter columns.
SELECT id, name, phone_enc, phone_hash, id_number_enc, id_number_hash, active FROM workers
WHERE (sqlc.narg('id')::bigint IS NULL OR id = sqlc.narg('id'))
  AND (sqlc.narg('id_number_hash')::bytea IS NULL OR id_number_hash = sqlc.narg('id_number_hash'));

-- name: TownActive :one
SELECT active FROM towns WHERE code = @code;

-- name: LeadStalledWithProjectAndRecorder :many
-- Leads recorded before @before whose workflow never took its first step
-- (the API failed between recording and starting it), with what starting
-- it needs.
SELECT sqlc.embed(l), p.town_code AS project_town, p.contractor_id AS project_contractor,
       a.display_name AS by_name, a.role AS by_role, a.domain AS by_domain, a.town_code AS by_town,
       a.enterprise_id AS by_enterprise, a.project_id AS by_project, a.worker_id AS by_worker
FROM leads l
LEFT JOIN projects p ON p.id = l.project_id
LEFT JOIN accounts a ON a.id = l.received_by
WHERE l.status = 'received' AND l.created_at < @before::timestamptz
ORDER BY l.id
LIMIT 100;

-- name: LeadIntakeLock :exec
-- Serialises the intake of one worker's reports against one project (for
-- the rest of the transaction), so that two reports at once make one lead.
SELECT pg_advisory_xact_lock(hashtextextended(format('lead-intake:%s:%s', @worker_id::bigint, @project_id::bigint), 0));
