package workflows_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/workflows"
)

func (r *warningRun) signal(at time.Time, year int, before func()) {
	r.env.RegisterDelayedCallback(func() {
		if before != nil {
			before()
		}
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: year})
	}, at.Sub(r.start))
}

// taskDue is the due date and estimated flag of the warning's open task.
// The warning's own projected flag (warnings.due_estimated) must agree.
func (r *warningRun) taskDue() (time.Time, bool) {
	var due time.Time
	var estimated, own bool
	require.NoError(r.t, r.f.Pool.QueryRow(context.Background(), `SELECT t.due_at, t.due_estimated, w.due_estimated
		FROM case_tasks t JOIN warnings w ON w.id = t.warning_id
		WHERE t.warning_id = $1 AND t.closed_at IS NULL`, r.in.WarningID).Scan(&due, &estimated, &own))
	assert.Equal(r.t, estimated, own, "warnings.due_estimated is its holder's task's")
	return due, estimated
}

// A warning raised on Monday 28 December 2026, while 2027's holidays are
// not entered: the enterprise's 5 working days are counted on weekdays
// (estimated, on its task). The city enters 2027 (1 January off): one
// `recount` step moves the deadline a day later (old → new due_at in its
// changes), the task moves with it and is no longer estimated, and the
// ladder climbs at the new moments. A second signal changes nothing.
func TestWarningRecountAfterCalendarChange(t *testing.T) {
	start := cst(2026, 12, 28, 9)
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	before := r.probe(start.Add(time.Hour))
	var dueBefore time.Time
	var estBefore bool
	r.env.RegisterDelayedCallback(func() { dueBefore, estBefore = r.taskDue() }, time.Hour)
	signalled := cst(2026, 12, 30, 10)
	r.signal(signalled, 2027, func() { Spring2027(t, db.Q(f.Pool)) })
	after := r.probe(signalled.Add(time.Minute))
	var dueAfter time.Time
	var estAfter bool
	r.env.RegisterDelayedCallback(func() { dueAfter, estAfter = r.taskDue() }, signalled.Add(time.Minute).Sub(start))
	r.signal(cst(2026, 12, 31, 10), 2027, nil)
	again := r.probe(cst(2026, 12, 31, 11))
	cl := r.act(cst(2027, 1, 7, 9), workflows.WarningClose, workflows.WarningActionInput{Actor: f.Officer1, Note: "已处置"})
	r.run()
	warningOK(t, cl)

	// weekdays only: 29–31 December, 1, 4 January
	sameTime(t, cst(2027, 1, 5, 0), before.DueAt, "estimated")
	require.Len(t, before.Tasks, 1)
	assert.True(t, before.Tasks[0].DueEstimated)
	assert.True(t, before.DueEstimated, "the warning's due_at is marked too")
	assert.True(t, estBefore, "the projected task shows it")
	assert.True(t, cst(2027, 1, 5, 0).Equal(dueBefore))
	// 1 January off: Tuesday 5 January
	sameTime(t, cst(2027, 1, 6, 0), after.DueAt, "recounted")
	require.Len(t, after.Tasks, 1)
	assert.False(t, after.Tasks[0].DueEstimated)
	assert.False(t, after.DueEstimated, "the recount clears the warning's mark")
	sameTime(t, cst(2027, 1, 6, 0), after.Tasks[0].DueAt, "the task moved with it")
	assert.False(t, estAfter)
	assert.True(t, cst(2027, 1, 6, 0).Equal(dueAfter), "projected: %s", dueAfter)
	assert.Equal(t, after.Seq, again.Seq, "the second signal takes no step")

	assert.Equal(t, []string{"create:answering", "recount:answering", "remind:answering", "overdue:escalated_town",
		"close:closed"}, r.events())
	var rule, role string
	var at time.Time
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT rule, actor_role, at FROM warning_events
		WHERE warning_id = $1 AND seq = 2`, r.in.WarningID).Scan(&rule, &role, &at))
	assert.Equal(t, "calendar_recount: 2027年节假日安排已录入，期限重新计算", rule)
	assert.Equal(t, "system", role)
	assert.True(t, signalled.Equal(at), "taken when the signal came: %s", at)
	ch := caseChanges(t, f.Pool, "warning_events", "warning_id", r.in.WarningID, 2)
	var due [2]time.Time
	require.NoError(t, json.Unmarshal(ch["due_at"], &due), "due_at changed: %s", ch)
	sameTime(t, cst(2027, 1, 5, 0), &due[0], "old")
	sameTime(t, cst(2027, 1, 6, 0), &due[1], "new")
	var est [2]any
	require.NoError(t, json.Unmarshal(ch["due_estimated"], &est), "due_estimated changed: %s", ch)
	assert.Equal(t, [2]any{true, nil}, est, "true → cleared (omitted)")
	var reminded, overdue time.Time
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT
		(SELECT at FROM warning_events WHERE warning_id = $1 AND action = 'remind'),
		(SELECT at FROM warning_events WHERE warning_id = $1 AND action = 'overdue')`, r.in.WarningID).Scan(&reminded, &overdue))
	sameTime(t, cst(2027, 1, 5, 0), &reminded, "reminded at the new moment")
	sameTime(t, cst(2027, 1, 6, 0), &overdue, "passed to the town at the new due")
}

// A warning whose deadline does not pass through the year is not moved:
// no step, nothing counted again.
func TestWarningRecountLeavesOtherYears(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	before := r.probe(start.Add(time.Hour))
	r.signal(cst(2026, 9, 2, 10), 2027, func() { Spring2027(t, db.Q(f.Pool)) })
	after := r.probe(cst(2026, 9, 2, 11))
	cl := r.act(cst(2026, 9, 2, 12), workflows.WarningResolve, workflows.WarningActionInput{Actor: cases.System, Note: "复查已发放"})
	r.run()
	warningOK(t, cl)
	assert.Equal(t, before.Seq, after.Seq, "no step")
	sameTime(t, *before.DueAt, after.DueAt, "unchanged")
	assert.Equal(t, []string{"create:answering", "resolve:closed"}, r.events())
}

// A deadline already overdue is not moved: the city's deadline on a red
// warning passed on 7 January 2027 (weekdays only) stays passed when 2027
// is entered.
func TestWarningRecountKeepsOverdue(t *testing.T) {
	start := cst(2026, 12, 30, 9)
	r := newWarningRun(t, start, warningOpts{rule: "group_arrears", level: "red", atCity: true})
	f := r.f
	initial := r.probe(start.Add(time.Minute))
	r.signal(cst(2027, 1, 7, 10), 2027, func() { Spring2027(t, db.Q(f.Pool)) })
	after := r.probe(cst(2027, 1, 7, 11))
	cl := r.act(cst(2027, 1, 7, 12), workflows.WarningClose, workflows.WarningActionInput{Actor: f.City, Note: "已会同镇街处置"})
	r.run()
	warningOK(t, cl)

	require.Len(t, initial.Tasks, 1)
	assert.True(t, initial.Tasks[0].DueEstimated)
	sameTime(t, cst(2027, 1, 7, 0), initial.DueAt, "weekdays only: 31 December, 1, 4, 5, 6 January")
	assert.True(t, after.Overdue)
	sameTime(t, cst(2027, 1, 7, 0), after.DueAt, "not moved")
	assert.Equal(t, []string{"create:escalated_city", "remind:escalated_city", "overdue:escalated_city", "close:closed"}, r.events())
}

// A correction that makes a weekend a working day can put a due date in
// the past: the warning recounts, then escalates at once through the
// usual path (the enterprise's deadline passes to the town).
func TestWarningRecountIntoThePastEscalates(t *testing.T) {
	start := cst(2027, 1, 27, 9) // Wednesday; 2027 not entered yet
	r := newWarningRun(t, start, warningOpts{})
	f := r.f
	before := r.probe(start.Add(time.Hour))
	signalled := cst(2027, 2, 3, 10)
	r.signal(signalled, 2027, func() {
		q := db.Q(f.Pool)
		ctx := context.Background()
		require.NoError(t, q.CalendarYearUpsert(ctx, dbq.CalendarYearUpsertParams{Year: 2027, Source: "测试用2027年节假日安排"}))
		require.NoError(t, q.CalendarDayInsert(ctx, dbq.CalendarDayInsertParams{Day: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC),
			Workday: true, Name: "春节调休上班"}))
	})
	after := r.probe(signalled.Add(time.Minute))
	cl := r.act(signalled.Add(time.Hour), workflows.WarningClose, workflows.WarningActionInput{Actor: f.Officer1, Note: "已处置"})
	r.run()
	warningOK(t, cl)

	// weekdays only: 28, 29 January, 1, 2, 3 February
	sameTime(t, cst(2027, 2, 4, 0), before.DueAt, "estimated")
	// Sunday 31 January worked: due at the end of 2 February, already past
	assert.Equal(t, "escalated_town", string(after.Status), "escalated at once")
	assert.Equal(t, 1, after.Escalations)
	assert.Equal(t, []string{"create:answering", "remind:answering", "recount:answering", "overdue:escalated_town",
		"close:closed"}, r.events())
	ch := caseChanges(t, f.Pool, "warning_events", "warning_id", r.in.WarningID, 3)
	var due [2]time.Time
	require.NoError(t, json.Unmarshal(ch["due_at"], &due))
	sameTime(t, cst(2027, 2, 4, 0), &due[0], "old")
	sameTime(t, cst(2027, 2, 3, 0), &due[1], "new: in the past")
	var at time.Time
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT at FROM warning_events WHERE warning_id = $1 AND seq = 4`,
		r.in.WarningID).Scan(&at))
	assert.True(t, signalled.Equal(at), "the escalation right after the recount: %s", at)
}
