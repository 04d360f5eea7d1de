-- The working-day calendar and case policies (db/migrations/00007_cases.sql).

-- name: CalendarDays :many
SELECT day, workday, name FROM work_calendar
WHERE day BETWEEN @from_day::date AND @to_day::date
ORDER BY day;

-- name: CalendarYears :many
SELECT year, source FROM work_calendar_years ORDER BY year;

-- name: CasePolicyGet :one
SELECT * FROM case_policies WHERE kind = @kind;

-- name: CalendarYearDays :many
SELECT day, workday, name FROM work_calendar
WHERE extract(year FROM day) = @year::int
ORDER BY day;

-- name: CalendarYearUpsert :exec
INSERT INTO work_calendar_years (year, source) VALUES (@year, @source)
ON CONFLICT (year) DO UPDATE SET source = EXCLUDED.source;

-- name: CalendarYearClear :exec
DELETE FROM work_calendar WHERE extract(year FROM day) = @year::int;

-- name: CalendarDayInsert :exec
INSERT INTO work_calendar (day, workday, name) VALUES (@day, @workday, @name);

-- name: CasePolicyList :many
SELECT * FROM case_policies ORDER BY kind;

-- name: CasePolicyUpdate :one
UPDATE case_policies SET
    accept_days = @accept_days, handle_days = @handle_days, extend_days = @extend_days,
    rectify_days = @rectify_days, confirm_days = @confirm_days, remind_days = @remind_days,
    listed_after_days = @listed_after_days, major_workers = @major_workers,
    major_amount_fen = @major_amount_fen, triage_days = @triage_days, review_days = @review_days,
    supervise_days = @supervise_days, version = version + 1, updated_at = now()
WHERE kind = @kind AND version = @version
RETURNING *;

-- name: LeadsForRecount :many
-- The open leads after after_id (in id order, a page of lim) that a change
-- of year's calendar may move: a deadline due on or after that year's
-- first day (China time) — it passes through the year, or was counted
-- from it — or one counted without an official calendar. A lead whose
-- deadlines turn out unchanged takes no step (workflows: recount). The
-- city's own deadlines (triage, review, supervise) are on its open tasks
-- only, so an open task due then (or estimated) counts as well.
SELECT l.id FROM leads l
WHERE l.status NOT IN ('closed', 'received') AND l.id > @after_id
  AND (l.accept_due_estimated OR l.handle_due_estimated OR l.rectify_due_estimated OR l.confirm_due_estimated
       OR greatest(l.accept_due, l.handle_due, l.rectify_due, l.confirm_due)
          >= make_date(@year::int, 1, 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
       OR EXISTS (SELECT 1 FROM case_tasks t
                  WHERE t.lead_id = l.id AND t.actor = 'city' AND t.closed_at IS NULL
                    AND (t.due_estimated
                         OR t.due_at >= make_date(@year::int, 1, 1)::timestamp AT TIME ZONE 'Asia/Shanghai')))
ORDER BY l.id
LIMIT @lim;

-- name: DispatchesForRecount :many
-- The open dispatches after after_id (in id order, a page of lim) that a
-- change of year's calendar may move: an open task with a deadline not
-- yet overdue (a town's report, the city's review of one) due on or after
-- that year's first day (China time), or counted without an official
-- calendar (due_estimated). A dispatch whose deadlines turn out unchanged
-- takes no step (workflows: recount).
SELECT d.id FROM dispatches d
WHERE d.status = 'open' AND d.id > @after_id
  AND EXISTS (SELECT 1 FROM case_tasks t
              WHERE t.dispatch_id = d.id AND t.closed_at IS NULL AND t.due_at IS NOT NULL AND NOT t.overdue
                AND (t.due_estimated OR t.due_at >= make_date(@year::int, 1, 1)::timestamp AT TIME ZONE 'Asia/Shanghai'))
ORDER BY d.id
LIMIT @lim;

-- name: WarningsForRecount :many
-- The open warnings after after_id (in id order, a page of lim) that a
-- change of year's calendar may move: the holder's deadline (due_at), not
-- yet overdue, due on or after that year's first day (China time), or
-- counted without an official calendar (its open task's due_estimated).
SELECT w.id FROM warnings w
WHERE w.status IN ('answering', 'verifying', 'escalated_town', 'escalated_city') AND w.id > @after_id
  AND w.due_at IS NOT NULL AND NOT w.overdue
  AND (w.due_at >= make_date(@year::int, 1, 1)::timestamp AT TIME ZONE 'Asia/Shanghai'
       OR EXISTS (SELECT 1 FROM case_tasks t WHERE t.warning_id = w.id AND t.closed_at IS NULL AND t.due_estimated))
ORDER BY w.id
LIMIT @lim;
