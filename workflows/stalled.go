package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
)

// StalledCasesWorkflowID is the workflow ID of the sweeps the stalled-case
// schedule starts (the schedule appends the time to it).
const StalledCasesWorkflowID = "stalled-cases"

// StalledGrace is how long a recorded case may wait for its first step
// before the sweep starts its workflow: the API starts it at once, so
// one still waiting after this long lost its start (Temporal was
// unreachable, the API process died in between).
const StalledGrace = time.Minute

// SweepStalledCases starts the workflow of every case recorded more than
// StalledGrace ago that never took its first step
// (activities.StartStalledCases), and answers how many it started. The
// Temporal Schedule "stalled-cases" runs it every minute on the worker
// side (platform EnsureStalledCasesSchedule).
func SweepStalledCases(ctx workflow.Context) (int, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// up to a hundred starts of a few milliseconds each, or a slow
		// cluster just back
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 3},
	})
	var n int
	err := workflow.ExecuteActivity(actx, a.StartStalledCases,
		activities.StalledInput{Before: workflow.Now(ctx).Add(-StalledGrace)}).Get(ctx, &n)
	return n, err
}
