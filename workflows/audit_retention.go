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

// AuditRetention archives and drops the system-log months older than the
// retention, in one activity (activities.AuditRetention) with the
// workflow's clock as "now", so a retry archives the same months. The
// Temporal Schedule "audit-retention" starts it (platform
// EnsureAuditRetentionSchedule).
func AuditRetention(ctx workflow.Context) (activities.AuditRetentionResult, error) {
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
	var res activities.AuditRetentionResult
	err := workflow.ExecuteActivity(actx, a.AuditRetention, activities.AuditRetentionInput{Now: workflow.Now(ctx)}).Get(ctx, &res)
	if err != nil {
		return res, fmt.Errorf("audit retention: %w", err)
	}
	return res, nil
}
