package api_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCalendar(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	officer := h.tokenFor("town_officer", townScope(f.TownA))
	city := h.tokenFor("city_supervisor", cityScope())

	years := h.as2(officer, 200, "GET", "/api/v1/calendar", nil).items()
	require.Len(t, years, 1)
	assert.Equal(t, float64(2026), years[0]["year"])
	y := h.as2(officer, 200, "GET", "/api/v1/calendar/2026", nil)
	days := y.Body["days"].([]any)
	var holidays, workdays int
	for _, d := range days {
		if d.(map[string]any)["workday"].(bool) {
			workdays++
		} else {
			holidays++
		}
	}
	assert.Equal(t, 33, holidays, "3+9+3+5+3+3+7 days off")
	assert.Equal(t, 6, workdays, "six weekend days worked")
	h.as2(officer, 404, "GET", "/api/v1/calendar/2027", nil)
	h.as2(officer, 403, "PUT", "/api/v1/calendar/2027", map[string]any{})

	bad := map[string]any{"source": "测试", "days": []any{
		map[string]any{"day": "2027-01-05", "workday": true, "name": "调休"}, // a Tuesday
		map[string]any{"day": "2028-01-01", "workday": false, "name": "元旦"},
		map[string]any{"day": "2027-01-01", "workday": false, "name": "元旦"},
		map[string]any{"day": "2027-01-01", "workday": false, "name": "元旦"},
	}}
	r := h.doAs(city, "PUT", "/api/v1/calendar/2027", bad)
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Equal(t, map[string]any{"days[0]": "调休上班日应为周六或周日", "days[1]": "日期不在该年度内", "days[3]": "日期重复"}, r.fields())
	h.as2(officer, 404, "GET", "/api/v1/calendar/2027", nil) // nothing changed

	good := map[string]any{"source": "国务院办公厅关于2027年部分节假日安排的通知", "days": []any{
		map[string]any{"day": "2027-01-01", "workday": false, "name": "元旦"},
		map[string]any{"day": "2027-02-20", "workday": true, "name": "春节调休上班"},
	}}
	r = h.as2(city, 200, "PUT", "/api/v1/calendar/2027", good)
	assert.Len(t, r.Body["days"], 2)
	// entering it again replaces the year, it does not add to it
	good["days"] = good["days"].([]any)[:1]
	r = h.as2(city, 200, "PUT", "/api/v1/calendar/2027", good)
	assert.Len(t, r.Body["days"], 1)
	assert.Len(t, h.as2(officer, 200, "GET", "/api/v1/calendar", nil).items(), 2)
	var logged int
	require.NoError(t, h.pool.QueryRow(h.t.Context(), `SELECT count(*) FROM audit_log WHERE object_type IN ('work_calendar', 'work_calendar_years')`).Scan(&logged))
	assert.GreaterOrEqual(t, logged, 5, "each change is in the system log")
}

func TestCasePolicies(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	p := h.as2(f.officer, 200, "GET", "/api/v1/case-policies", nil).items()
	require.Len(t, p, 1)
	assert.Equal(t, "lead", p[0]["kind"])
	assert.Equal(t, float64(5), p[0]["accept_days"])
	assert.Equal(t, float64(60), p[0]["handle_days"])
	assert.Equal(t, float64(2), p[0]["triage_days"], "the city's own tasks have limits too")
	assert.Equal(t, float64(3), p[0]["review_days"])
	assert.Equal(t, float64(5), p[0]["supervise_days"])

	before := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 1000, "description": "政策修改前"})
	r := h.doAs(f.city, "PATCH", "/api/v1/case-policies/lead", map[string]any{"accept_days": 0, "remind_days": 31, "version": 1})
	assert.Equal(t, 422, r.Status)
	assert.Contains(t, r.fields(), "accept_days")
	assert.Contains(t, r.fields(), "remind_days")
	r = h.as2(f.city, 200, "PATCH", "/api/v1/case-policies/lead", map[string]any{"accept_days": 2, "version": 1})
	assert.Equal(t, float64(2), r.Body["accept_days"])
	assert.Equal(t, float64(60), r.Body["handle_days"], "unchanged fields stay")
	r = h.doAs(f.city, "PATCH", "/api/v1/case-policies/lead", map[string]any{"triage_days": 0, "review_days": 61,
		"supervise_days": -1, "version": 2})
	assert.Equal(t, 422, r.Status)
	for _, k := range []string{"triage_days", "review_days", "supervise_days"} {
		assert.Contains(t, r.fields(), k)
	}
	r = h.as2(f.city, 200, "PATCH", "/api/v1/case-policies/lead", map[string]any{"triage_days": 1, "supervise_days": 3, "version": 2})
	assert.Equal(t, float64(1), r.Body["triage_days"])
	assert.Equal(t, float64(3), r.Body["review_days"], "unchanged")
	assert.Equal(t, float64(3), r.Body["supervise_days"])
	assert.Equal(t, float64(2), r.Body["accept_days"])
	assert.Equal(t, "version_conflict", h.as2(f.city, 409, "PATCH", "/api/v1/case-policies/lead", map[string]any{"accept_days": 3, "version": 1}).code())
	h.as2(f.city, 404, "PATCH", "/api/v1/case-policies/warning", map[string]any{"accept_days": 3, "version": 1})

	// a new case counts with the new limit; the running one keeps its own
	after := h.as2(f.officerB, 201, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "reporter_name": "来访人",
		"project_id": f.ProjectB, "amount_claimed_fen": 1000, "description": "政策修改后"})
	due := func(r resp) time.Time {
		d, err := time.Parse(time.RFC3339, stateOf(r)["accept_due"].(string))
		require.NoError(t, err)
		return d
	}
	assert.True(t, due(after).Before(due(before)), "2 working days end before 5: %s, %s", due(after), due(before))
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", before.num("lead_id")), nil)
	assert.Equal(t, stateOf(before)["accept_due"], d.Body["accept_due"])
}

// Entering a year's holidays recounts the running deadlines through it:
// a lead accepted now whose handling limit runs into a year not entered
// yet shows it estimated (lead and task); PUT /calendar/{year} with
// holidays before that due date moves it later, in a `recount` step of
// its history, and the flag clears. A dispatch with as many working days
// from the same moment is recounted by the same change.
func TestCalendarRecountsOpenLeads(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	lead := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 100_000, "description": "日历变更重算期限"}).num("lead_id")
	st := h.as2(f.officer, 200, "POST", v1("/leads/%d/actions/accept", lead), map[string]any{}).Body
	due, err := time.Parse(time.RFC3339, st["handle_due"].(string))
	require.NoError(t, err)
	cst := time.FixedZone("CST", 8*3600)
	year := due.Add(-time.Nanosecond).In(cst).Year()
	var entered bool
	require.NoError(t, h.pool.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM work_calendar_years WHERE year = $1)`,
		year).Scan(&entered))
	if entered {
		t.Skipf("the handling limit ends in %d, whose calendar is entered: nothing to estimate", year)
	}
	assert.Equal(t, true, st["handle_due_estimated"], "counted on weekdays only")
	assert.Equal(t, true, st["due_estimated"])
	tasks := h.as2(f.officer, 200, "GET", v1("/tasks?lead_id=%d", lead), nil).items()
	require.Len(t, tasks, 1)
	assert.Equal(t, true, tasks[0]["due_estimated"], "the town's task shows it too")
	handleDays := int(h.as2(f.officer, 200, "GET", "/api/v1/case-policies", nil).items()[0]["handle_days"].(float64))
	dispatch := h.as2(f.city, 201, "POST", "/api/v1/dispatches", map[string]any{"title": "日历变更重算期限",
		"instructions": "请于期限内排查并反馈", "town_codes": []string{f.TownA}, "due_days": handleDays}).Body
	dispatchDue := dispatch["towns"].([]any)[0].(map[string]any)["due_at"]
	require.NotNil(t, dispatchDue)
	assert.Equal(t, true, dispatch["towns"].([]any)[0].(map[string]any)["due_estimated"],
		"the dispatch's town shows its estimated deadline")

	// the five weekdays before the due day are holidays of that year
	var days []any
	last := due.Add(-time.Nanosecond).In(cst)
	for d := last; len(days) < 5 && d.Year() == year; d = d.AddDate(0, 0, -1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			days = append(days, map[string]any{"day": d.Format("2006-01-02"), "workday": false, "name": "春节"})
		}
	}
	require.NotEmpty(t, days)
	put := h.as2(f.city, 200, "PUT", v1("/calendar/%d", year), map[string]any{
		"source": fmt.Sprintf("国务院办公厅关于%d年部分节假日安排的通知", year), "days": days}).Body
	assert.Equal(t, map[string]any{"workflow_id": fmt.Sprintf("calendar-recount:%d", year), "started": true}, put["recount"])

	var got map[string]any
	deadline := time.Now().Add(20 * time.Second)
	for {
		got = h.as2(f.officer, 200, "GET", v1("/leads/%d", lead), nil).Body
		if got["handle_due"] != st["handle_due"] || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	moved, err := time.Parse(time.RFC3339, got["handle_due"].(string))
	require.NoError(t, err)
	assert.True(t, moved.After(due), "recounted past the holidays: %s → %s", due, moved)
	assert.Equal(t, false, got["handle_due_estimated"])
	assert.Equal(t, false, got["due_estimated"])
	var recount map[string]any
	for _, e := range got["events"].([]any) {
		if ev := e.(map[string]any); ev["action"] == "recount" {
			recount = ev
		}
	}
	require.NotNil(t, recount, "the recount is in the lead's history")
	assert.Equal(t, fmt.Sprintf("calendar_recount: %d年节假日安排已录入，期限重新计算", year), recount["rule"])
	assert.Equal(t, "system", recount["actor_role"])
	assert.Equal(t, "期限重算", recount["action_label"])
	changes := recount["changes"].(map[string]any)
	assert.Equal(t, []any{st["handle_due"], got["handle_due"]}, changes["handle_due"])
	tasks = h.as2(f.officer, 200, "GET", v1("/tasks?lead_id=%d", lead), nil).items()
	require.Len(t, tasks, 1)
	assert.Equal(t, got["handle_due"], tasks[0]["due_at"], "the task moved with the limit")
	assert.Equal(t, false, tasks[0]["due_estimated"])

	// the dispatch: the town's deadline moved too, in a `recount` step
	path := v1("/dispatches/%d", int64(dispatch["id"].(float64)))
	var d map[string]any
	for {
		d = h.as2(f.city, 200, "GET", path, nil).Body
		if d["towns"].([]any)[0].(map[string]any)["due_at"] != dispatchDue || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	dMoved, err := time.Parse(time.RFC3339, d["towns"].([]any)[0].(map[string]any)["due_at"].(string))
	require.NoError(t, err)
	dDue, err := time.Parse(time.RFC3339, dispatchDue.(string))
	require.NoError(t, err)
	assert.True(t, dMoved.After(dDue), "the dispatch recounted past the holidays: %s → %s", dDue, dMoved)
	assert.Equal(t, false, d["towns"].([]any)[0].(map[string]any)["due_estimated"], "no longer estimated")
	var labels []any
	for _, e := range d["events"].([]any) {
		labels = append(labels, e.(map[string]any)["action_label"])
	}
	assert.Contains(t, labels, "期限重算", "the recount is in the dispatch's history")
	dTasks := h.as2(f.officer, 200, "GET", v1("/tasks?dispatch_id=%d", int64(dispatch["id"].(float64))), nil).items()
	require.Len(t, dTasks, 1)
	assert.Equal(t, false, dTasks[0]["due_estimated"])
}
