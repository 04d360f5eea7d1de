package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"

	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

// Recorder of the calendar change's fan-out history (fanout-recount.json
// beside the cases'), replayed by workflows/replay_test.go:
//
//	go test ./worker -run TestRecordRecountHistories -record -count=1 -v
//
// fanout-recount-before-all-kinds.json is the same recorder run on the
// code before the fan-out reached dispatches and warnings (leads alone),
// renamed: the version gate calendar-recount-all-kinds keeps it replaying.

func TestRecordRecountHistories(t *testing.T) {
	if !*record {
		t.Skip("records the fan-out history only with -record: go test ./worker -run TestRecordRecountHistories -record")
	}
	pool := dbtest.New(t)
	casetest.New(t, pool)
	c := workertest.Start(t, pool)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, workflows.RecountStartOptions(2099), workflows.RecountDeadlines, 2099)
	require.NoError(t, err)
	var n int
	require.NoError(t, run.Get(ctx, &n))
	require.Zero(t, n, "no open case to signal")
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		h.Events = append(h.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(historiesDir, 0o755))
	file := filepath.Join(historiesDir, "fanout-recount.json")
	require.NoError(t, os.WriteFile(file, append(b, '\n'), 0o644))
	t.Logf("%d events written to %s", len(h.Events), file)
}
