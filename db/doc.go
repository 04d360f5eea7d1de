// Package db owns the database: the embedded SQL migrations (db/migrations),
// the connection pool, transactions, the mapping of Postgres errors to
// the domain's error kinds, and Scope, the row scope every scoped query
// takes (a level and a key; the zero Scope matches no rows). The sqlc-generated queries live in db/dbq and
// are never edited by hand; test helpers live in db/dbtest.
package db
