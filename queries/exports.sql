-- Excel exports of the lists (SPEC R2, last bullet; R5 "exported to office
-- formats"). Each query is the list query of its entity with the same
-- scope and filter parameters, but paged by key (keyset pagination)
-- instead of LIMIT/OFFSET and without the total: the API runs it in chunks
-- of a few thousand rows, "WHERE key > @after ORDER BY key LIMIT @lim", all
-- inside one REPEATABLE READ READ ONLY transaction, so that the file is
-- one consistent snapshot and no chunk re-reads the rows before it.
-- Exports are in key order (id; for attendance date, worker); the list's
-- sort parameter does not apply.
--
-- Keep the scope and filter conditions identical to the list queries in
-- enterprises.sql, projects.sql, teams.sql, workers.sql, employments.sql,
-- attendance.sql, payroll.sql, work_records.sql and safety_homes.sql.

-- name: ExportEnterprises :many
SELECT sqlc.embed(e), coalesce(tw.name, '')::text AS town_name
FROM enterprises e
LEFT JOIN towns tw ON tw.code = e.town_code
WHERE e.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL OR e.town_code = sqlc.narg('scope_town')
        OR EXISTS (SELECT 1 FROM projects p WHERE p.town_code = sqlc.narg('scope_town')
                   AND (p.builder_id = e.id OR p.contractor_id = e.id))
        OR EXISTS (SELECT 1 FROM teams t JOIN projects p ON p.id = t.project_id
                   WHERE t.labour_firm_id = e.id AND p.town_code = sqlc.narg('scope_town')))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR e.id = sqlc.narg('scope_enterprise'))
  AND (sqlc.narg('scope_project')::bigint IS NULL
        OR EXISTS (SELECT 1 FROM projects p WHERE p.id = sqlc.narg('scope_project')
                   AND (p.builder_id = e.id OR p.contractor_id = e.id))
        OR EXISTS (SELECT 1 FROM teams t WHERE t.project_id = sqlc.narg('scope_project') AND t.labour_firm_id = e.id))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR EXISTS (
        SELECT 1 FROM employments em JOIN projects p ON p.id = em.project_id
        LEFT JOIN teams t ON t.id = em.team_id
        WHERE em.worker_id = sqlc.narg('scope_worker')
          AND (p.builder_id = e.id OR p.contractor_id = e.id OR t.labour_firm_id = e.id)))
  AND (sqlc.narg('town_code')::text IS NULL OR e.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('type')::text IS NULL OR e.type = sqlc.narg('type'))
  AND (sqlc.narg('active')::boolean IS NULL OR e.active = sqlc.narg('active'))
  AND (sqlc.narg('credit_kind')::text IS NULL OR EXISTS (
        SELECT 1 FROM enterprise_credit_listings l
        WHERE l.enterprise_id = e.id AND l.kind = sqlc.narg('credit_kind') AND l.removed_on IS NULL))
  AND (sqlc.narg('q')::text IS NULL OR e.name LIKE '%' || sqlc.narg('q') || '%' OR e.credit_code = upper(sqlc.narg('q')))
ORDER BY e.id
LIMIT @lim;

-- name: ExportProjects :many
SELECT sqlc.embed(p), b.name AS builder_name, c.name AS contractor_name, coalesce(tw.name, '')::text AS town_name,
       (SELECT count(*) FROM project_wage_systems ws WHERE ws.project_id = p.id AND ws.state = 'implemented')::int AS implemented_count,
       (SELECT count(*) FROM project_wage_systems ws WHERE ws.project_id = p.id AND ws.state = 'exempt')::int AS exempt_count
FROM projects p
JOIN enterprises b ON b.id = p.builder_id
JOIN enterprises c ON c.id = p.contractor_id
LEFT JOIN towns tw ON tw.code = p.town_code
WHERE p.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL OR p.town_code = sqlc.narg('scope_town'))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR p.builder_id = sqlc.narg('scope_enterprise')
        OR p.contractor_id = sqlc.narg('scope_enterprise')
        OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = sqlc.narg('scope_enterprise')))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR p.id = sqlc.narg('scope_project'))
  AND (sqlc.narg('scope_worker')::bigint IS NULL
        OR EXISTS (SELECT 1 FROM employments se WHERE se.project_id = p.id AND se.worker_id = sqlc.narg('scope_worker')))
  AND (sqlc.narg('town_code')::text IS NULL OR p.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('status')::text IS NULL OR p.status = sqlc.narg('status'))
  AND (sqlc.narg('industry')::text IS NULL OR p.industry = sqlc.narg('industry'))
  AND (sqlc.narg('builder_id')::bigint IS NULL OR p.builder_id = sqlc.narg('builder_id'))
  AND (sqlc.narg('contractor_id')::bigint IS NULL OR p.contractor_id = sqlc.narg('contractor_id'))
  AND (sqlc.narg('enterprise_id')::bigint IS NULL OR p.builder_id = sqlc.narg('enterprise_id')
        OR p.contractor_id = sqlc.narg('enterprise_id')
        OR EXISTS (SELECT 1 FROM teams ft WHERE ft.project_id = p.id AND ft.labour_firm_id = sqlc.narg('enterprise_id')))
  AND (sqlc.narg('active')::boolean IS NULL OR p.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR p.name LIKE '%' || sqlc.narg('q') || '%' OR p.code ILIKE sqlc.narg('q') || '%')
  AND (sqlc.narg('start_from')::date IS NULL OR p.start_date >= sqlc.narg('start_from'))
  AND (sqlc.narg('start_to')::date IS NULL OR p.start_date <= sqlc.narg('start_to'))
  AND (sqlc.narg('wage_system_missing')::text IS NULL OR EXISTS (
        SELECT 1 FROM project_wage_systems mws
        WHERE mws.project_id = p.id AND mws.system = sqlc.narg('wage_system_missing')
          AND mws.state IN ('missing', 'partial')))
ORDER BY p.id
LIMIT @lim;

-- name: ExportTeams :many
SELECT sqlc.embed(t), p.name AS project_name, p.town_code,
       lf.name AS labour_firm_name, lw.name AS leader_name,
       (SELECT count(*) FROM employments oe WHERE oe.team_id = t.id AND oe.exit_date IS NULL)::int AS on_site_count
FROM teams t
JOIN projects p ON p.id = t.project_id
LEFT JOIN enterprises lf ON lf.id = t.labour_firm_id
LEFT JOIN workers lw ON lw.id = t.leader_worker_id
WHERE t.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL OR p.town_code = sqlc.narg('scope_town'))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR t.labour_firm_id = sqlc.narg('scope_enterprise')
        OR p.builder_id = sqlc.narg('scope_enterprise') OR p.contractor_id = sqlc.narg('scope_enterprise')
        OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = sqlc.narg('scope_enterprise')))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR p.id = sqlc.narg('scope_project'))
  AND (sqlc.narg('scope_worker')::bigint IS NULL
        OR EXISTS (SELECT 1 FROM employments se WHERE se.project_id = p.id AND se.worker_id = sqlc.narg('scope_worker')))
  AND (sqlc.narg('project_id')::bigint IS NULL OR t.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('labour_firm_id')::bigint IS NULL OR t.labour_firm_id = sqlc.narg('labour_firm_id'))
  AND (sqlc.narg('active')::boolean IS NULL OR t.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR t.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY t.id
LIMIT @lim;

-- name: ExportWorkers :many
-- Workers without conditions on their employments (the city, a worker;
-- as WorkerList).
SELECT sqlc.embed(w),
       coalesce((SELECT true FROM employments oe WHERE oe.worker_id = w.id AND oe.exit_date IS NULL LIMIT 1), false)::boolean AS on_site
FROM workers w
WHERE w.id > @after_id
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR w.id = sqlc.narg('scope_worker'))
  AND (sqlc.narg('id_number_hash')::bytea IS NULL OR w.id_number_hash = sqlc.narg('id_number_hash'))
  AND (sqlc.narg('phone_hash')::bytea IS NULL OR w.phone_hash = sqlc.narg('phone_hash'))
  AND (sqlc.narg('gender')::text IS NULL OR w.gender = sqlc.narg('gender'))
  AND (sqlc.narg('native_province')::text IS NULL OR w.native_province = sqlc.narg('native_province'))
  AND (sqlc.narg('born_from')::date IS NULL OR w.birth_date >= sqlc.narg('born_from'))
  AND (sqlc.narg('born_to')::date IS NULL OR w.birth_date <= sqlc.narg('born_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR w.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR w.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY w.id
LIMIT @lim;

-- name: ExportWorkersByEmployment :many
-- Workers selected by their employments (scope of a town, enterprise or
-- project; project, team, town and on_site filters; as
-- WorkerListByEmployment): the conditions describe one employment of the
-- worker; on_site = false means there are matching employments and none
-- is open. The EXISTS is a plain conjunct, so Postgres runs it as a semi
-- join and can probe the employments of each worker in id order
-- (employments_worker_idx), stopping after @lim matches, instead of
-- hashing every matching employment of the city for each chunk.
SELECT sqlc.embed(w),
       coalesce((SELECT true FROM employments oe WHERE oe.worker_id = w.id AND oe.exit_date IS NULL LIMIT 1), false)::boolean AS on_site
FROM workers w
WHERE w.id > @after_id
  AND EXISTS (
        SELECT 1 FROM employments e
        WHERE e.worker_id = w.id
          AND e.worker_id > @after_id -- implied, but lets a merge join start at the chunk
          AND (sqlc.narg('scope_town')::text IS NULL
               OR e.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = sqlc.narg('scope_town'))))
          AND (sqlc.narg('scope_enterprise')::bigint IS NULL
               OR e.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp
                                            WHERE sp.builder_id = sqlc.narg('scope_enterprise') OR sp.contractor_id = sqlc.narg('scope_enterprise')))
               OR e.team_id = ANY (ARRAY(SELECT st.id FROM teams st WHERE st.labour_firm_id = sqlc.narg('scope_enterprise'))))
          AND (sqlc.narg('scope_project')::bigint IS NULL OR e.project_id = sqlc.narg('scope_project'))
          AND (sqlc.narg('project_id')::bigint IS NULL OR e.project_id = sqlc.narg('project_id'))
          AND (sqlc.narg('team_id')::bigint IS NULL OR e.team_id = sqlc.narg('team_id'))
          AND (sqlc.narg('town_code')::text IS NULL
               OR e.project_id = ANY (ARRAY(SELECT fp.id FROM projects fp WHERE fp.town_code = sqlc.narg('town_code'))))
          AND (sqlc.narg('on_site')::boolean IS NOT TRUE OR e.exit_date IS NULL))
  AND (sqlc.narg('on_site')::boolean IS DISTINCT FROM false OR NOT EXISTS (
        SELECT 1 FROM employments x
        WHERE x.worker_id = w.id AND x.exit_date IS NULL
          AND (sqlc.narg('scope_town')::text IS NULL
               OR x.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = sqlc.narg('scope_town'))))
          AND (sqlc.narg('scope_enterprise')::bigint IS NULL
               OR x.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp
                                            WHERE sp.builder_id = sqlc.narg('scope_enterprise') OR sp.contractor_id = sqlc.narg('scope_enterprise')))
               OR x.team_id = ANY (ARRAY(SELECT st.id FROM teams st WHERE st.labour_firm_id = sqlc.narg('scope_enterprise'))))
          AND (sqlc.narg('scope_project')::bigint IS NULL OR x.project_id = sqlc.narg('scope_project'))
          AND (sqlc.narg('project_id')::bigint IS NULL OR x.project_id = sqlc.narg('project_id'))
          AND (sqlc.narg('team_id')::bigint IS NULL OR x.team_id = sqlc.narg('team_id'))
          AND (sqlc.narg('town_code')::text IS NULL
               OR x.project_id = ANY (ARRAY(SELECT fp.id FROM projects fp WHERE fp.town_code = sqlc.narg('town_code'))))))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR w.id = sqlc.narg('scope_worker'))
  AND (sqlc.narg('id_number_hash')::bytea IS NULL OR w.id_number_hash = sqlc.narg('id_number_hash'))
  AND (sqlc.narg('phone_hash')::bytea IS NULL OR w.phone_hash = sqlc.narg('phone_hash'))
  AND (sqlc.narg('gender')::text IS NULL OR w.gender = sqlc.narg('gender'))
  AND (sqlc.narg('native_province')::text IS NULL OR w.native_province = sqlc.narg('native_province'))
  AND (sqlc.narg('born_from')::date IS NULL OR w.birth_date >= sqlc.narg('born_from'))
  AND (sqlc.narg('born_to')::date IS NULL OR w.birth_date <= sqlc.narg('born_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR w.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR w.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY w.id
LIMIT @lim;

-- name: ExportEmployments :many
SELECT sqlc.embed(e), w.name AS worker_name, w.id_number_enc, p.name AS project_name, t.name AS team_name
FROM employments e
JOIN workers w ON w.id = e.worker_id
JOIN projects p ON p.id = e.project_id
LEFT JOIN teams t ON t.id = e.team_id
WHERE e.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL
       OR e.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = sqlc.narg('scope_town'))))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL
       OR e.project_id = ANY (ARRAY(
            SELECT sp.id FROM projects sp
            WHERE sp.builder_id = sqlc.narg('scope_enterprise') OR sp.contractor_id = sqlc.narg('scope_enterprise')
            UNION
            SELECT st.project_id FROM teams st WHERE st.labour_firm_id = sqlc.narg('scope_enterprise'))))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR e.project_id = sqlc.narg('scope_project'))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR e.worker_id = sqlc.narg('scope_worker'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR e.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR e.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('team_id')::bigint IS NULL OR e.team_id = sqlc.narg('team_id'))
  AND (sqlc.narg('on_site')::boolean IS NULL OR (e.exit_date IS NULL) = sqlc.narg('on_site'))
  AND (sqlc.narg('contract_signed')::boolean IS NULL OR (e.contract_signed_on IS NOT NULL) = sqlc.narg('contract_signed'))
  AND (sqlc.narg('unsettled_exits')::boolean IS NULL
       OR (e.exit_date IS NOT NULL AND e.settled_on IS NULL) = sqlc.narg('unsettled_exits'))
  AND (sqlc.narg('entry_from')::date IS NULL OR e.entry_date >= sqlc.narg('entry_from'))
  AND (sqlc.narg('entry_to')::date IS NULL OR e.entry_date <= sqlc.narg('entry_to'))
ORDER BY e.id
LIMIT @lim;

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

-- name: ExportSafetyHomes :many
SELECT sqlc.embed(h), coalesce(tw.name, '')::text AS town_name, hp.name AS project_name,
       (SELECT count(*) FROM safety_supervisors s WHERE s.home_id = h.id AND s.active)::bigint AS supervisor_count,
       (SELECT count(*) FROM safety_activities a WHERE a.home_id = h.id AND a.active)::bigint AS activity_count
FROM safety_homes h
LEFT JOIN towns tw ON tw.code = h.town_code
LEFT JOIN projects hp ON hp.id = h.project_id
WHERE h.id > @after_id
  AND (sqlc.narg('scope_town')::text IS NULL OR h.town_code = sqlc.narg('scope_town'))
  AND (sqlc.narg('scope_enterprise')::bigint IS NULL OR EXISTS (
        SELECT 1 FROM projects p WHERE p.town_code = h.town_code
          AND (p.builder_id = sqlc.narg('scope_enterprise') OR p.contractor_id = sqlc.narg('scope_enterprise')
               OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = sqlc.narg('scope_enterprise')))))
  AND (sqlc.narg('scope_project')::bigint IS NULL OR EXISTS (
        SELECT 1 FROM projects p WHERE p.id = sqlc.narg('scope_project') AND p.town_code = h.town_code))
  AND (sqlc.narg('scope_worker')::bigint IS NULL OR EXISTS (
        SELECT 1 FROM employments se JOIN projects p ON p.id = se.project_id
        WHERE se.worker_id = sqlc.narg('scope_worker') AND p.town_code = h.town_code))
  AND (sqlc.narg('town_code')::text IS NULL OR h.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR h.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('active')::boolean IS NULL OR h.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR h.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY h.id
LIMIT @lim;
