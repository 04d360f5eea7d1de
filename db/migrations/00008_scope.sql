-- Row scope as a level and a key (db/scope.go, queries/projects.sql): the
-- queries compare numeric keys (enterprise, project, worker ids) through
-- scope_id, which turns the key text into the id, or NULL when the key is
-- not a number, so a malformed key matches nothing instead of raising.
--
-- It is a plain SQL function, IMMUTABLE and not STRICT, so the planner
-- inlines it; with the key a constant (every pool plans with the actual
-- parameter values, plan_cache_mode = force_custom_plan) it folds into a
-- constant id and the comparison keeps its index.

-- +goose Up
CREATE FUNCTION scope_id(key text) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT CASE WHEN key ~ '^[0-9]{1,18}$' THEN key::bigint END $$;

-- +goose Down
DROP FUNCTION scope_id(text);
