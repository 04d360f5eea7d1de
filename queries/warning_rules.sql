-- Warning rules 预警规则 (db/migrations/00011_warning_rules.sql): the
-- definitions, and one query per rule that evaluates it over the registry.
--
-- Every rule query:
--   * takes the rule's params as typed parameters (rules.Validate checked
--     them), as_of (the day the scan runs for: "today"; data dated
--     on or after it is not looked at where the data carries a date), and
--     the same three filters on the project: project_id, enterprise_id
--     (builder, general contractor, or labour firm of a team) and
--     town_codes (the rule's towns; empty: the whole city);
--   * answers hits with the same columns, which rules.Hit converts from:
--     project_id (the subject, or the project the subject belongs to: the
--     warning's scope; 0 for an enterprise hit), enterprise_id (the
--     general contractor of the project, or the enterprise of an
--     enterprise hit), employment_id (0 unless the subject is an
--     employment), period (YYYY-MM or YYYY-MM-DD; '' when none), level
--     ('' for single-level rules: the rule's level applies) and figures
--     (jsonb: what fired it, rendered into Chinese by rules);
--   * is a city-wide read by design: the scan is the system's, the dry-run
--     a city supervisor's (db/scope_test.go lists them as unscoped).
-- Monthly rules evaluate months M within lookback_months before as_of's
-- month whose payroll is due (M+1 has ended), set-based over the month's
-- attendance and payroll.

-- name: WarningRuleCurrentList :many
SELECT * FROM warning_rules WHERE current ORDER BY code;

-- name: WarningRuleCurrent :one
SELECT * FROM warning_rules WHERE code = sqlc.arg('code') AND current;

-- name: WarningRuleVersions :many
SELECT * FROM warning_rules WHERE code = sqlc.arg('code') ORDER BY version DESC;

-- name: WarningRuleRetire :execrows
-- The current version stops being current: the first half of an edit,
-- refused (no row) when another edit got there first.
UPDATE warning_rules SET current = false WHERE code = sqlc.arg('code') AND version = sqlc.arg('version') AND current;

-- name: WarningRuleInsert :one
INSERT INTO warning_rules (code, version, current, name, subject, level, params, enabled, town_codes, basis, note, changed_by)
VALUES (sqlc.arg('code'), sqlc.arg('version'), true, sqlc.arg('name'), sqlc.arg('subject'), sqlc.narg('level'), sqlc.arg('params'), sqlc.arg('enabled'), sqlc.arg('town_codes')::text[], sqlc.arg('basis'), sqlc.arg('note'), sqlc.narg('changed_by'))
RETURNING *;

-- name: WarningRuleTownsKnown :one
SELECT count(*)::int FROM towns WHERE code = ANY(sqlc.arg('codes')::text[]);

-- name: WarningHitProjects :many
-- Names of the projects (and their general contractors) of hits, for the
-- dry-run's answer (a city supervisor's).
SELECT p.id, p.code, p.name, p.town_code, c.id AS contractor_id, c.name AS contractor_name
FROM projects p JOIN enterprises c ON c.id = p.contractor_id
WHERE p.id = ANY(sqlc.arg('ids')::bigint[]);

-- name: WarningHitEnterprises :many
SELECT id, name FROM enterprises WHERE id = ANY(sqlc.arg('ids')::bigint[]);

-- name: WarningHitEmployments :many
SELECT e.id, e.worker_id, w.name AS worker_name
FROM employments e JOIN workers w ON w.id = e.worker_id
WHERE e.id = ANY(sqlc.arg('ids')::bigint[]);

-- name: RulePayrollUnpaid :many
-- Project-months with attendance and no payroll paid from the wage account
-- by the end of M+orange_after_months (orange) / M+red_after_months (red).
-- Attendance is probed per project-month (primary key range), not read
-- whole; the figures are counted for the hits only.
WITH ps AS (
  SELECT p.id, p.contractor_id FROM projects p
  WHERE (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
    AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
         OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
    AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
), pm AS (
  SELECT ps.id AS project_id, ps.contractor_id, gs::date AS month
  FROM ps CROSS JOIN generate_series(date_trunc('month', sqlc.arg('as_of')::date) - sqlc.arg('lookback_months')::int * interval '1 month',
                                     date_trunc('month', sqlc.arg('as_of')::date) - (sqlc.arg('orange_after_months')::int + 1) * interval '1 month',
                                     interval '1 month') gs
), due AS (
  SELECT pm.project_id, pm.contractor_id, pm.month,
         (pm.month + (sqlc.arg('orange_after_months')::int + 1) * interval '1 month')::date AS orange_due,
         (pm.month + (sqlc.arg('red_after_months')::int + 1) * interval '1 month')::date AS red_due,
         (SELECT min(l.paid_on) FROM payroll_sheets s JOIN payroll_lines l ON l.sheet_id = s.id
          WHERE s.project_id = pm.project_id AND s.month = pm.month
            AND l.amount_paid_fen > 0 AND l.paid_via = 'wage_account') AS first_paid
  FROM pm
), unpaid AS (
  SELECT d.*, CASE WHEN d.red_due <= sqlc.arg('as_of')::date AND (d.first_paid IS NULL OR d.first_paid >= d.red_due) THEN 'red'
                   ELSE 'orange' END AS level
  FROM due d
  WHERE d.orange_due <= sqlc.arg('as_of')::date AND (d.first_paid IS NULL OR d.first_paid >= d.orange_due)
)
-- the month's attendance of each unpaid project-month: a correlated
-- aggregate (an index range per project-month, never a join over the
-- whole table); months without attendance are no hit
SELECT h.project_id, h.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       to_char(h.month, 'YYYY-MM') AS period, h.level::text AS level,
       jsonb_build_object('person_days', a.person_days, 'workers', a.workers,
                          'sheet', coalesce(s.status, ''), 'lines', coalesce(s.lines, 0),
                          'due_fen', coalesce(s.due_fen, 0), 'paid_fen', coalesce(s.paid_fen, 0),
                          'first_paid_on', coalesce(to_char(h.first_paid, 'YYYY-MM-DD'), ''),
                          'due_by', to_char(CASE WHEN h.level = 'red' THEN h.red_due ELSE h.orange_due END - 1, 'YYYY-MM-DD')) AS figures
FROM unpaid h
CROSS JOIN LATERAL (SELECT count(*) AS person_days, count(DISTINCT a.worker_id) AS workers FROM attendance a
                    WHERE a.project_id = h.project_id AND a.work_date >= h.month AND a.work_date < (h.month + interval '1 month')::date) a
LEFT JOIN LATERAL (SELECT s.status, count(l.id) AS lines, sum(l.amount_due_fen) AS due_fen, sum(l.amount_paid_fen) AS paid_fen
                   FROM payroll_sheets s LEFT JOIN payroll_lines l ON l.sheet_id = s.id
                   WHERE s.project_id = h.project_id AND s.month = h.month GROUP BY s.status) s ON true
WHERE a.person_days > 0
ORDER BY h.project_id, h.month;

-- name: RulePayRatio :many
-- Project-months where fewer attending workers were paid (a line on the
-- month's sheet with amount_paid_fen > 0, paid before as_of) than
-- attended: yellow below yellow_below_ratio, red when the unpaid share
-- exceeds red_unpaid_share_above. One pass over the window's attendance
-- (hash aggregate per project, month and worker).
WITH ps AS (
  SELECT p.id, p.contractor_id FROM projects p
  WHERE (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
    AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
         OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
    AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
), att AS (
  SELECT a.project_id, date_trunc('month', a.work_date::timestamp)::date AS month, a.worker_id, count(*) AS days
  FROM attendance a JOIN ps ON ps.id = a.project_id
  WHERE a.work_date >= (date_trunc('month', sqlc.arg('as_of')::date) - sqlc.arg('lookback_months')::int * interval '1 month')::date
    AND a.work_date < (date_trunc('month', sqlc.arg('as_of')::date) - interval '1 month')::date
    AND a.work_date < sqlc.arg('as_of')::date
  GROUP BY 1, 2, 3
), paid AS (
  SELECT s.project_id, s.month, l.worker_id, l.amount_paid_fen
  FROM payroll_sheets s JOIN ps ON ps.id = s.project_id JOIN payroll_lines l ON l.sheet_id = s.id
  WHERE s.month >= (date_trunc('month', sqlc.arg('as_of')::date) - sqlc.arg('lookback_months')::int * interval '1 month')::date
    AND s.month < (date_trunc('month', sqlc.arg('as_of')::date) - interval '1 month')::date
    AND l.amount_paid_fen > 0 AND l.paid_on < sqlc.arg('as_of')::date
), agg AS (
  SELECT att.project_id, att.month, count(*) AS workers, sum(att.days) AS person_days,
         count(paid.worker_id) AS paid_workers, coalesce(sum(paid.amount_paid_fen), 0) AS paid_fen,
         (array_agg(att.worker_id ORDER BY att.worker_id) FILTER (WHERE paid.worker_id IS NULL))[1:200] AS unpaid_ids
  FROM att LEFT JOIN paid ON paid.project_id = att.project_id AND paid.month = att.month AND paid.worker_id = att.worker_id
  GROUP BY att.project_id, att.month
)
SELECT ag.project_id, ps.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       to_char(ag.month, 'YYYY-MM') AS period,
       (CASE WHEN (ag.workers - ag.paid_workers)::numeric > sqlc.arg('red_unpaid_share_above')::float8::numeric * ag.workers THEN 'red' ELSE 'yellow' END)::text AS level,
       jsonb_build_object('person_days', ag.person_days, 'workers', ag.workers, 'paid_workers', ag.paid_workers,
                          'unpaid_workers', ag.workers - ag.paid_workers, 'paid_fen', ag.paid_fen,
                          'unpaid_worker_ids', coalesce(to_jsonb(ag.unpaid_ids), '[]'::jsonb)) AS figures
FROM agg ag JOIN ps ON ps.id = ag.project_id
WHERE ag.paid_workers::numeric < sqlc.arg('yellow_below_ratio')::float8::numeric * ag.workers
   OR (ag.workers - ag.paid_workers)::numeric > sqlc.arg('red_unpaid_share_above')::float8::numeric * ag.workers
ORDER BY ag.project_id, ag.month;

-- name: RuleBelowMinimumWage :many
-- Project-months whose payroll pays on average (over the lines paid
-- anything) less than the local monthly minimum wage.
WITH ps AS (
  SELECT p.id, p.contractor_id FROM projects p
  WHERE (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
    AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
         OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
    AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
), agg AS (
  SELECT s.project_id, ps.contractor_id, s.month, count(*) AS paid_workers, sum(l.amount_paid_fen) AS paid_fen
  FROM payroll_sheets s JOIN ps ON ps.id = s.project_id JOIN payroll_lines l ON l.sheet_id = s.id
  WHERE s.month >= (date_trunc('month', sqlc.arg('as_of')::date) - sqlc.arg('lookback_months')::int * interval '1 month')::date
    AND s.month < date_trunc('month', sqlc.arg('as_of')::date)::date
    AND l.amount_paid_fen > 0 AND l.paid_on < sqlc.arg('as_of')::date
  GROUP BY s.project_id, ps.contractor_id, s.month
)
SELECT ag.project_id, ag.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       to_char(ag.month, 'YYYY-MM') AS period, ''::text AS level,
       jsonb_build_object('paid_workers', ag.paid_workers, 'paid_fen', ag.paid_fen,
                          'average_fen', (ag.paid_fen / ag.paid_workers)::bigint, 'minimum_wage_fen', sqlc.arg('minimum_wage_fen')::bigint) AS figures
FROM agg ag
WHERE ag.paid_fen < sqlc.arg('minimum_wage_fen')::bigint * ag.paid_workers
ORDER BY ag.project_id, ag.month;

-- name: RuleTransferGap :many
-- In-construction projects with a wage account into which no labour cost
-- was transferred for more than max_months_without_transfer months
-- (an account opened within that time is not due yet).
SELECT p.id AS project_id, p.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       coalesce(to_char(t.last, 'YYYY-MM-DD'), '')::text AS period, ''::text AS level,
       jsonb_build_object('last_transfer_on', coalesce(to_char(t.last, 'YYYY-MM-DD'), ''),
                          'opened_on', to_char(wa.opened_on, 'YYYY-MM-DD'),
                          'days_without', sqlc.arg('as_of')::date - coalesce(t.last, wa.opened_on),
                          'max_months', sqlc.arg('max_months_without_transfer')::int) AS figures
FROM projects p
JOIN wage_accounts wa ON wa.project_id = p.id AND wa.active
LEFT JOIN LATERAL (SELECT max(t.transferred_on) AS last FROM labour_cost_transfers t
                   WHERE t.account_id = wa.id AND t.active AND t.transferred_on < sqlc.arg('as_of')::date) t ON true
WHERE p.status = 'in_construction' AND p.active
  AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
       OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
  AND coalesce(t.last, wa.opened_on) < (sqlc.arg('as_of')::date - sqlc.arg('max_months_without_transfer')::int * interval '1 month')::date
ORDER BY p.id;

-- name: RuleDepositMissing :many
-- In-construction projects without an active wage guarantee deposit (an
-- exempt one counts as present).
SELECT p.id AS project_id, p.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       ''::text AS period, ''::text AS level,
       jsonb_build_object('system_state', coalesce(ws.state, ''),
                          'released', EXISTS (SELECT 1 FROM wage_deposits r WHERE r.project_id = p.id AND r.status = 'released')) AS figures
FROM projects p
LEFT JOIN project_wage_systems ws ON ws.project_id = p.id AND ws.system = 'guarantee_deposit'
WHERE p.status = 'in_construction' AND p.active
  AND NOT EXISTS (SELECT 1 FROM wage_deposits d WHERE d.project_id = p.id AND d.status = 'active')
  AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
       OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
ORDER BY p.id;

-- name: RuleDepositNotToppedUp :many
-- Payouts from an active deposit with no top-up of at least the amount
-- by the top_up_within_working_days-th working day after the payout,
-- once that day has passed. Working days come from the work calendar
-- (work_calendar: holidays and adjusted working weekend days; other days
-- are working days Monday to Friday).
WITH pay AS (
  SELECT m.id, m.deposit_id, m.amount_fen, m.occurred_on, d.project_id, d.amount_fen AS deposit_fen, d.required_fen,
         p.contractor_id,
         (SELECT x.day FROM (
            SELECT g::date AS day, row_number() OVER (ORDER BY g) AS n
            FROM generate_series(m.occurred_on + 1, m.occurred_on + 3 * sqlc.arg('top_up_within_working_days')::int + 30, interval '1 day') g
            LEFT JOIN work_calendar c ON c.day = g::date
            WHERE coalesce(c.workday, extract(isodow FROM g) < 6)) x
          WHERE x.n = sqlc.arg('top_up_within_working_days')::int) AS deadline
  FROM wage_deposit_movements m
  JOIN wage_deposits d ON d.id = m.deposit_id AND d.status = 'active'
  JOIN projects p ON p.id = d.project_id
  WHERE m.kind = 'payout' AND m.occurred_on < sqlc.arg('as_of')::date
    AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
    AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
         OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
    AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
)
SELECT pay.project_id, pay.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       to_char(pay.occurred_on, 'YYYY-MM-DD') AS period, ''::text AS level,
       jsonb_build_object('payout_on', to_char(pay.occurred_on, 'YYYY-MM-DD'), 'payout_fen', pay.amount_fen,
                          'deadline', to_char(pay.deadline, 'YYYY-MM-DD'), 'working_days', sqlc.arg('top_up_within_working_days')::int,
                          'deposit_fen', pay.deposit_fen, 'required_fen', pay.required_fen) AS figures
FROM pay
WHERE pay.deadline < sqlc.arg('as_of')::date
  AND NOT EXISTS (SELECT 1 FROM wage_deposit_movements u
                  WHERE u.deposit_id = pay.deposit_id AND u.kind = 'top_up' AND u.amount_fen >= pay.amount_fen
                    AND u.occurred_on BETWEEN pay.occurred_on AND pay.deadline)
ORDER BY pay.project_id, pay.occurred_on, pay.id;

-- name: RuleExitUnsettled :many
-- Employments exited (more than grace_days before as_of) and not settled
-- by as_of.
SELECT e.project_id, p.contractor_id AS enterprise_id, e.id AS employment_id,
       to_char(e.exit_date, 'YYYY-MM-DD') AS period, ''::text AS level,
       jsonb_build_object('worker_id', e.worker_id, 'exit_date', to_char(e.exit_date, 'YYYY-MM-DD'),
                          'days_since_exit', sqlc.arg('as_of')::date - e.exit_date) AS figures
FROM employments e JOIN projects p ON p.id = e.project_id
WHERE e.exit_date IS NOT NULL AND e.exit_date < sqlc.arg('as_of')::date - sqlc.arg('grace_days')::int
  AND (e.settled_on IS NULL OR e.settled_on >= sqlc.arg('as_of')::date)
  AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
       OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
ORDER BY e.project_id, e.id;

-- name: RuleNoticeBoardMissing :many
-- In-construction projects whose rights notice board (维权信息告示牌) is
-- recorded as missing.
SELECT p.id AS project_id, p.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       ''::text AS period, ''::text AS level,
       jsonb_build_object('checked_on', coalesce(to_char(ws.checked_on, 'YYYY-MM-DD'), '')) AS figures
FROM project_wage_systems ws JOIN projects p ON p.id = ws.project_id
WHERE ws.system = 'notice_board' AND ws.state = 'missing'
  AND p.status = 'in_construction' AND p.active
  AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
       OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
ORDER BY p.id;

-- name: RuleContractUnsigned :many
-- Employments that entered at least days before as_of without a contract
-- signed within days of entry.
SELECT e.project_id, p.contractor_id AS enterprise_id, e.id AS employment_id,
       to_char(e.entry_date, 'YYYY-MM-DD') AS period, ''::text AS level,
       jsonb_build_object('worker_id', e.worker_id, 'entry_date', to_char(e.entry_date, 'YYYY-MM-DD'),
                          'signed_on', coalesce(to_char(e.contract_signed_on, 'YYYY-MM-DD'), ''),
                          'days', sqlc.arg('days')::int,
                          'days_since_entry', sqlc.arg('as_of')::date - e.entry_date) AS figures
FROM employments e JOIN projects p ON p.id = e.project_id
WHERE e.entry_date <= sqlc.arg('as_of')::date - sqlc.arg('days')::int
  AND (e.contract_signed_on IS NULL OR e.contract_signed_on > e.entry_date + sqlc.arg('days')::int)
  AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
       OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
ORDER BY e.project_id, e.id;

-- name: RuleNoAttendance :many
-- In-construction projects (started at least days before as_of) whose
-- latest attendance is more than days before as_of, or that have none.
-- The latest day is one backward index probe per project.
SELECT p.id AS project_id, p.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       coalesce(to_char(a.last + 1, 'YYYY-MM-DD'), '')::text AS period, ''::text AS level,
       jsonb_build_object('last_work_date', coalesce(to_char(a.last, 'YYYY-MM-DD'), ''),
                          'days_idle', sqlc.arg('as_of')::date - coalesce(a.last + 1, p.start_date), 'days', sqlc.arg('days')::int) AS figures
FROM projects p
LEFT JOIN LATERAL (SELECT max(x.work_date) AS last FROM attendance x
                   WHERE x.project_id = p.id AND x.work_date < sqlc.arg('as_of')::date) a ON true
WHERE p.status = 'in_construction' AND p.active
  AND coalesce(a.last, p.start_date) < sqlc.arg('as_of')::date - sqlc.arg('days')::int
  AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
       OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
ORDER BY p.id;

-- name: RuleGroupArrears :many
-- Arrears leads from min_workers or more workers (workers_claimed summed)
-- received within window_days up to as_of: against one project, or
-- against one general contractor over its projects when no single
-- project of it reaches the threshold (that project's hit covers it).
WITH l AS (
  SELECT l.project_id, p.contractor_id, sum(l.workers_claimed) AS workers, count(*) AS leads,
         sum(l.amount_claimed_fen) AS amount_fen, min(l.received_at) AS first_at, max(l.received_at) AS last_at
  FROM leads l JOIN projects p ON p.id = l.project_id
  WHERE l.received_at >= (sqlc.arg('as_of')::date - sqlc.arg('window_days')::int)::timestamp AT TIME ZONE 'Asia/Shanghai'
    AND l.received_at < (sqlc.arg('as_of')::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
    AND (sqlc.narg('project_id')::bigint IS NULL OR p.id = sqlc.narg('project_id'))
    AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id') OR p.contractor_id = sqlc.narg('enterprise_id')
         OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
    AND (cardinality(sqlc.arg('town_codes')::text[]) = 0 OR p.town_code = ANY(sqlc.arg('town_codes')::text[]))
  GROUP BY l.project_id, p.contractor_id
), hits AS (
  SELECT l.project_id, l.contractor_id, l.workers, l.leads, l.amount_fen, 1::bigint AS projects, l.first_at, l.last_at
  FROM l WHERE l.workers >= sqlc.arg('min_workers')::int
  UNION ALL
  SELECT 0::bigint, l.contractor_id, sum(l.workers)::bigint, sum(l.leads)::bigint, sum(l.amount_fen)::bigint, count(*)::bigint,
         min(l.first_at), max(l.last_at)
  FROM l GROUP BY l.contractor_id
  HAVING sum(l.workers) >= sqlc.arg('min_workers')::int AND max(l.workers) < sqlc.arg('min_workers')::int
)
SELECT coalesce(h.project_id, 0)::bigint AS project_id, h.contractor_id AS enterprise_id, 0::bigint AS employment_id,
       ''::text AS period, ''::text AS level,
       jsonb_build_object('workers', h.workers, 'leads', h.leads, 'amount_fen', h.amount_fen, 'projects', h.projects,
                          'window_days', sqlc.arg('window_days')::int,
                          'first_on', to_char(h.first_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'),
                          'last_on', to_char(h.last_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')) AS figures
FROM hits h
ORDER BY h.contractor_id, h.project_id;
