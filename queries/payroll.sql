-- Monthly payroll 工资表: one sheet per project and month, one line per
-- worker. A sheet moves only forward: draft -> submitted -> paid; lines of
-- a paid sheet are read-only except the worker's confirmation. Scope as in
-- attendance.sql; a worker sees no sheets (their totals would show other
-- workers' pay), only their own lines.

-- name: PayrollSheetList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id in id order. The total is a window count, recomputed per
-- export chunk: sheets are few (about 24,000: a project a month at city scale), so that costs little.
-- project_name is for it.
SELECT sqlc.embed(s), p.name AS project_name, t.line_count, t.due_fen, t.paid_fen, t.confirmed_count,
       count(*) OVER () AS total
FROM payroll_sheets s
JOIN projects p ON p.id = s.project_id
CROSS JOIN LATERAL (
    SELECT count(*)::bigint AS line_count,
           coalesce(sum(l.amount_due_fen), 0)::bigint AS due_fen,
           coalesce(sum(l.amount_paid_fen), 0)::bigint AS paid_fen,
           (count(*) FILTER (WHERE l.confirmation = 'confirmed'))::bigint AS confirmed_count
    FROM payroll_lines l WHERE l.sheet_id = s.id) t
WHERE (sqlc.narg('after_id')::bigint IS NULL OR s.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR s.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR s.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('month_from')::date IS NULL OR s.month >= sqlc.narg('month_from'))
  AND (sqlc.narg('month_to')::date IS NULL OR s.month <= sqlc.narg('month_to'))
  AND (sqlc.narg('status')::text IS NULL OR s.status = sqlc.narg('status'))
ORDER BY
  CASE WHEN @sort::text = 'month' THEN s.month END ASC,
  CASE WHEN @sort::text = '-month' THEN s.month END DESC,
  CASE WHEN @sort::text = '-id' THEN s.id END DESC,
  s.id ASC
LIMIT @lim OFFSET @off;

-- name: PayrollSheetLock :one
-- Locks a sheet (already found in scope) against a concurrent status
-- change while one of its lines is written.
SELECT * FROM payroll_sheets WHERE id = @id FOR SHARE;

-- name: PayrollSheetCreate :one
INSERT INTO payroll_sheets (project_id, month, note)
VALUES (@project_id, @month, @note)
RETURNING *;

-- name: PayrollSheetUpdate :one
UPDATE payroll_sheets
SET note = @note, version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: PayrollSheetAdvance :one
-- Moves a sheet one step forward; from_status guards the transition.
UPDATE payroll_sheets
SET status = @to_status,
    submitted_at = CASE WHEN @to_status::text = 'submitted' THEN now() ELSE submitted_at END,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version AND status = @from_status
RETURNING *;

-- name: PayrollLineList :many
-- The total is a separate count as in AttendanceList (computed unless
-- with_total is false; keep its conditions identical to the page's). The
-- export (api/exports.go) reads this query too, without with_total, in chunks
-- of 2,000 after after_id in id order; id_number_enc and project_name are
-- for it.
SELECT sqlc.embed(l), s.project_id, s.month, s.status AS sheet_status, w.name AS worker_name, w.id_number_enc,
       p.name AS project_name,
       CASE WHEN @with_total::boolean THEN (SELECT count(*) FROM payroll_lines cl
        JOIN payroll_sheets cs ON cs.id = cl.sheet_id
        JOIN projects cp ON cp.id = cs.project_id
        WHERE true
        AND CASE @scope_level::text
              WHEN 'city' THEN true
              WHEN 'town' THEN cp.town_code = @scope_key::text
              WHEN 'enterprise' THEN cp.builder_id = scope_id(@scope_key::text) OR cp.contractor_id = scope_id(@scope_key::text)
                OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = cp.id AND st.labour_firm_id = scope_id(@scope_key::text))
              WHEN 'project' THEN cp.id = scope_id(@scope_key::text)
              WHEN 'worker' THEN cl.worker_id = scope_id(@scope_key::text)
              ELSE false END
        AND (sqlc.narg('sheet_id')::bigint IS NULL OR cl.sheet_id = sqlc.narg('sheet_id'))
        AND (sqlc.narg('project_id')::bigint IS NULL OR cs.project_id = sqlc.narg('project_id'))
        AND (sqlc.narg('worker_id')::bigint IS NULL OR cl.worker_id = sqlc.narg('worker_id'))
        AND (sqlc.narg('confirmation')::text IS NULL OR cl.confirmation = sqlc.narg('confirmation'))
        AND (NOT @unpaid::boolean OR cl.amount_paid_fen < cl.amount_due_fen)) ELSE 0 END::bigint AS total
FROM payroll_lines l
JOIN payroll_sheets s ON s.id = l.sheet_id
JOIN projects p ON p.id = s.project_id
JOIN workers w ON w.id = l.worker_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR l.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR l.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        WHEN 'worker' THEN l.worker_id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('sheet_id')::bigint IS NULL OR l.sheet_id = sqlc.narg('sheet_id'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR s.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR l.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('confirmation')::text IS NULL OR l.confirmation = sqlc.narg('confirmation'))
  AND (NOT @unpaid::boolean OR l.amount_paid_fen < l.amount_due_fen)
ORDER BY
  CASE WHEN @sort::text = '-month' THEN s.month END DESC,
  CASE WHEN @sort::text = '-amount_due_fen' THEN l.amount_due_fen END DESC,
  CASE WHEN @sort::text = '-id' THEN l.id END DESC,
  l.id ASC
LIMIT @lim OFFSET @off;

-- name: PayrollLineCreate :one
INSERT INTO payroll_lines (sheet_id, worker_id, team_id, days_worked, amount_due_fen, amount_paid_fen,
                           paid_on, transfer_ref, paid_via)
VALUES (@sheet_id, @worker_id, sqlc.narg('team_id'), @days_worked, @amount_due_fen, @amount_paid_fen,
        sqlc.narg('paid_on'), @transfer_ref, @paid_via)
RETURNING *;

-- name: PayrollLineUpdate :one
-- Changing what the worker confirmed (or disputed) puts the line back to
-- pending; the last dispute reason is kept.
UPDATE payroll_lines
SET team_id = sqlc.narg('team_id'), days_worked = @days_worked, amount_due_fen = @amount_due_fen,
    amount_paid_fen = @amount_paid_fen, paid_on = sqlc.narg('paid_on'), transfer_ref = @transfer_ref,
    paid_via = @paid_via,
    confirmation = CASE WHEN @reset_confirmation::boolean THEN 'pending' ELSE confirmation END,
    confirmed_at = CASE WHEN @reset_confirmation::boolean THEN NULL ELSE confirmed_at END,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: PayrollLineConfirm :one
-- The worker confirms (reason NULL) or disputes the line.
UPDATE payroll_lines
SET confirmation = @confirmation, confirmed_at = now(),
    dispute_reason = CASE WHEN @confirmation::text = 'disputed' THEN sqlc.narg('reason') ELSE dispute_reason END,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;
