-- Wage-safety homes 安薪之家, their supervisors 安薪监督员 and activities.
-- Scope: the city sees all; a town the homes in the town; an enterprise,
-- a project and a worker read the homes in the towns of their projects
-- (for a worker: projects they were ever employed on). Only the city and
-- the home's town write (checked by the handlers). (The scope
-- parameters: projects.sql.)

-- name: SafetyHomeList :many
-- The export (api/exports.go) reads this query too, in chunks after
-- after_id in id order; town_name and project_name are for it. The total
-- is a window count, recomputed per export chunk: homes are few.
SELECT sqlc.embed(h), coalesce(tw.name, '')::text AS town_name, hp.name AS project_name,
       (SELECT count(*) FROM safety_supervisors s WHERE s.home_id = h.id AND s.active)::bigint AS supervisor_count,
       (SELECT count(*) FROM safety_activities a WHERE a.home_id = h.id AND a.active)::bigint AS activity_count,
       count(*) OVER () AS total
FROM safety_homes h
LEFT JOIN towns tw ON tw.code = h.town_code
LEFT JOIN projects hp ON hp.id = h.project_id
WHERE (sqlc.narg('after_id')::bigint IS NULL OR h.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR h.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN h.town_code = @scope_key::text
        WHEN 'enterprise' THEN EXISTS (
          SELECT 1 FROM projects p WHERE p.town_code = h.town_code
            AND (p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
                 OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))))
        WHEN 'project' THEN EXISTS (
          SELECT 1 FROM projects p WHERE p.id = scope_id(@scope_key::text) AND p.town_code = h.town_code)
        WHEN 'worker' THEN EXISTS (
          SELECT 1 FROM employments se JOIN projects p ON p.id = se.project_id
          WHERE se.worker_id = scope_id(@scope_key::text) AND p.town_code = h.town_code)
        ELSE false END
  AND (sqlc.narg('town_code')::text IS NULL OR h.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('project_id')::bigint IS NULL OR h.project_id = sqlc.narg('project_id'))
  AND (sqlc.narg('active')::boolean IS NULL OR h.active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR h.name LIKE '%' || sqlc.narg('q') || '%')
ORDER BY
  CASE WHEN @sort::text = 'name' THEN h.name END ASC,
  CASE WHEN @sort::text = 'established_on' THEN h.established_on END ASC,
  CASE WHEN @sort::text = '-established_on' THEN h.established_on END DESC,
  CASE WHEN @sort::text = '-id' THEN h.id END DESC,
  h.id ASC
LIMIT @lim OFFSET @off;

-- name: SafetyHomeCreate :one
INSERT INTO safety_homes (town_code, project_id, name, address, established_on)
VALUES (@town_code, sqlc.narg('project_id'), @name, @address, @established_on)
RETURNING *;

-- name: SafetyHomeUpdate :one
UPDATE safety_homes
SET project_id = sqlc.narg('project_id'), name = @name, address = @address, established_on = @established_on,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: SafetyHomeSetActive :one
UPDATE safety_homes
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: SafetySupervisorList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id in id order. The total is a window count, recomputed per
-- export chunk: supervisors are few (a few per home at city scale), so that costs little.
-- town_name and home_name are for it.
SELECT sqlc.embed(s), h.town_code, coalesce(tw.name, '')::text AS town_name, h.name AS home_name,
       count(*) OVER () AS total
FROM safety_supervisors s
JOIN safety_homes h ON h.id = s.home_id
LEFT JOIN towns tw ON tw.code = h.town_code
WHERE (sqlc.narg('after_id')::bigint IS NULL OR s.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR s.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN h.town_code = @scope_key::text
        WHEN 'enterprise' THEN EXISTS (
          SELECT 1 FROM projects p WHERE p.town_code = h.town_code
            AND (p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
                 OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))))
        WHEN 'project' THEN EXISTS (
          SELECT 1 FROM projects p WHERE p.id = scope_id(@scope_key::text) AND p.town_code = h.town_code)
        WHEN 'worker' THEN EXISTS (
          SELECT 1 FROM employments se JOIN projects p ON p.id = se.project_id
          WHERE se.worker_id = scope_id(@scope_key::text) AND p.town_code = h.town_code)
        ELSE false END
  AND (sqlc.narg('home_id')::bigint IS NULL OR s.home_id = sqlc.narg('home_id'))
  AND (sqlc.narg('town_code')::text IS NULL OR h.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('party_member')::boolean IS NULL OR s.party_member = sqlc.narg('party_member'))
  AND (sqlc.narg('active')::boolean IS NULL OR s.active = sqlc.narg('active'))
ORDER BY
  CASE WHEN @sort::text = 'name' THEN s.name END ASC,
  CASE WHEN @sort::text = '-id' THEN s.id END DESC,
  s.id ASC
LIMIT @lim OFFSET @off;

-- name: SafetySupervisorCreate :one
INSERT INTO safety_supervisors (home_id, name, phone_enc, phone_hash, party_member)
VALUES (@home_id, @name, @phone_enc, @phone_hash, @party_member)
RETURNING *;

-- name: SafetySupervisorUpdate :one
UPDATE safety_supervisors
SET name = @name, phone_enc = @phone_enc, phone_hash = @phone_hash, party_member = @party_member,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: SafetySupervisorSetActive :one
UPDATE safety_supervisors
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: SafetyActivityList :many
-- The export (api/exports.go) reads this query too, in chunks of 2,000
-- after after_id in id order. The total is a window count, recomputed per
-- export chunk: activities are few (tens per home and year at city scale), so that costs little.
-- town_name and home_name are for it.
SELECT sqlc.embed(a), h.town_code, coalesce(tw.name, '')::text AS town_name, h.name AS home_name,
       count(*) OVER () AS total
FROM safety_activities a
JOIN safety_homes h ON h.id = a.home_id
LEFT JOIN towns tw ON tw.code = h.town_code
WHERE (sqlc.narg('after_id')::bigint IS NULL OR a.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR a.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN h.town_code = @scope_key::text
        WHEN 'enterprise' THEN EXISTS (
          SELECT 1 FROM projects p WHERE p.town_code = h.town_code
            AND (p.builder_id = scope_id(@scope_key::text) OR p.contractor_id = scope_id(@scope_key::text)
                 OR EXISTS (SELECT 1 FROM teams st WHERE st.project_id = p.id AND st.labour_firm_id = scope_id(@scope_key::text))))
        WHEN 'project' THEN EXISTS (
          SELECT 1 FROM projects p WHERE p.id = scope_id(@scope_key::text) AND p.town_code = h.town_code)
        WHEN 'worker' THEN EXISTS (
          SELECT 1 FROM employments se JOIN projects p ON p.id = se.project_id
          WHERE se.worker_id = scope_id(@scope_key::text) AND p.town_code = h.town_code)
        ELSE false END
  AND (sqlc.narg('home_id')::bigint IS NULL OR a.home_id = sqlc.narg('home_id'))
  AND (sqlc.narg('town_code')::text IS NULL OR h.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('kind')::text IS NULL OR a.kind = sqlc.narg('kind'))
  AND (sqlc.narg('date_from')::date IS NULL OR a.held_on >= sqlc.narg('date_from'))
  AND (sqlc.narg('date_to')::date IS NULL OR a.held_on <= sqlc.narg('date_to'))
  AND (sqlc.narg('active')::boolean IS NULL OR a.active = sqlc.narg('active'))
ORDER BY
  CASE WHEN @sort::text = 'held_on' THEN a.held_on END ASC,
  CASE WHEN @sort::text = '-held_on' THEN a.held_on END DESC,
  CASE WHEN @sort::text = '-id' THEN a.id END DESC,
  a.id ASC
LIMIT @lim OFFSET @off;

-- name: SafetyActivityCreate :one
INSERT INTO safety_activities (home_id, held_on, title, kind, participants, description)
VALUES (@home_id, @held_on, @title, @kind, @participants, @description)
RETURNING *;

-- name: SafetyActivityUpdate :one
UPDATE safety_activities
SET held_on = @held_on, title = @title, kind = @kind, participants = @participants, description = @description,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: SafetyActivitySetActive :one
UPDATE safety_activities
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;
