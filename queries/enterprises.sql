-- Enterprise scope: a town sees enterprises registered in the town and
-- those working on a project in the town (as builder, contractor or the
-- labour firm of a team); an enterprise sees itself; a project sees the
-- enterprises on it; a worker sees the enterprises of the projects (and
-- teams) they have worked on. (The scope parameters: projects.sql.)

-- name: EnterpriseList :many
-- The export (api/exports.go) reads this query too, in chunks after
-- after_id in id order; town_name is for it. The total is a window
-- count, recomputed per export chunk: enterprises are few (thousands).
SELECT sqlc.embed(e), coalesce(tw.name, '')::text AS town_name, count(*) OVER () AS total
FROM enterprises e
LEFT JOIN towns tw ON tw.code = e.town_code
WHERE (sqlc.narg('after_id')::bigint IS NULL OR e.id > sqlc.narg('after_id'))
  AND (sqlc.narg('id')::bigint IS NULL OR e.id = sqlc.narg('id'))
  AND CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN e.town_code = @scope_key::text
          OR EXISTS (SELECT 1 FROM projects p WHERE p.town_code = @scope_key::text
                     AND (p.builder_id = e.id OR p.contractor_id = e.id))
          OR EXISTS (SELECT 1 FROM teams t JOIN projects p ON p.id = t.project_id
                     WHERE t.labour_firm_id = e.id AND p.town_code = @scope_key::text)
        WHEN 'enterprise' THEN e.id = scope_id(@scope_key::text)
        WHEN 'project' THEN EXISTS (SELECT 1 FROM projects p WHERE p.id = scope_id(@scope_key::text)
                                    AND (p.builder_id = e.id OR p.contractor_id = e.id))
          OR EXISTS (SELECT 1 FROM teams t WHERE t.project_id = scope_id(@scope_key::text) AND t.labour_firm_id = e.id)
        WHEN 'worker' THEN EXISTS (
          SELECT 1 FROM employments em JOIN projects p ON p.id = em.project_id
          LEFT JOIN teams t ON t.id = em.team_id
          WHERE em.worker_id = scope_id(@scope_key::text)
            AND (p.builder_id = e.id OR p.contractor_id = e.id OR t.labour_firm_id = e.id))
        ELSE false END
  AND (sqlc.narg('town_code')::text IS NULL OR e.town_code = sqlc.narg('town_code'))
  AND (sqlc.narg('type')::text IS NULL OR e.type = sqlc.narg('type'))
  AND (sqlc.narg('active')::boolean IS NULL OR e.active = sqlc.narg('active'))
  AND (sqlc.narg('credit_kind')::text IS NULL OR EXISTS (
        SELECT 1 FROM enterprise_credit_listings l
        WHERE l.enterprise_id = e.id AND l.kind = sqlc.narg('credit_kind') AND l.removed_on IS NULL))
  AND (sqlc.narg('q')::text IS NULL OR e.name LIKE '%' || sqlc.narg('q') || '%' OR e.credit_code = upper(sqlc.narg('q')))
ORDER BY
  CASE WHEN @sort::text = 'name' THEN e.name END ASC,
  CASE WHEN @sort::text = '-name' THEN e.name END DESC,
  CASE WHEN @sort::text = 'created_at' THEN e.created_at END ASC,
  CASE WHEN @sort::text = '-created_at' THEN e.created_at END DESC,
  CASE WHEN @sort::text = '-id' THEN e.id END DESC,
  e.id ASC
LIMIT @lim OFFSET @off;

-- name: EnterpriseCreate :one
INSERT INTO enterprises (credit_code, name, type, town_code, legal_person, contact_name,
                         contact_phone_enc, contact_phone_hash, address)
VALUES (@credit_code, @name, @type, @town_code, @legal_person, @contact_name,
        @contact_phone_enc, @contact_phone_hash, @address)
RETURNING *;

-- name: EnterpriseUpdate :one
UPDATE enterprises
SET name = @name, type = @type, town_code = @town_code, legal_person = @legal_person,
    contact_name = @contact_name, contact_phone_enc = @contact_phone_enc,
    contact_phone_hash = @contact_phone_hash, address = @address,
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: EnterpriseSetActive :one
UPDATE enterprises
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE id = @id AND version = @version
RETURNING *;

-- name: EnterpriseCreditListingList :many
SELECT * FROM enterprise_credit_listings
WHERE enterprise_id = @enterprise_id
ORDER BY listed_on DESC, id DESC;

-- name: EnterpriseCreditListingGet :one
SELECT * FROM enterprise_credit_listings WHERE id = @id AND enterprise_id = @enterprise_id;

-- name: EnterpriseCreditListingCreate :one
INSERT INTO enterprise_credit_listings (enterprise_id, kind, listed_on, removed_on, authority, reason)
VALUES (@enterprise_id, @kind, @listed_on, @removed_on, @authority, @reason)
RETURNING *;

-- name: EnterpriseCreditListingUpdate :one
UPDATE enterprise_credit_listings
SET listed_on = @listed_on, removed_on = @removed_on, authority = @authority, reason = @reason,
    version = version + 1, updated_at = now()
WHERE id = @id AND enterprise_id = @enterprise_id AND version = @version
RETURNING *;
