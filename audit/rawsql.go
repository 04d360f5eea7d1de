package audit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// The statements of the system log that sqlc cannot take are all in this
// file, each saying why; every other statement of the package is a query
// of queries/audit.sql. Their errors are mapped like the store's
// (db.MapError).

// copyOut streams the entries with at in [from, to) (zero: unbounded;
// both zero: every entry, without a condition) to w as CSV, in chain
// order, on conn (in its transaction).
func copyOut(ctx context.Context, conn *pgxpool.Conn, w io.Writer, from, to time.Time) (pgconn.CommandTag, error) {
	where := ""
	if !from.IsZero() || !to.IsZero() {
		where = " WHERE " + rangeSQL(from, to)
	}
	// Raw: COPY … TO STDOUT takes no parameters (the range is formatted in)
	// and sqlc has no COPY; the CSV keeps every byte the hashes cover.
	tag, err := conn.Conn().PgConn().CopyTo(ctx, w,
		"COPY (SELECT "+selectColumns()+" FROM audit_log"+where+" ORDER BY id, at) TO STDOUT WITH (FORMAT csv)")
	return tag, db.MapError(err)
}

// copyIn streams the CSV rows of an export into audit_log, on conn (in
// its transaction).
func copyIn(ctx context.Context, conn *pgxpool.Conn, r io.Reader) (pgconn.CommandTag, error) {
	// Raw: COPY … FROM STDIN (FORMAT csv) passes the file's bytes through;
	// sqlc's :copyfrom sends Go values from a slice.
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, r,
		"COPY audit_log ("+strings.Join(Columns, ", ")+") FROM STDIN WITH (FORMAT csv)")
	return tag, db.MapError(err)
}

// copyRows streams rows (values in Columns order) into audit_log.
func copyRows(ctx context.Context, tx pgx.Tx, rows pgx.CopyFromSource) (int64, error) {
	// Raw: sqlc's :copyfrom takes a slice of every row; Generate streams
	// millions.
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"audit_log"}, Columns, rows)
	return n, db.MapError(err)
}

// partitionStats counts the entries of partition p and their lowest and
// highest id.
func partitionStats(ctx context.Context, q dbq.DBTX, p partition) (partStats, error) {
	var s partStats
	var first, last *int64
	// Raw: the partition is named at run time (an identifier; sqlc's
	// parameters are values).
	err := q.QueryRow(ctx, "SELECT count(*), min(id), max(id) FROM "+pgx.Identifier{p.name}.Sanitize()).Scan(&s.rows, &first, &last)
	if first != nil {
		s.first, s.last = *first, *last
	}
	return s, db.MapError(err)
}

// detachAndDrop detaches partition p from audit_log and drops it.
func detachAndDrop(ctx context.Context, tx pgx.Tx, p partition) error {
	// Raw: DDL on a partition named at run time (an identifier).
	for _, s := range []string{
		"ALTER TABLE audit_log DETACH PARTITION " + pgx.Identifier{p.name}.Sanitize(),
		"DROP TABLE " + pgx.Identifier{p.name}.Sanitize(),
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, db.MapError(err))
		}
	}
	return nil
}

// rangeSQL is the condition on at for [from, to) in COPY, which takes no
// parameters; zero means unbounded. The literals are formatted here, not
// taken from input, to the microsecond (as the queries' parameters).
func rangeSQL(from, to time.Time) string {
	lo, hi := "-infinity", "infinity"
	if !from.IsZero() {
		lo = from.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	if !to.IsZero() {
		hi = to.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("at >= '%s'::timestamptz AND at < '%s'::timestamptz", lo, hi)
}

// selectColumns is the select list of the COPY streams: Columns, the
// jsonb ones as their text.
func selectColumns() string {
	cols := make([]string, len(Columns))
	for i, c := range Columns {
		switch c {
		case "old_values", "new_values", "detail":
			cols[i] = c + "::text"
		default:
			cols[i] = c
		}
	}
	return strings.Join(cols, ", ")
}
