package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/db/dbtest"
)

func TestPurgeSessions(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	var account int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ('purge.me', 'x', 'city_supervisor', 'x') RETURNING id`).Scan(&account))
	// expired 40 days ago, revoked 40 days ago, expired 10 days ago, live
	_, err := pool.Exec(ctx, `
		INSERT INTO sessions (token_hash, account_id, created_at, expires_at, revoked_at, revoked_reason)
		VALUES (sha256('a'), $1, $2::timestamptz - interval '41 days', $2::timestamptz - interval '40 days', NULL, NULL),
		       (sha256('b'), $1, $2::timestamptz - interval '41 days', $2::timestamptz + interval '1 day', $2::timestamptz - interval '40 days', 'logout'),
		       (sha256('c'), $1, $2::timestamptz - interval '11 days', $2::timestamptz - interval '10 days', NULL, NULL),
		       (sha256('d'), $1, $2::timestamptz, $2::timestamptz + interval '12 hours', NULL, NULL)`, account, now)
	require.NoError(t, err)
	// sign-in failure counts: void for two days, still locking, fresh
	_, err = pool.Exec(ctx, `
		INSERT INTO login_throttle (name_key, client, failures, since, last_failure_at, locked_until)
		VALUES (sha256('n1'), '10.0.0.1', 3, $1::timestamptz - interval '3 days', $1::timestamptz - interval '2 days', NULL),
		       (sha256('n2'), '10.0.0.1', 40, $1::timestamptz - interval '3 days', $1::timestamptz - interval '2 days', $1::timestamptz + interval '1 hour'),
		       (sha256('n3'), '10.0.0.1', 1, $1::timestamptz - interval '1 hour', $1::timestamptz - interval '1 hour', NULL)`, now)
	require.NoError(t, err)

	acts := &activities.Activities{DB: pool}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	val, err := env.ExecuteActivity(acts.PurgeSessions, activities.PurgeSessionsInput{Now: now})
	require.NoError(t, err)
	var n int64
	require.NoError(t, val.Get(&n))
	require.EqualValues(t, 2, n)
	var left int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&left))
	require.Equal(t, 2, left)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM login_throttle`).Scan(&left))
	require.Equal(t, 2, left, "the void count went")
}
