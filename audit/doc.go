// Package audit is the system log 系统日志 (SPEC R7): an append-only,
// hash-chained record of every change to the business tables, of logins,
// refused requests, API accesses and views of unmasked personal data.
//
// The database does most of the work (db/migrations/00004_audit.sql):
// triggers capture row changes into audit_pending, and at commit a deferred
// constraint trigger seals the transaction's entries into audit_log, each
// with the next id of the chain and hash = sha256(prev_hash || encoding).
// This package
//
//   - names the actor of a transaction (SetActor) and writes events that
//     are not row changes (Insert inside a transaction, Writer for the
//     per-request access log with group commit);
//   - verifies the chain (Verify), recomputing every hash in Go;
//   - exports and imports it as a gzip'd CSV stream with a header (Export,
//     Import, VerifyFile) and archives and drops old months (ArchiveAndDrop);
//   - generates realistic chained rows for benchmarks (Generate).
//
// Its statements are sqlc queries (queries/audit.sql, run through db.Q
// and db.QTx, errors mapped); those sqlc cannot take — the COPY streams
// and the DDL on month partitions — are in rawsql.go, each saying why.
//
// The encoding (audit/hash.go, docs/AUDIT.md) must stay byte-for-byte identical to
// audit_encode() in the migration; a test keeps them equal. docs/AUDIT.md
// describes the design.
package audit
