-- Workers (real-name registry 实名制). The ID number, phone and bank card
-- are stored only encrypted, with keyed hashes of ID number and phone for
-- exact look-up; gender, birth date and native place are derived from the
-- ID number at write time.
--
-- Worker scope: a town sees the workers with an employment (current or
-- past) on a project in the town; an enterprise those with an employment
-- on a project it builds or contracts, or in a team whose labour firm it
-- is; a project user those with an employment on the project; a worker
-- themselves. (The scope parameters: projects.sql.)
--
-- The two list queries are written for the planner (SPEC R6: a filtered
-- page of 250,000 workers well under 100 ms):
--   * Filters take the form "(@x IS NULL OR ...)". The API runs list
--     queries as unnamed statements, planned with the actual values, so
--     Postgres folds away the absent filters and uses the indexes of the
--     present ones (a cached generic plan could not).
--   * The total is a separate count in the select list (an init plan), not
--     count(*) OVER (): a window over the whole result makes Postgres read
--     every matching row even for page 1, through a plan it chose for
--     stopping after 20 rows. Apart, the page stops early (an index in
--     sort order) and the count reads only what it needs.
--   * Conditions on employments (scope and the project/team/town/on_site
--     filters) describe one employment. They select the candidate worker
--     ids from employments (sets of projects and teams come from ARRAY(...)
--     init plans, which become index conditions); the count joins workers
--     by LEFT JOIN, which Postgres drops when no worker filter is given, so
--     a town's total is a count of distinct ids in an index.
--   * on_site of a row is a scalar subquery, not EXISTS: Postgres may run
--     an EXISTS in the select list as a hash of every open employment
--     (175,000 at city scale) instead of 20 index probes.
-- WorkerList serves callers without employment conditions (the city, or a
-- worker); WorkerListByEmployment everyone else. A get by id is either
-- query narrowed by its id filter (api/workers.go, workerGetScoped). Keep their worker filters
-- and sorts in step, and each query's two copies of the worker filters
-- (page and count) identical.

-- name: WorkerList :many
SELECT sqlc.embed(w),
       CASE WHEN @with_total::boolean THEN (SELECT count(*) FROM workers cw
        WHERE CASE @scope_level::text
                WHEN 'city' THEN true
                WHEN 'worker' THEN cw.id = scope_id(@scope_key::text)
                ELSE false END
          AND (sqlc.narg('id_number_hash')::bytea IS NULL OR cw.id_number_hash = sqlc.narg('id_number_hash'))
          AND (sqlc.narg('phone_hash')::bytea IS NULL OR cw.phone_hash = sqlc.narg('phone_hash'))
          AND (sqlc.narg('gender')::text IS NULL OR cw.gender = sqlc.narg('gender'))
          AND (sqlc.narg('native_province')::text IS NULL OR cw.native_province = sqlc.narg('native_province'))
          AND (sqlc.narg('born_from')::date IS NULL OR cw.birth_date >= sqlc.narg('born_from'))
          AND (sqlc.narg('born_to')::date IS NULL OR cw.birth_date <= sqlc.narg('born_to'))
          AND (sqlc.narg('active')::boolean IS NULL OR cw.active = sqlc.narg('active'))
          AND (sqlc.narg('q')::text IS NULL OR cw.name LIKE '%' || sqlc.narg('q') || '%')) ELSE 0 END::bigint AS total,
       coalesce((SELECT true FROM employments oe WHERE oe.worker_id = w.id AND oe.exit_date IS NULL LIMIT 1), false)::boolean AS on_site
FROM workers w
WHERE (sqlc.narg('after_id')::bigint IS NULL OR w.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR w.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'worker' THEN w.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('id_number_hash')::bytea IS NULL OR w.id_number_hash = sqlc.narg('id_number_hash'))
  AND (sqlc.narg('phone_hash')::bytea IS NULL OR w.phone_hash = sqlc.narg('phone_hash'))
  AND (sqlc.narg('gender')::text IS NULL OR w.gender = sqlc.narg('gender'))
  AND (sqlc.narg('native_province')::text IS NULL OR w.native_province = sqlc.narg('native_province'))
  AND (sqlc.narg('born_from')::date IS NULL OR w.birth_date >= sqlc.narg('born_from'))
  AND (sqlc.narg('born_to')::date IS NULL OR w.birth_date <= sqlc.narg('born_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR w.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR w.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY
  CASE WHEN @sort::text = 'name' THEN w.name END ASC,
  CASE WHEN @sort::text = '-name' THEN w.name END DESC,
  CASE WHEN @sort::text = 'birth_date' THEN w.birth_date END ASC,
  CASE WHEN @sort::text = '-birth_date' THEN w.birth_date END DESC,
  CASE WHEN @sort::text = 'created_at' THEN w.created_at END ASC,
  CASE WHEN @sort::text = '-created_at' THEN w.created_at END DESC,
  CASE WHEN @sort::text = '-id' THEN w.id END DESC,
  w.id ASC
LIMIT @lim OFFSET @off;

-- name: WorkerListByEmployment :many
-- on_site = true: one matching employment is open; false: there are
-- matching employments and none is open.
WITH cand AS NOT MATERIALIZED (
    SELECT DISTINCT e.worker_id
    FROM employments e
    WHERE (sqlc.narg('after_id')::bigint IS NULL OR e.worker_id > sqlc.narg('after_id'))
      AND (sqlc.narg('id')::bigint IS NULL OR e.worker_id = sqlc.narg('id'))
      AND CASE @scope_level::text
            WHEN 'city' THEN true
            WHEN 'town' THEN e.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = @scope_key::text))
            WHEN 'enterprise' THEN e.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp
                                                        WHERE sp.builder_id = scope_id(@scope_key::text) OR sp.contractor_id = scope_id(@scope_key::text)))
              OR e.team_id = ANY (ARRAY(SELECT st.id FROM teams st WHERE st.labour_firm_id = scope_id(@scope_key::text)))
            WHEN 'project' THEN e.project_id = scope_id(@scope_key::text)
            WHEN 'worker' THEN true -- the worker's own id is the condition on w.id below
            ELSE false END
      AND (sqlc.narg('project_id')::bigint IS NULL OR e.project_id = sqlc.narg('project_id'))
      AND (sqlc.narg('team_id')::bigint IS NULL OR e.team_id = sqlc.narg('team_id'))
      AND (sqlc.narg('town_code')::text IS NULL
           OR e.project_id = ANY (ARRAY(SELECT fp.id FROM projects fp WHERE fp.town_code = sqlc.narg('town_code'))))
      AND (sqlc.narg('on_site')::boolean IS NOT TRUE OR e.exit_date IS NULL)
      AND (sqlc.narg('on_site')::boolean IS DISTINCT FROM false OR NOT EXISTS (
            SELECT 1 FROM employments x
            WHERE x.worker_id = e.worker_id AND x.exit_date IS NULL
              AND CASE @scope_level::text
                    WHEN 'city' THEN true
                    WHEN 'town' THEN x.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp WHERE sp.town_code = @scope_key::text))
                    WHEN 'enterprise' THEN x.project_id = ANY (ARRAY(SELECT sp.id FROM projects sp
                                                                WHERE sp.builder_id = scope_id(@scope_key::text) OR sp.contractor_id = scope_id(@scope_key::text)))
                      OR x.team_id = ANY (ARRAY(SELECT st.id FROM teams st WHERE st.labour_firm_id = scope_id(@scope_key::text)))
                    WHEN 'project' THEN x.project_id = scope_id(@scope_key::text)
                    WHEN 'worker' THEN true
                    ELSE false END
              AND (sqlc.narg('project_id')::bigint IS NULL OR x.project_id = sqlc.narg('project_id'))
              AND (sqlc.narg('team_id')::bigint IS NULL OR x.team_id = sqlc.narg('team_id'))
              AND (sqlc.narg('town_code')::text IS NULL
                   OR x.project_id = ANY (ARRAY(SELECT fp.id FROM projects fp WHERE fp.town_code = sqlc.narg('town_code'))))))
)
SELECT sqlc.embed(w),
       CASE WHEN @with_total::boolean THEN (SELECT count(*) FROM cand c LEFT JOIN workers cw ON cw.id = c.worker_id
        WHERE CASE @scope_level::text
                -- the city, town, enterprise and project levels: restricted in cand
                WHEN 'city' THEN true
                WHEN 'town' THEN true
                WHEN 'enterprise' THEN true
                WHEN 'project' THEN true
                WHEN 'worker' THEN cw.id = scope_id(@scope_key::text)
                ELSE false END
          AND (sqlc.narg('id_number_hash')::bytea IS NULL OR cw.id_number_hash = sqlc.narg('id_number_hash'))
          AND (sqlc.narg('phone_hash')::bytea IS NULL OR cw.phone_hash = sqlc.narg('phone_hash'))
          AND (sqlc.narg('gender')::text IS NULL OR cw.gender = sqlc.narg('gender'))
          AND (sqlc.narg('native_province')::text IS NULL OR cw.native_province = sqlc.narg('native_province'))
          AND (sqlc.narg('born_from')::date IS NULL OR cw.birth_date >= sqlc.narg('born_from'))
          AND (sqlc.narg('born_to')::date IS NULL OR cw.birth_date <= sqlc.narg('born_to'))
          AND (sqlc.narg('active')::boolean IS NULL OR cw.active = sqlc.narg('active'))
          AND (sqlc.narg('q')::text IS NULL OR cw.name LIKE '%' || sqlc.narg('q') || '%')) ELSE 0 END::bigint AS total,
       coalesce((SELECT true FROM employments oe WHERE oe.worker_id = w.id AND oe.exit_date IS NULL LIMIT 1), false)::boolean AS on_site
FROM cand
JOIN workers w ON w.id = cand.worker_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR w.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR w.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        -- the city, town, enterprise and project levels: restricted in cand
        WHEN 'city' THEN true
        WHEN 'town' THEN true
        WHEN 'enterprise' THEN true
        WHEN 'project' THEN true
        WHEN 'worker' THEN w.id = scope_id(@scope_key::text)
        ELSE false END
  AND (sqlc.narg('id_number_hash')::bytea IS NULL OR w.id_number_hash = sqlc.narg('id_number_hash'))
  AND (sqlc.narg('phone_hash')::bytea IS NULL OR w.phone_hash = sqlc.narg('phone_hash'))
  AND (sqlc.narg('gender')::text IS NULL OR w.gender = sqlc.narg('gender'))
  AND (sqlc.narg('native_province')::text IS NULL OR w.native_province = sqlc.narg('native_province'))
  AND (sqlc.narg('born_from')::date IS NULL OR w.birth_date >= sqlc.narg('born_from'))
  AND (sqlc.narg('born_to')::date IS NULL OR w.birth_date <= sqlc.narg('born_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR w.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR w.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY
  CASE WHEN @sort::text = 'name' THEN w.name END ASC,
  CASE WHEN @sort::text = '-name' THEN w.name END DESC,
  CASE WHEN @sort::text = 'birth_date' THEN w.birth_date END ASC,
  CASE WHEN @sort::text = '-birth_date' THEN w.birth_date END DESC,
  CASE WHEN @sort::text = 'created_at' THEN w.created_at END ASC,
  CASE WHEN @sort::text = '-created_at' THEN w.created_at END DESC,
  CASE WHEN @sort::text = '-id' THEN w.id END DESC,
  w.id ASC
LIMIT @lim OFFSET @off;

-- name: WorkerByIDNumberHash :one
-- Unscoped: whoever holds the full ID number may name the worker (to enter
-- them on a project); the caller proves it by sending the number.
SELECT * FROM workers WHERE id_number_hash = @id_number_hash;

-- name: WorkerCreate :one
INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region,
                     phone_enc, phone_hash, bank_card_enc, bank_name)
VALUES (@name, @id_number_enc, @id_number_hash, @gender, @birth_date, @native_province, @native_region,
        @phone_enc, @phone_hash, @bank_card_enc, @bank_name)
RETURNING *;

-- name: WorkerUpdate :one
UPDATE workers
SET name = @name, phone_enc = @phone_enc, phone_hash = @phone_hash,
    bank_card_enc = @bank_card_enc, bank_name = @bank_name,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: WorkerSetActive :one
UPDATE workers
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;
