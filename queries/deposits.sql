-- Wage guarantee deposits 工资保证金 and their append-only movements. A
-- movement changes the deposit's amount_fen in the same transaction:
-- payment and top_up add, payout subtracts, release returns the whole
-- balance and sets the deposit released. Scope as in attendance.sql;
-- workers see no deposits.

-- name: WageDepositList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id in id order. The total is a window count, recomputed per
-- export chunk: deposits are few (about one per project at city scale), so that costs little.
-- project_name is for it.
SELECT sqlc.embed(d), p.name AS project_name, count(*) OVER () AS total
FROM wage_deposits d
JOIN projects p ON p.id = d.project_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR d.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR d.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR d.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('town_code')::text IS NULL OR p.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('status')::text IS NULL OR d.status = sqlc.narg('status'))
  AND (sqlc.narg('form')::text IS NULL OR d.form = sqlc.narg('form'))
  AND (NOT @short::boolean OR (d.status = 'active' AND d.amount_fen < d.required_fen))
ORDER BY
  CASE WHEN @sort::text = 'expires_on' THEN d.expires_on END ASC,
  CASE WHEN @sort::text = '-amount_fen' THEN d.amount_fen END DESC,
  CASE WHEN @sort::text = '-id' THEN d.id END DESC,
  d.id ASC
LIMIT @lim OFFSET @off;

-- name: WageDepositLock :one
-- Locks a deposit (already found in scope) for a movement or an update.
SELECT * FROM wage_deposits WHERE id = @id FOR UPDATE;

-- name: WageDepositCreate :one
INSERT INTO wage_deposits (project_id, form, required_fen, amount_fen, bank_name, reference, paid_on, expires_on)
VALUES (@project_id, @form, @required_fen, @amount_fen, @bank_name, @reference, sqlc.narg('paid_on'), sqlc.narg('expires_on'))
RETURNING *;

-- name: WageDepositUpdate :one
UPDATE wage_deposits
SET form = @form, required_fen = @required_fen, bank_name = @bank_name, reference = @reference,
    paid_on = sqlc.narg('paid_on'), expires_on = sqlc.narg('expires_on'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: WageDepositApply :one
-- Applies a movement's effect; the caller holds the row lock and has
-- checked that the new amount is not negative.
UPDATE wage_deposits
SET amount_fen = @amount_fen, status = @status, version = version + 1, updated_at = now()
WHERE id = @id
RETURNING *;

-- name: WageDepositMovementList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id with sort 'id' (id order; not offered to the API, whose
-- default order is by date). The total is a window count, recomputed per
-- export chunk: movements are few (a handful per deposit), so that costs
-- little. project_name is for the export.
SELECT sqlc.embed(m), d.project_id, p.name AS project_name, count(*) OVER () AS total
FROM wage_deposit_movements m
JOIN wage_deposits d ON d.id = m.deposit_id
JOIN projects p ON p.id = d.project_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR m.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR m.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('deposit_id')::bigint IS NULL OR m.deposit_id = sqlc.narg('deposit_id'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR d.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('kind')::text IS NULL OR m.kind = sqlc.narg('kind'))
  AND (sqlc.narg('date_from')::date IS NULL OR m.occurred_on >= sqlc.narg('date_from'))
  AND (sqlc.narg('date_to')::date IS NULL OR m.occurred_on <= sqlc.narg('date_to'))
ORDER BY
  CASE WHEN @sort::text = 'id' THEN m.id END ASC,
  CASE WHEN @sort::text = '-occurred_on' THEN m.occurred_on END DESC,
  CASE WHEN @sort::text = '-id' THEN m.id END DESC,
  m.occurred_on ASC, m.id ASC
LIMIT @lim OFFSET @off;

-- name: WageDepositMovementCreate :one
INSERT INTO wage_deposit_movements (deposit_id, kind, amount_fen, occurred_on, reference, note)
VALUES (@deposit_id, @kind, @amount_fen, @occurred_on, @reference, @note)
RETURNING *;
