package workflows_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/workflows"
)

// caseChanges is the changes of step seq of a dispatch or warning (table
// dispatch_events or warning_events, column dispatch_id or warning_id).
func caseChanges(t *testing.T, pool *pgxpool.Pool, table, column string, id int64, seq int) map[string]json.RawMessage {
	t.Helper()
	var raw []byte
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT changes FROM `+table+` WHERE `+column+` = $1 AND seq = $2`,
		id, seq).Scan(&raw))
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func (r *dispatchRun) signal(at time.Time, year int, before func()) {
	r.env.RegisterDelayedCallback(func() {
		if before != nil {
			before()
		}
		r.env.SignalWorkflow(workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: year})
	}, at.Sub(r.start))
}

// A dispatch made on Monday 28 December 2026, while 2027's holidays are
// not entered: the first town's 10 working days and the city's 5 to
// review the second town's report are counted on weekdays (estimated, on
// their tasks). The city enters 2027 (1 January off): one `recount` step
// moves both a day later (the parts' old → new dates in its changes), the
// tasks move with them and are no longer estimated, and the ladder climbs
// at the new moments. A second signal changes nothing: no step.
func TestDispatchRecountAfterCalendarChange(t *testing.T) {
	start := cst(2026, 12, 28, 9)
	r := newDispatchRun(t, start, 10, "330101", "330102")
	f := r.f
	rep := r.act(cst(2026, 12, 29, 10), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "已排查"})
	before := r.probe(cst(2026, 12, 29, 11))
	marks := func(out *[2][2]bool) func() {
		return func() {
			rows, err := f.Pool.Query(context.Background(), `SELECT due_estimated, review_due_estimated FROM dispatch_towns
				WHERE dispatch_id = $1 ORDER BY town_code`, r.in.DispatchID)
			require.NoError(t, err)
			defer rows.Close()
			for i := 0; rows.Next(); i++ {
				require.NoError(t, rows.Scan(&out[i][0], &out[i][1]))
			}
		}
	}
	var projBefore, projAfter [2][2]bool
	r.env.RegisterDelayedCallback(marks(&projBefore), cst(2026, 12, 29, 11).Sub(start))
	signalled := cst(2026, 12, 30, 10)
	r.signal(signalled, 2027, func() { Spring2027(t, db.Q(f.Pool)) })
	after := r.probe(signalled.Add(time.Minute))
	r.env.RegisterDelayedCallback(marks(&projAfter), signalled.Add(time.Minute).Sub(start))
	r.signal(cst(2026, 12, 31, 10), 2027, nil)
	again := r.probe(cst(2026, 12, 31, 11))
	cancel := r.act(cst(2027, 1, 14, 9), workflows.DispatchCancel, workflows.DispatchActionInput{Actor: f.City, Note: "测试结束"})
	r.run()
	dispatchOK(t, rep)
	dispatchOK(t, cancel)

	// weekdays only: 29–31 December, 1, 4–8, 11 January; the review 30,
	// 31 December, 1, 4, 5 January
	p1, _ := before.Part("330101")
	p2, _ := before.Part("330102")
	sameTime(t, cst(2027, 1, 12, 0), p1.DueAt, "estimated report")
	sameTime(t, cst(2027, 1, 6, 0), p2.ReviewDue, "estimated review")
	assert.True(t, p1.DueEstimated, "the town's due_at is marked")
	assert.True(t, p2.ReviewDueEstimated, "the city's review_due is marked")
	require.Len(t, before.Tasks, 2)
	for _, tk := range before.Tasks {
		assert.True(t, tk.DueEstimated, "%s estimated", tk.Kind)
	}

	// on the 2027 calendar 1 January is off: a working day later each
	p1, _ = after.Part("330101")
	p2, _ = after.Part("330102")
	sameTime(t, cst(2027, 1, 13, 0), p1.DueAt, "report recounted")
	sameTime(t, cst(2027, 1, 7, 0), p2.ReviewDue, "review recounted")
	assert.False(t, p1.DueEstimated, "the recount clears the marks")
	assert.False(t, p2.ReviewDueEstimated)
	// 330102's report deadline ended with its report: its due date and
	// mark stay as they were (a finished deadline is never recounted)
	assert.Equal(t, [2][2]bool{{true, false}, {true, true}}, projBefore, "projected marks before (due, review per town)")
	assert.Equal(t, [2][2]bool{{false, false}, {true, false}}, projAfter, "projected marks after the recount")
	require.Len(t, after.Tasks, 2)
	for _, tk := range after.Tasks {
		assert.False(t, tk.DueEstimated, "%s no longer estimated", tk.Kind)
		want := p1.DueAt
		if tk.Kind == cases.TaskDispatchReview {
			want = p2.ReviewDue
		}
		sameTime(t, *want, tk.DueAt, tk.Kind+" moved with its deadline")
	}
	assert.Equal(t, after.Seq, again.Seq, "the second signal takes no step")

	assert.Equal(t, []string{"create", "report:330102", "recount", "remind:330102", "overdue:330102", "remind:330101",
		"overdue:330101", "cancel"}, r.events())
	var rule, role string
	var at time.Time
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT rule, actor_role, at FROM dispatch_events
		WHERE dispatch_id = $1 AND seq = 3`, r.in.DispatchID).Scan(&rule, &role, &at))
	assert.Equal(t, "calendar_recount: 2027年节假日安排已录入，期限重新计算", rule)
	assert.Equal(t, "system", role)
	assert.True(t, signalled.Equal(at), "taken when the signal came: %s", at)
	ch := caseChanges(t, f.Pool, "dispatch_events", "dispatch_id", r.in.DispatchID, 3)
	var parts [2][]cases.DispatchPart
	require.NoError(t, json.Unmarshal(ch["parts"], &parts), "the parts changed: %s", ch)
	sameTime(t, cst(2027, 1, 12, 0), parts[0][0].DueAt, "old")
	sameTime(t, cst(2027, 1, 13, 0), parts[1][0].DueAt, "new")
	sameTime(t, cst(2027, 1, 6, 0), parts[0][1].ReviewDue, "old")
	sameTime(t, cst(2027, 1, 7, 0), parts[1][1].ReviewDue, "new")
	var reminded, overdue time.Time
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT
		(SELECT at FROM dispatch_events WHERE dispatch_id = $1 AND action = 'remind' AND town_code = '330101'),
		(SELECT at FROM dispatch_events WHERE dispatch_id = $1 AND action = 'overdue' AND town_code = '330101')`,
		r.in.DispatchID).Scan(&reminded, &overdue))
	sameTime(t, cst(2027, 1, 12, 0), &reminded, "reminded at the new moment")
	sameTime(t, cst(2027, 1, 13, 0), &overdue, "overdue at the new due")
}

// A town's deadline already overdue is not moved back into the future
// when the year is entered: the city's supervision stands. Its own
// deadline (counted into 2027 on weekdays) is running: the recount step
// clears its estimate.
func TestDispatchRecountKeepsOverdue(t *testing.T) {
	start := cst(2026, 12, 30, 9) // Wednesday: 2 weekdays end on Friday 1 January
	r := newDispatchRun(t, start, 2, "330101")
	f := r.f
	initial := r.probe(start.Add(time.Minute))
	supervising := r.probe(cst(2027, 1, 4, 9))
	r.signal(cst(2027, 1, 4, 10), 2027, func() { Spring2027(t, db.Q(f.Pool)) })
	after := r.probe(cst(2027, 1, 4, 11))
	cancel := r.act(cst(2027, 1, 4, 12), workflows.DispatchCancel, workflows.DispatchActionInput{Actor: f.City, Note: "测试结束"})
	r.run()
	dispatchOK(t, cancel)

	require.Len(t, initial.Tasks, 1)
	assert.True(t, initial.Tasks[0].DueEstimated)
	p0, p := initial.Parts[0], after.Parts[0]
	assert.True(t, p.Overdue)
	sameTime(t, *p0.DueAt, p.DueAt, "not moved")
	assert.True(t, p.DueEstimated, "an overdue deadline keeps its count, and its mark")
	supervise := func(st *cases.DispatchState) cases.Task {
		i := slices.IndexFunc(st.Tasks, func(tk cases.Task) bool { return tk.Kind == cases.TaskSupervise })
		require.GreaterOrEqual(t, i, 0, "the city supervises: %+v", st.Tasks)
		return st.Tasks[i]
	}
	s0, s1 := supervise(supervising), supervise(after)
	require.NotNil(t, s0.DueAt)
	assert.True(t, s0.DueEstimated, "the supervise deadline counted into 2027 on weekdays")
	assert.False(t, s1.DueEstimated, "recounted on the entered calendar")
	sameTime(t, *s0.DueAt, s1.DueAt, "no holiday in between: the same day")
	assert.Equal(t, []string{"create", "remind:330101", "overdue:330101", "recount", "cancel"}, r.events())
}
