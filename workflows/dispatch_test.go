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

// The dispatch workflow in the SDK's test environment with time skipping,
// against its real activities and a real test database.

type dispatchRun struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	f     *casetest.Fixture
	in    workflows.DispatchInput
	start time.Time
	n     int
}

// newDispatchRun records a dispatch to towns (as the API does) created at
// start by the fixture's city supervisor.
func newDispatchRun(t *testing.T, start time.Time, dueDays int, towns ...string) *dispatchRun {
	t.Helper()
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflow(workflows.DispatchWorkflow)
	env.RegisterActivity(&activities.Activities{DB: f.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := context.Background()
	var id int64
	require.NoError(t, f.Pool.QueryRow(ctx, `INSERT INTO dispatches (title, instructions, due_days, created_by)
		VALUES ('欠薪线索集中排查', '请对辖区在建项目开展工资支付专项检查', $1, $2) RETURNING id`, dueDays, f.City.AccountID).Scan(&id))
	for _, town := range towns {
		_, err := f.Pool.Exec(ctx, `INSERT INTO dispatch_towns (dispatch_id, town_code) VALUES ($1, $2)`, id, town)
		require.NoError(t, err)
	}
	return &dispatchRun{t: t, env: env, f: f, start: start,
		in: workflows.DispatchInput{DispatchID: id, By: f.City, Towns: towns, DueDays: dueDays}}
}

type dispatchResult struct {
	name     string
	state    cases.DispatchState
	err      error
	answered bool
}

func (r *dispatchRun) act(at time.Time, name string, in workflows.DispatchActionInput) *dispatchResult {
	res := &dispatchResult{name: name}
	r.n++
	id := fmt.Sprintf("%s-%d", name, r.n)
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { res.err, res.answered = err, true },
			OnComplete: func(v any, err error) {
				res.err, res.answered = err, true
				if st, ok := v.(cases.DispatchState); ok {
					res.state = st
				}
			},
		}, in)
	}, at.Sub(r.start))
	return res
}

func (r *dispatchRun) probe(at time.Time) *cases.DispatchState {
	st := &cases.DispatchState{}
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(workflows.StatusQuery)
		require.NoError(r.t, err)
		require.NoError(r.t, v.Get(st))
	}, at.Sub(r.start))
	return st
}

func (r *dispatchRun) run() {
	r.env.ExecuteWorkflow(workflows.DispatchWorkflow, r.in)
	require.True(r.t, r.env.IsWorkflowCompleted())
}

func dispatchOK(t *testing.T, r *dispatchResult) cases.DispatchState {
	t.Helper()
	require.True(t, r.answered, "%s was never answered", r.name)
	require.NoError(t, r.err, r.name)
	return r.state
}

func dispatchRefused(t *testing.T, r *dispatchResult, code, field string) {
	t.Helper()
	require.True(t, r.answered, "%s was never answered", r.name)
	ref, ok := workflows.AsRefusal(r.err)
	require.True(t, ok, "%s: %v is a refusal", r.name, r.err)
	assert.Equal(t, code, ref.Code, "%s: %s", r.name, ref.Message)
	assert.Equal(t, field, ref.Field, r.name)
	assert.NotEmpty(t, ref.Message)
}

func (r *dispatchRun) events() []string {
	rows, err := r.f.Pool.Query(context.Background(), `SELECT action || coalesce(':' || town_code, '') FROM dispatch_events
		WHERE dispatch_id = $1 ORDER BY seq`, r.in.DispatchID)
	require.NoError(r.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(r.t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

func (r *dispatchRun) openTasks() []string {
	rows, err := r.f.Pool.Query(context.Background(), `SELECT actor || ':' || kind || ':' || coalesce(town_code, '')
		FROM case_tasks WHERE dispatch_id = $1 AND closed_at IS NULL ORDER BY id`, r.in.DispatchID)
	require.NoError(r.t, err)
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		require.NoError(r.t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

// Two towns: one report accepted, the other returned and reported again;
// the dispatch closes only when both are accepted.
func TestDispatchPartialThenFullAcceptance(t *testing.T) {
	start := cst(2026, 9, 1, 9) // a Tuesday
	r := newDispatchRun(t, start, 10, "330101", "330102")
	f := r.f
	first := r.probe(start.Add(time.Hour))
	rep1 := r.act(start.Add(24*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查12个项目，未发现欠薪"})
	rep2 := r.act(start.Add(48*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "已排查"})
	again := r.act(start.Add(49*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "重复反馈"})
	acc1 := r.act(start.Add(72*time.Hour), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: "330101"})
	ret2 := r.act(start.Add(73*time.Hour), workflows.DispatchReturn, workflows.DispatchActionInput{Actor: f.City, TownCode: "330102",
		DueDays: 3, Note: "未附检查清单"})
	mid := r.probe(start.Add(74 * time.Hour))
	rep2b := r.act(start.Add(96*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "补充检查清单"})
	acc2 := r.act(start.Add(120*time.Hour), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: "330102"})
	r.run()

	require.Len(t, first.Parts, 2)
	assert.Equal(t, cases.DispatchOpen, first.Status)
	for _, p := range first.Parts {
		assert.Equal(t, cases.PartAssigned, p.Status)
		require.NotNil(t, p.DueAt)
		assert.True(t, p.DueAt.After(start.AddDate(0, 0, 13)), "10 working days (%s)", p.DueAt)
	}
	dispatchOK(t, rep1)
	dispatchOK(t, rep2)
	dispatchRefused(t, again, workflows.DispatchRefusedState, "")
	st := dispatchOK(t, acc1)
	assert.Equal(t, cases.DispatchOpen, st.Status, "one town still to go")
	dispatchOK(t, ret2)
	p2, _ := mid.Part("330102")
	assert.Equal(t, cases.PartAssigned, p2.Status)
	assert.Equal(t, 1, p2.Returned)
	dispatchOK(t, rep2b)
	st = dispatchOK(t, acc2)
	assert.Equal(t, cases.DispatchClosed, st.Status)
	assert.NotNil(t, st.ClosedAt)
	assert.Empty(t, st.Tasks)

	assert.Equal(t, []string{"create", "report:330101", "report:330102", "acceptReport:330101", "returnReport:330102",
		"report:330102", "acceptReport:330102"}, r.events())
	assert.Empty(t, r.openTasks())
	var status string
	var accepted int
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT d.status, (SELECT count(*) FROM dispatch_towns t
		WHERE t.dispatch_id = d.id AND t.status = 'accepted') FROM dispatches d WHERE d.id = $1`, r.in.DispatchID).Scan(&status, &accepted))
	assert.Equal(t, "closed", status)
	assert.Equal(t, 2, accepted)
}

// A town that does not report is reminded, then overdue: the city gets a
// supervise task about it, with its own deadline (2 working days), which
// reminds and passes too; the late report ends the supervision task and
// gives the city its review task, whose own deadline passes too.
func TestDispatchEscalation(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newDispatchRun(t, start, 3, "330101")
	f := r.f
	before := r.probe(start.Add(time.Hour))
	late := r.probe(start.AddDate(0, 0, 7))
	rep := r.act(start.AddDate(0, 0, 8), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已处理"})
	reviewLate := r.probe(start.AddDate(0, 0, 20))
	cancel := r.act(start.AddDate(0, 0, 21), workflows.DispatchCancel, workflows.DispatchActionInput{Actor: f.City, Note: "事项已由上级另行处理"})
	r.run()

	require.NotNil(t, before.Parts[0].DueAt)
	assert.False(t, before.Parts[0].Overdue)
	p := late.Parts[0]
	assert.True(t, p.Overdue, "overdue after 3 working days")
	assert.NotNil(t, p.RemindedAt, "reminded the working day before")
	kinds := map[string]bool{}
	for _, tk := range late.Tasks {
		kinds[tk.Actor+":"+tk.Kind] = true
	}
	assert.True(t, kinds["city:supervise"], "the city supervises the overdue town: %+v", late.Tasks)
	assert.True(t, kinds["town:dispatch_report"])
	st := dispatchOK(t, rep)
	require.Len(t, st.Tasks, 1, "the report ends the town's task and the supervision")
	assert.Equal(t, cases.TaskDispatchReview, st.Tasks[0].Kind)
	require.NotNil(t, st.Tasks[0].DueAt, "the city's own task has a deadline")
	require.Len(t, reviewLate.Tasks, 1)
	assert.True(t, reviewLate.Tasks[0].Overdue, "the city's review is overdue too")
	st = dispatchOK(t, cancel)
	assert.Equal(t, cases.DispatchCancelled, st.Status)
	// the workflow has ended; the API refuses on the projected row
	spec, _ := workflows.DispatchActions().Find(workflows.DispatchRemind)
	assert.Equal(t, workflows.DispatchRefusedClosed,
		workflows.PrecheckDispatch(spec, f.City, cases.DispatchCancelled, cases.Parties{}).Code)
	assert.Equal(t, []string{"create", "remind:330101", "overdue:330101", "remind:330101", "overdue:330101",
		"report:330101", "remind:330101", "overdue:330101", "cancel"}, r.events())
	assert.Empty(t, r.openTasks())
}

// Who may do what: only the towns of the dispatch report, each its own
// part; only the city answers; answers name a town that reported.
func TestDispatchRefusals(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newDispatchRun(t, start, 5, "330101")
	f := r.f
	h := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	notOurs := r.act(h(1), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "不是我们的"})
	byEnterprise := r.act(h(2), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Enterprise1, Note: "企业"})
	noNote := r.act(h(3), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1})
	early := r.act(h(4), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: "330101"})
	townAccepts := r.act(h(5), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.Officer1, TownCode: "330101"})
	noTown := r.act(h(6), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City})
	otherTown := r.act(h(7), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: "330102"})
	remind := r.act(h(8), workflows.DispatchRemind, workflows.DispatchActionInput{Actor: f.City, Note: "请于本周内反馈"})
	rep := r.act(h(9), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已办理"})
	remindNone := r.act(h(10), workflows.DispatchRemind, workflows.DispatchActionInput{Actor: f.City, Note: "请于本周内反馈"})
	badDays := r.act(h(11), workflows.DispatchReturn, workflows.DispatchActionInput{Actor: f.City, TownCode: "330101", DueDays: 999, Note: "重办"})
	acc := r.act(h(12), workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: "330101"})
	r.run()

	dispatchRefused(t, notOurs, workflows.DispatchRefusedActor, "")
	dispatchRefused(t, byEnterprise, workflows.DispatchRefusedActor, "")
	dispatchRefused(t, noNote, workflows.DispatchRefusedInput, "note")
	dispatchRefused(t, early, workflows.DispatchRefusedState, "")
	dispatchRefused(t, townAccepts, workflows.DispatchRefusedActor, "")
	dispatchRefused(t, noTown, workflows.DispatchRefusedInput, "town_code")
	dispatchRefused(t, otherTown, workflows.DispatchRefusedInput, "town_code")
	st := dispatchOK(t, remind)
	require.Len(t, st.Tasks, 1)
	assert.NotNil(t, st.Tasks[0].RemindedAt)
	dispatchOK(t, rep)
	dispatchRefused(t, remindNone, workflows.DispatchRefusedState, "")
	dispatchRefused(t, badDays, workflows.DispatchRefusedInput, "due_days")
	assert.Equal(t, cases.DispatchClosed, dispatchOK(t, acc).Status)
}

// A deadline counted into a year the calendar does not hold yet is marked
// estimated on the town's task (shown as due_estimated).
func TestDispatchEstimatedDeadline(t *testing.T) {
	start := cst(2026, 12, 28, 9)
	r := newDispatchRun(t, start, 10, "330101")
	st := r.probe(start.Add(time.Hour))
	cancel := r.act(start.Add(2*time.Hour), workflows.DispatchCancel, workflows.DispatchActionInput{Actor: r.f.City, Note: "测试结束"})
	r.run()
	dispatchOK(t, cancel)
	require.Len(t, st.Tasks, 1)
	assert.True(t, st.Tasks[0].DueEstimated, "10 working days from 28 December run into 2027")
	require.Len(t, st.Parts, 1)
	assert.True(t, st.Parts[0].DueEstimated, "the town's part is marked too")
	var estimated, part bool
	require.NoError(t, r.f.Pool.QueryRow(context.Background(), `SELECT t.due_estimated, dt.due_estimated
		FROM case_tasks t JOIN dispatch_towns dt ON dt.dispatch_id = t.dispatch_id AND dt.town_code = t.town_code
		WHERE t.dispatch_id = $1`, r.in.DispatchID).Scan(&estimated, &part))
	assert.True(t, estimated)
	assert.True(t, part, "projected on dispatch_towns")
}

// The city's supervise task has a deadline of its own (2 working days,
// cases.DefaultDispatchPolicy.SuperviseDays): both towns miss their 3
// working days (Saturday 5 September); 330102 reports on Monday, which
// closes the city's supervise task about it — its deadline ends, no step
// follows; the one about 330101 is reminded on Tuesday and overdue on
// Wednesday (rule dispatch_supervise_overdue), only that task marked,
// and nothing escalates further.
func TestDispatchSuperviseDeadline(t *testing.T) {
	start := cst(2026, 9, 1, 9) // a Tuesday
	r := newDispatchRun(t, start, 3, "330101", "330102")
	f := r.f
	opened := r.probe(cst(2026, 9, 5, 1))
	rep := r.act(cst(2026, 9, 7, 10), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "已处理"})
	reminded := r.probe(cst(2026, 9, 8, 1))
	late := r.probe(cst(2026, 9, 9, 1))
	cancel := r.act(cst(2026, 9, 9, 10), workflows.DispatchCancel, workflows.DispatchActionInput{Actor: f.City, Note: "测试结束"})
	r.run()
	dispatchOK(t, rep)
	dispatchOK(t, cancel)

	supervise := func(st *cases.DispatchState, town string) (cases.Task, bool) {
		for _, tk := range st.Tasks {
			if tk.Kind == cases.TaskSupervise && tk.TownCode == town {
				return tk, true
			}
		}
		return cases.Task{}, false
	}
	for _, town := range []string{"330101", "330102"} {
		tk, ok := supervise(opened, town)
		require.True(t, ok, "the city supervises %s: %+v", town, opened.Tasks)
		assert.Equal(t, cases.ActorCity, tk.Actor)
		sameTime(t, cst(2026, 9, 9, 0), tk.DueAt, "2 working days from Saturday: Monday, Tuesday")
		assert.False(t, tk.DueEstimated)
		assert.Nil(t, tk.RemindedAt)
		assert.False(t, tk.Overdue)
	}
	_, ok := supervise(reminded, "330102")
	assert.False(t, ok, "the late report closed the supervision of 330102")
	tk, _ := supervise(reminded, "330101")
	assert.NotNil(t, tk.RemindedAt, "reminded the working day before")
	assert.False(t, tk.Overdue)
	tk, _ = supervise(late, "330101")
	assert.True(t, tk.Overdue, "the city's supervise task is overdue")
	for _, x := range late.Tasks {
		if x.Kind == cases.TaskDispatchReport {
			assert.Equal(t, cases.PartAssigned, late.Parts[0].Status)
			assert.True(t, x.Overdue, "the town's task was overdue already")
			assert.Equal(t, opened.Tasks[0].RemindedAt, x.RemindedAt, "the supervise reminder is the city's task's alone")
		}
		if x.Kind == cases.TaskDispatchReview {
			assert.False(t, x.Overdue, "330102's review is not due yet")
		}
	}
	assert.Equal(t, []string{"create", "remind:330101", "remind:330102", "overdue:330101", "overdue:330102",
		"report:330102", "remind:330101", "overdue:330101", "cancel"}, r.events())
	var rules []string
	rows, err := f.Pool.Query(context.Background(), `SELECT rule FROM dispatch_events WHERE dispatch_id = $1 AND action = 'overdue'
		ORDER BY seq`, r.in.DispatchID)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		rules = append(rules, s)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"dispatch_report_overdue: 镇街未在3个工作日内反馈，转市级督办",
		"dispatch_report_overdue: 镇街未在3个工作日内反馈，转市级督办",
		"dispatch_supervise_overdue: 市级未在2个工作日内督办逾期未反馈的镇街"}, rules)
	// the projection: the city's task with its due date, closed with the dispatch
	var due time.Time
	var overdue bool
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT due_at, overdue FROM case_tasks
		WHERE dispatch_id = $1 AND kind = 'supervise' AND town_code = '330101'`, r.in.DispatchID).Scan(&due, &overdue))
	assert.True(t, cst(2026, 9, 9, 0).Equal(due), "projected due: %s", due)
	assert.True(t, overdue)
	assert.Empty(t, r.openTasks())
}
