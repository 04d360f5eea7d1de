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
	// starter stands in for the case client: it records the dispatches a
	// supervision starts (no dispatch workflow runs here)
	starter *dispatchStarter
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
	starter := &dispatchStarter{}
	env.RegisterActivity(&activities.Activities{DB: f.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Cases: starter})
	if l.By.AccountID == 0 {
		l.By = f.WorkerActor
	}
	l.At = start
	id, town, contractor := f.Record(t, l)
	in := workflows.LeadInput{LeadID: id, Source: cases.SourceWorkerApp, ReceivedAt: start, By: l.By, WorkerID: l.WorkerID,
		ProjectID: l.ProjectID, TownCode: town, ContractorID: contractor, AmountClaimedFen: l.Amount, WorkersClaimed: max(l.Workers, 1)}
	return &leadRun{t: t, env: env, f: f, in: in, start: start, starter: starter}
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
	DueEstimated     bool
	Closed           bool
}

func tasks(t *testing.T, r *leadRun) []taskRow {
	t.Helper()
	rows, err := r.f.Pool.Query(context.Background(), `SELECT key, kind, actor, due_at, reminded_at, overdue, closed_at IS NOT NULL, due_estimated
		FROM case_tasks WHERE lead_id = $1 ORDER BY id`, r.in.LeadID)
	require.NoError(t, err)
	defer rows.Close()
	var out []taskRow
	for rows.Next() {
		var x taskRow
		require.NoError(t, rows.Scan(&x.Key, &x.Kind, &x.Actor, &x.Due, &x.Reminded, &x.Overdue, &x.Closed, &x.DueEstimated))
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
func num(v int) *int     { return &v }

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

// A 60-working-day handling limit across the National Day holidays: the
// reminder, the overdue step with the city's supervision task, and the
// listing ten working days later, each at its exact moment.
func TestLeadHandlingDeadlineLadder(t *testing.T) {
	start := cst(2026, 9, 21, 9) // Monday 21 September 2026 (the 20th, a Sunday, was worked)
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 500_000})
	accept := r.act(start.Add(time.Hour), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	// 60 working days after the 21st: 22–24 Sep, 28–30 Sep, 8–9 Oct,
	// Saturday 10 Oct (worked), then whole weeks to Monday 21 December.
	beforeDue := r.probe(cst(2026, 12, 21, 23))
	afterDue := r.probe(cst(2026, 12, 22, 1))
	// listed 10 working days after the 21st: 22 Dec … 4 Jan 2027 (the
	// calendar holds no 2027 arrangement yet: weekdays only)
	beforeListed := r.probe(cst(2027, 1, 4, 23))
	afterListed := r.probe(cst(2027, 1, 5, 1))
	r.stopAt(cst(2027, 1, 6, 0))
	r.run()

	st := ok(t, accept)
	sameTime(t, cst(2026, 12, 22, 0), st.HandleDue, "handling due at the end of 21 December")
	assert.False(t, beforeDue.Overdue)
	assert.Equal(t, cases.SupervisionNone, beforeDue.Supervision)
	assert.True(t, afterDue.Overdue)
	assert.Equal(t, cases.Supervised, afterDue.Supervision)
	assert.Equal(t, cases.Supervised, beforeListed.Supervision)
	assert.Equal(t, cases.Listed, afterListed.Supervision)

	evs := events(t, r)
	// between overdue and list: the city's own supervise task (5 working
	// days from 22 December: 23–25, 28, 29) is reminded and overdue
	require.Equal(t, []string{"intake", "accept", "remind", "overdue", "remind", "overdue", "list"}, actions(evs))
	assert.True(t, cst(2026, 12, 19, 0).Equal(evs[2].At), "reminded when the 59th working day ends: %s", evs[2].At)
	assert.True(t, cst(2026, 12, 22, 0).Equal(evs[3].At), "overdue at the end of the limit: %s", evs[3].At)
	assert.True(t, cst(2026, 12, 29, 0).Equal(evs[4].At), "supervision reminded: %s", evs[4].At)
	assert.True(t, cst(2026, 12, 30, 0).Equal(evs[5].At), "supervision overdue: %s", evs[5].At)
	assert.True(t, cst(2027, 1, 5, 0).Equal(evs[6].At), "listed: %s", evs[6].At)
	assert.Equal(t, "handle_remind: 期限届满前1个工作日提醒", evs[2].Rule)
	assert.Equal(t, "handle_overdue: 未在60个工作日内办结，转市级督办", evs[3].Rule)
	assert.Equal(t, "supervise_remind: 期限届满前1个工作日提醒", evs[4].Rule)
	assert.Equal(t, "supervise_overdue: 市级未在5个工作日内督办", evs[5].Rule)
	assert.Equal(t, "handle_listed: 逾期10个工作日仍未办结，挂牌督办", evs[6].Rule)
	for _, e := range evs[2:] {
		assert.Nil(t, e.Actor, "escalations are the system's")
		assert.Equal(t, "system", e.Role)
	}
	_, _, overdue, supervision := leadRow(t, r)
	assert.True(t, overdue)
	assert.Equal(t, "listed", supervision)
	ts := tasks(t, r)
	assert.Equal(t, []string{"town:investigate", "city:supervise"}, openKinds(ts))
	for _, x := range ts {
		if x.Kind == cases.TaskInvestigate {
			assert.True(t, x.Overdue)
			assert.NotNil(t, x.Reminded)
		}
	}
}

// A town that does not accept within 5 working days (the Spring Festival
// in between) is overdue and supervised; accepting late clears overdue
// and starts the handling limit; the city supervises by hand.
func TestLeadAcceptOverdue(t *testing.T) {
	start := cst(2026, 2, 13, 16) // Friday before the Spring Festival
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project2, WorkerID: f.Worker, Amount: 300_000})
	initial := r.probe(start.Add(time.Minute))
	overdue := r.probe(cst(2026, 2, 28, 9))
	supervise := r.act(cst(2026, 3, 2, 9), workflows.ActSupervise, workflows.ActionInput{Actor: f.City, Level: cases.Supervised, Note: "请于三日内签收并核查"})
	accept := r.act(cst(2026, 3, 2, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	r.stopAt(cst(2026, 3, 3, 0))
	r.run()

	// Saturday the 14th (worked) is the first working day; the 15th–23rd
	// are the holiday; then the 24th, 25th, 26th, 27th.
	sameTime(t, cst(2026, 2, 28, 0), initial.AcceptDue, "accept due at the end of 27 February")
	assert.True(t, overdue.Overdue)
	assert.Equal(t, cases.Supervised, overdue.Supervision)
	st := ok(t, supervise)
	assert.Equal(t, cases.Supervised, st.Supervision)
	st = ok(t, accept)
	assert.False(t, st.Overdue, "accepted: the acceptance limit no longer runs")
	assert.Equal(t, cases.Supervised, st.Supervision, "supervision stays")
	evs := events(t, r)
	assert.Equal(t, []string{"intake", "remind", "overdue", "supervise", "accept"}, actions(evs))
	assert.Equal(t, "accept_overdue: 未在5个工作日内签收，转市级督办", evs[2].Rule)
	assert.Equal(t, []string{"town:investigate"}, openKinds(tasks(t, r)), "the city's supervision task was done by supervising")
}

// The worker does not answer within 5 working days: silence confirms.
// A major case (10 workers) then needs the city's review; the city sends
// it back once, then approves.
func TestLeadSilenceConfirmsAndMajorReview(t *testing.T) {
	start := cst(2026, 6, 1, 9)
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 2_000_000, Workers: 10})
	initial := r.probe(start.Add(time.Minute))
	r.act(cst(2026, 6, 2, 9), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	rep := workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull, AmountRecoveredFen: fen(2_000_000),
		WorkersCovered: num(10), Note: "已足额支付"}
	report := r.act(cst(2026, 6, 3, 9), workflows.ActReport, rep)
	// confirm due: 5 working days after 3 June = 4, 5, 8, 9, 10 June
	inReview := r.probe(cst(2026, 6, 11, 1))
	sendBack := r.act(cst(2026, 6, 11, 9), workflows.ActSendBack, workflows.ActionInput{Actor: f.City, Note: "请补充支付凭证"})
	report2 := r.act(cst(2026, 6, 12, 9), workflows.ActReport, rep)
	confirm := r.act(cst(2026, 6, 12, 10), workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	approve := r.act(cst(2026, 6, 12, 11), workflows.ActApprove, workflows.ActionInput{Actor: f.City, Note: "同意结案"})
	final := r.run()
	require.NoError(t, r.env.GetWorkflowError())

	assert.True(t, initial.Major)
	sameTime(t, cst(2026, 6, 11, 0), ok(t, report).ConfirmDue, "confirm due")
	assert.Equal(t, cases.Review, inReview.Status)
	assert.Equal(t, cases.Investigating, ok(t, sendBack).Status)
	assert.Equal(t, 1, ok(t, sendBack).Reopened)
	assert.Equal(t, cases.Confirming, ok(t, report2).Status)
	assert.Equal(t, cases.Review, ok(t, confirm).Status)
	assert.Equal(t, cases.Closed, ok(t, approve).Status)
	assert.Equal(t, cases.Closed, final.Status)
	evs := events(t, r)
	assert.Equal(t, []string{"intake", "accept", "reportResult", "remind", "confirm", "sendBack", "reportResult", "confirm", "approve"}, actions(evs))
	assert.Equal(t, "confirm_silence: 5个工作日内未答复，视为确认", evs[4].Rule)
	assert.Nil(t, evs[4].Actor)
}

// The worker disputes the result: the lead reopens with the town, the
// handling limit still running; the town extends it once, orders the
// enterprise to rectify; the enterprise misses its limit; the town
// rejects the evidence once; a second report of the same worker is
// linked.
func TestLeadDisputeExtendRectify(t *testing.T) {
	start := cst(2026, 7, 1, 9)
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 800_000})
	day := func(m time.Month, d, h int) time.Time { return cst(2026, m, d, h) }
	r.act(day(7, 1, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	r.act(day(7, 2, 10), workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.NotFounded, Note: "经查不属实"})
	dispute := r.act(day(7, 3, 10), workflows.ActDispute, workflows.ActionInput{Actor: f.WorkerActor, Note: "工资确实未发"})
	extend := r.act(day(7, 6, 10), workflows.ActExtend, workflows.ActionInput{Actor: f.Officer1, Note: "需调取银行流水"})
	extendAgain := r.act(day(7, 6, 11), workflows.ActExtend, workflows.ActionInput{Actor: f.Officer1, Note: "再次延期"})
	link := r.act(day(7, 6, 12), workflows.ActLinkReport, workflows.ActionInput{Actor: f.WorkerActor, Note: "再次反映：仍未支付", AmountClaimedFen: 100_000, WorkersClaimed: 1})
	order := r.act(day(7, 7, 10), workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, EnterpriseID: f.Contractor1, Note: "三日内支付", DueDays: 3})
	// 3 working days after 7 July: 8, 9, 10 → overdue at the end of the 10th
	afterRectifyDue := r.probe(day(7, 11, 1))
	submit := r.act(day(7, 13, 9), workflows.ActSubmit, workflows.ActionInput{Actor: f.Manager1, EvidenceIDs: []int64{7}, AmountPaidFen: fen(400_000)})
	reject := r.act(day(7, 13, 15), workflows.ActReject, workflows.ActionInput{Actor: f.Officer1, Note: "只支付了一半"})
	r.stopAt(day(7, 14, 0))
	r.run()

	st := ok(t, dispute)
	assert.Equal(t, cases.Investigating, st.Status)
	assert.Equal(t, 1, st.Reopened)
	assert.Empty(t, st.ClosureCode, "the disputed result is withdrawn")
	handleDue := *st.HandleDue
	st = ok(t, extend)
	assert.True(t, st.Extended)
	// 60 working days after 1 July end on 22 September (the Mid-Autumn
	// holiday is later); 30 more: 23–24 Sep, 28–30 Sep, 8–9 Oct, 10 Oct
	// (worked), 12 Oct … 6 Nov, 9–10 Nov
	sameTime(t, cst(2026, 9, 23, 0), &handleDue, "handling due before the extension")
	sameTime(t, cst(2026, 11, 11, 0), st.HandleDue, "after the extension")
	refused(t, extendAgain, workflows.RefusedAgain, "")
	assert.Equal(t, 1, ok(t, link).LinkedReports)
	assert.Equal(t, cases.Rectifying, ok(t, order).Status)
	assert.Equal(t, cases.Rectifying, afterRectifyDue.Status)
	var kinds []string
	for _, x := range afterRectifyDue.Tasks {
		kinds = append(kinds, x.Actor+":"+x.Kind)
		if x.Actor == cases.ActorEnterprise {
			assert.True(t, x.Overdue)
		}
	}
	assert.Equal(t, []string{"enterprise:rectify", "town:investigate"}, kinds, "the town must act on the missed limit")
	assert.Equal(t, cases.Verifying, ok(t, submit).Status, "the project's labour manager may submit")
	st = ok(t, reject)
	assert.Equal(t, cases.Rectifying, st.Status)
	sameTime(t, cst(2026, 7, 28, 0), st.RectifyDue, "the policy's 10 working days from 13 July")
	evs := events(t, r)
	assert.Equal(t, []string{"intake", "accept", "reportResult", "dispute", "extend", "linkReport", "orderRectification",
		"remind", "overdue", "submitEvidence", "rejectEvidence"}, actions(evs))
	assert.Equal(t, "rectify_remind: 期限届满前1个工作日提醒", evs[7].Rule)
	assert.Equal(t, "rectify_overdue: 企业未在3个工作日内完成整改", evs[8].Rule)
}

// An unknown project goes to the city for triage; the city dispatches,
// the town returns it, the city dispatches to another town and later
// transfers it back.
func TestLeadTriageReturnTransfer(t *testing.T) {
	start := cst(2026, 3, 2, 9)
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{WorkerID: f.Worker, Amount: 100_000, By: f.Officer1, Source: cases.SourceHotline})
	initial := r.probe(start.Add(time.Minute))
	d1 := r.act(cst(2026, 3, 2, 10), workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town2})
	ret := r.act(cst(2026, 3, 2, 11), workflows.ActReturn, workflows.ActionInput{Actor: f.Officer2, Note: "项目不在本街道"})
	d2 := r.act(cst(2026, 3, 2, 12), workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town1})
	tr := r.act(cst(2026, 3, 3, 9), workflows.ActTransfer, workflows.ActionInput{Actor: f.City, TownCode: f.Town2, Note: "经核实属下城街道"})
	acc := r.act(cst(2026, 3, 3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	r.stopAt(cst(2026, 3, 4, 0))
	r.run()

	assert.Equal(t, cases.Triage, initial.Status)
	assert.Equal(t, []string{"city:triage"}, taskKinds(initial.Tasks))
	assert.Equal(t, f.Town2, ok(t, d1).TownCode)
	st := ok(t, ret)
	assert.Equal(t, cases.Triage, st.Status)
	assert.Empty(t, st.TownCode)
	assert.Equal(t, f.Town1, ok(t, d2).TownCode)
	st = ok(t, tr)
	assert.Equal(t, cases.Dispatched, st.Status)
	assert.Equal(t, f.Town2, st.TownCode)
	assert.Equal(t, []string{"town:accept"}, taskKinds(st.Tasks))
	assert.Equal(t, f.Town2, st.Tasks[0].TownCode)
	assert.Equal(t, cases.Investigating, ok(t, acc).Status)
	evs := events(t, r)
	assert.Equal(t, "triage_unknown_project: 项目不明，转市级分流", evs[0].Rule)
	assert.Equal(t, []string{"intake", "dispatch", "return", "dispatch", "transfer", "accept"}, actions(evs))
}

func taskKinds(ts []cases.Task) []string {
	out := []string{}
	for _, x := range ts {
		out = append(out, x.Actor+":"+x.Kind)
	}
	return out
}

// Every refusal of the validators, in the state where it applies: the
// wrong actor, the wrong state, a missing or wrong field. A refused
// update changes nothing (the step counter stays).
func TestLeadRefusals(t *testing.T) {
	start := cst(2026, 4, 7, 9)
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 100_000})
	minute := 0
	next := func() time.Time { minute++; return start.Add(time.Duration(minute) * time.Minute) }
	type refusal struct {
		res         *result
		code, field string
	}
	var all []refusal
	no := func(name string, in workflows.ActionInput, code, field string) {
		all = append(all, refusal{r.act(next(), name, in), code, field})
	}
	A := workflows.ActionInput{}
	as := func(a cases.Actor, mod ...func(*workflows.ActionInput)) workflows.ActionInput {
		in := A
		in.Actor = a
		for _, m := range mod {
			m(&in)
		}
		return in
	}
	note := func(n string) func(*workflows.ActionInput) { return func(in *workflows.ActionInput) { in.Note = n } }
	town := func(c string) func(*workflows.ActionInput) {
		return func(in *workflows.ActionInput) { in.TownCode = c }
	}

	// dispatched to town 1
	no(workflows.ActAccept, as(f.Officer2), workflows.RefusedActor, "")
	no(workflows.ActAccept, as(f.City), workflows.RefusedActor, "")
	no(workflows.ActAccept, as(f.WorkerActor), workflows.RefusedActor, "")
	no(workflows.ActReturn, as(f.Officer1), workflows.RefusedInput, "note")
	no(workflows.ActOrderRectify, as(f.Officer1, note("整改")), workflows.RefusedState, "")
	no(workflows.ActDispatch, as(f.City, town(f.Town2)), workflows.RefusedState, "")
	no(workflows.ActTransfer, as(f.City, town(f.Town1), note("转办")), workflows.RefusedInput, "town_code")
	no(workflows.ActTransfer, as(f.City, town(f.Town2)), workflows.RefusedInput, "note")
	no(workflows.ActTransfer, as(f.City, note("转办")), workflows.RefusedInput, "town_code")
	no(workflows.ActSupervise, as(f.City, note("督办"), func(in *workflows.ActionInput) { in.Level = "urgent" }), workflows.RefusedInput, "level")
	no(workflows.ActConfirm, as(f.WorkerActor), workflows.RefusedState, "")
	no(workflows.ActApprove, as(f.City), workflows.RefusedState, "")
	no(workflows.ActLinkReport, as(cases.System, note("x")), workflows.RefusedActor, "")
	no(workflows.ActLinkReport, as(f.WorkerActor), workflows.RefusedInput, "note")
	seqDispatched := r.probe(next())
	r.act(next(), workflows.ActAccept, as(f.Officer1))
	// investigating
	no(workflows.ActReport, as(f.Officer1, note("结果"), func(in *workflows.ActionInput) { in.ClosureCode = "settled" }), workflows.RefusedInput, "closure_code")
	no(workflows.ActReport, as(f.Officer1, note("结果"), func(in *workflows.ActionInput) { in.ClosureCode = cases.PaidInFull }), workflows.RefusedInput, "amount_recovered_fen")
	no(workflows.ActReport, as(f.Officer1, note("结果"), func(in *workflows.ActionInput) {
		in.ClosureCode, in.AmountRecoveredFen = cases.PaidInFull, fen(100)
	}), workflows.RefusedInput, "workers_covered")
	no(workflows.ActReport, as(f.Officer1, func(in *workflows.ActionInput) {
		in.ClosureCode, in.AmountRecoveredFen, in.WorkersCovered = cases.PaidInPart, fen(100), num(1)
	}), workflows.RefusedInput, "note")
	no(workflows.ActReport, as(f.Officer1, note("结果"), func(in *workflows.ActionInput) {
		in.ClosureCode, in.AmountRecoveredFen = cases.NotFounded, fen(-1)
	}), workflows.RefusedInput, "amount_recovered_fen")
	no(workflows.ActOrderRectify, as(f.Officer1, note("整改"), func(in *workflows.ActionInput) { in.DueDays = 400 }), workflows.RefusedInput, "due_days")
	no(workflows.ActOrderRectify, as(f.Officer1), workflows.RefusedInput, "note")
	no(workflows.ActSubmit, as(f.Enterprise1), workflows.RefusedActor, "")
	no(workflows.ActExtend, as(f.Officer1), workflows.RefusedInput, "note")
	no(workflows.ActExtend, as(f.Officer1b, note("x")), workflows.RefusedInput, "note")
	no(workflows.ActAccept, as(f.Officer1), workflows.RefusedState, "")
	no(workflows.ActReturn, as(f.Officer1, note("不属于本街道")), workflows.RefusedState, "")
	r.act(next(), workflows.ActOrderRectify, as(f.Officer1b, note("限期支付")))
	// rectifying
	paid := func(in *workflows.ActionInput) { in.AmountPaidFen = fen(100_000); in.EvidenceIDs = []int64{1} }
	no(workflows.ActSubmit, as(f.Enterprise2, paid), workflows.RefusedActor, "")
	no(workflows.ActSubmit, as(f.OtherActor, paid), workflows.RefusedActor, "")
	no(workflows.ActSubmit, as(f.Officer1, paid), workflows.RefusedActor, "")
	no(workflows.ActSubmit, as(f.Enterprise1, func(in *workflows.ActionInput) { in.AmountPaidFen = fen(1) }), workflows.RefusedInput, "evidence_ids")
	no(workflows.ActSubmit, as(f.Enterprise1, func(in *workflows.ActionInput) { in.EvidenceIDs = []int64{1} }), workflows.RefusedInput, "amount_paid_fen")
	no(workflows.ActReject, as(f.Officer1, note("不足")), workflows.RefusedState, "")
	r.act(next(), workflows.ActSubmit, as(f.Enterprise1, paid))
	r.act(next(), workflows.ActReport, as(f.Officer1, note("已支付"), func(in *workflows.ActionInput) {
		in.ClosureCode, in.AmountRecoveredFen, in.WorkersCovered = cases.PaidInFull, fen(100_000), num(1)
	}))
	// confirming
	no(workflows.ActConfirm, as(f.OtherActor), workflows.RefusedActor, "")
	no(workflows.ActConfirm, as(f.Officer2, note("电话确认")), workflows.RefusedActor, "")
	no(workflows.ActConfirm, as(f.Officer1), workflows.RefusedInput, "note")
	no(workflows.ActDispute, as(f.WorkerActor), workflows.RefusedInput, "note")
	no(workflows.ActExtend, as(f.Officer1, note("延期")), workflows.RefusedState, "")
	no(workflows.ActSupervise, as(f.City, note("督办"), func(in *workflows.ActionInput) { in.Level = cases.Supervised }), workflows.RefusedState, "")
	seqConfirming := r.probe(next())
	confirm := r.act(next(), workflows.ActConfirm, as(f.Officer1, note("电话确认已收到")))
	final := r.run()
	require.NoError(t, r.env.GetWorkflowError())

	for _, x := range all {
		refused(t, x.res, x.code, x.field)
	}
	assert.Equal(t, 1, seqDispatched.Seq, "refusals are no steps")
	assert.Equal(t, 5, seqConfirming.Seq)
	assert.Equal(t, cases.Closed, ok(t, confirm).Status, "a town officer may record the worker's confirmation with how it was obtained")
	assert.Equal(t, 6, final.Seq)
	assert.Len(t, events(t, r), 6)
}
