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
    major_amount_fen = @major_amount_fen, version = version + 1, updated_at = now()
WHERE kind = @kind AND version = @version
RETURNING *;
