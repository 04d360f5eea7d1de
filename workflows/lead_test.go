package workflows_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/workflows"
)

// The lead workflow runs in the SDK's test environment with time skipping
// (months of deadlines in milliseconds) against its real activities and a
// real test database: the projection is checked as well as the state.

// cst is a wall-clock time in China.
func cst(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, cases.Zone) }

type leadRun struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	f     *casetest.Fixture
	in    workflows.LeadInput
	start time.Time
	n     int
}

// newLeadRun records a lead reported at start and prepares its workflow.
func newLeadRun(t *testing.T, start time.Time, l casetest.Lead) *leadRun {
	t.Helper()
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	return newLeadRunIn(t, f, start, l)
}

func newLeadRunIn(t *testing.T, f *casetest.Fixture, start time.Time, l casetest.Lead) *leadRun {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflow(workflows.LeadWorkflow)
	env.RegisterActivity(&activities.Activities{DB: f.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if l.By.AccountID == 0 {
		l.By = f.WorkerActor
	}
	l.At = start
	id, town, contractor := f.Record(t, l)
	in := workflows.LeadInput{LeadID: id, Source: cases.SourceWorkerApp, ReceivedAt: start, By: l.By, WorkerID: l.WorkerID,
		ProjectID: l.ProjectID, TownCode: town, ContractorID: contractor, AmountClaimedFen: l.Amount, WorkersClaimed: max(l.Workers, 1)}
	return &leadRun{t: t, env: env, f: f, in: in, start: start}
}

// result is what an update answered.
type result struct {
	name     string
	at       time.Time
	state    cases.LeadState
	err      error
	answered bool
}

// act sends update name at the simulated moment at.
func (r *leadRun) act(at time.Time, name string, in workflows.ActionInput) *result {
	res := &result{name: name}
	r.n++
	id := fmt.Sprintf("%s-%d", name, r.n)
	r.env.RegisterDelayedCallback(func() {
		res.at = r.env.Now()
		r.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { res.err, res.answered = err, true },
			OnComplete: func(v any, err error) {
				res.err, res.answered = err, true
				if st, ok := v.(cases.LeadState); ok {
					res.state = st
				} else if err == nil {
					res.state = r.status()
				}
			},
		}, in)
	}, at.Sub(r.start))
	return res
}

// probe reads the state at the simulated moment at.
func (r *leadRun) probe(at time.Time) *cases.LeadState {
	st := &cases.LeadState{}
	r.env.RegisterDelayedCallback(func() { *st = r.status() }, at.Sub(r.start))
	return st
}

// stopAt cancels the workflow at at (a lead still open at the end).
func (r *leadRun) stopAt(at time.Time) {
	r.env.RegisterDelayedCallback(func() { r.env.CancelWorkflow() }, at.Sub(r.start))
}

func (r *leadRun) status() cases.LeadState {
	v, err := r.env.QueryWorkflow(workflows.StatusQuery)
	require.NoError(r.t, err)
	var st cases.LeadState
	require.NoError(r.t, v.Get(&st))
	return st
}

// run executes the workflow to its end and returns the final state.
func (r *leadRun) run() cases.LeadState {
	r.env.ExecuteWorkflow(workflows.LeadWorkflow, r.in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	st := r.status()
	return st
}

func ok(t *testing.T, r *result) cases.LeadState {
	t.Helper()
	require.True(t, r.answered, "%s was never answered", r.name)
	require.NoError(t, r.err, r.name)
	return r.state
}

func refused(t *testing.T, r *result, code, field string) {
	t.Helper()
	require.True(t, r.answered, "%s was never answered", r.name)
	require.Error(t, r.err, r.name)
	ref, isRefusal := workflows.AsRefusal(r.err)
	require.True(t, isRefusal, "%s: %v is a refusal", r.name, r.err)
	assert.Equal(t, code, ref.Code, "%s: %v", r.name, r.err)
	assert.Equal(t, field, ref.Field, "%s: %v", r.name, r.err)
	assert.NotEmpty(t, ref.Message)
}

type event struct {
	Seq    int
	At     time.Time
	Action string
	Actor  *int64
	Role   string
	From   *string
	To     string
	Rule   string
}

func events(t *testing.T, r *leadRun) []event {
	t.Helper()
	rows, err := r.f.Pool.Query(context.Background(), `SELECT seq, at, action, actor_id, actor_role, from_status, to_status, rule
		FROM lead_events WHERE lead_id = $1 ORDER BY seq`, r.in.LeadID)
	require.NoError(t, err)
	defer rows.Close()
	var out []event
	for rows.Next() {
		var e event
		require.NoError(t, rows.Scan(&e.Seq, &e.At, &e.Action, &e.Actor, &e.Role, &e.From, &e.To, &e.Rule))
		out = append(out, e)
	}
	require.NoError(t, rows.Err())
	return out
}

func actions(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Action
	}
	return out
}

type taskRow struct {
	Key, Kind, Actor string
	Due              *time.Time
	Reminded         *time.Time
	Overdue          bool
	Closed           bool
}

func tasks(t *testing.T, r *leadRun) []taskRow {
	t.Helper()
	rows, err := r.f.Pool.Query(context.Background(), `SELECT key, kind, actor, due_at, reminded_at, overdue, closed_at IS NOT NULL
		FROM case_tasks WHERE lead_id = $1 ORDER BY id`, r.in.LeadID)
	require.NoError(t, err)
	defer rows.Close()
	var out []taskRow
	for rows.Next() {
		var x taskRow
		require.NoError(t, rows.Scan(&x.Key, &x.Kind, &x.Actor, &x.Due, &x.Reminded, &x.Overdue, &x.Closed))
		out = append(out, x)
	}
	return out
}

func openKinds(ts []taskRow) []string {
	var out []string
	for _, x := range ts {
		if !x.Closed {
			out = append(out, x.Actor+":"+x.Kind)
		}
	}
	return out
}

func leadRow(t *testing.T, r *leadRun) (status string, seq int, overdue bool, supervision string) {
	t.Helper()
	require.NoError(t, r.f.Pool.QueryRow(context.Background(), `SELECT status, seq, overdue, supervision FROM leads WHERE id = $1`,
		r.in.LeadID).Scan(&status, &seq, &overdue, &supervision))
	return
}

func sameTime(t *testing.T, want time.Time, got *time.Time, msg string) {
	t.Helper()
	if assert.NotNil(t, got, msg) {
		assert.True(t, want.Equal(*got), "%s: want %s, got %s", msg, want, got.In(cases.Zone))
	}
}

func fen(v int64) *int64 { return &v }
func num(v int) *int    { return &v }

// A worker reports; the town accepts, orders rectification; the
// enterprise submits evidence; the town verifies and reports payment in
// full; the worker confirms; the lead closes.
func TestLeadFullProcess(t *testing.T) {
	start := cst(2026, 11, 2, 9) // Monday 2 November 2026
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 1_200_000, Workers: 1})
	day := func(d, h int) time.Time { return cst(2026, 11, d, h) }
	initial := r.probe(start.Add(time.Minute))
	accept := r.act(day(3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	order := r.act(day(4, 10), workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期足额支付拖欠工资", DueDays: 5})
	submit := r.act(day(6, 15), workflows.ActSubmit, workflows.ActionInput{Actor: f.Enterprise1, EvidenceIDs: []int64{1}, AmountPaidFen: fen(1_200_000), Note: "已通过专用账户支付"})
	report := r.act(day(9, 10), workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: fen(1_200_000), WorkersCovered: num(1), Note: "经核实已全额支付"})
	confirm := r.act(day(10, 20), workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor, Note: "已收到"})
	final := r.run()
	require.NoError(t, r.env.GetWorkflowError())

	assert.Equal(t, cases.Dispatched, initial.Status, "dispatched to the project's town at once")
	assert.Equal(t, f.Town1, initial.TownCode)
	require.NotNil(t, initial.AcceptDue)
	sameTime(t, cst(2026, 11, 10, 0), initial.AcceptDue, "5 working days: 3, 4, 5, 6, 9 November")

	st := ok(t, accept)
	assert.Equal(t, cases.Investigating, st.Status)
	require.NotNil(t, st.HandleDue)
	assert.NotNil(t, st.AcceptDue, "kept: when acceptance was due")
	st = ok(t, order)
	assert.Equal(t, cases.Rectifying, st.Status)
	assert.Equal(t, f.Contractor1, st.RectifyEnterpriseID, "the general contractor by default")
	sameTime(t, cst(2026, 11, 12, 0), st.RectifyDue, "5 working days: 5, 6, 9, 10, 11 November")
	assert.Equal(t, cases.Verifying, ok(t, submit).Status)
	assert.Equal(t, cases.Confirming, ok(t, report).Status)
	assert.Equal(t, cases.Closed, ok(t, confirm).Status)
	assert.Equal(t, cases.Closed, final.Status)
	assert.Empty(t, final.Tasks)

	status, seq, overdue, supervision := leadRow(t, r)
	assert.Equal(t, "closed", status)
	assert.Equal(t, final.Seq, seq)
	assert.False(t, overdue)
	assert.Equal(t, "none", supervision)
	evs := events(t, r)
	assert.Equal(t, []string{"intake", "accept", "orderRectification", "submitEvidence", "reportResult", "confirm"}, actions(evs))
	assert.Equal(t, "auto_dispatch: 按项目所在镇街自动分流", evs[0].Rule)
	assert.Equal(t, f.Enterprise1.AccountID, *evs[3].Actor)
	assert.Equal(t, "enterprise_user", evs[3].Role)
	assert.Equal(t, "rectifying", *evs[3].From)
	assert.Equal(t, "verifying", evs[3].To)
	assert.Equal(t, day(6, 15), evs[3].At.In(cases.Zone))
	assert.Empty(t, openKinds(tasks(t, r)))
	kinds := []string{}
	for _, x := range tasks(t, r) {
		kinds = append(kinds, x.Actor+":"+x.Kind)
	}
	assert.Equal(t, []string{"town:accept", "town:investigate", "enterprise:rectify", "town:verify", "worker:confirm"}, kinds)
}
