package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
)

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	require.NoError(t, db.Migrate(context.Background(), pool, nil))
	var n int
	require.NoError(t, pool.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_inherits WHERE inhparent = 'attendance'::regclass").Scan(&n))
	require.GreaterOrEqual(t, n, 36, "monthly attendance partitions for 2025..2027 plus default")
}

func TestInTxRollsBackOnError(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.InTx(ctx, pool, func(q *dbq.Queries, _ pgx.Tx) error {
		if _, err := q.TownCreate(ctx, dbq.TownCreateParams{Code: "330100", Name: "甲镇", Outline: []byte(`{}`)}); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	var code string
	err = pool.QueryRow(ctx, "SELECT code FROM towns WHERE code = $1", "330100").Scan(&code)
	require.ErrorIs(t, db.MapError(err), db.ErrNotFound)
}

// Every kind of error, from real Postgres, reaches the caller of the
// store's queries mapped: through db.Q (a pool), db.InTx (a transaction,
// its raw statements and rows included) and Rows.Err.
func TestStoreMapsErrors(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	q := db.Q(pool)
	town := func(code, name, outline string) error {
		_, err := q.TownCreate(ctx, dbq.TownCreateParams{Code: code, Name: name, Outline: []byte(outline)})
		return err
	}
	require.NoError(t, town("330101", "乙镇", `{}`))

	t.Run("not found", func(t *testing.T) {
		_, err := q.AuthzModelBody(ctx, "no such model")
		require.ErrorIs(t, err, db.ErrNotFound)
		require.ErrorIs(t, err, pgx.ErrNoRows)
	})
	t.Run("conflict", func(t *testing.T) {
		err := town("330101", "丙镇", `{}`)
		var ce *db.ConstraintError
		require.ErrorAs(t, err, &ce)
		require.ErrorIs(t, ce, db.ErrConflict)
		require.Equal(t, "towns_pkey", ce.Constraint)
		var pe *pgconn.PgError
		require.ErrorAs(t, err, &pe, "the Postgres error stays reachable")
		require.Equal(t, "23505", pe.Code)
	})
	t.Run("check", func(t *testing.T) {
		err := town("x", "丁镇", `{}`)
		require.ErrorIs(t, err, db.ErrCheck)
		require.NotErrorIs(t, err, db.ErrBadInput)
	})
	t.Run("reference", func(t *testing.T) {
		_, err := q.EnterpriseCreate(ctx, dbq.EnterpriseCreateParams{CreditCode: "91330100MA27XL0E2G", Name: "甲", Type: "builder", TownCode: "999999"})
		var ce *db.ConstraintError
		require.ErrorAs(t, err, &ce)
		require.ErrorIs(t, err, db.ErrReference)
		require.Equal(t, "enterprises_town_code_fkey", ce.Constraint)
	})
	t.Run("bad input", func(t *testing.T) {
		require.ErrorIs(t, town("330102", "戊\x00镇", `{}`), db.ErrBadInput, "NUL in text (22021)")
		require.ErrorIs(t, town("330102", "戊镇", `{"a": "\u0000"}`), db.ErrBadInput, "NUL in jsonb (22P05)")
		require.ErrorIs(t, town("330102", "戊镇", `{`), db.ErrBadInput, "not JSON (22P02)")
		err := db.InTx(ctx, pool, func(_ *dbq.Queries, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT 2147483647::integer + 1")
			return err
		})
		require.ErrorIs(t, err, db.ErrBadInput, "integer out of range (22003) from a raw statement in InTx")
		err = db.InTx(ctx, pool, func(_ *dbq.Queries, tx pgx.Tx) error {
			rows, err := tx.Query(ctx, "SELECT 10 / (3 - g) FROM generate_series(1, 5) g")
			if err != nil {
				return err
			}
			_, err = pgx.CollectRows(rows, pgx.RowTo[int32])
			return err
		})
		require.ErrorIs(t, err, db.ErrBadInput, "division by zero (22012) met while reading rows")
	})
	t.Run("serialized", func(t *testing.T) {
		// Two REPEATABLE READ transactions update the same row: the second
		// to write waits for the first, which commits, and fails (40001).
		rr := pgx.TxOptions{IsoLevel: pgx.RepeatableRead}
		err := db.InTxOptions(ctx, pool, rr, func(q1 *dbq.Queries, tx1 pgx.Tx) error {
			if _, err := tx1.Exec(ctx, "SELECT name FROM towns WHERE code = '330101'"); err != nil {
				return err // the snapshot is taken
			}
			if err := db.InTx(ctx, pool, func(_ *dbq.Queries, tx2 pgx.Tx) error {
				_, err := tx2.Exec(ctx, "UPDATE towns SET name = '乙镇二' WHERE code = '330101'")
				return err
			}); err != nil {
				return err
			}
			_, err := tx1.Exec(ctx, "UPDATE towns SET name = '乙镇三' WHERE code = '330101'")
			return err
		})
		require.ErrorIs(t, err, db.ErrSerialized)
	})
}

// The list queries' "(@x IS NULL OR …)" filters rely on plans made for the
// actual values; every pool from db.Open must ask for them.
func TestOpenForcesCustomPlans(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var mode string
	require.NoError(t, pool.QueryRow(context.Background(), "SHOW plan_cache_mode").Scan(&mode))
	require.Equal(t, "force_custom_plan", mode)
}

func TestEnsurePartitionsAhead(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2031, 5, 17, 0, 0, 0, 0, time.UTC)
	n, err := db.EnsurePartitions(ctx, pool, now)
	require.NoError(t, err)
	require.Equal(t, db.PartitionMonthsAhead+1, n, "2031-05 .. 2033-05, none existed")
	n, err = db.EnsurePartitions(ctx, pool, now)
	require.NoError(t, err)
	require.Zero(t, n, "idempotent")
	var part string
	require.NoError(t, pool.QueryRow(ctx, "SELECT to_regclass('attendance_203305')::text").Scan(&part))
	require.Equal(t, "attendance_203305", part)
}
