package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/workflows"
)

// The city's own tasks on a lead have deadlines too (policy: triage 2,
// review 3, supervise 5 working days): reminded the working day before,
// overdue when passed (the task, not the lead), ended when the task
// closes.

// cityTask is the one open city task of kind in ts.
func cityTask(t *testing.T, ts []cases.Task, kind string) cases.Task {
	t.Helper()
	for _, x := range ts {
		if x.Actor == cases.ActorCity && x.Kind == kind {
			return x
		}
	}
	require.Failf(t, "no city task", "%s in %v", kind, taskKinds(ts))
	return cases.Task{}
}

// A lead at triage the city leaves for 2 working days is overdue at the
// city; dispatching it ends that deadline. Returned by the town, it is
// at triage again with a new deadline, which ends when the city
// dispatches in time (no reminder, no overdue step after).
func TestLeadTriageDeadline(t *testing.T) {
	start := cst(2026, 3, 2, 9) // Monday 2 March 2026
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{WorkerID: f.Worker, Amount: 100_000, By: f.Officer1, Source: cases.SourceHotline})
	initial := r.probe(start.Add(time.Minute))
	reminded := r.probe(cst(2026, 3, 4, 1))
	overdue := r.probe(cst(2026, 3, 5, 1))
	d1 := r.act(cst(2026, 3, 5, 9), workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town2})
	ret := r.act(cst(2026, 3, 5, 10), workflows.ActReturn, workflows.ActionInput{Actor: f.Officer2, Note: "项目不在本街道"})
	d2 := r.act(cst(2026, 3, 6, 9), workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town1})
	r.stopAt(cst(2026, 3, 12, 0))
	r.run()

	// 2 working days after Monday the 2nd: the 3rd and the 4th
	tr := cityTask(t, initial.Tasks, cases.TaskTriage)
	sameTime(t, cst(2026, 3, 5, 0), tr.DueAt, "triage due at the end of 4 March")
	assert.False(t, tr.DueEstimated)
	assert.False(t, tr.Overdue)
	assert.NotNil(t, cityTask(t, reminded.Tasks, cases.TaskTriage).RemindedAt, "reminded the working day before")
	assert.True(t, cityTask(t, overdue.Tasks, cases.TaskTriage).Overdue)
	assert.False(t, overdue.Overdue, "the city's lateness is its task's, not the lead's")
	assert.Equal(t, []string{"town:accept"}, taskKinds(ok(t, d1).Tasks))
	st := ok(t, ret)
	again := cityTask(t, st.Tasks, cases.TaskTriage)
	sameTime(t, cst(2026, 3, 10, 0), again.DueAt, "a new limit from the return: the 6th and the 9th")
	assert.False(t, again.Overdue)
	assert.Nil(t, again.RemindedAt)
	assert.Equal(t, []string{"town:accept"}, taskKinds(ok(t, d2).Tasks))

	evs := events(t, r)
	require.Equal(t, []string{"intake", "remind", "overdue", "dispatch", "return", "dispatch"}, actions(evs),
		"the second triage ended in time: no reminder, no overdue")
	assert.True(t, cst(2026, 3, 4, 0).Equal(evs[1].At), "reminded: %s", evs[1].At)
	assert.True(t, cst(2026, 3, 5, 0).Equal(evs[2].At), "overdue: %s", evs[2].At)
	assert.Equal(t, "triage_remind: 期限届满前1个工作日提醒", evs[1].Rule)
	assert.Equal(t, "triage_overdue: 市级未在2个工作日内分流交办", evs[2].Rule)
	assert.Nil(t, evs[2].Actor)
	assert.Equal(t, "system", evs[2].Role)
	_, _, leadOverdue, supervision := leadRow(t, r)
	assert.False(t, leadOverdue)
	assert.Equal(t, "none", supervision)

	// projected: both triage tasks closed with their due dates, the first
	// overdue and reminded
	var triage []taskRow
	for _, x := range tasks(t, r) {
		if x.Kind == cases.TaskTriage {
			triage = append(triage, x)
		}
	}
	require.Len(t, triage, 2)
	sameTime(t, cst(2026, 3, 5, 0), triage[0].Due, "first triage projected")
	assert.True(t, triage[0].Overdue)
	assert.NotNil(t, triage[0].Reminded)
	assert.True(t, triage[0].Closed)
	sameTime(t, cst(2026, 3, 10, 0), triage[1].Due, "second triage projected")
	assert.False(t, triage[1].Overdue)
	assert.Nil(t, triage[1].Reminded)
	assert.True(t, triage[1].Closed)
}

// A major case's review runs into a year without a holiday arrangement:
// its due date is estimated (task and projection); the city misses it,
// the task is overdue; approving closes the lead.
func TestLeadReviewOverdue(t *testing.T) {
	start := cst(2026, 12, 28, 9) // Monday 28 December 2026
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	// a walk-in without a worker record: nobody to confirm, the result
	// goes straight to the city's review
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, Amount: 2_000_000, Workers: 10, By: f.Officer1,
		Source: cases.SourceWalkIn})
	r.act(start.Add(time.Hour), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	report := r.act(cst(2026, 12, 29, 9), workflows.ActReport, workflows.ActionInput{Actor: f.Officer1,
		ClosureCode: cases.PaidInFull, AmountRecoveredFen: fen(2_000_000), WorkersCovered: num(10), Note: "已足额支付"})
	inReview := r.probe(cst(2026, 12, 29, 10))
	overdue := r.probe(cst(2027, 1, 2, 1))
	approve := r.act(cst(2027, 1, 4, 9), workflows.ActApprove, workflows.ActionInput{Actor: f.City})
	final := r.run()
	require.NoError(t, r.env.GetWorkflowError())

	assert.Equal(t, cases.Review, ok(t, report).Status)
	rv := cityTask(t, inReview.Tasks, cases.TaskReview)
	// 3 working days after the 29th: the 30th, the 31st and 1 January
	// 2027 (no 2027 arrangement in the calendar: weekdays only)
	sameTime(t, cst(2027, 1, 2, 0), rv.DueAt, "review due")
	assert.True(t, rv.DueEstimated, "counted through 2027 without its arrangement")
	var projected taskRow
	for _, x := range tasks(t, r) {
		if x.Kind == cases.TaskReview {
			projected = x
		}
	}
	sameTime(t, cst(2027, 1, 2, 0), projected.Due, "projected")
	assert.True(t, projected.DueEstimated)
	assert.True(t, projected.Overdue)
	assert.True(t, projected.Closed)

	assert.True(t, cityTask(t, overdue.Tasks, cases.TaskReview).Overdue)
	assert.False(t, overdue.Overdue)
	assert.Equal(t, cases.Closed, ok(t, approve).Status)
	assert.Equal(t, cases.Closed, final.Status)
	evs := events(t, r)
	require.Equal(t, []string{"intake", "accept", "reportResult", "remind", "overdue", "approve"}, actions(evs))
	assert.Equal(t, "review_remind: 期限届满前1个工作日提醒", evs[3].Rule)
	assert.True(t, cst(2027, 1, 2, 0).Equal(evs[4].At), "overdue: %s", evs[4].At)
	assert.Equal(t, "review_overdue: 市级未在3个工作日内完成复核", evs[4].Rule)
}

// A town that misses its acceptance limit gives the city a supervise
// task due in 5 working days, reminded the day before; supervising ends
// it: no overdue step after, though the lead stays open past the due
// date.
func TestLeadSuperviseDeadline(t *testing.T) {
	start := cst(2026, 6, 1, 9) // Monday 1 June 2026
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project2, WorkerID: f.Worker, Amount: 300_000})
	// acceptance due after 2–5 and 8 June: overdue at the start of the 9th
	opened := r.probe(cst(2026, 6, 9, 1))
	reminded := r.probe(cst(2026, 6, 16, 1))
	supervise := r.act(cst(2026, 6, 16, 9), workflows.ActSupervise, workflows.ActionInput{Actor: f.City, Level: cases.Supervised,
		Note: "请于三日内签收并核查"})
	r.stopAt(cst(2026, 6, 24, 0))
	r.run()

	assert.True(t, opened.Overdue, "the town's lateness")
	sv := cityTask(t, opened.Tasks, cases.TaskSupervise)
	// 5 working days from the 9th: 10–12, 15, 16
	sameTime(t, cst(2026, 6, 17, 0), sv.DueAt, "supervision due")
	assert.False(t, sv.DueEstimated)
	assert.Nil(t, sv.RemindedAt)
	assert.NotNil(t, cityTask(t, reminded.Tasks, cases.TaskSupervise).RemindedAt)
	st := ok(t, supervise)
	assert.Equal(t, []string{"town:accept"}, taskKinds(st.Tasks), "supervising closed the task")

	evs := events(t, r)
	assert.Equal(t, []string{"intake", "remind", "overdue", "remind", "supervise"}, actions(evs),
		"the supervise deadline ended with its task: no overdue step on the 17th")
	assert.Equal(t, "accept_overdue: 未在5个工作日内签收，转市级督办", evs[2].Rule)
	assert.Equal(t, "supervise_remind: 期限届满前1个工作日提醒", evs[3].Rule)
	for _, x := range tasks(t, r) {
		if x.Kind == cases.TaskSupervise {
			sameTime(t, cst(2026, 6, 17, 0), x.Due, "projected")
			assert.NotNil(t, x.Reminded)
			assert.False(t, x.Overdue)
			assert.True(t, x.Closed)
		}
	}
}

// A triage deadline counted into a year not entered is estimated; the
// recount's fan-out finds the lead by its city task (LeadsForRecount) and
// entering the year moves the task's due date past the new holiday.
func TestLeadTriageRecount(t *testing.T) {
	start := cst(2026, 12, 30, 9) // Wednesday 30 December 2026
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{WorkerID: f.Worker, Amount: 100_000, By: f.Officer1, Source: cases.SourceHotline})
	initial := r.probe(start.Add(time.Minute))
	var found []int64
	r.env.RegisterDelayedCallback(func() {
		var err error
		found, err = db.Q(f.Pool).LeadsForRecount(context.Background(), dbq.LeadsForRecountParams{Year: 2027, Lim: 100})
		require.NoError(t, err)
		Spring2027(t, db.Q(f.Pool)) // 1 January 2027 a holiday
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	}, cst(2026, 12, 30, 10).Sub(start))
	after := r.probe(cst(2026, 12, 30, 11))
	r.stopAt(cst(2026, 12, 31, 0))
	r.run()

	before := cityTask(t, initial.Tasks, cases.TaskTriage)
	sameTime(t, cst(2027, 1, 2, 0), before.DueAt, "31 December and Friday 1 January, counted as a weekday")
	assert.True(t, before.DueEstimated)
	assert.Contains(t, found, r.in.LeadID, "found by its city task alone (the lead has no due date of its own)")
	moved := cityTask(t, after.Tasks, cases.TaskTriage)
	sameTime(t, cst(2027, 1, 5, 0), moved.DueAt, "31 December and Monday 4 January")
	assert.False(t, moved.DueEstimated)
	assert.Equal(t, []string{"intake", "recount"}, actions(events(t, r)))
	ts := tasks(t, r)
	require.Len(t, ts, 1)
	sameTime(t, cst(2027, 1, 5, 0), ts[0].Due, "projected")
	assert.False(t, ts[0].DueEstimated)
}
