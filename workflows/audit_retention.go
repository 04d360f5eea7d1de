package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
)

// AuditRetentionWorkflowID is the workflow ID of the runs the audit
// retention schedule starts (the schedule appends the time to it).
const AuditRetentionWorkflowID = "audit-retention"

// RetentionResult is what a run of AuditRetention did.
type RetentionResult struct {
	activities.AuditRetentionResult
	SessionsPurged int64
}

// AuditRetention is the daily retention run: it deletes long-ended
// sessions (activities.PurgeSessions), then archives and drops the
// system-log months older than the retention (activities.AuditRetention),
// both with the workflow's clock as "now", so a retry does the same work.
// The Temporal Schedule "audit-retention" starts it (platform
// EnsureAuditRetentionSchedule).
func AuditRetention(ctx workflow.Context) (RetentionResult, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// A month of a busy city is a few million entries: minutes to
		// export and verify. Heartbeats show it is alive.
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Minute,
			BackoffCoefficient: 2,
			MaximumInterval:    30 * time.Minute,
			MaximumAttempts:    5,
		},
	})
	var res RetentionResult
	now := workflow.Now(ctx)
	if err := workflow.ExecuteActivity(actx, a.PurgeSessions, activities.PurgeSessionsInput{Now: now}).Get(ctx, &res.SessionsPurged); err != nil {
		return res, fmt.Errorf("session purge: %w", err)
	}
	err := workflow.ExecuteActivity(actx, a.AuditRetention, activities.AuditRetentionInput{Now: now}).Get(ctx, &res.AuditRetentionResult)
	if err != nil {
		return res, fmt.Errorf("audit retention: %w", err)
	}
	return res, nil
}
