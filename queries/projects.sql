-- Projects and their six wage systems 六项制度.
--
-- Project scope: a town sees the projects in the town; an enterprise the
-- projects it builds or contracts and those where it is the labour firm of
-- a team; a project user that project; a worker the projects they have an
-- employment on (current or past).
--
-- Conventions of every file here, which the API relies on:
--   * row scope (分域) is two non-null parameters, @scope_level::text
--     ('city', 'town', 'enterprise', 'project', 'worker'; db.Scope) and
--     @scope_key::text (the town code, or the id as text; '' for the
--     city), applied as one
--         AND CASE @scope_level::text
--               WHEN 'city' THEN true
--               WHEN 'town' THEN <rule> = @scope_key::text
--               WHEN 'enterprise' THEN <rule> = scope_id(@scope_key::text)
--               ...
--               ELSE false END
--     with a WHEN for each level the entity has a rule for. The ELSE is
--     false, so a level without a rule, an unknown level and the zero
--     db.Scope (level '') match no rows: a forgotten scope refuses. Numeric
--     keys go through scope_id (00008_scope.sql: NULL for a non-numeric
--     key, never an error). The API runs every query with a plan for the
--     actual values (db.Open), so the CASE folds to the one rule of the
--     caller's level and its indexes are used as if written alone.
--     db/scope_test.go runs every query with scope parameters with the
--     zero scope (no rows) and the city (rows), and fails for a list or
--     get query without them that is not on its list of deliberately
--     unscoped look-ups;
--   * each entity states its scope and visibility once, in its XList
--     query; XList takes an optional id filter, and a get of one row as
--     the caller sees it is XList narrowed to that id (api/*.go,
--     xGetScoped). With custom plans (db.Open) the id folds the other
--     filters away, so the get stays an index look-up;
--   * XSetActive names its parameters in the order active, reason, id,
--     version (one Go helper serves all, by converting one parameter
--     struct).

-- name: ProjectList :many
-- The export (api/exports.go) reads this query too, in chunks after
-- after_id in id order; town_name is for it. The total is a window
-- count, recomputed per export chunk: projects are few (thousands).
SELECT sqlc.embed(p), b.name AS builder_name, c.name AS contractor_name, coalesce(tw.name, '')::text AS town_name,
       (SELECT count(*) FROM project_wage_systems ws WHERE ws.project_id = p.id AND ws.state = 'implemented')::int AS implemented_count,
       (SELECT count(*) FROM project_wage_systems ws WHERE ws.project_id = p.id AND ws.state = 'exempt')::int AS exempt_count,
       count(*) OVER () AS total
FROM projects p
JOIN enterprises b ON b.id = p.builder_id
JOIN enterprises c ON c.id = p.contractor_id
LEFT JOIN towns tw ON tw.code = p.town_code
WHERE (sqlc.narg('after_id')::bigint IS NULL OR p.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR p.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        WHEN 'worker' THEN EXISTS (SELECT 1 FROM employments se WHERE se.project_id = p.id AND se.worker_id = scope_id(@scope_key::text))
        ELSE false END
  AND (sqlc.narg('town_code')::text IS NULL OR p.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('status')::text IS NULL OR p.status = sqlc.narg('status'))
  AND (sqlc.narg('industry')::text IS NULL OR p.industry = sqlc.narg('industry'))
  AND (sqlc.narg('builder_id')::bigint IS NULL OR p.builder_id = sqlc.narg('builder_id'))
  AND (sqlc.narg('contractor_id')::bigint IS NULL OR p.contractor_id = sqlc.narg('contractor_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id')
        OR p.contractor_id = sqlc.narg('enterprise_id')
        OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (sqlc.narg('active')::boolean IS NULL OR p.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR p.name LIKE '%' || sqlc.narg('q') || '%' OR p.code ILIKE sqlc.narg('q') || '%')
  AND (sqlc.narg('start_from')::date IS NULL OR p.start_date >= sqlc.narg('start_from'))
  AND (sqlc.narg('start_to')::date IS NULL OR p.start_date <= sqlc.narg('start_to'))
  -- Exempt counts as done: only missing and partial systems are "not implemented".
  AND (sqlc.narg('wage_system_missing')::text IS NULL OR EXISTS (
        SELECT 1 FROM project_wage_systems mws
        WHERE mws.project_id = p.id AND mws.system = sqlc.narg('wage_system_missing')
          AND mws.state IN ('missing', 'partial')))
ORDER BY
  CASE WHEN @sort::text = 'name' THEN p.name END ASC,
  CASE WHEN @sort::text = '-name' THEN p.name END DESC,
  CASE WHEN @sort::text = 'start_date' THEN p.start_date END ASC,
  CASE WHEN @sort::text = '-start_date' THEN p.start_date END DESC,
  CASE WHEN @sort::text = 'contract_value_fen' THEN p.contract_value_fen END ASC,
  CASE WHEN @sort::text = '-contract_value_fen' THEN p.contract_value_fen END DESC,
  CASE WHEN @sort::text = '-id' THEN p.id END DESC,
  p.id ASC
LIMIT @lim OFFSET @off;

-- name: ProjectEnterpriseGet :one
-- A party a project write names (builder, contractor, labour firm),
-- unscoped: its type and whether it is active.
SELECT id, type, active FROM enterprises WHERE id = @id;

-- name: ProjectCreate :one
INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id, contract_value_fen,
                      start_date, planned_end_date, completed_on, status, address)
VALUES (@code, @name, @town_code, @industry, @builder_id, @contractor_id, @contract_value_fen,
        @start_date, @planned_end_date, @completed_on, @status, @address)
RETURNING *;

-- name: ProjectUpdate :one
UPDATE projects
SET code = @code, name = @name, town_code = @town_code, industry = @industry,
    builder_id = @builder_id, contractor_id = @contractor_id, contract_value_fen = @contract_value_fen,
    start_date = @start_date, planned_end_date = @planned_end_date, completed_on = @completed_on,
    status = @status, address = @address,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: ProjectSetActive :one
UPDATE projects
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: ProjectWageSystemsCreate :exec
-- The six wage systems of a new project, all missing.
INSERT INTO project_wage_systems (project_id, system)
SELECT @project_id::bigint, unnest(@systems::text[]);

-- name: ProjectWageSystemList :many
SELECT * FROM project_wage_systems WHERE project_id = @project_id;

-- name: ProjectWageSystemGet :one
SELECT * FROM project_wage_systems WHERE project_id = @project_id AND system = @system;

-- name: ProjectWageSystemUpdate :one
UPDATE project_wage_systems
SET state = @state, evidence = @evidence, checked_on = @checked_on,
    version = version + 1, updated_at = now()
WHERE project_id = @project_id AND system = @system AND version = @version
RETURNING *;
