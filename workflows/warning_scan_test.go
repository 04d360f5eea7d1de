package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/workflows"
)

// The scan of one subject runs once for the changes signalled before it
// starts, and once more for a change signalled while a pass runs: the
// last change is always scanned after it was committed.
func TestScanWarningsOfCoalescesArrivals(t *testing.T) {
	t.Parallel()
	f := rules.Filter{EnterpriseID: 7, Rules: []string{"group_arrears"}}
	at := time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC) // 2026-12-04 01:00 in China
	for _, tc := range []struct {
		name   string
		during bool // a change arrives while the first pass runs
		passes int
	}{{"OnePass", false, 1}, {"OneMorePass", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestWorkflowEnvironment()
			env.RegisterActivity(a)
			env.SetStartTime(at)
			passes := 0
			env.OnActivity(a.ScanWarnings, mock.Anything, mock.MatchedBy(func(in activities.ScanInput) bool {
				return in.AsOf.Equal(time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)) && in.Filter.EnterpriseID == 7 &&
					len(in.Filter.Rules) == 1
			})).After(time.Minute).Return(func(context.Context, activities.ScanInput) (string, error) {
				passes++
				return "1 hits: 1 opened", nil
			})
			// the start's own signal, and one more queued before the first pass
			env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalRescan, nil) }, 0)
			if tc.during {
				env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalRescan, nil) }, 30*time.Second)
			}
			env.ExecuteWorkflow(workflows.ScanWarningsOf, f)
			require.True(t, env.IsWorkflowCompleted())
			require.NoError(t, env.GetWorkflowError())
			require.Equal(t, tc.passes, passes)
		})
	}
	require.Equal(t, "warning-scan-of:group_arrears:project:0:enterprise:7", workflows.ScanOfWorkflowID(f))
}
