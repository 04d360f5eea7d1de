package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
)

// WarningScanWorkflowID is the workflow ID of the daily warning scans the
// schedule starts (the schedule appends the time to it).
const WarningScanWorkflowID = "warning-scan"

// ScanWarnings is the daily warning scan: every current, enabled rule is
// evaluated as of the day (China time) the run starts, and the warnings
// are kept equal to the hits (activities.ScanWarnings → caseclient:
// new hits open warnings, worse ones raise them, cleared ones resolve
// them). The Temporal Schedule "warning-scan" runs it (platform).
func ScanWarnings(ctx workflow.Context) (string, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// a city's scan is tens of seconds, its warnings' starts a few
		// minutes at most
		StartToCloseTimeout: 30 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Minute, MaximumAttempts: 3},
	})
	y, m, d := workflow.Now(ctx).In(cases.Zone).Date()
	var out string
	err := workflow.ExecuteActivity(actx, a.ScanWarnings, activities.ScanInput{AsOf: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}).Get(ctx, &out)
	return out, err
}
