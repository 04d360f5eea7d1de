package api_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/workflows"
)

// An officer's intake looks up workers and projects within the officer's
// own domain only, and never answers another domain's lead: a town
// officer naming another town's worker and project could link a note into
// that town's lead and read its state, use an ID number as a city-wide
// look-up, and tell from the answer which worker ids exist.
func TestLeadIntakeStaysInTheCallersDomain(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	ctx := context.Background()
	workerB := h.tokenFor("worker", workerScope(f.WorkerB))
	r := h.as2(workerB, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectB,
		"amount_claimed_fen": 80_000, "description": "乙项目工资未发"})
	leadB := r.num("lead_id")

	// another town's project is as unknown as a missing one
	r = h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "worker_id": f.WorkerB,
		"project_id": f.ProjectB, "amount_claimed_fen": 1, "description": "再次来电"})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.NotContains(t, string(r.Raw), "乙项目工资未发")
	r = h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "reporter_name": "来电人",
		"project_id": f.ProjectB, "amount_claimed_fen": 1, "description": "再次来电"})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "project_id")
	assert.NotContains(t, string(r.Raw), "乙项目工资未发")

	// another town's worker id answers as a missing id does
	other := h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "worker_id": f.WorkerB,
		"project_named": "某工地", "amount_claimed_fen": 1, "description": "来电"})
	missing := h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "worker_id": 999_999,
		"project_named": "某工地", "amount_claimed_fen": 1, "description": "来电"})
	assert.Equal(t, 422, other.Status)
	assert.Equal(t, missing.Status, other.Status)
	assert.Equal(t, string(missing.Raw), string(other.Raw), "nothing tells which ids exist")

	// an ID number finds only the officer's own workers: another town's
	// worker is recorded as a caller without a record, and the answer
	// shows nothing of the record
	noName := h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "id_number": f.IDNumberB,
		"project_named": "某工地", "amount_claimed_fen": 1, "description": "来访"})
	assert.Equal(t, 422, noName.Status)
	assert.Contains(t, noName.fields(), "reporter_name", "as for an unknown ID number")
	r = h.as2(f.officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "id_number": f.IDNumberB,
		"reporter_name": "来访人", "project_named": "某工地", "amount_claimed_fen": 1, "description": "来访"})
	lead := stateOf(r)
	assert.Nil(t, lead["worker_id"], "not matched to another town's worker")
	assert.Equal(t, "", lead["worker_name"])
	assert.NotContains(t, string(r.Raw), "李四")

	// the other town's lead is untouched
	var linked int
	require.NoError(t, h.pool.QueryRow(ctx, `SELECT linked_reports FROM leads WHERE id = $1`, leadB).Scan(&linked))
	assert.Zero(t, linked)
	var events int
	require.NoError(t, h.pool.QueryRow(ctx, `SELECT count(*) FROM lead_events WHERE lead_id = $1`, leadB).Scan(&events))
	assert.Equal(t, 1, events, "intake only")

	// the officer's own worker and project still link as before
	first := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 10_000, "description": "甲项目工资未发"})
	again := h.as2(f.officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "id_number": f.IDNumberA,
		"project_id": f.ProjectA, "amount_claimed_fen": 10_000, "description": "12345来电补充"})
	assert.Equal(t, true, again.Body["linked"])
	assert.Equal(t, first.num("lead_id"), again.num("lead_id"))
	assert.EqualValues(t, 1, stateOf(again)["linked_reports"])
}

// A caller who may not take an action learns nothing from their input:
// the lead's table of actions is checked against the lead before the body
// is read. A field the action does not use is refused, and an action
// answers the lead as GET /leads/{id} does.
func TestLeadActionRefusesTheWrongActorFirst(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	r := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 10_000, "description": "工资未发"})
	lead := r.num("lead_id")
	act := func(token, action string, body map[string]any) resp {
		return h.doAs(token, "POST", fmt.Sprintf("/api/v1/leads/%d/actions/%s", lead, action), body)
	}
	long := strings.Repeat("长", 2500)
	for _, c := range []struct {
		who, token, action string
		body               map[string]any
	}{
		{"the worker", f.worker, "accept", map[string]any{"note": long}},
		{"the city", f.city, "accept", map[string]any{"note": long, "closure_code": "x"}},
		{"a town officer", f.officer, "transfer", map[string]any{"town_code": "999999", "note": long}},
		{"a town officer", f.officer, "supervise", map[string]any{"level": "nope"}},
		{"the worker", f.worker, "submitEvidence", map[string]any{"due_days": 9999, "evidence_ids": []int{-1}}},
	} {
		r := act(c.token, c.action, c.body)
		assert.Equal(t, 403, r.Status, "%s %s: %s", c.who, c.action, r.Raw)
		assert.Equal(t, "lead_not_actor", r.code(), "%s %s", c.who, c.action)
		assert.Empty(t, r.fields(), "%s %s: no field is judged", c.who, c.action)
	}
	// the right actor in the wrong status: 409 before the input too
	r = act(f.officer, "reportResult", map[string]any{"closure_code": "nope"})
	assert.Equal(t, 409, r.Status, r.Raw)
	assert.Equal(t, "lead_wrong_state", r.code())

	// a field the action does not read
	r = act(f.officer, "accept", map[string]any{"closure_code": "paid_in_full", "town_code": f.TownB})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "closure_code")
	assert.Contains(t, r.fields(), "town_code")

	// what the town may do now, from the same table
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil)
	assert.ElementsMatch(t, []string{"accept", "return", "merge"}, actionNames(d.Body))
	assert.Equal(t, "待签收", d.Body["status_label"])
	assert.Empty(t, actionNames(h.as2(f.worker, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil).Body))

	// an action answers the lead as GET shows it
	r = act(f.officer, "accept", map[string]any{})
	require.Equal(t, 200, r.Status, r.Raw)
	d = h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil)
	assert.Equal(t, keysOf(d.Body), keysOf(r.Body))
	assert.Equal(t, d.Body["status"], r.Body["status"])
	assert.Equal(t, d.Body["step"], r.Body["step"])
	assert.Equal(t, len(d.Body["events"].([]any)), len(r.Body["events"].([]any)))
	evs := r.Body["events"].([]any)
	assert.Equal(t, "签收", evs[len(evs)-1].(map[string]any)["action_label"])
	assert.Contains(t, actionNames(r.Body), "orderRectification")
	assert.NotContains(t, actionNames(r.Body), "accept")

	// an action not in the table
	r = act(f.officer, "linkReport", map[string]any{"note": "x"})
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, "unknown_action", r.code())
}

func actionNames(lead map[string]any) []string {
	out := []string{}
	acts, _ := lead["actions"].([]any)
	for _, a := range acts {
		out = append(out, a.(map[string]any)["name"].(string))
	}
	return out
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// docs/API.md shows the lead's table of actions as the code has it, and
// the OpenAPI document enumerates the offered actions. Set UPDATE_DOCS=1
// to rewrite the table in docs/API.md.
func TestLeadActionsDocumented(t *testing.T) {
	checkActionsTable(t, "lead-actions", api.ActionsMarkdown(workflows.LeadActions()))

	h := setup(t)
	r := h.as2("", 200, "GET", "/api/v1/openapi.json", nil)
	op := r.Body["paths"].(map[string]any)["/api/v1/leads/{id}/actions/{action}"].(map[string]any)["post"].(map[string]any)
	var enum []any
	for _, p := range op["parameters"].([]any) {
		if p := p.(map[string]any); p["name"] == "action" {
			enum = p["schema"].(map[string]any)["enum"].([]any)
		}
	}
	var names []any
	for _, n := range workflows.LeadActions().Offered() {
		names = append(names, n)
	}
	assert.Equal(t, names, enum)
}
