-- Work records 记工计量: piece work or measured quantities per worker and
-- day. Quantities are thousandths of the unit. Records are deactivated
-- with a reason, never deleted. Scope as in attendance.sql.

-- name: WorkRecordList :many
-- The total is a separate count as in AttendanceList (computed unless
-- with_total is false; keep its conditions identical to the page's). The
-- export (api/exports.go) reads this query too, without with_total, in chunks
-- of 2,000 after after_id in id order; id_number_enc, project_name and
-- team_name are for it.
SELECT sqlc.embed(r), w.name AS worker_name, w.id_number_enc, p.name AS project_name, t.name AS team_name,
       CASE WHEN @with_total::boolean THEN (SELECT count(*) FROM work_records cr
        JOIN projects cp ON cp.id = cr.project_id
        WHERE true
        AND CASE @scope_level::text
              WHEN 'city' THEN true
              WHEN 'town' THEN cp.town_code = @scope_key::text
              WHEN 'enterprise' THEN cp.builder_id = scope_id(@scope_key::text) OR cp.contractor_id = scope_id(@scope_key::text)
                OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = cp.id AND st.labour_firm_id = scope_id(@scope_key::text))
              WHEN 'project' THEN cp.id = scope_id(@scope_key::text)
              WHEN 'worker' THEN cr.worker_id = scope_id(@scope_key::text)
              ELSE false END
        AND (sqlc.narg('project_id')::bigint IS NULL OR cr.project_id = sqlc.narg('project_id'))
        AND (sqlc.narg('worker_id')::bigint IS NULL OR cr.worker_id = sqlc.narg('worker_id'))
        AND (sqlc.narg('team_id')::bigint IS NULL OR cr.team_id = sqlc.narg('team_id'))
        AND (sqlc.narg('date_from')::date IS NULL OR cr.work_date >= sqlc.narg('date_from'))
        AND (sqlc.narg('date_to')::date IS NULL OR cr.work_date <= sqlc.narg('date_to'))
        AND (sqlc.narg('active')::boolean IS NULL OR cr.active = sqlc.narg('active'))) ELSE 0 END::bigint AS total
FROM work_records r
JOIN projects p ON p.id = r.project_id
JOIN workers w ON w.id = r.worker_id
LEFT JOIN teams t ON t.id = r.team_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR r.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR r.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        WHEN 'worker' THEN r.worker_id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR r.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR r.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('team_id')::bigint IS NULL OR r.team_id = sqlc.narg('team_id'))
  AND (sqlc.narg('date_from')::date IS NULL OR r.work_date >= sqlc.narg('date_from'))
  AND (sqlc.narg('date_to')::date IS NULL OR r.work_date <= sqlc.narg('date_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR r.active = sqlc.narg('active'))
ORDER BY
  CASE WHEN @sort::text = 'work_date' THEN r.work_date END ASC,
  CASE WHEN @sort::text = '-work_date' THEN r.work_date END DESC,
  CASE WHEN @sort::text = '-amount_fen' THEN r.amount_fen END DESC,
  CASE WHEN @sort::text = '-id' THEN r.id END DESC,
  r.id ASC
LIMIT @lim OFFSET @off;

-- name: WorkRecordCreate :one
INSERT INTO work_records (project_id, worker_id, team_id, work_date, item, unit, quantity_milli, amount_fen)
VALUES (@project_id, @worker_id, sqlc.narg('team_id'), @work_date, @item, @unit, @quantity_milli, @amount_fen)
RETURNING *;

-- name: WorkRecordUpdate :one
UPDATE work_records
SET team_id = sqlc.narg('team_id'), work_date = @work_date, item = @item, unit = @unit,
    quantity_milli = @quantity_milli, amount_fen = @amount_fen,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: WorkRecordSetActive :one
UPDATE work_records
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;
