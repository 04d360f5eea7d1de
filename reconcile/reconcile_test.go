package reconcile_test

import (
	"context"
	"io"
	"log/slog"
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
	"github.com/anxin-city/anxin/reconcile"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

// Leads run through their workflows on a real embedded Temporal server,
// projected by the real activities into a real test database; then the
// projection is tampered with by SQL and the check must name each
// tampering.

type env struct {
	t    *testing.T
	pool *pgxpool.Pool
	f    *casetest.Fixture
	c    client.Client
}

// setup starts a test database with the case fixture, an in-memory
// Temporal server and a worker projecting into that database.
func setup(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	// the deadlines run into 2027, which the calendar does not list: the
	// activities warn about it
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	pool := dbtest.New(t)
	f := casetest.New(t, pool)
	_, c := workertest.Server(t, logger)
	workertest.Run(t, c, &activities.Activities{DB: pool, Logger: logger}, worker.Options{})
	return &env{t: t, pool: pool, f: f, c: c}
}

func wid(id int64) string { return workflows.LeadWorkflowID(id) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// start records lead l as the API's intake does, starts its workflow and
// waits until its first step is projected.
func (e *env) start(l casetest.Lead) int64 {
	t := e.t
	t.Helper()
	l.At = time.Now()
	id, town, contractor := e.f.Record(t, l)
	in := workflows.LeadInput{LeadID: id, Source: cases.SourceWorkerApp, ReceivedAt: l.At, By: l.By, WorkerID: l.WorkerID,
		ProjectID: l.ProjectID, TownCode: town, ContractorID: contractor, AmountClaimedFen: l.Amount, WorkersClaimed: max(l.Workers, 1)}
	_, err := e.c.ExecuteWorkflow(ctx(t), workflows.StartOptions(wid(id)), workflows.LeadWorkflow, in)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var seq int
		require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT seq FROM leads WHERE id = $1`, id).Scan(&seq))
		return seq >= 1
	}, 30*time.Second, 20*time.Millisecond, "lead %d: intake projected", id)
	return id
}

// act sends update name and waits for its answer (the step projected).
func (e *env) act(id int64, name string, in workflows.ActionInput) cases.LeadState {
	t := e.t
	t.Helper()
	h, err := e.c.UpdateWorkflow(ctx(t), client.UpdateWorkflowOptions{WorkflowID: wid(id), UpdateName: name,
		Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err, name)
	var st cases.LeadState
	require.NoError(t, h.Get(ctx(t), &st), name)
	return st
}

func (e *env) state(id int64) cases.LeadState {
	t := e.t
	t.Helper()
	v, err := e.c.QueryWorkflow(ctx(t), wid(id), "", workflows.StatusQuery)
	require.NoError(t, err)
	var st cases.LeadState
	require.NoError(t, v.Get(&st))
	return st
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	tag, err := e.pool.Exec(context.Background(), sql, args...)
	require.NoError(e.t, err, sql)
	require.NotZero(e.t, tag.RowsAffected(), sql)
}

func (e *env) check(opts reconcile.Options) reconcile.Report {
	e.t.Helper()
	if opts.Settle == 0 {
		opts.Settle = 20 * time.Millisecond
	}
	r, err := reconcile.Leads(ctx(e.t), e.pool, e.c, opts)
	require.NoError(e.t, err)
	assert.Positive(e.t, r.Elapsed)
	r.Elapsed = 0
	return r
}

// leads are four leads at different points of their process.
type leads struct {
	rectifying int64 // accepted by Town1, enterprise ordered to rectify
	dispatched int64 // unknown project: triaged by the city, dispatched to Town2
	closed     int64 // the full process, confirmed by the worker
	fresh      int64 // dispatched to Town2 at intake
}

func (e *env) leads() leads {
	f := e.f
	var l leads
	l.rectifying = e.start(casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 1_200_000, By: f.WorkerActor})
	e.act(l.rectifying, workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	st := e.act(l.rectifying, workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期足额支付拖欠工资"})
	require.Equal(e.t, cases.Rectifying, st.Status)

	l.dispatched = e.start(casetest.Lead{WorkerID: f.OtherWorker, Amount: 300_000, By: f.OtherActor})
	require.Equal(e.t, cases.Triage, e.state(l.dispatched).Status)
	st = e.act(l.dispatched, workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town2})
	require.Equal(e.t, cases.Dispatched, st.Status)

	l.closed = e.start(casetest.Lead{ProjectID: f.Project1, WorkerID: f.OtherWorker, Amount: 800_000, By: f.OtherActor})
	paid, one := int64(800_000), 1
	e.act(l.closed, workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	e.act(l.closed, workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期支付", DueDays: 5})
	e.act(l.closed, workflows.ActSubmit, workflows.ActionInput{Actor: f.Enterprise1, EvidenceIDs: []int64{1}, AmountPaidFen: &paid, Note: "已支付"})
	e.act(l.closed, workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: &paid, WorkersCovered: &one, Note: "经核实已全额支付"})
	st = e.act(l.closed, workflows.ActConfirm, workflows.ActionInput{Actor: f.OtherActor, Note: "已收到"})
	require.Equal(e.t, cases.Closed, st.Status)
	require.NotNil(e.t, st.ClosedAt)

	l.fresh = e.start(casetest.Lead{ProjectID: f.Project2, WorkerID: f.Worker, Amount: 100_000, By: f.WorkerActor})
	return l
}

func consistent(n int) reconcile.Report {
	return reconcile.Report{Checked: n, Consistent: n, Findings: []reconcile.Finding{}}
}

func TestLeadsConsistent(t *testing.T) {
	e := setup(t)
	l := e.leads()
	// the closed lead's workflow has completed: its query is answered by
	// replaying its history
	require.Eventually(t, func() bool {
		d, err := e.c.DescribeWorkflowExecution(ctx(t), wid(l.closed), "")
		require.NoError(t, err)
		return d.GetWorkflowExecutionInfo().GetCloseTime() != nil
	}, 20*time.Second, 20*time.Millisecond)

	assert.Equal(t, consistent(4), e.check(reconcile.Options{All: true}))
	assert.Equal(t, consistent(3), e.check(reconcile.Options{}), "open leads only")
	assert.Equal(t, consistent(1), e.check(reconcile.Options{LeadIDs: []int64{l.closed}}), "a closed lead named")
	assert.Equal(t, consistent(2), e.check(reconcile.Options{LeadIDs: []int64{l.fresh, l.rectifying, l.fresh}}))
	assert.Equal(t, reconcile.Report{Checked: 2, Consistent: 1, Differing: 1, Findings: []reconcile.Finding{
		{LeadID: 9999, Field: reconcile.FieldRow, Workflow: "not found", Projection: "no row"},
	}}, e.check(reconcile.Options{LeadIDs: []int64{9999, l.dispatched}, Rechecks: -1}), "a lead that does not exist")
	// small pages, one lead at a time
	assert.Equal(t, consistent(4), e.check(reconcile.Options{All: true, PageSize: 3, Concurrency: 1}))
}

func TestLeadsTampered(t *testing.T) {
	e := setup(t)
	l := e.leads()
	fresh := e.state(l.fresh)
	require.NotNil(t, fresh.AcceptDue)
	due := fresh.AcceptDue.In(cases.Zone)
	rect := e.state(l.rectifying)
	require.Len(t, rect.Tasks, 1)
	require.Equal(t, cases.TaskRectify, rect.Tasks[0].Kind)
	dispatchedTask := e.state(l.dispatched).Tasks
	require.Len(t, dispatchedTask, 1)
	assert.Equal(t, "accept:2", dispatchedTask[0].Key)

	// a row with no workflow, past its intake
	noWorkflow, _, _ := e.f.Record(t, casetest.Lead{At: time.Now()})
	e.exec(`UPDATE leads SET status = 'triage' WHERE id = $1`, noWorkflow)

	e.exec(`UPDATE leads SET status = 'closed', rectify_enterprise_id = NULL WHERE id = $1`, l.rectifying)
	e.exec(`DELETE FROM case_tasks WHERE lead_id = $1 AND closed_at IS NULL`, l.dispatched)
	e.exec(`INSERT INTO case_tasks (lead_id, key, kind, actor, opened_seq, opened_at) VALUES ($1, 'review:9', 'review', 'city', 9, now())`, l.dispatched)
	e.exec(`DELETE FROM lead_events WHERE lead_id = $1 AND seq = 2`, l.closed)
	e.exec(`UPDATE leads SET accept_due = accept_due + interval '1 day' WHERE id = $1`, l.fresh)
	e.exec(`UPDATE case_tasks SET overdue = true, due_at = NULL WHERE lead_id = $1 AND closed_at IS NULL`, l.fresh)

	byLead := map[int64][]reconcile.Finding{
		l.rectifying: {
			{LeadID: l.rectifying, Field: "status", Workflow: "rectifying", Projection: "closed"},
			{LeadID: l.rectifying, Field: "rectify_enterprise_id", Workflow: strconv.FormatInt(e.f.Contractor1, 10), Projection: "null"},
		},
		l.dispatched: {
			{LeadID: l.dispatched, Field: "case_tasks[accept:2]", Workflow: "open", Projection: "absent"},
			{LeadID: l.dispatched, Field: "case_tasks[review:9]", Workflow: "absent", Projection: "open"},
		},
		l.closed: {
			{LeadID: l.closed, Field: "lead_events", Workflow: "seq 1..6", Projection: "seq 1, 3..6 (missing 2)"},
		},
		l.fresh: {
			{LeadID: l.fresh, Field: "accept_due", Workflow: due.Format(time.RFC3339Nano), Projection: due.AddDate(0, 0, 1).Format(time.RFC3339Nano)},
			{LeadID: l.fresh, Field: "case_tasks[accept:1].due_at", Workflow: due.Format(time.RFC3339Nano), Projection: "null"},
			{LeadID: l.fresh, Field: "case_tasks[accept:1].overdue", Workflow: "false", Projection: "true"},
		},
		noWorkflow: {
			{LeadID: noWorkflow, Field: "workflow", Workflow: "not found", Projection: "triage (seq 0)"},
		},
	}
	want := func(ids ...int64) []reconcile.Finding {
		out := []reconcile.Finding{}
		for _, id := range ids {
			out = append(out, byLead[id]...)
		}
		return out
	}

	assert.Equal(t, reconcile.Report{Checked: 5, Differing: 5,
		Findings: want(l.rectifying, l.dispatched, l.closed, l.fresh, noWorkflow)}, e.check(reconcile.Options{All: true}))
	// open only: the lead closed in the table is found as a running
	// workflow whose row was not checked; the closed lead is left out
	assert.Equal(t, reconcile.Report{Checked: 4, Differing: 4,
		Findings: want(l.rectifying, l.dispatched, l.fresh, noWorkflow)}, e.check(reconcile.Options{}))
	assert.Equal(t, reconcile.Report{Checked: 1, Differing: 1, Findings: want(l.closed)},
		e.check(reconcile.Options{LeadIDs: []int64{l.closed}}))
}

func TestLeadsWithoutWorkflow(t *testing.T) {
	e := setup(t)
	f := e.f
	old, _, _ := f.Record(t, casetest.Lead{At: time.Now().Add(-time.Hour)})
	e.exec(`UPDATE leads SET created_at = now() - interval '1 hour' WHERE id = $1`, old)
	young, _, _ := f.Record(t, casetest.Lead{At: time.Now()})
	var oldAt, youngAt time.Time
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT created_at FROM leads WHERE id = $1`, old).Scan(&oldAt))
	require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT created_at FROM leads WHERE id = $1`, young).Scan(&youngAt))
	notStarted := func(id int64, at time.Time) reconcile.Finding {
		return reconcile.Finding{LeadID: id, Field: "workflow", Workflow: "not started",
			Projection: "received at " + at.In(cases.Zone).Format(time.RFC3339Nano)}
	}

	// a workflow stopped while its lead is open
	stopped := e.start(casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 100_000, By: f.WorkerActor})
	require.NoError(t, e.c.TerminateWorkflow(ctx(t), wid(stopped), "", "test"))
	stoppedFinding := reconcile.Finding{LeadID: stopped, Field: "workflow", Workflow: "terminated while dispatched", Projection: "dispatched"}

	assert.Equal(t, reconcile.Report{Checked: 2, Differing: 2, Skipped: 1,
		Findings: []reconcile.Finding{notStarted(old, oldAt), stoppedFinding}}, e.check(reconcile.Options{}), "default grace")
	assert.Equal(t, reconcile.Report{Checked: 1, Differing: 1, Skipped: 2, Findings: []reconcile.Finding{stoppedFinding}},
		e.check(reconcile.Options{Grace: 2 * time.Hour}))
	assert.Equal(t, reconcile.Report{Checked: 3, Differing: 3,
		Findings: []reconcile.Finding{notStarted(old, oldAt), notStarted(young, youngAt), stoppedFinding}},
		e.check(reconcile.Options{Grace: time.Nanosecond}))

	// started after all: consistent
	in := workflows.LeadInput{LeadID: old, Source: cases.SourceWorkerApp, ReceivedAt: oldAt, By: f.WorkerActor, WorkersClaimed: 1}
	_, err := e.c.ExecuteWorkflow(ctx(t), workflows.StartOptions(wid(old)), workflows.LeadWorkflow, in)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var seq int
		require.NoError(t, e.pool.QueryRow(context.Background(), `SELECT seq FROM leads WHERE id = $1`, old).Scan(&seq))
		return seq >= 1
	}, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, reconcile.Report{Checked: 1, Consistent: 1, Findings: []reconcile.Finding{}},
		e.check(reconcile.Options{LeadIDs: []int64{old}}))
}
