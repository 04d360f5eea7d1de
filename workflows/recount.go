package workflows

import (
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
)

// RecountWorkflowPrefix begins the ID of a calendar change's fan-out.
const RecountWorkflowPrefix = "calendar-recount:"

// RecountWorkflowID is the ID of the fan-out of year's calendar change:
// one per year at a time (RecountStartOptions).
func RecountWorkflowID(year int) string { return RecountWorkflowPrefix + strconv.Itoa(year) }

// RecountStartOptions start RecountDeadlines for year. A newer change of
// the same year replaces a fan-out still running (it lists the leads
// again from the start, on the newer calendar); a finished one may run
// again.
func RecountStartOptions(year int) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       RecountWorkflowID(year),
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}
}

// RecountDeadlines is the fan-out of a change of year's holiday
// arrangement (PUT /calendar/{year} starts it once the change is
// committed): it signals SignalCalendarChanged, batch by batch
// (activities.SignalCalendarChanged), to every open lead whose running
// deadlines may pass through year, and answers how many it signalled.
// Each lead recounts its own deadlines (see lead_recount.go). Being a
// workflow, the fan-out survives a crash of the API or a worker: a batch
// is retried until it went through.
func RecountDeadlines(ctx workflow.Context, year int) (int, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// a batch is a query and a few hundred signals
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	total := 0
	page := activities.RecountPage{More: true}
	for page.More {
		in := activities.RecountPageInput{Year: year, AfterID: page.LastID}
		if err := workflow.ExecuteActivity(actx, a.SignalCalendarChanged, in).Get(ctx, &page); err != nil {
			return total, err
		}
		total += page.Signalled
	}
	workflow.GetLogger(ctx).Info("calendar change signalled", "year", year, "leads", total)
	return total, nil
}
