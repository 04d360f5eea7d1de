// Package auth holds the credentials side of identity: argon2id password
// hashes, the password policy, and session tokens (random, given to the
// client once, stored only as their SHA-256).
//
// Accounts, sessions and the HTTP routes that use these live in the
// database (db/migrations/00005_identity.sql) and in package api; the
// permission check (casbin) lives in package authz.
package auth
