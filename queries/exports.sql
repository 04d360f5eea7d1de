-- Excel exports of the lists (SPEC R2, last bullet; R5 "exported to office
-- formats"). The API runs an export in chunks of a few thousand rows,
-- paged by key ("WHERE key > @after ORDER BY key LIMIT @lim"), all inside
-- one REPEATABLE READ READ ONLY transaction, so that the file is one
-- consistent snapshot and no chunk re-reads the rows before it. Exports
-- are in key order (id; for attendance date, worker); the list's sort
-- parameter does not apply.
--
-- Enterprises, projects, teams, workers, employments and safety homes are
-- exported through their list queries (after_id, sort '', with_total
-- false where the total is a separate count), so scope and filters exist
-- once. The queries below still repeat the scope and filter conditions of
-- their list queries in attendance.sql, payroll.sql and work_records.sql:
-- those lists total with count(*) OVER (), which an export of up to a
-- million rows must not recompute for every chunk. Keep them identical
-- until those lists get a separate, optional count.

-- name: ExportAttendance :many
-- One project and a date range (both required); keyset on (work_date,
-- worker_id), which with the project fixed is the order of the primary key
-- (project_id, work_date, worker_id).
SELECT sqlc.embed(a), w.name AS worker_name, w.id_number_enc, t.name AS team_name
FROM attendance a
JOIN projects p ON p.id = a.project_id
JOIN workers w ON w.id = a.worker_id
LEFT JOIN teams t ON t.id = a.team_id
WHERE a.project_id = @project_id
  AND a.work_date BETWEEN @date_from AND @date_to
  AND (a.work_date, a.worker_id) > (@after_date::date, @after_worker::bigint)
  AND (sqlc.narg('scope_town')::text IS NULL OR p.town_code = sqlc.narg('scope_town'))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR p.builder_id = sqlc.narg('scope_enterprise')
        OR p.contractor_id = sqlc.narg('scope_enterprise')
        OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = sqlc.narg('scope_enterprise')))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR p.id = sqlc.narg('scope_project'))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR a.worker_id = sqlc.narg('scope_worker'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR a.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('team_id')::bigint IS NULL OR a.team_id = sqlc.narg('team_id'))
ORDER BY a.work_date, a.worker_id
LIMIT @lim;

-- name: ExportPayrollLines :many
SELECT sqlc.embed(l), s.project_id, s.month, s.status AS sheet_status, w.name AS worker_name, w.id_number_enc,
       p.name AS project_name
FROM payroll_lines l
JOIN payroll_sheets s ON s.id = l.sheet_id
JOIN projects p ON p.id = s.project_id
JOIN workers w ON w.id = l.worker_id
WHERE l.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL OR p.town_code = sqlc.narg('scope_town'))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR p.builder_id = sqlc.narg('scope_enterprise')
        OR p.contractor_id = sqlc.narg('scope_enterprise')
        OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = sqlc.narg('scope_enterprise')))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR p.id = sqlc.narg('scope_project'))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR l.worker_id = sqlc.narg('scope_worker'))
  AND (sqlc.narg('sheet_id')::bigint IS NULL OR l.sheet_id = sqlc.narg('sheet_id'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR s.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR l.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('confirmation')::text IS NULL OR l.confirmation = sqlc.narg('confirmation'))
  AND (NOT @unpaid::boolean OR l.amount_paid_fen < l.amount_due_fen)
ORDER BY l.id
LIMIT @lim;

-- name: ExportWorkRecords :many
SELECT sqlc.embed(r), w.name AS worker_name, w.id_number_enc, p.name AS project_name, t.name AS team_name
FROM work_records r
JOIN projects p ON p.id = r.project_id
JOIN workers w ON w.id = r.worker_id
LEFT JOIN teams t ON t.id = r.team_id
WHERE r.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL OR p.town_code = sqlc.narg('scope_town'))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR p.builder_id = sqlc.narg('scope_enterprise')
        OR p.contractor_id = sqlc.narg('scope_enterprise')
        OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = sqlc.narg('scope_enterprise')))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR p.id = sqlc.narg('scope_project'))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR r.worker_id = sqlc.narg('scope_worker'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR r.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR r.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('team_id')::bigint IS NULL OR r.team_id = sqlc.narg('team_id'))
  AND (sqlc.narg('date_from')::date IS NULL OR r.work_date >= sqlc.narg('date_from'))
  AND (sqlc.narg('date_to')::date IS NULL OR r.work_date <= sqlc.narg('date_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR r.active = sqlc.narg('active'))
ORDER BY r.id
LIMIT @lim;
