package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/workflows"
)

// Spring2027 is a 2027 holiday arrangement for the tests (the State
// Council's is not published yet): New Year's Day, and the Spring Festival
// from Saturday 6 to Sunday 14 February with Sunday 31 January and
// Saturday 20 February worked.
func Spring2027(t *testing.T, q *dbq.Queries) {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, q.CalendarYearUpsert(ctx, dbq.CalendarYearUpsertParams{Year: 2027, Source: "测试用2027年节假日安排"}))
	day := func(m time.Month, d int) time.Time { return time.Date(2027, m, d, 0, 0, 0, 0, time.UTC) }
	require.NoError(t, q.CalendarDayInsert(ctx, dbq.CalendarDayInsertParams{Day: day(1, 1), Name: "元旦"}))
	for d := 6; d <= 14; d++ {
		require.NoError(t, q.CalendarDayInsert(ctx, dbq.CalendarDayInsertParams{Day: day(2, d), Name: "春节"}))
	}
	for _, d := range []time.Time{day(1, 31), day(2, 20)} {
		require.NoError(t, q.CalendarDayInsert(ctx, dbq.CalendarDayInsertParams{Day: d, Workday: true, Name: "春节调休上班"}))
	}
}

// changes is the changes of the lead's event seq.
func changes(t *testing.T, r *leadRun, seq int) map[string][2]any {
	t.Helper()
	var raw []byte
	require.NoError(t, r.f.Pool.QueryRow(context.Background(), `SELECT changes FROM lead_events WHERE lead_id = $1 AND seq = $2`,
		r.in.LeadID, seq).Scan(&raw))
	var out map[string][2]any
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

// A lead accepted in December 2026, while 2027's holidays are not
// entered: its handling limit is counted on weekdays (estimated, on the
// lead and on the town's task). The city enters 2027; the signal
// recounts it past the Spring Festival in one `recount` step (old → new
// in its changes), the flag clears, and the ladder climbs at the new
// moments.
func TestLeadRecountAfterCalendarChange(t *testing.T) {
	start := cst(2026, 12, 1, 9) // Tuesday 1 December 2026
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 500_000})
	accept := r.act(start.Add(time.Hour), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	before := r.probe(cst(2026, 12, 10, 9))
	var beforeTasks []taskRow
	r.env.RegisterDelayedCallback(func() { beforeTasks = tasks(t, r) }, cst(2026, 12, 10, 10).Sub(start))
	signalled := cst(2026, 12, 15, 10)
	r.env.RegisterDelayedCallback(func() {
		Spring2027(t, db.Q(f.Pool))
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	}, signalled.Sub(start))
	after := r.probe(signalled.Add(time.Minute))
	// a second signal for the same year changes nothing
	r.env.RegisterDelayedCallback(func() {
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	}, cst(2026, 12, 16, 10).Sub(start))
	r.stopAt(cst(2027, 3, 3, 0))
	r.run()

	// weekdays only: 22 in December (from the 2nd), then 1 January …
	// Tuesday 23 February 2027
	st := ok(t, accept)
	sameTime(t, cst(2027, 2, 24, 0), st.HandleDue, "estimated: weekdays only")
	assert.True(t, st.HandleDueEstimated)
	assert.False(t, st.AcceptDueEstimated, "acceptance was due in 2026")
	assert.True(t, before.HandleDueEstimated)
	require.NotEmpty(t, beforeTasks)
	for _, x := range beforeTasks {
		if x.Kind == cases.TaskInvestigate && !x.Closed {
			assert.True(t, x.DueEstimated, "the town's task shows it too")
		}
	}

	// on the 2027 calendar: 1 January off, 31 January worked, 8–12
	// February off, 20 February worked: Monday 1 March
	sameTime(t, cst(2027, 3, 2, 0), after.HandleDue, "recounted past the Spring Festival")
	assert.False(t, after.HandleDueEstimated)
	evs := events(t, r)
	require.Equal(t, []string{"intake", "accept", "recount", "remind", "overdue"}, actions(evs))
	rc := evs[2]
	assert.Equal(t, "calendar_recount: 2027年节假日安排已录入，期限重新计算", rc.Rule)
	assert.Nil(t, rc.Actor, "the system's step")
	assert.Equal(t, "system", rc.Role)
	assert.True(t, signalled.Equal(rc.At), "taken when the signal came: %s", rc.At)
	ch := changes(t, r, rc.Seq)
	assert.Equal(t, [2]any{"2027-02-23T16:00:00Z", "2027-03-01T16:00:00Z"}, ch["handle_due"])
	assert.Equal(t, [2]any{true, false}, ch["handle_due_estimated"])
	assert.True(t, cst(2027, 2, 27, 0).Equal(evs[3].At), "reminded at the new moment (end of Friday 26 February): %s", evs[3].At)
	assert.True(t, cst(2027, 3, 2, 0).Equal(evs[4].At), "overdue at the new due: %s", evs[4].At)

	var due time.Time
	var estimated bool
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT handle_due, handle_due_estimated FROM leads WHERE id = $1`,
		r.in.LeadID).Scan(&due, &estimated))
	assert.True(t, cst(2027, 3, 2, 0).Equal(due))
	assert.False(t, estimated)
	for _, x := range tasks(t, r) {
		if x.Kind == cases.TaskInvestigate && !x.Closed {
			sameTime(t, cst(2027, 3, 2, 0), x.Due, "the town's task moved with the limit")
			assert.False(t, x.DueEstimated)
		}
	}
}

// A lead whose deadlines do not pass through the year is not moved: no
// step, nothing counted again.
func TestLeadRecountLeavesOtherYears(t *testing.T) {
	start := cst(2026, 3, 2, 9) // Monday 2 March 2026: handled by June
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 500_000})
	accept := r.act(start.Add(time.Hour), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	r.env.RegisterDelayedCallback(func() {
		Spring2027(t, db.Q(f.Pool))
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	}, cst(2026, 3, 10, 10).Sub(start))
	after := r.probe(cst(2026, 3, 10, 11))
	r.stopAt(cst(2026, 3, 20, 0))
	r.run()

	st := ok(t, accept)
	assert.False(t, st.HandleDueEstimated)
	assert.Equal(t, st.Seq, after.Seq, "no step")
	sameTime(t, *st.HandleDue, after.HandleDue, "unchanged")
	assert.Equal(t, []string{"intake", "accept"}, actions(events(t, r)))
}

// A deadline already overdue is not moved back into the future: the
// acceptance limit missed in late December stays missed when 2027 is
// entered (its escalation stands).
func TestLeadRecountKeepsOverdue(t *testing.T) {
	start := cst(2026, 12, 24, 9) // Thursday 24 December 2026: acceptance due 31 December
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 500_000})
	initial := r.probe(start.Add(time.Minute))
	r.env.RegisterDelayedCallback(func() {
		Spring2027(t, db.Q(f.Pool))
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	}, cst(2027, 1, 4, 10).Sub(start))
	after := r.probe(cst(2027, 1, 4, 11))
	r.stopAt(cst(2027, 1, 5, 0))
	r.run()

	assert.True(t, initial.AcceptDueEstimated, "its listing runs into 2027")
	assert.True(t, after.Overdue)
	sameTime(t, *initial.AcceptDue, after.AcceptDue, "not moved")
	// the city's supervise task, opened when acceptance was missed, has a
	// running deadline counted into 2027 without its calendar: that one
	// is recounted (it loses its estimate), the missed acceptance is not
	assert.Equal(t, []string{"intake", "remind", "overdue", "recount"}, actions(events(t, r)))
	require.Equal(t, []string{"town:accept", "city:supervise"}, taskKinds(after.Tasks))
	assert.True(t, after.Tasks[0].Overdue)
	assert.False(t, after.Tasks[1].Overdue)
	assert.False(t, after.Tasks[1].DueEstimated, "recounted on the entered year")
	sameTime(t, cst(2027, 1, 9, 0), after.Tasks[1].DueAt, "5 working days from 1 January: 4–8 January")
}

// The fan-out signals batch after batch, each starting after the last
// case of the one before, until a batch comes back short: the leads, then
// the dispatches, then the warnings.
func TestRecountDeadlinesFansOutInBatches(t *testing.T) {
	t.Parallel()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	var a *activities.Activities
	env.RegisterWorkflow(workflows.RecountDeadlines)
	env.RegisterActivity(a)
	var asked []activities.RecountPageInput
	env.OnActivity(a.SignalCalendarChanged, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.RecountPageInput) (activities.RecountPage, error) {
			asked = append(asked, in)
			switch {
			case in.Kind == "" && in.AfterID == 0:
				return activities.RecountPage{Signalled: 200, LastID: 480, More: true}, nil
			case in.Kind == "":
				return activities.RecountPage{Signalled: 3, LastID: 512}, nil
			case in.Kind == activities.RecountDispatches && in.AfterID == 0:
				return activities.RecountPage{Signalled: 200, LastID: 300, More: true}, nil
			case in.Kind == activities.RecountDispatches:
				return activities.RecountPage{LastID: 300}, nil
			}
			return activities.RecountPage{Signalled: 7, LastID: 90}, nil
		})
	env.ExecuteWorkflow(workflows.RecountDeadlines, 2027)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var n int
	require.NoError(t, env.GetWorkflowResult(&n))
	assert.Equal(t, 203+200+7, n)
	assert.Equal(t, []activities.RecountPageInput{{Year: 2027}, {Year: 2027, AfterID: 480},
		{Year: 2027, Kind: "dispatch"}, {Year: 2027, AfterID: 300, Kind: "dispatch"}, {Year: 2027, Kind: "warning"}}, asked)
	assert.Equal(t, "calendar-recount:2027", workflows.RecountWorkflowID(2027))
}

// The fan-out's batches against the database: each kind's query finds the
// open cases a year's calendar may move (a deadline due in or after the
// year, or estimated) and not the others, and signals them through the
// case client.
func TestSignalCalendarChangedKinds(t *testing.T) {
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	ctx := context.Background()
	// three dispatches: an open one due in 2027, an open one due in 2026
	// (not signalled), an open one estimated (signalled)
	dispatch := func(due time.Time, estimated, overdue bool) int64 {
		var id int64
		require.NoError(t, f.Pool.QueryRow(ctx, `INSERT INTO dispatches (title, instructions, due_days, created_by, status)
			VALUES ('专项检查', '请排查', 10, $1, 'open') RETURNING id`, f.City.AccountID).Scan(&id))
		_, err := f.Pool.Exec(ctx, `INSERT INTO case_tasks (dispatch_id, key, kind, actor, town_code, opened_seq, opened_at, due_at,
			due_estimated, overdue) VALUES ($1, 'dispatch_report:x:1', 'dispatch_report', 'town', $2, 1, now(), $3, $4, $5)`,
			id, f.Town1, due, estimated, overdue)
		require.NoError(t, err)
		return id
	}
	d27 := dispatch(cst(2027, 1, 8, 0), false, false)
	dispatch(cst(2026, 6, 8, 0), false, false)
	dEst := dispatch(cst(2026, 12, 31, 0), true, false)
	dispatch(cst(2027, 1, 8, 0), false, true) // overdue: never moved
	warning := func(n int, due time.Time, estimated bool, status string) int64 {
		var id int64
		require.NoError(t, f.Pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
			enterprise_id, town_code, key, status, due_at) VALUES ('payroll_unpaid', 1, 'orange', 'project', $1, $2, $3, $4, $5, $6)
			RETURNING id`, f.Project1, f.Contractor1, f.Town1, fmt.Sprintf("recount/%d", n), status, due).Scan(&id))
		_, err := f.Pool.Exec(ctx, `INSERT INTO case_tasks (warning_id, key, kind, actor, enterprise_id, project_id, opened_seq,
			opened_at, due_at, due_estimated) VALUES ($1, 'warning_answer:1', 'warning_answer', 'enterprise', $2, $3, 1, now(), $4, $5)`,
			id, f.Contractor1, f.Project1, due, estimated)
		require.NoError(t, err)
		return id
	}
	w27 := warning(1, cst(2027, 1, 8, 0), false, "answering")
	warning(2, cst(2026, 6, 8, 0), false, "verifying")
	wEst := warning(3, cst(2026, 12, 31, 0), true, "escalated_town")
	warning(4, cst(2027, 1, 8, 0), false, "closed")

	sig := &signals{}
	acts := &activities.Activities{DB: f.Pool, Cases: sig}
	page, err := acts.SignalCalendarChanged(ctx, activities.RecountPageInput{Year: 2027, Kind: activities.RecountDispatches})
	require.NoError(t, err)
	assert.Equal(t, activities.RecountPage{Signalled: 2, LastID: dEst}, page)
	page, err = acts.SignalCalendarChanged(ctx, activities.RecountPageInput{Year: 2027, Kind: activities.RecountWarnings, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, activities.RecountPage{Signalled: 1, LastID: w27, More: true}, page, "a full page: more may follow")
	page, err = acts.SignalCalendarChanged(ctx, activities.RecountPageInput{Year: 2027, Kind: activities.RecountWarnings,
		AfterID: w27, Limit: 1})
	require.NoError(t, err)
	assert.Equal(t, activities.RecountPage{Signalled: 1, LastID: wEst, More: true}, page)
	assert.Equal(t, []string{fmt.Sprintf("dispatch %d 2027", d27), fmt.Sprintf("dispatch %d 2027", dEst),
		fmt.Sprintf("warning %d 2027", w27), fmt.Sprintf("warning %d 2027", wEst)}, sig.got)
}

// signals records the calendar signals of activities.SignalCalendarChanged.
type signals struct {
	activities.CaseStarter
	got []string
}

func (s *signals) CalendarChanged(_ context.Context, kind string, id int64, year int) error {
	s.got = append(s.got, fmt.Sprintf("%s %d %d", kind, id, year))
	return nil
}

// An extended handling limit is recounted with its extension: 60 + 30
// working days from acceptance on the new calendar.
func TestLeadRecountKeepsExtension(t *testing.T) {
	start := cst(2026, 12, 1, 9)
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 500_000})
	r.act(start.Add(time.Hour), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	extend := r.act(cst(2026, 12, 2, 10), workflows.ActExtend, workflows.ActionInput{Actor: f.Officer1, Note: "案情复杂需延期"})
	r.env.RegisterDelayedCallback(func() {
		Spring2027(t, db.Q(f.Pool))
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	}, cst(2026, 12, 15, 10).Sub(start))
	after := r.probe(cst(2026, 12, 15, 11))
	r.stopAt(cst(2026, 12, 16, 0))
	r.run()

	// weekdays only: 23 February + 30 = Tuesday 6 April 2027
	sameTime(t, cst(2027, 4, 7, 0), ok(t, extend).HandleDue, "estimated with the extension")
	// on the 2027 calendar: 1 March + 30 = Monday 12 April
	sameTime(t, cst(2027, 4, 13, 0), after.HandleDue, "recounted with the extension")
	assert.True(t, after.Extended)
	assert.False(t, after.HandleDueEstimated)
	assert.Equal(t, []string{"intake", "accept", "extend", "recount"}, actions(events(t, r)))
}
