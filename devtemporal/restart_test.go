package devtemporal_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/workflows"
)

// The restart test's workflow: it waits for both a timer and a signal, the
// two things a case workflow waits for across a restart (a deadline and an
// actor's step).
const (
	waitTaskQueue  = "devtemporal-test"
	approveSignal  = "approve"
	waitWorkflowID = "wait:1"
	waitTimer      = 4 * time.Second
	phase1Env      = "DEVTEMPORAL_TEST_PHASE1_DATADIR"
)

type waitState struct {
	TimerFired bool
	Approver   string
}

func waitWorkflow(ctx workflow.Context, timer time.Duration) (waitState, error) {
	var st waitState
	if err := workflow.SetQueryHandler(ctx, workflows.StatusQuery, func() (waitState, error) { return st, nil }); err != nil {
		return st, err
	}
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(workflow.NewTimer(ctx, timer), func(f workflow.Future) {
		st.TimerFired = f.Get(ctx, nil) == nil
	})
	sel.AddReceive(workflow.GetSignalChannel(ctx, approveSignal), func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, &st.Approver)
	})
	for !st.TimerFired || st.Approver == "" {
		sel.Select(ctx)
	}
	return st, nil
}

func newWaitWorker(c client.Client) worker.Worker {
	w := worker.New(c, waitTaskQueue, worker.Options{})
	w.RegisterWorkflow(waitWorkflow)
	return w
}

func waitStartOptions() client.StartWorkflowOptions {
	opts := workflows.StartOptions(waitWorkflowID)
	opts.TaskQueue = waitTaskQueue
	return opts
}

// TestMain lets the restart test run its first phase in a child process, so
// that the second phase opens the SQLite file afresh: within one process the
// sqlite plugin keeps its connections open across a server restart.
func TestMain(m *testing.M) {
	if dir := os.Getenv(phase1Env); dir != "" {
		runID, err := phase1(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "phase 1:", err)
			os.Exit(1)
		}
		fmt.Println("RUNID=" + runID)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// phase1 starts the wait workflow on a file-backed server, lets a worker
// run its first task (so the timer is recorded), and stops everything.
func phase1(dir string) (runID string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	s, err := devtemporal.Start(ctx, devtemporal.Options{DataDir: dir, Logger: testLogger(), ServerLogLevel: testLogLevel()})
	if err != nil {
		return "", err
	}
	fmt.Println("COLDSTART=" + time.Since(began).String())
	defer func() {
		began := time.Now()
		if err := s.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop:", err)
		}
		fmt.Println("STOP=" + time.Since(began).String())
		fmt.Println("STOPPEDAT=" + time.Now().Format(time.RFC3339Nano))
	}()
	c, err := s.NewClient(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	w := newWaitWorker(c)
	if err := w.Start(); err != nil {
		return "", err
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, waitStartOptions(), waitWorkflow, waitTimer)
	if err != nil {
		return "", err
	}
	if _, err := awaitEvent(ctx, c, run, enumspb.EVENT_TYPE_TIMER_STARTED); err != nil {
		return "", err
	}
	return run.GetRunID(), nil
}

// awaitEvent polls the history of run until it holds an event of type typ.
func awaitEvent(ctx context.Context, c client.Client, run client.WorkflowRun, typ enumspb.EventType) (*historypb.HistoryEvent, error) {
	for {
		it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return nil, err
			}
			if ev.GetEventType() == typ {
				return ev, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("no %s event in %s: %w", typ, run.GetID(), ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestRestartKeepsWorkflows(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "数据 dir") // a path with a space and CJK

	// Phase 1, in a child process: cold file, workflow started, server stopped.
	began := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), phase1Env+"="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "phase 1 failed:\n%s", stderr.String())
	kv := phase1Output(t, out)
	runID := kv["RUNID"]
	t.Logf("phase 1 (child process: cold start %s, workflow started, stop %s) took %s",
		kv["COLDSTART"], kv["STOP"], time.Since(began).Round(time.Millisecond))
	require.FileExists(t, filepath.Join(dir, "temporal", "temporal.db"))

	// Phase 2: a new server on the same file finds the workflow running,
	// its timer fires, and it takes the signal.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := start(t, devtemporal.Options{DataDir: dir})

	_, err = devtemporal.Start(ctx, devtemporal.Options{DataDir: dir, Logger: testLogger()})
	require.ErrorContains(t, err, "in use", "a second server on the same data directory")

	c, err := s.NewClient(ctx)
	require.NoError(t, err)
	desc, err := c.DescribeWorkflowExecution(ctx, waitWorkflowID, "")
	require.NoError(t, err)
	require.Equal(t, runID, desc.GetWorkflowExecutionInfo().GetExecution().GetRunId())
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, desc.GetWorkflowExecutionInfo().GetStatus())

	again, err := c.ExecuteWorkflow(ctx, waitStartOptions(), waitWorkflow, waitTimer)
	require.NoError(t, err)
	require.Equal(t, runID, again.GetRunID(), "starting a running workflow again returns the same run")

	w := newWaitWorker(c)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop) // a second Stop is a no-op
	run := c.GetWorkflow(ctx, waitWorkflowID, runID)
	fired, err := awaitEvent(ctx, c, run, enumspb.EVENT_TYPE_TIMER_FIRED)
	require.NoError(t, err, "the timer set before the restart fires")
	stoppedAt, err := time.Parse(time.RFC3339Nano, kv["STOPPEDAT"])
	require.NoError(t, err)
	require.True(t, fired.GetEventTime().AsTime().After(stoppedAt),
		"the timer fired at %s, after the first server stopped at %s", fired.GetEventTime().AsTime(), stoppedAt)
	require.NoError(t, c.SignalWorkflow(ctx, waitWorkflowID, runID, approveSignal, "town-officer"))
	var got waitState
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, waitState{TimerFired: true, Approver: "town-officer"}, got)

	// Phase 3: stop and start again in this process; the closed workflow
	// and its result are still there.
	w.Stop()
	c.Close()
	stopBegan := time.Now()
	require.NoError(t, s.Stop())
	t.Logf("server stopped in %s", time.Since(stopBegan).Round(time.Millisecond))
	s = start(t, devtemporal.Options{DataDir: dir})
	c2, err := s.NewClient(ctx)
	require.NoError(t, err)
	defer c2.Close()
	var again3 waitState
	require.NoError(t, c2.GetWorkflow(ctx, waitWorkflowID, runID).Get(ctx, &again3))
	require.Equal(t, got, again3)
}

// phase1Output reads the KEY=value lines phase 1 prints.
func phase1Output(t *testing.T, out []byte) map[string]string {
	t.Helper()
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = v
		}
	}
	require.NotEmpty(t, kv["RUNID"], "phase 1 printed no run ID:\n%s", out)
	return kv
}
