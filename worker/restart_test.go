package worker_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

// A worker process is killed (SIGKILL) while it projects a step of a
// lead; a new worker process takes over: the step completes once, the
// lead goes on to its end, and nothing is lost or done twice.

const workerProcEnv = "ANXIN_TEST_WORKER_PROC" // "<database URL> <temporal host:port>"

func TestMain(m *testing.M) {
	if v := os.Getenv(workerProcEnv); v != "" {
		os.Exit(workerProc(v))
	}
	os.Exit(m.Run())
}

// workerProc is the child: a worker on the given database and server,
// until it is killed.
func workerProc(v string) int {
	var dbURL, hostPort string
	if _, err := fmt.Sscan(v, &dbURL, &hostPort); err != nil {
		fmt.Fprintln(os.Stderr, "worker proc:", err)
		return 2
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker proc:", err)
		return 2
	}
	c, err := client.DialContext(ctx, client.Options{HostPort: hostPort})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker proc:", err)
		return 2
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := worker.Run(ctx, c, &activities.Activities{DB: pool, Logger: log}, worker.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, "worker proc:", err)
		return 1
	}
	return 0
}

func startWorkerProc(t *testing.T, dbURL, hostPort string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerProcEnv+"="+dbURL+" "+hostPort)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return cmd
}

func TestWorkerKilledMidStep(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool, dbURL := dbtest.NewWithURL(t)
	f := casetest.New(t, pool)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, c := workertest.Server(t, log)

	first := startWorkerProc(t, dbURL, srv.FrontendHostPort())
	now := time.Now()
	id, town, contractor := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 500_000, At: now, By: f.WorkerActor})
	wid := workflows.LeadWorkflowID(id)
	_, err := c.ExecuteWorkflow(ctx, workflows.StartOptions(wid), workflows.LeadWorkflow, workflows.LeadInput{LeadID: id,
		Source: cases.SourceWorkerApp, ReceivedAt: now, By: f.WorkerActor, WorkerID: f.Worker, ProjectID: f.Project1,
		TownCode: town, ContractorID: contractor, AmountClaimedFen: 500_000, WorkersClaimed: 1})
	require.NoError(t, err)
	update := func(name string, in workflows.ActionInput) (cases.LeadState, error) {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: name, Args: []any{in},
			WaitForStage: client.WorkflowUpdateStageCompleted})
		var st cases.LeadState
		if err == nil {
			err = h.Get(ctx, &st)
		}
		return st, err
	}
	require.Eventually(t, func() bool {
		var seq int
		_ = pool.QueryRow(ctx, `SELECT seq FROM leads WHERE id = $1`, id).Scan(&seq)
		return seq > 0
	}, 30*time.Second, 20*time.Millisecond, "intake is projected")
	_, err = update(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	require.NoError(t, err)

	// Hold the lead's row so that the next projection blocks inside the
	// activity, then kill the worker there.
	hold, err := pool.Begin(ctx)
	require.NoError(t, err)
	_, err = hold.Exec(ctx, `SELECT 1 FROM leads WHERE id = $1 FOR UPDATE`, id)
	require.NoError(t, err)
	done := make(chan error, 1)
	var ordered cases.LeadState
	go func() {
		var err error
		ordered, err = update(workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期支付", DueDays: 5})
		done <- err
	}()
	require.Eventually(t, func() bool {
		var waiting int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE leads%'`).Scan(&waiting)
		return waiting > 0
	}, 30*time.Second, 20*time.Millisecond, "the projection is blocked on the held row")
	require.NoError(t, first.Process.Kill())
	_, _ = first.Process.Wait()
	require.NoError(t, hold.Rollback(ctx))

	startWorkerProc(t, dbURL, srv.FrontendHostPort())
	select {
	case err := <-done:
		require.NoError(t, err, "the update completes on the new worker")
	case <-ctx.Done():
		t.Fatal("the update never completed")
	}
	assert.Equal(t, cases.Rectifying, ordered.Status)
	_, err = update(workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: ptr[int64](500_000), WorkersCovered: ptr(1), Note: "已支付"})
	require.NoError(t, err)
	final, err := update(workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	require.NoError(t, err)
	assert.Equal(t, cases.Closed, final.Status)

	// Nothing lost, nothing twice: one event per step, in order; the row
	// at the last step; every task closed once.
	rows, err := pool.Query(ctx, `SELECT seq, action FROM lead_events WHERE lead_id = $1 ORDER BY id`, id)
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var seq int
		var action string
		require.NoError(t, rows.Scan(&seq, &action))
		got = append(got, fmt.Sprint(seq, ":", action))
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"1:intake", "2:accept", "3:orderRectification", "4:reportResult", "5:confirm"}, got)
	var seq, open, rectifyTasks, logged int
	var status string
	require.NoError(t, pool.QueryRow(ctx, `SELECT seq, status FROM leads WHERE id = $1`, id).Scan(&seq, &status))
	assert.Equal(t, 5, seq)
	assert.Equal(t, "closed", status)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE closed_at IS NULL), count(*) FILTER (WHERE kind = 'rectify')
		FROM case_tasks WHERE lead_id = $1`, id).Scan(&open, &rectifyTasks))
	assert.Zero(t, open)
	assert.Equal(t, 1, rectifyTasks)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE object_type = 'leads' AND object_id = $1
		AND new_values->>'status' = 'rectifying'`, strconv.FormatInt(id, 10)).Scan(&logged))
	assert.Equal(t, 1, logged, "the killed attempt committed nothing")
}

func ptr[T any](v T) *T { return &v }
