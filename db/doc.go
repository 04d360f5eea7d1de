// Package db owns the database: the embedded SQL migrations (db/migrations),
// the connection pool, transactions and the store boundary, where Postgres
// errors become the domain's error kinds (MapError): the sqlc queries are
// run through Q/QTx and transactions through InTx/WrapTx, so callers see
// ErrNotFound, ErrConflict, ErrReference, ErrCheck, ErrBadInput or
// ErrSerialized, never a bare pgx error. Scope is the row scope every
// scoped query takes (a level and a key; the zero Scope matches no rows).
// The sqlc-generated queries live in db/dbq and are never edited by hand;
// test helpers live in db/dbtest.
package db
