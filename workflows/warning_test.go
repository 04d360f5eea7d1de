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

// The warning workflow in the SDK's test environment with time skipping,
// against its real activities and a real test database.

type warningRun struct {
	t     *testing.T
	env   *testsuite.TestWorkflowEnvironment
	f     *casetest.Fixture
	in    workflows.WarningInput
	start time.Time
	n     int
}

// warningOpts shape the warning a test records.
type warningOpts struct {
	rule         string // default payroll_unpaid
	level        string // default orange
	noEnterprise bool   // no enterprise to answer
	atCity       bool
}

// newWarningRun records a warning about the fixture's Project1 (town
// Town1, contractor Contractor1) as the scan does, raised at start.
func newWarningRun(t *testing.T, start time.Time, o warningOpts) *warningRun {
	t.Helper()
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetTestTimeout(30 * time.Second)
	env.RegisterWorkflow(workflows.WarningWorkflow)
	env.RegisterActivity(&activities.Activities{DB: f.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if o.rule == "" {
		o.rule = "payroll_unpaid"
	}
	if o.level == "" {
		o.level = "orange"
	}
	var enterprise *int64
	if !o.noEnterprise {
		enterprise = &f.Contractor1
	}
	var id int64
	require.NoError(t, f.Pool.QueryRow(context.Background(), `INSERT INTO warnings (rule_code, rule_version, level, subject_kind,
		project_id, enterprise_id, town_code, period, figures, explanation, key)
		VALUES ($1, 1, $2, 'project', $3, $4, $5, '2026-07', '{"months_unpaid": 2}', '2026年7月工资未发放', $6) RETURNING id`,
		o.rule, o.level, f.Project1, enterprise, f.Town1, fmt.Sprintf("%s/project:%d/2026-07", o.rule, f.Project1)).Scan(&id))
	in := workflows.WarningInput{WarningID: id, By: cases.System, Rule: o.rule, Level: o.level, ProjectID: f.Project1,
		TownCode: f.Town1, AtCity: o.atCity}
	if enterprise != nil {
		in.EnterpriseID = *enterprise
	}
	return &warningRun{t: t, env: env, f: f, start: start, in: in}
}

type warningResult struct {
	name     string
	state    cases.WarningState
	err      error
	answered bool
}

func (r *warningRun) act(at time.Time, name string, in workflows.WarningActionInput) *warningResult {
	res := &warningResult{name: name}
	r.n++
	id := fmt.Sprintf("%s-%d", name, r.n)
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnReject: func(err error) { res.err, res.answered = err, true },
			OnComplete: func(v any, err error) {
				res.err, res.answered = err, true
				if st, ok := v.(cases.WarningState); ok {
					res.state = st
				}
			},
		}, in)
	}, at.Sub(r.start))
	return res
}

func (r *warningRun) probe(at time.Time) *cases.WarningState {
	st := &cases.WarningState{}
	r.env.RegisterDelayedCallback(func() {
		v, err := r.env.QueryWorkflow(workflows.StatusQuery)
		require.NoError(r.t, err)
		require.NoError(r.t, v.Get(st))
	}, at.Sub(r.start))
	return st
}

func (r *warningRun) run() {
	r.env.ExecuteWorkflow(workflows.WarningWorkflow, r.in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	require.NoError(r.t, r.env.GetWorkflowError())
}

func warningOK(t *testing.T, r *warningResult) cases.WarningState {
	t.Helper()
	require.True(t, r.answered, "%s was never answered", r.name)
	require.NoError(t, r.err, r.name)
	return r.state
}

func warningRefused(t *testing.T, r *warningResult, code, field string) {
	t.Helper()
	require.True(t, r.answered, "%s was never answered", r.name)
	ref, ok := workflows.AsRefusal(r.err)
	require.True(t, ok, "%s: %v is a refusal", r.name, r.err)
	assert.Equal(t, code, ref.Code, "%s: %s", r.name, ref.Message)
	assert.Equal(t, field, ref.Field, r.name)
	assert.NotEmpty(t, ref.Message)
}

func (r *warningRun) events() []string {
	rows, err := r.f.Pool.Query(context.Background(), `SELECT action || ':' || to_status FROM warning_events
		WHERE warning_id = $1 ORDER BY seq`, r.in.WarningID)
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

func (r *warningRun) openTasks() []string {
	rows, err := r.f.Pool.Query(context.Background(), `SELECT actor || ':' || kind FROM case_tasks
		WHERE warning_id = $1 AND closed_at IS NULL ORDER BY id`, r.in.WarningID)
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

type warningRow struct {
	status, level, resolution, answer string
	evidence                          []int64
	lead                              *int64
	overdue, closed                   bool
	seq                               int
}

func (r *warningRun) row() warningRow {
	var w warningRow
	require.NoError(r.t, r.f.Pool.QueryRow(context.Background(), `SELECT status, level, resolution, answer, evidence_ids,
		lead_id, overdue, closed_at IS NOT NULL, seq FROM warnings WHERE id = $1`, r.in.WarningID).Scan(&w.status, &w.level,
		&w.resolution, &w.answer, &w.evidence, &w.lead, &w.overdue, &w.closed, &w.seq))
	return w
}

// The project's labour manager answers for the contractor with evidence;
// the town accepts the answer and the warning closes.
func TestWarningAnswerAccepted(t *testing.T) {
	start := cst(2026, 9, 1, 9) // a Tuesday
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	h := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	first := r.probe(h(1))
	ans := r.act(h(24), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Manager1,
		Note: "7月工资已于9月2日通过专户补发", EvidenceIDs: []int64{11, 12}})
	mid := r.probe(h(25))
	acc := r.act(h(48), workflows.WarningAccept, workflows.WarningActionInput{Actor: f.Officer1, Note: "经核实已足额补发"})
	r.run()

	assert.Equal(t, cases.WarningAnswering, first.Status)
	require.Len(t, first.Tasks, 1)
	tk := first.Tasks[0]
	assert.Equal(t, cases.TaskWarningAnswer, tk.Kind)
	assert.Equal(t, cases.ActorEnterprise, tk.Actor)
	assert.Equal(t, f.Contractor1, tk.EnterpriseID)
	require.NotNil(t, tk.DueAt)
	assert.True(t, tk.DueAt.After(start.AddDate(0, 0, 6)), "5 working days (%s)", tk.DueAt)
	require.NotNil(t, first.DueAt)
	st := warningOK(t, ans)
	assert.Equal(t, cases.WarningVerifying, st.Status)
	assert.Equal(t, []int64{11, 12}, st.EvidenceIDs)
	require.Len(t, mid.Tasks, 1)
	assert.Equal(t, cases.TaskWarningVerify, mid.Tasks[0].Kind)
	assert.Equal(t, f.Town1, mid.Tasks[0].TownCode)
	st = warningOK(t, acc)
	assert.Equal(t, cases.WarningClosed, st.Status)
	assert.Equal(t, "经核实已足额补发", st.Resolution)
	assert.Empty(t, st.Tasks)

	assert.Equal(t, []string{"create:answering", "answer:verifying", "acceptAnswer:closed"}, r.events())
	assert.Empty(t, r.openTasks())
	row := r.row()
	assert.Equal(t, "closed", row.status)
	assert.Equal(t, "经核实已足额补发", row.resolution)
	assert.Equal(t, "7月工资已于9月2日通过专户补发", row.answer)
	assert.Equal(t, []int64{11, 12}, row.evidence)
	assert.True(t, row.closed)
	assert.Equal(t, 3, row.seq)
}

// The town rejects the answer and handles the warning itself, then
// closes it.
func TestWarningAnswerRejected(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	h := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	ans := r.act(h(2), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "正在筹措资金"})
	rej := r.act(h(3), workflows.WarningReject, workflows.WarningActionInput{Actor: f.Officer1, Note: "未提供发放凭证"})
	cl := r.act(h(30), workflows.WarningClose, workflows.WarningActionInput{Actor: f.Officer1, Note: "现场督促，工资已全部发放"})
	r.run()

	warningOK(t, ans)
	st := warningOK(t, rej)
	assert.Equal(t, cases.WarningEscalatedTown, st.Status)
	assert.Equal(t, 1, st.Escalations)
	require.Len(t, st.Tasks, 1)
	assert.Equal(t, cases.TaskWarningVerify, st.Tasks[0].Kind)
	require.NotNil(t, st.Tasks[0].DueAt, "the town's own deadline")
	st = warningOK(t, cl)
	assert.Equal(t, cases.WarningClosed, st.Status)
	assert.Equal(t, []string{"create:answering", "answer:verifying", "rejectAnswer:escalated_town", "close:closed"}, r.events())
	assert.Empty(t, r.openTasks())
}

// Silence climbs the ladder: the enterprise's deadline passes to the
// town, the town's to the city, the city's marks the warning overdue.
// Once with the city, only the city closes it.
func TestWarningEscalation(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	atTown := r.probe(cst(2026, 9, 10, 9))
	atCity := r.probe(cst(2026, 9, 17, 9))
	overdue := r.probe(cst(2026, 9, 25, 9))
	townClose := r.act(cst(2026, 9, 28, 9), workflows.WarningClose, workflows.WarningActionInput{Actor: f.Officer1, Note: "已处理"})
	late := r.act(cst(2026, 9, 28, 10), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "补充说明"})
	cl := r.act(cst(2026, 9, 28, 11), workflows.WarningClose, workflows.WarningActionInput{Actor: f.City, Note: "市级约谈企业，工资已发放"})
	r.run()

	assert.Equal(t, cases.WarningEscalatedTown, atTown.Status)
	require.Len(t, atTown.Tasks, 1)
	assert.Equal(t, "town:"+cases.TaskWarningVerify, atTown.Tasks[0].Actor+":"+atTown.Tasks[0].Kind)
	assert.False(t, atTown.Overdue)
	assert.Equal(t, cases.WarningEscalatedCity, atCity.Status)
	require.Len(t, atCity.Tasks, 1)
	assert.Equal(t, "city:"+cases.TaskWarningReview, atCity.Tasks[0].Actor+":"+atCity.Tasks[0].Kind)
	assert.Equal(t, 2, atCity.Escalations)
	assert.True(t, overdue.Overdue)
	require.Len(t, overdue.Tasks, 1)
	assert.True(t, overdue.Tasks[0].Overdue)
	assert.NotNil(t, overdue.Tasks[0].RemindedAt)
	warningRefused(t, townClose, workflows.WarningRefusedActor, "")
	warningRefused(t, late, workflows.WarningRefusedState, "")
	st := warningOK(t, cl)
	assert.Equal(t, cases.WarningClosed, st.Status)
	assert.Equal(t, []string{"create:answering", "remind:answering", "overdue:escalated_town", "remind:escalated_town",
		"overdue:escalated_city", "remind:escalated_city", "overdue:escalated_city", "close:closed"}, r.events())
	assert.Empty(t, r.openTasks())
	// the workflow has ended; the API refuses on the projected row
	spec, _ := workflows.WarningActions().Find(workflows.WarningClose)
	assert.Equal(t, workflows.WarningRefusedClosed,
		workflows.PrecheckWarning(spec, f.City, cases.WarningClosed, cases.Parties{}).Code)
}

// A warning with no enterprise to answer starts with the town, which
// converts it into an arrears lead.
func TestWarningConvertToLead(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{noEnterprise: true})
	f := r.f
	lead, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, Amount: 500000, Workers: 12, At: start, By: f.Officer1})
	first := r.probe(start.Add(time.Hour))
	answer := r.act(start.Add(2*time.Hour), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "说明"})
	noLead := r.act(start.Add(3*time.Hour), workflows.WarningConvert, workflows.WarningActionInput{Actor: f.Officer1})
	conv := r.act(start.Add(4*time.Hour), workflows.WarningConvert, workflows.WarningActionInput{Actor: f.Officer1, LeadID: lead})
	r.run()

	assert.Equal(t, cases.WarningEscalatedTown, first.Status)
	assert.Equal(t, 0, first.Escalations)
	require.Len(t, first.Tasks, 1)
	assert.Equal(t, cases.TaskWarningVerify, first.Tasks[0].Kind)
	warningRefused(t, answer, workflows.WarningRefusedActor, "")
	warningRefused(t, noLead, workflows.WarningRefusedInput, "lead_id")
	st := warningOK(t, conv)
	assert.Equal(t, cases.WarningConverted, st.Status)
	assert.Equal(t, lead, st.LeadID)
	row := r.row()
	assert.Equal(t, "converted", row.status)
	require.NotNil(t, row.lead)
	assert.Equal(t, lead, *row.lead)
	assert.NotEmpty(t, row.resolution)
	assert.Equal(t, []string{"create:escalated_town", "convertToLead:converted"}, r.events())
	assert.Empty(t, r.openTasks())
}

// The scan raises the level of a persisting condition and resolves one
// that cleared; nobody else may.
func TestWarningRaiseAndResolve(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{level: "yellow"})
	f := r.f
	h := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	byOfficer := r.act(h(1), workflows.WarningRaise, workflows.WarningActionInput{Actor: f.Officer1, Level: "red"})
	badLevel := r.act(h(2), workflows.WarningRaise, workflows.WarningActionInput{Actor: cases.System, Level: "purple"})
	raise := r.act(h(3), workflows.WarningRaise, workflows.WarningActionInput{Actor: cases.System, Level: "orange"})
	lower := r.act(h(4), workflows.WarningRaise, workflows.WarningActionInput{Actor: cases.System, Level: "yellow"})
	noWhy := r.act(h(5), workflows.WarningResolve, workflows.WarningActionInput{Actor: cases.System})
	resolve := r.act(h(6), workflows.WarningResolve, workflows.WarningActionInput{Actor: cases.System, Note: "复查时7月工资已发放"})
	r.run()

	warningRefused(t, byOfficer, workflows.WarningRefusedActor, "")
	warningRefused(t, badLevel, workflows.WarningRefusedInput, "level")
	assert.Equal(t, "orange", warningOK(t, raise).Level)
	warningRefused(t, lower, workflows.WarningRefusedState, "")
	warningRefused(t, noWhy, workflows.WarningRefusedInput, "note")
	st := warningOK(t, resolve)
	assert.Equal(t, cases.WarningClosed, st.Status)
	assert.Equal(t, "复查时7月工资已发放", st.Resolution)
	row := r.row()
	assert.Equal(t, "orange", row.level)
	assert.Equal(t, "closed", row.status)
	assert.Equal(t, []string{"create:answering", "raiseLevel:answering", "resolve:closed"}, r.events())
	assert.Empty(t, r.openTasks())
}

// A red warning of group arrears starts with the city.
func TestWarningAtCity(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{rule: "group_arrears", level: "red", atCity: true})
	f := r.f
	first := r.probe(start.Add(time.Hour))
	cl := r.act(start.Add(2*time.Hour), workflows.WarningClose, workflows.WarningActionInput{Actor: f.City, Note: "已会同镇街处置"})
	r.run()

	assert.Equal(t, cases.WarningEscalatedCity, first.Status)
	require.Len(t, first.Tasks, 1)
	assert.Equal(t, cases.TaskWarningReview, first.Tasks[0].Kind)
	assert.Equal(t, cases.WarningClosed, warningOK(t, cl).Status)
	assert.Equal(t, []string{"create:escalated_city", "close:closed"}, r.events())
}

// Who may do what, and the actor is refused before the input is looked
// at.
func TestWarningRefusals(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	h := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	otherEnt := r.act(h(1), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise2}) // no note either
	byTown := r.act(h(2), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Officer1, Note: "代为说明"})
	noNote := r.act(h(3), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1})
	badEvidence := r.act(h(4), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "已发放",
		EvidenceIDs: []int64{-1}})
	early := r.act(h(5), workflows.WarningAccept, workflows.WarningActionInput{Actor: f.Officer1, Note: "通过"})
	closeEarly := r.act(h(6), workflows.WarningClose, workflows.WarningActionInput{Actor: f.Officer1, Note: "办结"})
	cityClose := r.act(h(7), workflows.WarningClose, workflows.WarningActionInput{Actor: f.City, Note: "办结"})
	ans := r.act(h(8), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "已发放"})
	again := r.act(h(9), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "再次说明"})
	otherTown := r.act(h(10), workflows.WarningAccept, workflows.WarningActionInput{Actor: f.Officer2, Note: "通过"})
	rejectNoNote := r.act(h(11), workflows.WarningReject, workflows.WarningActionInput{Actor: f.Officer1})
	acc := r.act(h(12), workflows.WarningAccept, workflows.WarningActionInput{Actor: f.Officer1b, Note: "经核实属实"})
	r.run()

	warningRefused(t, otherEnt, workflows.WarningRefusedActor, "")
	warningRefused(t, byTown, workflows.WarningRefusedActor, "")
	warningRefused(t, noNote, workflows.WarningRefusedInput, "note")
	warningRefused(t, badEvidence, workflows.WarningRefusedInput, "evidence_ids")
	warningRefused(t, early, workflows.WarningRefusedState, "")
	warningRefused(t, closeEarly, workflows.WarningRefusedState, "")
	warningRefused(t, cityClose, workflows.WarningRefusedActor, "")
	warningOK(t, ans)
	warningRefused(t, again, workflows.WarningRefusedState, "")
	warningRefused(t, otherTown, workflows.WarningRefusedActor, "")
	warningRefused(t, rejectNoNote, workflows.WarningRefusedInput, "note")
	assert.Equal(t, cases.WarningClosed, warningOK(t, acc).Status)
}

// A town that does not verify an answer in time passes the warning to
// the city, which converts it into a lead.
func TestWarningVerifySilence(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	lead, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, Amount: 300000, Workers: 5, At: start, By: f.City})
	ans := r.act(start.Add(2*time.Hour), workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "已发放"})
	atCity := r.probe(cst(2026, 9, 10, 9))
	townConv := r.act(cst(2026, 9, 10, 10), workflows.WarningConvert, workflows.WarningActionInput{Actor: f.Officer1, LeadID: lead})
	conv := r.act(cst(2026, 9, 10, 11), workflows.WarningConvert, workflows.WarningActionInput{Actor: f.City, LeadID: lead,
		Note: "企业说明不实，转线索查处"})
	r.run()

	warningOK(t, ans)
	assert.Equal(t, cases.WarningEscalatedCity, atCity.Status)
	assert.Equal(t, 1, atCity.Escalations)
	require.Len(t, atCity.Tasks, 1)
	assert.Equal(t, cases.TaskWarningReview, atCity.Tasks[0].Kind)
	warningRefused(t, townConv, workflows.WarningRefusedActor, "")
	st := warningOK(t, conv)
	assert.Equal(t, cases.WarningConverted, st.Status)
	assert.Equal(t, "企业说明不实，转线索查处", st.Resolution)
	assert.Equal(t, []string{"create:answering", "answer:verifying", "remind:verifying", "overdue:escalated_city",
		"convertToLead:converted"}, r.events())
	assert.Empty(t, r.openTasks())
}
