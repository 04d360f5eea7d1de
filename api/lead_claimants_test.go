package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A group complaint (集体欠薪): one lead with a line per claimant; bad
// lines are refused by their path with nothing recorded; each claimant
// answers for their own line; the enterprise sees whom to pay, phones
// masked; a worker who is no claimant sees nothing.
func TestLeadClaimantsGroupComplaint(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	otherWorker := h.tokenFor("worker", workerScope(f.WorkerB))
	total := func() int64 { return h.as2(f.city, 200, "GET", "/api/v1/leads", nil).num("total") }
	before := total()

	body := func(lines ...map[string]any) map[string]any {
		return map[string]any{"source": "hotline", "project_id": f.ProjectA, "reporter_name": "王五", "reporter_phone": "13912345678",
			"description": "班组十余人2026年8月至10月工资未发", "claimants": lines}
	}
	good := []map[string]any{
		{"worker_id": f.WorkerA, "amount_owed_fen": 1_000_000, "period_from": "2026-08", "period_to": "2026-10", "team_leader": "李工"},
		{"name": "王五", "phone": "13912345678", "amount_owed_fen": 2_000_000},
		{"name": "赵六", "amount_owed_fen": 500_000},
	}
	// bad lines: each named by its path, nothing recorded
	r := h.doAs(f.officer, "POST", "/api/v1/leads", body(good[0], map[string]any{"amount_owed_fen": 0},
		map[string]any{"name": "赵六", "amount_owed_fen": 5, "period_from": "2026-13", "phone": "12"},
		map[string]any{"worker_id": f.WorkerA, "amount_owed_fen": 5, "period_from": "2026-10", "period_to": "2026-08"}))
	require.Equal(t, 422, r.Status, string(r.Raw))
	for _, field := range []string{"claimants[1].name", "claimants[1].amount_owed_fen", "claimants[2].period_from",
		"claimants[2].phone", "claimants[3].worker_id", "claimants[3].period_to"} {
		assert.Contains(t, r.fields(), field)
	}
	r = h.doAs(f.officer, "POST", "/api/v1/leads", func() map[string]any {
		b := body(good...)
		b["amount_claimed_fen"] = 100
		return b
	}())
	require.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "amount_claimed_fen")
	r = h.doAs(f.officer, "POST", "/api/v1/leads", body(map[string]any{"worker_id": 999_999, "amount_owed_fen": 5}, good[1]))
	require.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "claimants[0].worker_id")
	assert.Equal(t, before, total(), "nothing recorded")

	r = h.as2(f.officer, 201, "POST", "/api/v1/leads", body(good...))
	lead := r.num("lead_id")
	st := stateOf(r)
	assert.Equal(t, float64(3), st["workers_claimed"])
	assert.Equal(t, float64(3_500_000), st["amount_claimed_fen"])
	assert.Nil(t, st["worker_id"], "a group's workers are its lines")
	leadPath := fmt.Sprintf("/api/v1/leads/%d", lead)
	lines := st["claimants"].([]any)
	require.Len(t, lines, 3)
	ids := make([]any, 3)
	for i, l := range lines {
		ids[i] = l.(map[string]any)["id"]
	}
	first := lines[0].(map[string]any)
	assert.Equal(t, "2026-08", first["period_from"])
	assert.Equal(t, "李工", first["team_leader"])
	assert.Equal(t, true, first["app"], "WorkerA has an account")
	assert.Equal(t, "139****5678", lines[1].(map[string]any)["phone"])
	assert.Equal(t, false, lines[1].(map[string]any)["app"])

	// the claimant worker sees the lead and only their own line; a
	// worker who is no claimant sees nothing
	d := h.as2(f.worker, 200, "GET", leadPath, nil)
	assert.Len(t, d.Body["claimants"], 1)
	h.as2(otherWorker, 404, "GET", leadPath, nil)

	act := func(token, action string, body map[string]any) resp {
		h.t.Helper()
		return h.doAs(token, "POST", leadPath+"/actions/"+action, body)
	}
	require.Equal(t, 200, act(f.officer, "accept", nil).Status)
	r = act(f.officer, "orderRectification", map[string]any{"note": "五个工作日内足额支付"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	// the enterprise ordered sees whom to pay: names and amounts, phones masked
	d = h.as2(f.ent, 200, "GET", leadPath, nil)
	el := d.Body["claimants"].([]any)
	require.Len(t, el, 3)
	assert.Equal(t, "王五", el[1].(map[string]any)["name"])
	assert.Equal(t, float64(2_000_000), el[1].(map[string]any)["amount_owed_fen"])
	assert.NotContains(t, string(d.Raw), "13912345678")

	amounts := []map[string]any{{"claimant_id": ids[0], "amount_recovered_fen": 1_000_000},
		{"claimant_id": ids[1], "amount_recovered_fen": 1_500_000}, {"claimant_id": ids[2], "amount_recovered_fen": 0}}
	r = act(f.officer, "reportResult", map[string]any{"closure_code": "paid_in_full", "note": "已支付", "claimant_amounts": amounts})
	require.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "claimant_amounts[1].amount_recovered_fen")
	r = act(f.officer, "reportResult", map[string]any{"closure_code": "paid_in_part", "note": "部分支付，余款协议分期",
		"claimant_amounts": amounts})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "confirming", r.Body["status"])
	assert.Equal(t, float64(2_500_000), r.Body["amount_recovered_fen"])
	assert.Equal(t, float64(2), r.Body["workers_covered"])
	assert.ElementsMatch(t, []string{"worker:confirm"}, kindsOf(inbox(h, f.worker, "")))
	assert.Contains(t, kindsOf(inbox(h, f.officer, "")), "town:callback")

	// a worker answers for their own line only
	r = act(f.worker, "confirm", map[string]any{"claimant_id": ids[1]})
	assert.Equal(t, 403, r.Status, string(r.Raw))
	r = act(f.worker, "confirm", map[string]any{})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "confirming", r.Body["status"], "two lines still open")
	// the town names the line when more than one is open
	r = act(f.officer, "confirm", map[string]any{"note": "电话回访确认"})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "claimant_id")
	r = act(f.officer, "recordUnreachable", map[string]any{"claimant_id": ids[2], "note": "两次致电无人接听"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	r = act(f.officer, "confirm", map[string]any{"note": "电话回访确认"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "closed", r.Body["status"])
	var got []string
	for _, l := range r.Body["claimants"].([]any) {
		got = append(got, l.(map[string]any)["status_label"].(string))
	}
	assert.Equal(t, []string{"已确认", "已确认", "回访未联系上"}, got)
	assert.False(t, strings.Contains(string(r.Raw), "13912345678"))
}

// A merge (并案): a worker's lead and a hotline caller's on one project; the town merges the
// second into the first: its line moves, it closes as merged pointing to
// the first; merging it again is refused.
func TestLeadClaimantsMerge(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	a := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 1_000_000, "description": "8月至10月工资未发"}).num("lead_id")
	b := h.as2(f.officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "project_id": f.ProjectA,
		"reporter_name": "李四", "reporter_phone": "13912345678", "amount_claimed_fen": 400_000, "description": "9月工资未发"}).num("lead_id")
	path := func(id int64) string { return fmt.Sprintf("/api/v1/leads/%d", id) }
	act := func(token string, id int64, action string, body map[string]any) resp {
		h.t.Helper()
		return h.doAs(token, "POST", path(id)+"/actions/"+action, body)
	}
	require.Equal(t, 200, act(f.officer, a, "accept", nil).Status)
	r := act(f.officer, a, "merge", map[string]any{"lead_id": a, "note": "同一项目"})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "lead_id")
	r = act(f.officerB, a, "merge", map[string]any{"lead_id": b})
	assert.Equal(t, 404, r.Status, "another town's officer: %s", r.Raw)

	r = act(f.officer, a, "merge", map[string]any{"lead_id": b, "note": "同一项目同期欠薪，并案办理"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	lines := r.Body["claimants"].([]any)
	require.Len(t, lines, 2)
	assert.Equal(t, float64(b), lines[1].(map[string]any)["moved_from"])
	assert.Equal(t, float64(1_400_000), r.Body["amount_claimed_fen"])
	assert.Equal(t, float64(2), r.Body["workers_claimed"])

	// the merged lead closes by itself (its workflow, signalled)
	var d resp
	require.Eventually(t, func() bool {
		d = h.as2(f.officer, 200, "GET", path(b), nil)
		return d.Body["status"] == "closed"
	}, 10*time.Second, 50*time.Millisecond)
	assert.Equal(t, "merged", d.Body["closure_code"])
	assert.Equal(t, "已并案", d.Body["closure_code_label"])
	assert.Equal(t, float64(a), d.Body["merged_into"])
	assert.Empty(t, d.Body["claimants"])
	assert.Empty(t, d.Body["tasks"])

	r = act(f.officer, a, "merge", map[string]any{"lead_id": b})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "lead_id")
}
