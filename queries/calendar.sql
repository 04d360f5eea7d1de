-- The working-day calendar and case policies (db/migrations/00007_cases.sql).

-- name: CalendarDays :many
SELECT day, workday, name FROM work_calendar
WHERE day BETWEEN @from_day::date AND @to_day::date
ORDER BY day;

-- name: CalendarYears :many
SELECT year, source FROM work_calendar_years ORDER BY year;

-- name: CasePolicyGet :one
SELECT * FROM case_policies WHERE kind = @kind;
