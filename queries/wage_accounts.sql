-- Dedicated wage accounts 农民工工资专用账户 (one per project) and the
-- monthly labour-cost transfers 人工费用拨付 into them. Transfers are
-- append-only: a wrong one is deactivated with a reason and entered anew.
-- Scope as in attendance.sql; workers see no accounts or transfers.

-- name: WageAccountList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id in id order. The total is a window count, recomputed per
-- export chunk: accounts are few (one per project, thousands at city scale), so that costs little.
-- project_name is for it.
SELECT sqlc.embed(a), p.name AS project_name, count(*) OVER () AS total
FROM wage_accounts a
JOIN projects p ON p.id = a.project_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR a.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR a.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR a.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('town_code')::text IS NULL OR p.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('active')::boolean IS NULL OR a.active = sqlc.narg('active'))
ORDER BY
  CASE WHEN @sort::text = 'opened_on' THEN a.opened_on END ASC,
  CASE WHEN @sort::text = '-opened_on' THEN a.opened_on END DESC,
  CASE WHEN @sort::text = '-id' THEN a.id END DESC,
  a.id ASC
LIMIT @lim OFFSET @off;

-- name: WageAccountCreate :one
INSERT INTO wage_accounts (project_id, bank_name, account_name, account_no, opened_on, closed_on)
VALUES (@project_id, @bank_name, @account_name, @account_no, @opened_on, sqlc.narg('closed_on'))
RETURNING *;

-- name: WageAccountUpdate :one
UPDATE wage_accounts
SET bank_name = @bank_name, account_name = @account_name, account_no = @account_no,
    opened_on = @opened_on, closed_on = sqlc.narg('closed_on'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: WageAccountSetActive :one
UPDATE wage_accounts
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: LabourCostTransferList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id in id order. The total is a window count, recomputed per
-- export chunk: transfers are few (a project a month, tens of thousands at city scale), so that costs little.
-- project_name is for it.
SELECT sqlc.embed(t), a.project_id, p.name AS project_name, count(*) OVER () AS total
FROM labour_cost_transfers t
JOIN wage_accounts a ON a.id = t.account_id
JOIN projects p ON p.id = a.project_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR t.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR t.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('account_id')::bigint IS NULL OR t.account_id = sqlc.narg('account_id'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR a.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('month_from')::date IS NULL OR t.month >= sqlc.narg('month_from'))
  AND (sqlc.narg('month_to')::date IS NULL OR t.month <= sqlc.narg('month_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR t.active = sqlc.narg('active'))
ORDER BY
  CASE WHEN @sort::text = 'month' THEN t.month END ASC,
  CASE WHEN @sort::text = '-month' THEN t.month END DESC,
  CASE WHEN @sort::text = '-transferred_on' THEN t.transferred_on END DESC,
  CASE WHEN @sort::text = '-id' THEN t.id END DESC,
  t.id ASC
LIMIT @lim OFFSET @off;

-- name: LabourCostTransferCreate :one
INSERT INTO labour_cost_transfers (account_id, month, amount_fen, transferred_on, reference)
VALUES (@account_id, @month, @amount_fen, @transferred_on, @reference)
RETURNING *;

-- name: LabourCostTransferDeactivate :one
UPDATE labour_cost_transfers
SET active = false, deactivated_at = now(), deactivation_reason = @reason,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version AND active
RETURNING *;
