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
// (activities.SignalCalendarChanged), to every open lead, then every open
// dispatch, then every open warning whose running deadlines may pass
// through year, and answers how many it signalled. Each case recounts its
// own deadlines (see lead_recount.go). Being a workflow, the fan-out
// survives a crash of the API or a worker: a batch is retried until it
// went through.
//
// Dispatches and warnings are signalled from version 1 of
// recountAllKindsVersion on: a fan-out recorded before signalled leads
// alone, and its replay does no more.
func RecountDeadlines(ctx workflow.Context, year int) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// a batch is a query and a few hundred signals
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	// leads: the batches as before the other kinds (no kind in the input)
	total, err := signalCalendarChanged(actx, year, "")
	counts := []any{"leads", total}
	if err != nil {
		return total, err
	}
	if workflow.GetVersion(ctx, recountAllKindsVersion, workflow.DefaultVersion, 1) == 1 {
		for _, kind := range []string{activities.RecountDispatches, activities.RecountWarnings} {
			n, err := signalCalendarChanged(actx, year, kind)
			total += n
			counts = append(counts, kind+"s", n)
			if err != nil {
				return total, err
			}
		}
	}
	workflow.GetLogger(ctx).Info("calendar change signalled", append([]any{"year", year}, counts...)...)
	return total, nil
}

// recountAllKindsVersion is the GetVersion change ID of the fan-out to
// dispatches and warnings.
const recountAllKindsVersion = "calendar-recount-all-kinds"

// signalCalendarChanged signals the open cases of kind ("": leads), batch
// after batch, and answers how many.
func signalCalendarChanged(actx workflow.Context, year int, kind string) (int, error) {
	var a *activities.Activities
	total := 0
	page := activities.RecountPage{More: true}
	for page.More {
		in := activities.RecountPageInput{Year: year, AfterID: page.LastID, Kind: kind}
		if err := workflow.ExecuteActivity(actx, a.SignalCalendarChanged, in).Get(actx, &page); err != nil {
			return total, err
		}
		total += page.Signalled
	}
	return total, nil
}
