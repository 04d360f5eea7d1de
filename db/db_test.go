package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

func TestMapErrorKinds(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	q := dbq.New(pool)
	_, err := q.TownCreate(ctx, dbq.TownCreateParams{Code: "330101", Name: "乙镇", Outline: []byte(`{}`)})
	require.NoError(t, err)
	_, err = q.TownCreate(ctx, dbq.TownCreateParams{Code: "330101", Name: "丙镇", Outline: []byte(`{}`)})
	var ce *db.ConstraintError
	require.ErrorAs(t, db.MapError(err), &ce)
	require.ErrorIs(t, ce, db.ErrConflict)
	require.Equal(t, "towns_pkey", ce.Constraint)

	_, err = q.TownCreate(ctx, dbq.TownCreateParams{Code: "x", Name: "丁镇", Outline: []byte(`{}`)})
	require.ErrorIs(t, db.MapError(err), db.ErrCheck)

	_, err = q.EnterpriseCreate(ctx, dbq.EnterpriseCreateParams{CreditCode: "91330100MA27XL0E2G", Name: "甲", Type: "builder", TownCode: "999999"})
	require.ErrorIs(t, db.MapError(err), db.ErrReference)
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
