// Package db owns the database: the embedded SQL migrations (db/migrations),
// the connection pool, transactions and the mapping of Postgres errors to
// the domain's error kinds. The sqlc-generated queries live in db/dbq and
// are never edited by hand; test helpers live in db/dbtest.
package db
