package activities_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/db/dbtest"
)

func TestAuditRetention(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	// Entries over the last eight months; a retention of six keeps the
	// last six whole months and this one.
	require.NoError(t, audit.Generate(ctx, pool, 2000, thisMonth.AddDate(0, -8, 0)))
	dir := filepath.Join(t.TempDir(), "archive")
	acts := &activities.Activities{DB: pool, AuditArchiveDir: dir, AuditRetentionMonths: 6}

	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(acts)
	val, err := env.ExecuteActivity(acts.AuditRetention, activities.AuditRetentionInput{Now: now})
	require.NoError(t, err)
	var res activities.AuditRetentionResult
	require.NoError(t, val.Get(&res))

	cutoff := thisMonth.AddDate(0, -6, 0)
	require.True(t, res.Cutoff.Equal(cutoff), "cut-off %s, want %s", res.Cutoff, cutoff)
	var files []string
	for _, m := range res.Archived {
		if m.Rows > 0 {
			files = append(files, filepath.Base(m.File))
			_, err := os.Stat(m.File)
			require.NoError(t, err)
		}
	}
	require.Equal(t, []string{
		"audit-" + thisMonth.AddDate(0, -8, 0).Format("200601") + ".csv.gz",
		"audit-" + thisMonth.AddDate(0, -7, 0).Format("200601") + ".csv.gz",
	}, files)
	var left int64
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE at < $1", cutoff).Scan(&left))
	require.Zero(t, left)
	rep, err := audit.Verify(ctx, pool, audit.VerifyOptions{})
	require.NoError(t, err)
	require.Nil(t, rep.Broken, rep.String())

	// A second run has nothing left to do.
	val, err = env.ExecuteActivity(acts.AuditRetention, activities.AuditRetentionInput{Now: now})
	require.NoError(t, err)
	require.NoError(t, val.Get(&res))
	require.Empty(t, res.Archived)

	// A retention below the minimum is refused, whatever the caller says.
	short := &activities.Activities{DB: pool, AuditArchiveDir: dir, AuditRetentionMonths: 3}
	env.RegisterActivity(short)
	_, err = env.ExecuteActivity(short.AuditRetention, activities.AuditRetentionInput{Now: now})
	require.ErrorContains(t, err, "below the minimum")
}
