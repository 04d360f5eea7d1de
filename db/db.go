package db

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/anxin-city/anxin/db/dbq"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the embedded migration files (for tools that want to
// read them, such as the schema-staleness check).
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// Open connects a pool to url and checks that the server answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// Our queries filter with "(@x IS NULL OR col = @x)". A plan made for
	// the actual values folds absent filters away and uses the indexes (and
	// partitions) of the present ones; the generic plan Postgres switches a
	// prepared statement to after five executions cannot, and scans whole
	// tables (seen: 80 ms → 5 s on the attendance summary at city scale).
	// Planning anew costs well under a millisecond.
	if _, ok := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database %s@%s/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

// Migrate applies every pending migration. It is safe to call from several
// processes at once: goose takes a Postgres advisory lock.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	sqldb := stdlib.OpenDBFromPool(pool)
	defer sqldb.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqldb, Migrations(),
		goose.WithSessionLocker(mustLocker()))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
		}
	}
	return nil
}

// InTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise (and on panic). q and tx map their errors (WrapTx).
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(q *dbq.Queries, tx pgx.Tx) error) error {
	return InTxOptions(ctx, pool, pgx.TxOptions{}, fn)
}

// InTxOptions is InTx with transaction options (isolation, read-only).
func InTxOptions(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions, fn func(q *dbq.Queries, tx pgx.Tx) error) error {
	raw, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", MapError(err))
	}
	tx := WrapTx(raw)
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(QTx(tx), tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Error kinds that callers can test with errors.Is.
var (
	ErrNotFound   = errors.New("not found")
	ErrConflict   = errors.New("conflict")      // unique violation
	ErrReference  = errors.New("reference")     // foreign-key violation
	ErrCheck      = errors.New("check")         // check or not-null constraint
	ErrBadInput   = errors.New("bad input")     // a value Postgres cannot take (SQLSTATE class 22)
	ErrSerialized = errors.New("serialization") // retryable
)

// ConstraintError carries the violated constraint's name so the API can say
// which field was wrong. Kind is one of the error kinds above; Constraint,
// Table and Column are what Postgres named (often nothing for ErrBadInput).
type ConstraintError struct {
	Kind       error
	Constraint string
	Table      string
	Column     string
	Err        error
}

func (e *ConstraintError) Error() string {
	return fmt.Sprintf("%s on %s (%s): %v", e.Kind, e.Table, e.Constraint, e.Err)
}
func (e *ConstraintError) Unwrap() []error { return []error{e.Kind, e.Err} }

// MapError turns pgx/Postgres errors into the domain error kinds, wrapping
// the original error (errors.Is(err, pgx.ErrNoRows) and errors.As(err,
// **pgconn.PgError) still hold): no rows is ErrNotFound; SQLSTATE 23505
// ErrConflict, 23503 ErrReference, 23514 and 23502 ErrCheck, class 22
// (data exceptions: invalid text representation, string too long, number
// out of range, NUL in text, bad dates, …) ErrBadInput, 40001 and 40P01
// ErrSerialized, each as a *ConstraintError. Other errors, and errors
// already mapped, are returned unchanged.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	var ce *ConstraintError
	if errors.As(err, &ce) || errors.Is(err, ErrNotFound) {
		return err // mapped already
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	kind := errorKind(pgErr.Code)
	if kind == nil {
		return err
	}
	return &ConstraintError{Kind: kind, Constraint: pgErr.ConstraintName, Table: pgErr.TableName, Column: pgErr.ColumnName, Err: err}
}

// errorKind is the kind of a SQLSTATE, or nil.
func errorKind(code string) error {
	switch {
	case code == "23505":
		return ErrConflict
	case code == "23503":
		return ErrReference
	case code == "23514", code == "23502":
		return ErrCheck
	case strings.HasPrefix(code, "22"):
		return ErrBadInput
	case code == "40001", code == "40P01":
		return ErrSerialized
	}
	return nil
}

// PartitionMonthsAhead is how far ahead of the current month attendance
// partitions are kept ready.
const PartitionMonthsAhead = 24

// EnsurePartitions creates the monthly attendance and system-log
// (audit_log) partitions from the month of now to PartitionMonthsAhead
// months later (those that are missing) and returns how many attendance
// partitions it created (the audit_log ones follow the same months).
// Every start of the binary calls it, so neither table falls back to its
// default partition for current data.
func EnsurePartitions(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int, error) {
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, PartitionMonthsAhead, 0)
	q := Q(pool)
	n, err := q.AttendanceEnsurePartitions(ctx, dbq.AttendanceEnsurePartitionsParams{FromMonth: first, ToMonth: last})
	if err != nil {
		return 0, fmt.Errorf("attendance partitions: %w", err)
	}
	if err := q.AuditEnsurePartitions(ctx, dbq.AuditEnsurePartitionsParams{FromMonth: first, ToMonth: last}); err != nil {
		return int(n), fmt.Errorf("audit_log partitions: %w", err)
	}
	return int(n), nil
}
