-- Employments: a worker on a project (and team), from entry to exit. Exit
-- ends an employment, it is never deleted; exit settlement 退场结算 is
-- recorded after the exit.
--
-- Employment scope is the scope of the project (see projects.sql), except
-- that a worker sees only their own employments. The list is written like
-- the worker list (see workers.sql): conditions on employment columns, sets
-- of projects as ARRAY(...) init plans, and the total as a separate count.
-- (The scope parameters: projects.sql.)

-- name: EmploymentList :many
-- The total is a separate count (see workers.sql for why), computed only
-- when with_total is set; keep its conditions identical to the page's.
-- The export (api/exports.go) reads this query too, in chunks after
-- after_id in id order without the total; id_number_enc is for it.
SELECT sqlc.embed(e), w.name AS worker_name, w.id_number_enc, p.name AS project_name, t.name AS team_name,
       CASE WHEN @with_total::boolean THEN (SELECT count(*) FROM employments ce
        WHERE CASE @scope_level::text
            WHEN 'city' THEN true
            WHEN 'town' THEN ce.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = @scope_key::text))
            WHEN 'enterprise' THEN ce.project_id = ANY (ARRAY(
                SELECT sp.id FROM projects sp
                WHERE sp.builder_id = scope_id(@scope_key::text) OR sp.contractor_id = scope_id(@scope_key::text)
                UNION
                SELECT st.project_id FROM teams st WHERE st.labour_firm_id = scope_id(@scope_key::text)))
            WHEN 'project' THEN ce.project_id = scope_id(@scope_key::text)
            WHEN 'worker' THEN ce.worker_id = scope_id(@scope_key::text)
            ELSE false END
          AND (sqlc.narg('project_id')::bigint IS NULL OR ce.project_id = sqlc.narg('project_id'))
          AND (sqlc.narg('worker_id')::bigint IS NULL OR ce.worker_id = sqlc.narg('worker_id'))
          AND (sqlc.narg('team_id')::bigint IS NULL OR ce.team_id = sqlc.narg('team_id'))
          AND (sqlc.narg('on_site')::boolean IS NULL OR (ce.exit_date IS NULL) = sqlc.narg('on_site'))
          AND (sqlc.narg('contract_signed')::boolean IS NULL OR (ce.contract_signed_on IS NOT NULL) = sqlc.narg('contract_signed'))
          AND (sqlc.narg('unsettled_exits')::boolean IS NULL
               OR (ce.exit_date IS NOT NULL AND ce.settled_on IS NULL) = sqlc.narg('unsettled_exits'))
          AND (sqlc.narg('entry_from')::date IS NULL OR ce.entry_date >= sqlc.narg('entry_from'))
          AND (sqlc.narg('entry_to')::date IS NULL OR ce.entry_date <= sqlc.narg('entry_to'))) ELSE 0 END::bigint AS total
FROM employments e
JOIN workers w ON w.id = e.worker_id
JOIN projects p ON p.id = e.project_id
LEFT JOIN teams t ON t.id = e.team_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR e.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR e.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN e.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = @scope_key::text))
        WHEN 'enterprise' THEN e.project_id = ANY (ARRAY(
            SELECT sp.id FROM projects sp
            WHERE sp.builder_id = scope_id(@scope_key::text) OR sp.contractor_id = scope_id(@scope_key::text)
            UNION
            SELECT st.project_id FROM teams st WHERE st.labour_firm_id = scope_id(@scope_key::text)))
        WHEN 'project' THEN e.project_id = scope_id(@scope_key::text)
        WHEN 'worker' THEN e.worker_id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR e.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR e.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('team_id')::bigint IS NULL OR e.team_id = sqlc.narg('team_id'))
  AND (sqlc.narg('on_site')::boolean IS NULL OR (e.exit_date IS NULL) = sqlc.narg('on_site'))
  AND (sqlc.narg('contract_signed')::boolean IS NULL OR (e.contract_signed_on IS NOT NULL) = sqlc.narg('contract_signed'))
  AND (sqlc.narg('unsettled_exits')::boolean IS NULL
       OR (e.exit_date IS NOT NULL AND e.settled_on IS NULL) = sqlc.narg('unsettled_exits'))
  AND (sqlc.narg('entry_from')::date IS NULL OR e.entry_date >= sqlc.narg('entry_from'))
  AND (sqlc.narg('entry_to')::date IS NULL OR e.entry_date <= sqlc.narg('entry_to'))
ORDER BY
  CASE WHEN @sort::text = 'entry_date' THEN e.entry_date END ASC,
  CASE WHEN @sort::text = '-entry_date' THEN e.entry_date END DESC,
  CASE WHEN @sort::text = 'exit_date' THEN e.exit_date END ASC,
  CASE WHEN @sort::text = '-exit_date' THEN e.exit_date END DESC,
  CASE WHEN @sort::text = '-id' THEN e.id END DESC,
  e.id ASC
LIMIT @lim OFFSET @off;

-- name: EmploymentCreate :one
INSERT INTO employments (worker_id, project_id, team_id, trade, entry_date, contract_signed_on, daily_wage_fen)
VALUES (@worker_id, @project_id, @team_id, @trade, @entry_date, @contract_signed_on, @daily_wage_fen)
RETURNING *;

-- name: EmploymentUpdate :one
UPDATE employments
SET team_id = @team_id, trade = @trade, contract_signed_on = @contract_signed_on,
    contract_confirmed_at = @contract_confirmed_at, daily_wage_fen = @daily_wage_fen,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: EmploymentExit :one
UPDATE employments
SET exit_date = @exit_date, exit_reason = @exit_reason,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version AND exit_date IS NULL
RETURNING *;

-- name: EmploymentSettle :one
UPDATE employments
SET settled_on = @settled_on,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version AND exit_date IS NOT NULL AND settled_on IS NULL
RETURNING *;

-- name: EmploymentConfirmContract :one
UPDATE employments
SET contract_confirmed_at = @confirmed_at,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version AND contract_signed_on IS NOT NULL
RETURNING *;
