-- Teams 班组 under a project and (usually) a labour firm.
--
-- Team scope is the scope of the team's project (see projects.sql); an
-- enterprise also sees every team whose labour firm it is (which the
-- project rule already implies, stated here so the intent is plain).
-- (The scope parameters: projects.sql.)

-- name: TeamList :many
-- The export (api/exports.go) reads this query too, in chunks after
-- after_id in id order. The total is a window count, recomputed per export
-- chunk: teams are few (thousands).
SELECT sqlc.embed(t), p.name AS project_name, p.town_code,
       lf.name AS labour_firm_name, lw.name AS leader_name,
       (SELECT count(*) FROM employments oe WHERE oe.team_id = t.id AND oe.exit_date IS NULL)::int AS on_site_count,
       count(*) OVER () AS total
FROM teams t
JOIN projects p ON p.id = t.project_id
LEFT JOIN enterprises lf ON lf.id = t.labour_firm_id
LEFT JOIN workers lw ON lw.id = t.leader_worker_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR t.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR t.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN t.labour_firm_id = scope_id(@scope_key::text)
          OR p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        WHEN 'worker' THEN EXISTS (SELECT 1 FROM employments se WHERE se.project_id = p.id AND se.worker_id = scope_id(@scope_key::text))
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR t.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('labour_firm_id')::bigint IS NULL OR t.labour_firm_id = sqlc.narg('labour_firm_id'))
  AND (sqlc.narg('active')::boolean IS NULL OR t.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR t.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY
  CASE WHEN @sort::text = 'name' THEN t.name END ASC,
  CASE WHEN @sort::text = '-name' THEN t.name END DESC,
  CASE WHEN @sort::text = 'created_at' THEN t.created_at END ASC,
  CASE WHEN @sort::text = '-created_at' THEN t.created_at END DESC,
  CASE WHEN @sort::text = '-id' THEN t.id END DESC,
  t.id ASC
LIMIT @lim OFFSET @off;

-- name: TeamRef :one
-- A team a write names, unscoped (the caller has already been checked
-- against the project): its project and whether it is active.
SELECT id, project_id, active FROM teams WHERE id = @id;

-- name: TeamLeaderEligible :one
-- A team leader must be on site on the team's project.
SELECT EXISTS (
    SELECT 1 FROM employments
    WHERE worker_id = @worker_id AND project_id = @project_id AND exit_date IS NULL
)::boolean AS eligible;

-- name: TeamCreate :one
INSERT INTO teams (project_id, labour_firm_id, name, trade, leader_worker_id)
VALUES (@project_id, @labour_firm_id, @name, @trade, @leader_worker_id)
RETURNING *;

-- name: TeamUpdate :one
UPDATE teams
SET labour_firm_id = @labour_firm_id, name = @name, trade = @trade, leader_worker_id = @leader_worker_id,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: TeamSetActive :one
UPDATE teams
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;
