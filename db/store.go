package db

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/anxin-city/anxin/db/dbq"
)

// The store boundary: statements run through Q, QTx, WrapTx or InTx return
// their errors already passed through MapError, so callers test kinds
// (ErrNotFound, ErrConflict, ErrReference, ErrCheck, ErrBadInput,
// ErrSerialized) instead of pgx errors. MapError keeps wrapping the
// original error, so errors.Is(err, pgx.ErrNoRows) and errors.As(err,
// **pgconn.PgError) still hold.

// Q returns the sqlc queries on d (a pool, a connection or a transaction)
// with every error mapped by MapError.
func Q(d dbq.DBTX) *dbq.Queries { return dbq.New(wrap(d)) }

// QTx is Q for a transaction.
func QTx(tx pgx.Tx) *dbq.Queries { return dbq.New(WrapTx(tx)) }

// WrapTx returns tx with the errors of its statements, its copies, its
// batches, its savepoints and its commit mapped by MapError. Wrapping a
// wrapped transaction returns it unchanged.
func WrapTx(tx pgx.Tx) pgx.Tx {
	switch x := tx.(type) {
	case nil:
		return nil
	case mappedTx:
		return x
	}
	return mappedTx{tx}
}

// wrap returns d with its errors mapped (d itself when it is a wrapped
// transaction already).
func wrap(d dbq.DBTX) dbq.DBTX {
	switch x := d.(type) {
	case mappedTx, mapped:
		return x
	case pgx.Tx:
		return mappedTx{x}
	}
	return mapped{d}
}

// mapped is a pool or connection whose errors are mapped.
type mapped struct{ d dbq.DBTX }

func (m mapped) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := m.d.Exec(ctx, sql, args...)
	return tag, MapError(err)
}

func (m mapped) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return mapRows(m.d.Query(ctx, sql, args...))
}

func (m mapped) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return mappedRow{m.d.QueryRow(ctx, sql, args...)}
}

func (m mapped) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	n, err := m.d.CopyFrom(ctx, table, columns, src)
	return n, MapError(err)
}

// mappedTx is a transaction whose errors are mapped.
type mappedTx struct{ pgx.Tx }

func (t mappedTx) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := t.Tx.Begin(ctx)
	if err != nil {
		return nil, MapError(err)
	}
	return mappedTx{tx}, nil
}

func (t mappedTx) Commit(ctx context.Context) error { return MapError(t.Tx.Commit(ctx)) }

func (t mappedTx) Rollback(ctx context.Context) error { return MapError(t.Tx.Rollback(ctx)) }

func (t mappedTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	n, err := t.Tx.CopyFrom(ctx, table, columns, src)
	return n, MapError(err)
}

func (t mappedTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return mappedBatch{t.Tx.SendBatch(ctx, b)}
}

func (t mappedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	tag, err := t.Tx.Exec(ctx, sql, args...)
	return tag, MapError(err)
}

func (t mappedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return mapRows(t.Tx.Query(ctx, sql, args...))
}

func (t mappedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return mappedRow{t.Tx.QueryRow(ctx, sql, args...)}
}

type mappedBatch struct{ pgx.BatchResults }

func (b mappedBatch) Exec() (pgconn.CommandTag, error) {
	tag, err := b.BatchResults.Exec()
	return tag, MapError(err)
}

func (b mappedBatch) Query() (pgx.Rows, error) { return mapRows(b.BatchResults.Query()) }

func (b mappedBatch) QueryRow() pgx.Row { return mappedRow{b.BatchResults.QueryRow()} }

func (b mappedBatch) Close() error { return MapError(b.BatchResults.Close()) }

func mapRows(rows pgx.Rows, err error) (pgx.Rows, error) {
	if err != nil {
		// pgx returns rows that hold the error too: keep them closed and mapped.
		if rows != nil {
			rows = mappedRows{rows}
		}
		return rows, MapError(err)
	}
	return mappedRows{rows}, nil
}

// mappedRow maps the error of Scan, where a QueryRow's error surfaces.
type mappedRow struct{ row pgx.Row }

func (r mappedRow) Scan(dest ...any) error { return MapError(r.row.Scan(dest...)) }

// mappedRows maps the errors of Scan and Err, where a Query's errors
// surface.
type mappedRows struct{ pgx.Rows }

func (r mappedRows) Scan(dest ...any) error { return MapError(r.Rows.Scan(dest...)) }

func (r mappedRows) Err() error { return MapError(r.Rows.Err()) }

// NotFound is the error of a read that found no row where one was asked
// for (a list narrowed to one id that came back empty): ErrNotFound, as
// the store boundary maps pgx.ErrNoRows.
func NotFound() error { return MapError(pgx.ErrNoRows) }
