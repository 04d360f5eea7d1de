-- Attendance 考勤: one row per project, worker and day. Rows are never
-- deleted; a correction is an upsert of the same key.
--
-- Labour-data scope (all files of labour data share it): everything hangs
-- off a project. A town sees the projects in the town; an enterprise the
-- projects where it is builder or general contractor or the labour firm of
-- a team; a project user that project; a worker only their own rows.
-- (How the caller's scope reaches the queries, and why a missing one
-- matches nothing: projects.sql.)

-- name: LabourProjectsInScope :many
-- The projects a labour-data write names that the caller may see (absent
-- ones are out of scope or do not exist). Used by every labour-data
-- handler before it writes.
SELECT p.id, p.town_code, p.active, p.status
FROM projects p
WHERE p.id = ANY(@ids::bigint[])
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        WHEN 'worker' THEN EXISTS (SELECT 1 FROM employments se WHERE se.project_id = p.id AND se.worker_id = scope_id(@scope_key::text))
        ELSE false END;

-- name: LabourEmploymentCheck :many
-- For each (project, worker, period, team) of a write, in input order:
-- the employment of the worker on the project that overlaps the period
-- [from_date, to_date] (entry <= to, exit open or >= from), if any, and
-- whether the team (0 = none) belongs to the project.
SELECT r.idx::bigint AS idx,
       coalesce(e.id, 0)::bigint AS employment_id,
       e.team_id AS employment_team_id,
       (r.team_id = 0 OR EXISTS (SELECT 1 FROM teams t WHERE t.id = r.team_id AND t.project_id = r.project_id))::boolean AS team_ok
FROM (SELECT unnest(@project_ids::bigint[]) AS project_id, unnest(@worker_ids::bigint[]) AS worker_id,
             unnest(@from_dates::date[]) AS from_date, unnest(@to_dates::date[]) AS to_date,
             unnest(@team_ids::bigint[]) AS team_id,
             generate_series(1, cardinality(@project_ids::bigint[])) AS idx) r
LEFT JOIN LATERAL (
    SELECT em.id, em.team_id FROM employments em
    WHERE em.project_id = r.project_id AND em.worker_id = r.worker_id
      AND em.entry_date <= r.to_date AND (em.exit_date IS NULL OR em.exit_date >= r.from_date)
    ORDER BY em.entry_date DESC
    LIMIT 1) e ON true
ORDER BY r.idx;

-- name: AttendanceList :many
-- The total is a separate count (see workers.sql for why: a window count
-- made page 1 read every matching row), computed only with with_total;
-- Postgres drops it at planning time without. Keep its conditions
-- identical to the page's (it leaves out the join to workers, which the
-- foreign key makes a no-op).
-- The export (api/exports.go) reads this query too, without with_total, in
-- chunks of 2,000 after (after_date, after_worker), which is the order of
-- the primary key when project_id is given (the export requires it);
-- id_number_enc and team_name are for it.
SELECT sqlc.embed(a), w.name AS worker_name, w.id_number_enc, t.name AS team_name,
       CASE WHEN @with_total::boolean THEN (SELECT count(*) FROM attendance ca
        JOIN projects cp ON cp.id = ca.project_id
        WHERE ca.work_date BETWEEN @date_from AND @date_to
        AND CASE @scope_level::text
              WHEN 'city' THEN true
              WHEN 'town' THEN cp.town_code = @scope_key::text
              WHEN 'enterprise' THEN cp.builder_id = scope_id(@scope_key::text) OR cp.contractor_id = scope_id(@scope_key::text)
                OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = cp.id AND st.labour_firm_id = scope_id(@scope_key::text))
              WHEN 'project' THEN cp.id = scope_id(@scope_key::text)
              WHEN 'worker' THEN ca.worker_id = scope_id(@scope_key::text)
              ELSE false END
        AND (sqlc.narg('project_id')::bigint IS NULL OR ca.project_id = sqlc.narg('project_id'))
        AND (sqlc.narg('worker_id')::bigint IS NULL OR ca.worker_id = sqlc.narg('worker_id'))
        AND (sqlc.narg('team_id')::bigint IS NULL OR ca.team_id = sqlc.narg('team_id'))) ELSE 0 END::bigint AS total
FROM attendance a
JOIN projects p ON p.id = a.project_id
JOIN workers w ON w.id = a.worker_id
LEFT JOIN teams t ON t.id = a.team_id
WHERE a.work_date BETWEEN @date_from AND @date_to
  AND (sqlc.narg('after_date')::date IS NULL
       OR (a.work_date, a.worker_id) > (sqlc.narg('after_date')::date, @after_worker::bigint))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN p.town_code = @scope_key::text
        WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
          OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
        WHEN 'project' THEN p.id = scope_id(@scope_key::text)
        WHEN 'worker' THEN a.worker_id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('project_id')::bigint IS NULL OR a.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('worker_id')::bigint IS NULL OR a.worker_id = sqlc.narg('worker_id'))
  AND (sqlc.narg('team_id')::bigint IS NULL OR a.team_id = sqlc.narg('team_id'))
ORDER BY
  CASE WHEN @sort::text = '-work_date' THEN a.work_date END DESC,
  a.work_date ASC, a.project_id ASC, a.worker_id ASC
LIMIT @lim OFFSET @off;

-- name: AttendanceUpsert :one
-- inserted: a new row has created_at = now() (the transaction's start);
-- an updated one was created by an earlier transaction. (xmax cannot be
-- read from a partitioned table.)
INSERT INTO attendance (project_id, worker_id, work_date, team_id, minutes, source)
VALUES (@project_id, @worker_id, @work_date, sqlc.narg('team_id'), @minutes, @source)
ON CONFLICT (project_id, work_date, worker_id) DO UPDATE
SET team_id = EXCLUDED.team_id, minutes = EXCLUDED.minutes, source = EXCLUDED.source
RETURNING sqlc.embed(attendance), (created_at = now())::boolean AS inserted;

-- name: AttendanceUpsertMany :many
-- The batch write; the caller has validated every record and removed
-- duplicate keys. team_ids uses 0 for "no team". inserted as in
-- AttendanceUpsert.
INSERT INTO attendance (project_id, worker_id, work_date, team_id, minutes, source)
SELECT r.project_id, r.worker_id, r.work_date, NULLIF(r.team_id, 0), r.minutes, r.source
FROM (SELECT unnest(@project_ids::bigint[]) AS project_id, unnest(@worker_ids::bigint[]) AS worker_id,
             unnest(@work_dates::date[]) AS work_date, unnest(@team_ids::bigint[]) AS team_id,
             unnest(@minutes::integer[]) AS minutes, unnest(@sources::text[]) AS source) r
ON CONFLICT (project_id, work_date, worker_id) DO UPDATE
SET team_id = EXCLUDED.team_id, minutes = EXCLUDED.minutes, source = EXCLUDED.source
RETURNING (created_at = now())::boolean AS inserted;

-- name: AttendanceSummary :many
-- Per worker (and project) in one month: days attended (rows with minutes
-- above zero) and total minutes. The month's rows are aggregated first and
-- the names looked up per result row: joining workers before grouping let
-- the planner pick a merge join that walked the whole workers index
-- (seconds at city scale).
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after (after_project, after_worker) in (project, worker) order. The
-- total is a window count, recomputed per export chunk: a project's month
-- has a few hundred workers (one chunk), so that costs little.
WITH s AS (
    SELECT a.project_id, a.worker_id,
           (count(*) FILTER (WHERE a.minutes > 0))::bigint AS days,
           coalesce(sum(a.minutes), 0)::bigint AS minutes,
           min(a.work_date)::date AS first_date, max(a.work_date)::date AS last_date
    FROM attendance a
    JOIN projects p ON p.id = a.project_id
    WHERE a.work_date BETWEEN @month_first AND @month_last
      AND CASE @scope_level::text
            WHEN 'city' THEN true
            WHEN 'town' THEN p.town_code = @scope_key::text
            WHEN 'enterprise' THEN p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
              OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))
            WHEN 'project' THEN p.id = scope_id(@scope_key::text)
            WHEN 'worker' THEN a.worker_id = scope_id(@scope_key::text)
            ELSE false END
      AND (sqlc.narg('project_id')::bigint IS NULL OR a.project_id = sqlc.narg('project_id'))
      AND (sqlc.narg('team_id')::bigint IS NULL OR a.team_id = sqlc.narg('team_id'))
    GROUP BY a.project_id, a.worker_id
)
SELECT s.project_id, s.worker_id,
       (SELECT w.name FROM workers w WHERE w.id = s.worker_id)::text AS worker_name,
       s.days, s.minutes, s.first_date, s.last_date,
       count(*) OVER () AS total
FROM s
WHERE (sqlc.narg('after_project')::bigint IS NULL
       OR (s.project_id, s.worker_id) > (sqlc.narg('after_project')::bigint, @after_worker::bigint))
ORDER BY
  CASE WHEN @sort::text = '-days' THEN s.days END DESC,
  CASE WHEN @sort::text = '-minutes' THEN s.minutes END DESC,
  s.project_id ASC, s.worker_id ASC
LIMIT @lim OFFSET @off;
