package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/rules"
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

// SignalRescan is the signal to a running ScanWarningsOf that its subject
// changed again (another lead arrived): it scans once more before it ends.
const SignalRescan = "rescan"

// ScanOfWorkflowID is the ID of the scan of f's rules for f's subject:
// one at a time per subject, so arrivals while it runs coalesce into one
// more pass (SignalRescan).
func ScanOfWorkflowID(f rules.Filter) string {
	return fmt.Sprintf("warning-scan-of:%s:project:%d:enterprise:%d", strings.Join(f.Rules, ","), f.ProjectID, f.EnterpriseID)
}

// ScanWarningsOf scans some rules for one subject as of today (China
// time): the group arrears check that a lead's intake asks for at once
// (caseclient.CheckGroupArrears), rather than at the next daily scan.
// It is started with SignalRescan (signal-with-start): a change that
// arrives while a pass runs is scanned by one more pass, so the last
// change is always scanned after it was committed.
func ScanWarningsOf(ctx workflow.Context, f rules.Filter) (string, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 5},
	})
	ch := workflow.GetSignalChannel(ctx, SignalRescan)
	var out string
	for {
		for ch.ReceiveAsync(nil) { // every change signalled so far is covered by this pass
		}
		y, m, d := workflow.Now(ctx).In(cases.Zone).Date()
		err := workflow.ExecuteActivity(actx, a.ScanWarnings,
			activities.ScanInput{AsOf: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Filter: f}).Get(ctx, &out)
		if err != nil {
			return out, err
		}
		if ch.Len() == 0 {
			return out, nil
		}
	}
}
