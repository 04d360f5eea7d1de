package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/reconcile"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/workflows"
)

// Ten workers complaining about one project within 30 days raise a red
// group arrears warning to the city at once, not at the next daily scan:
// each lead's intake asks for the check (caseclient.CheckGroupArrears).
func TestGroupArrearsWarnedAtOnce(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	record := func(n, workers int) {
		rec := map[string]any{"external_id": fmt.Sprintf("GJ-2026-GA%02d", n), "reporter_name": "工友代表",
			"project_code": "PA-0001", "amount_claimed_fen": 900_000, "workers_claimed": workers,
			"description": "同一工地多名工人反映拖欠工资"}
		r := h.as2(f.city, 200, "POST", "/api/v1/leads/import", map[string]any{"records": []any{rec}})
		require.Contains(t, string(r.Raw), `"created"`)
	}
	groupWarnings := func() []map[string]any {
		return h.as2(f.city, 200, "GET", "/api/v1/warnings?rule_code=group_arrears", nil).items()
	}
	record(1, 4)
	record(2, 5)
	// 9 workers: below the threshold, the checks run and raise nothing
	time.Sleep(2 * time.Second)
	assert.Empty(t, groupWarnings())

	record(3, 3) // 12 workers
	var ws []map[string]any
	require.Eventually(t, func() bool { ws = groupWarnings(); return len(ws) > 0 && ws[0]["status"] != "received" },
		30*time.Second, 200*time.Millisecond, "a group arrears warning is raised without waiting for the daily scan")
	require.Len(t, ws, 1)
	w := ws[0]
	assert.Equal(t, "red", w["level"])
	assert.Equal(t, "escalated_city", w["status"], "it goes to the city at once")
	assert.Contains(t, w["explanation"], "12名工人反映欠薪")
	assert.NotNil(t, w["due_at"])

	// the city's inbox: a task on the warning, with what the warning is
	ts := inbox(h, f.city, "?case_kind=warning")
	require.Len(t, ts, 1)
	task := ts[0]
	assert.Equal(t, "warning_review", task["kind"])
	assert.Equal(t, "市级处置预警", task["kind_label"])
	assert.Equal(t, "预警", task["case_kind_label"])
	assert.Equal(t, w["id"], task["warning_id"])
	assert.Equal(t, "群体性欠薪", task["warning_rule_label"])
	assert.Equal(t, "红色预警", task["warning_level_label"])
	assert.Equal(t, "市级处置中", task["warning_status_label"])
	assert.Equal(t, float64(f.ProjectA), task["project_id"])
	assert.NotEmpty(t, task["project_name"])
	assert.Contains(t, task["warning_explanation"], "12名工人")
	assert.Empty(t, inbox(h, f.city, "?case_kind=lead&kind=warning_review"))
	assert.Equal(t, 400, h.doAs(f.city, "GET", "/api/v1/tasks?case_kind=case", nil).Status)

	// the town sees it too; another town does not
	assert.Len(t, h.as2(f.officer, 200, "GET", "/api/v1/warnings?rule_code=group_arrears", nil).items(), 1)
	assert.Empty(t, h.as2(f.officerB, 200, "GET", "/api/v1/warnings?rule_code=group_arrears", nil).items())

	// one more complaint: still one warning for the condition
	record(4, 2)
	time.Sleep(2 * time.Second)
	assert.Len(t, groupWarnings(), 1)
}

// End to end, as in production: the daily scan's Temporal Schedule,
// triggered, raises the warnings the rules find; the warned enterprise
// answers one over HTTP and its town accepts the answer; the projection
// stays equal to the workflows (reconcile.Warnings).
func TestWarningScheduledScanEndToEnd(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	ctx := context.Background()
	results, err := rules.Scan(ctx, db.Q(h.pool), time.Now().In(cases.Zone), rules.Filter{})
	require.NoError(t, err)
	hits := 0
	for _, r := range results {
		hits += len(r.Hits)
	}
	require.Positive(t, hits, "the fixture has something to warn about")

	require.NoError(t, platform.EnsureWarningScanSchedule(ctx, h.temporal, 24*time.Hour))
	require.NoError(t, h.temporal.ScheduleClient().GetHandle(ctx, platform.WarningScanScheduleID).
		Trigger(ctx, client.ScheduleTriggerOptions{}))
	var ws []map[string]any
	require.Eventually(t, func() bool {
		ws = h.as2(f.city, 200, "GET", "/api/v1/warnings?open=true&page_size=200", nil).items()
		for _, w := range ws {
			if w["status"] == "received" {
				return false
			}
		}
		return len(ws) == hits
	}, 60*time.Second, 300*time.Millisecond, "the scheduled scan opens one warning per hit")

	// one the contractor of project A is to answer
	var w map[string]any
	for _, x := range ws {
		if x["status"] == "answering" && x["enterprise_id"] == float64(f.ContractorA) {
			w = x
		}
	}
	require.NotNil(t, w, "a warning for the contractor to answer: %v", ws)
	path := fmt.Sprintf("/api/v1/warnings/%v", w["id"])
	ts := inbox(h, f.ent, fmt.Sprintf("?warning_id=%v", w["id"]))
	require.Len(t, ts, 1, "the enterprise's inbox has the answer task")
	assert.Equal(t, "warning_answer", ts[0]["kind"])
	r := h.as2(f.ent, 200, "POST", path+"/actions/answer", map[string]any{"note": "已按月足额发放，见工资支付凭证"})
	assert.Equal(t, "verifying", r.Body["status"])
	r = h.as2(f.officer, 200, "POST", path+"/actions/acceptAnswer", map[string]any{"note": "经核实已整改"})
	assert.Equal(t, "closed", r.Body["status"])
	d := h.as2(f.city, 200, "GET", path, nil)
	var actions []string
	for _, e := range d.Body["events"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	assert.Equal(t, []string{"create", "answer", "acceptAnswer"}, actions)

	rep, err := reconcile.Warnings(ctx, h.pool, h.temporal, reconcile.Options{All: true, Grace: time.Nanosecond})
	require.NoError(t, err)
	assert.Equal(t, hits, rep.Checked)
	assert.Empty(t, rep.Findings)
}

// A warning converted into an arrears lead: the warning records the lead,
// and the lead lists the warning (both link to each other).
func TestWarningConvertedToLeadLinksBoth(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	ctx := context.Background()
	var id int64
	require.NoError(t, h.pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		enterprise_id, town_code, period, explanation, key) VALUES ('payroll_unpaid', 1, 'orange', 'project', $1, $2, $3,
		'2026-10', '2026-10：38名出勤工人中0人发放工资', 'convert:1') RETURNING id`, f.ProjectA, f.ContractorA, f.TownA).Scan(&id))
	_, err := (&caseclient.Client{Temporal: h.temporal}).StartWarning(ctx, workflows.WarningInput{WarningID: id, By: cases.System,
		Rule: "payroll_unpaid", Level: "orange", ProjectID: f.ProjectA, TownCode: f.TownA})
	require.NoError(t, err)
	lead := stateOf(h.as2(f.officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "reporter_name": "镇街核查",
		"project_id": f.ProjectA, "amount_claimed_fen": 3_800_000, "description": "预警核查发现10月工资未发放"}))
	leadID := lead["id"]
	r := h.as2(f.officer, 200, "POST", fmt.Sprintf("/api/v1/warnings/%d/actions/convertToLead", id),
		map[string]any{"lead_id": leadID, "note": "核实属实，转为欠薪线索"})
	assert.Equal(t, "converted", r.Body["status"])
	assert.Equal(t, leadID, r.Body["lead_id"])
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%v", leadID), nil)
	ws := d.Body["warnings"].([]any)
	require.Len(t, ws, 1, "the lead links back to the warning")
	w := ws[0].(map[string]any)
	assert.Equal(t, float64(id), w["id"])
	assert.Equal(t, "工资未按月支付", w["rule_code_label"])
	assert.Equal(t, "橙色预警", w["level_label"])
	// another town's officer sees neither
	h.as2(f.officerB, 404, "GET", fmt.Sprintf("/api/v1/leads/%v", leadID), nil)
}
