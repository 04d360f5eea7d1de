-- The casbin model and rules (package authz; db/migrations/00005_identity.sql).
-- The g rules (the active accounts, 250,000 at city size) are streamed by
-- authz/rawsql.go, since a sqlc :many would first build a slice of them.

-- name: AuthzModelBody :one
-- The text of the casbin model name.
SELECT body FROM authz_model WHERE name = @name;

-- name: AuthzPolicyRules :many
-- The p rules: role, domain pattern, object, action.
SELECT ptype, v0, v1, v2, v3 FROM authz_policy ORDER BY id;

-- name: AuthzNotify :exec
-- Tells the other processes of a grant change, when the transaction
-- commits (nothing on rollback).
SELECT pg_notify(@channel::text, @payload::text);
