package platform_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

func TestAuditRetentionSchedule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	_, c := workertest.Server(t, log)

	pool := dbtest.New(t)
	now := time.Now().UTC()
	require.NoError(t, audit.Generate(ctx, pool, 500, time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -9, 0)))
	acts := &activities.Activities{DB: pool, Logger: log, AuditArchiveDir: t.TempDir(), AuditRetentionMonths: 6}
	workertest.Run(t, c, acts, worker.Options{})

	// Created, then updated in place by a second call.
	require.NoError(t, platform.EnsureAuditRetentionSchedule(ctx, c, time.Hour))
	require.NoError(t, platform.EnsureAuditRetentionSchedule(ctx, c, 6*time.Hour))
	h := c.ScheduleClient().GetHandle(ctx, platform.AuditRetentionScheduleID)
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Len(t, desc.Schedule.Spec.Intervals, 1)
	require.Equal(t, 6*time.Hour, desc.Schedule.Spec.Intervals[0].Every)
	action, ok := desc.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	require.Equal(t, workflows.TaskQueue, action.TaskQueue)
	require.Equal(t, "AuditRetention", action.Workflow)

	// Triggered now, the run archives the old months.
	wfID := trigger(ctx, t, h)
	var res workflows.RetentionResult
	require.NoError(t, c.GetWorkflow(ctx, wfID, "").Get(ctx, &res))
	var rows int64
	for _, m := range res.Archived {
		rows += m.Rows
	}
	require.Positive(t, rows)
	rep, err := audit.Verify(ctx, pool, audit.VerifyOptions{})
	require.NoError(t, err)
	require.Nil(t, rep.Broken, rep.String())
	require.Positive(t, rep.FirstID-1, "the oldest entries are archived")
}

// The stalled-case schedule, triggered, starts the workflow of a lead
// recorded minutes ago that never started (the API lost its start).
func TestStalledCasesSchedule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := dbtest.New(t)
	f := casetest.New(t, pool)
	c := workertest.Start(t, pool)
	id, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, Amount: 1, At: time.Now(), By: f.Officer1})
	_, err := pool.Exec(ctx, `UPDATE leads SET created_at = now() - interval '5 minutes' WHERE id = $1`, id)
	require.NoError(t, err)

	require.NoError(t, platform.EnsureStalledCasesSchedule(ctx, c, time.Hour))
	require.NoError(t, platform.EnsureStalledCasesSchedule(ctx, c, platform.DefaultStalledCasesEvery))
	h := c.ScheduleClient().GetHandle(ctx, platform.StalledCasesScheduleID)
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Minute, desc.Schedule.Spec.Intervals[0].Every)
	wfID := trigger(ctx, t, h)
	var n int
	require.NoError(t, c.GetWorkflow(ctx, wfID, "").Get(ctx, &n))
	require.Equal(t, 1, n)
	var status string
	require.NoError(t, pool.QueryRow(ctx, `SELECT status FROM leads WHERE id = $1`, id).Scan(&status))
	require.Equal(t, "dispatched", status)
}

// trigger runs schedule h now and answers the workflow ID of the run.
func trigger(ctx context.Context, t *testing.T, h client.ScheduleHandle) string {
	t.Helper()
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var wfID string
	require.Eventually(t, func() bool {
		d, err := h.Describe(ctx)
		if err != nil || len(d.Info.RecentActions) == 0 {
			return false
		}
		wfID = d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
		return true
	}, 30*time.Second, 200*time.Millisecond)
	return wfID
}

// The daily warning scan is a schedule; triggered, its run scans every
// rule through the worker's case client.
func TestWarningScanSchedule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := dbtest.New(t)
	c := workertest.Start(t, pool)
	require.NoError(t, platform.EnsureWarningScanSchedule(ctx, c, 24*time.Hour))
	h := c.ScheduleClient().GetHandle(ctx, platform.WarningScanScheduleID)
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, 24*time.Hour, desc.Schedule.Spec.Intervals[0].Every)
	var out string
	require.NoError(t, c.GetWorkflow(ctx, trigger(ctx, t, h), "").Get(ctx, &out))
	require.Equal(t, "0 hits: 0 opened, 0 raised, 0 resolved, 0 started late", out, "an empty registry raises nothing")
}
