package workflows_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	anxinworker "github.com/anxin-city/anxin/worker"
)

// The versioning safety net: every committed history of the lead and
// dispatch workflows (testdata/histories, one per path, recorded by
// `go test ./worker -run 'TestRecord(Lead|Dispatch|Warning)Histories' -record`) must replay on
// the current code. A change that alters what an old run did — another
// activity, timer or local activity, a different order — fails here, and
// needs workflow.GetVersion before it ships (see the README there).

// replayPaths are the paths that must have a history: deleting one is as
// wrong as breaking it.
var replayPaths = []string{"full", "triage", "major", "extend", "escalations", "recount", "city-deadlines", "dispatch-full",
	"dispatch-escalations", "dispatch-recount", "dispatch-supervise", "warning-answer", "warning-escalations", "warning-recount", "fanout-recount",
	"fanout-recount-before-all-kinds"}

func TestReplayLeadHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4, "the replay test needs committed histories to replay")
	have := map[string]bool{}
	for _, f := range files {
		have[strings.TrimSuffix(filepath.Base(f), ".json")] = true
	}
	for _, p := range replayPaths {
		require.True(t, have[p], "testdata/histories/%s.json is missing", p)
	}
	logger := sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			r, err := os.Open(file)
			require.NoError(t, err)
			defer r.Close()
			h, err := client.HistoryFromJSON(r, client.HistoryJSONOptions{})
			require.NoError(t, err)
			require.NotEmpty(t, h.Events)
			kind := "LeadWorkflow"
			switch base := filepath.Base(file); {
			case strings.HasPrefix(base, "dispatch-"):
				kind = "DispatchWorkflow"
			case strings.HasPrefix(base, "warning-"):
				kind = "WarningWorkflow"
			case strings.HasPrefix(base, "fanout-"):
				kind = "RecountDeadlines" // the calendar change's fan-out
			}
			require.Equal(t, kind, h.Events[0].GetWorkflowExecutionStartedEventAttributes().GetWorkflowType().GetName())

			// The workflows worker.Register registers (a WorkflowReplayer
			// is no worker.Registry, so they are listed here).
			replayer := worker.NewWorkflowReplayer()
			anxinworker.RegisterWorkflows(replayer)
			require.NoError(t, replayer.ReplayWorkflowHistory(logger, h),
				"%s no longer replays: the workflow changed in a way its old runs cannot follow", file)
		})
	}
}
