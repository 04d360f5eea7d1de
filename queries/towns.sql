-- name: TownList :many
-- A get by code is this query narrowed by the code filter (api/towns.go).
-- Town scope: a town officer sees their town; towns are reference data,
-- which every other level reads whole. (The scope parameters: projects.sql.)
SELECT * FROM towns
WHERE CASE @scope_level::text
        WHEN 'city' THEN true
        WHEN 'town' THEN code = @scope_key::text
        -- towns are reference data: the other levels read them all (with
        -- a well-formed key, like every rule)
        WHEN 'enterprise' THEN scope_id(@scope_key::text) IS NOT NULL
        WHEN 'project' THEN scope_id(@scope_key::text) IS NOT NULL
        WHEN 'worker' THEN scope_id(@scope_key::text) IS NOT NULL
        ELSE false END
  AND (sqlc.narg('code')::text IS NULL OR code = sqlc.narg('code'))
  AND (sqlc.narg('active')::boolean IS NULL OR active = sqlc.narg('active'))
  AND (sqlc.narg('q')::text IS NULL OR name LIKE '%' || sqlc.narg('q') || '%' OR code LIKE sqlc.narg('q') || '%')
ORDER BY sort_order, code;

-- name: TownCreate :one
INSERT INTO towns (code, name, outline, sort_order)
VALUES (@code, @name, @outline, @sort_order)
RETURNING *;

-- name: TownUpdate :one
UPDATE towns
SET name = @name, outline = @outline, sort_order = @sort_order,
    version = version + 1, updated_at = now()
WHERE code = @code AND version = @version
RETURNING *;

-- name: TownSetActive :one
-- The key is named id, as in every XSetActive (see projects.sql); a town's
-- key is its code.
UPDATE towns
SET active = @active,
    deactivated_at = CASE WHEN @active::boolean THEN NULL ELSE now() END,
    deactivation_reason = sqlc.narg('reason'),
    version = version + 1, updated_at = now()
WHERE code = @id AND version = @version
RETURNING *;
