package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/reconcile"
	"github.com/anxin-city/anxin/workflows"
)

// leadsFixture is the registry fixture with the tokens of everyone who
// acts on a lead in domain A (and a town officer of B).
type leadsFixture struct {
	*registryFixture
	worker, officer, officer2, officerB, ent, entB, pm, city string
}

func newLeadsFixture(h *harness) *leadsFixture {
	f := &leadsFixture{registryFixture: newRegistryFixture(h)}
	f.worker = h.tokenFor("worker", workerScope(f.WorkerA))
	f.officer = h.tokenFor("town_officer", townScope(f.TownA))
	_, second := h.account("town_officer", townScope(f.TownA))
	f.officer2 = h.login(second, testPassword)
	f.officerB = h.tokenFor("town_officer", townScope(f.TownB))
	f.ent = h.tokenFor("enterprise_user", entScope(f.ContractorA))
	f.entB = h.tokenFor("enterprise_user", entScope(f.ContractorB))
	f.pm = h.tokenFor("project_manager", projectScope(f.ProjectA))
	f.city = h.tokenFor("city_supervisor", cityScope())
	return f
}

func (h *harness) as2(token string, status int, method, path string, body any) resp {
	h.t.Helper()
	r := h.doAs(token, method, path, body)
	require.Equal(h.t, status, r.Status, "%s %s: %s", method, path, r.Raw)
	return r
}

func stateOf(r resp) map[string]any {
	if st, ok := r.Body["lead"].(map[string]any); ok {
		return st
	}
	return r.Body
}

func inbox(h *harness, token, query string) []map[string]any {
	h.t.Helper()
	return h.as2(token, 200, "GET", "/api/v1/tasks"+query, nil).items()
}

func kindsOf(items []map[string]any) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, fmt.Sprint(it["actor"], ":", it["kind"]))
	}
	return out
}

// testPNG is a small real PNG image.
func testPNG(t *testing.T, size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	for x := 0; x < size; x++ {
		for y := 0; y < size; y++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 13), uint8(x ^ y), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// upload sends content as evidence of lead in chunks and returns its id.
func upload(h *harness, token string, lead int64, name string, content []byte, chunk int) int64 {
	h.t.Helper()
	return uploadTo(h, token, fmt.Sprintf("/api/v1/leads/%d/evidence", lead), name, content, chunk)
}

// uploadTo starts an upload at path (a case's evidence route) and sends
// content in chunks; it returns the file's id.
func uploadTo(h *harness, token, path, name string, content []byte, chunk int) int64 {
	h.t.Helper()
	r := h.as2(token, 201, "POST", path, map[string]any{"filename": name, "size": len(content)})
	id := r.num("id")
	for off := 0; off < len(content); off += chunk {
		end := min(off+chunk, len(content))
		req := httptest.NewRequest("PATCH", fmt.Sprintf("/api/v1/evidence/%d", id), bytes.NewReader(content[off:end]))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/offset+octet-stream")
		req.Header.Set("Upload-Offset", strconv.Itoa(off))
		res, err := h.app.Test(req, -1)
		require.NoError(h.t, err)
		body, _ := io.ReadAll(res.Body)
		require.Equal(h.t, 200, res.StatusCode, "chunk at %d: %s", off, body)
	}
	return id
}

// TestLeadEndToEnd drives one lead through HTTP, the embedded Temporal
// server and Postgres: a worker reports, the town accepts, orders
// rectification, the enterprise uploads evidence and submits it, the
// town verifies and reports the result, the worker confirms, the lead
// closes; the inboxes, the history and the system log show each step.
func TestLeadEndToEnd(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)

	// The worker reports from the phone.
	r := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 1_250_000, "workers_claimed": 1, "description": "2026年8月至10月工资未发"})
	lead := r.num("lead_id")
	st := stateOf(r)
	assert.Equal(t, "dispatched", st["status"], "dispatched to the project's town at once")
	assert.Equal(t, f.TownA, st["town_code"])
	leadPath := fmt.Sprintf("/api/v1/leads/%d", lead)
	act := func(token, action string, body map[string]any) resp {
		h.t.Helper()
		return h.doAs(token, "POST", leadPath+"/actions/"+action, body)
	}

	// The same worker reports again on the same project: linked, not duplicated.
	again := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 10_000, "description": "补充：还有加班费"})
	assert.Equal(t, lead, again.num("lead_id"))
	assert.Equal(t, true, again.Body["linked"])

	// Visible to the worker, the town and the city; not to town B or the
	// enterprise before it is ordered to rectify.
	h.as2(f.worker, 200, "GET", leadPath, nil)
	h.as2(f.city, 200, "GET", leadPath, nil)
	h.as2(f.officerB, 404, "GET", leadPath, nil)
	h.as2(f.ent, 404, "GET", leadPath, nil)
	assert.Equal(t, 404, act(f.officerB, "accept", map[string]any{}).Status)

	// The town's inbox: an unassigned acceptance; officer 1 claims it.
	items := inbox(h, f.officer, "?view=unassigned")
	require.Equal(t, []string{"town:accept"}, kindsOf(items))
	task := int64(items[0]["id"].(float64))
	h.as2(f.officer, 200, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", task), nil)
	assert.Equal(t, "task_taken", h.as2(f.officer2, 409, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", task), nil).code())
	assert.Len(t, inbox(h, f.officer, "?view=mine"), 1)
	assert.Empty(t, inbox(h, f.officer2, "?view=mine"))

	// The worker may not accept (the workflow refuses: 403 with its code).
	w := act(f.worker, "accept", map[string]any{})
	assert.Equal(t, 403, w.Status, string(w.Raw))
	assert.Equal(t, "lead_not_actor", w.code())

	r = act(f.officer, "accept", map[string]any{"note": "已签收"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "investigating", r.Body["status"])
	// the next task of the office stays with the officer who had the lead
	assert.Equal(t, []string{"town:investigate"}, kindsOf(inbox(h, f.officer, "?view=mine")))

	// Bad input is refused with the field, and changes nothing.
	r = act(f.officer, "orderRectification", map[string]any{"note": "限期支付", "enterprise_id": f.ContractorB})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "enterprise_id")
	r = act(f.officer, "orderRectification", map[string]any{})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Equal(t, "lead_invalid_input", r.code())
	assert.Contains(t, r.fields(), "note")
	r = act(f.officer, "reportResult", map[string]any{"closure_code": "paid_in_full", "note": "已付"})
	assert.Equal(t, 422, r.Status)
	assert.Contains(t, r.fields(), "claimant_amounts")
	assert.Equal(t, 404, act(f.officer, "explode", map[string]any{}).Status)

	r = act(f.officer, "orderRectification", map[string]any{"note": "五个工作日内足额支付", "due_days": 5})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "rectifying", r.Body["status"])
	assert.Equal(t, float64(f.ContractorA), r.Body["rectify_enterprise_id"])

	// The enterprise (and the project's labour manager) now see it.
	h.as2(f.ent, 200, "GET", leadPath, nil)
	h.as2(f.pm, 200, "GET", leadPath, nil)
	h.as2(f.entB, 404, "GET", leadPath, nil)
	assert.Equal(t, []string{"enterprise:rectify"}, kindsOf(inbox(h, f.ent, "")))
	assert.Equal(t, []string{"enterprise:rectify"}, kindsOf(inbox(h, f.pm, "")))

	// Evidence: uploaded in chunks, then submitted.
	proof := testPNG(t, 64)
	ev := upload(h, f.ent, lead, "转账凭证.png", proof, 1000)
	r = act(f.ent, "submitEvidence", map[string]any{"evidence_ids": []int64{ev + 1000}, "amount_paid_fen": 1_250_000})
	assert.Equal(t, 422, r.Status, "unknown evidence: %s", r.Raw)
	r = act(f.ent, "submitEvidence", map[string]any{"evidence_ids": []int64{ev}, "amount_paid_fen": 1_250_000, "note": "已通过专用账户代发"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "verifying", r.Body["status"])
	assert.Empty(t, inbox(h, f.ent, ""))
	// the town downloads and checks the proof
	res := h.doRaw("GET", fmt.Sprintf("/api/v1/evidence/%d/content", ev), f.officer)
	got, _ := io.ReadAll(res.Body)
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, proof, got)

	// the worker's report is one line: the worker's own, with the claim
	lines := h.as2(f.officer, 200, "GET", leadPath, nil).Body["claimants"].([]any)
	require.Len(t, lines, 1)
	line := lines[0].(map[string]any)
	assert.Equal(t, "open", line["status"])
	assert.Equal(t, "待确认", line["status_label"])
	assert.Equal(t, true, line["app"])
	assert.Equal(t, float64(1_260_000), line["amount_owed_fen"], "the linked report's amount added to the worker's line")
	r = act(f.officer, "reportResult", map[string]any{"closure_code": "paid_in_full", "amount_recovered_fen": 1_260_000,
		"workers_covered": 1, "note": "经核实，企业已足额支付",
		"claimant_amounts": []map[string]any{{"claimant_id": line["id"], "amount_recovered_fen": 1_260_000}}})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "confirming", r.Body["status"])
	assert.Equal(t, []string{"worker:confirm"}, kindsOf(inbox(h, f.worker, "")))

	r = act(f.worker, "confirm", map[string]any{"note": "已收到工资"})
	require.Equal(t, 200, r.Status, string(r.Raw))
	assert.Equal(t, "closed", r.Body["status"])
	for _, tok := range []string{f.worker, f.officer, f.ent, f.city} {
		assert.Empty(t, inbox(h, tok, ""), "every inbox is empty after closing")
	}

	// A closed lead takes no more steps.
	r = act(f.officer, "extend", map[string]any{"note": "延期"})
	assert.Equal(t, 409, r.Status, string(r.Raw))

	// The history: every step, who, in which role, from where.
	d := h.as2(f.city, 200, "GET", leadPath, nil)
	assert.Equal(t, "closed", d.Body["status"])
	evs, _ := d.Body["events"].([]any)
	var steps []string
	for _, e := range evs {
		m := e.(map[string]any)
		steps = append(steps, fmt.Sprint(m["action"], "/", m["actor_role"]))
		if m["actor_role"] != "system" {
			assert.NotEmpty(t, m["ip"], "the city sees where each step came from")
		}
	}
	assert.Equal(t, []string{"intake/worker", "linkReport/worker", "claim/town_officer", "accept/town_officer",
		"orderRectification/town_officer", "submitEvidence/enterprise_user", "reportResult/town_officer", "confirm/worker"}, steps)
	// the worker's own view hides the officers' names
	wv := h.as2(f.worker, 200, "GET", leadPath, nil)
	for _, e := range wv.Body["events"].([]any) {
		m := e.(map[string]any)
		if m["actor_role"] == "town_officer" {
			assert.Empty(t, m["actor_name"])
			assert.Empty(t, m["ip"])
		}
	}

	// The system log holds each change of the lead row with its actor.
	rows, err := h.pool.Query(context.Background(), `SELECT role, new_values->>'status' FROM audit_log
		WHERE object_type = 'leads' AND object_id = $1 AND new_values IS NOT NULL ORDER BY id`, strconv.FormatInt(lead, 10))
	require.NoError(t, err)
	var logged []string
	for rows.Next() {
		var role string
		var status *string
		require.NoError(t, rows.Scan(&role, &status))
		logged = append(logged, fmt.Sprint(role, "/", deref(status)))
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"worker/received", "worker/dispatched", "worker/" /* linked: status unchanged */, "worker/" /* the claim, now the sum of the lines */, "town_officer/investigating",
		"town_officer/rectifying", "enterprise_user/verifying", "town_officer/confirming", "worker/closed"}, logged)
	var accesses int
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action LIKE 'POST /api/v1/leads/:id/actions/%' AND outcome = 'ok'`).Scan(&accesses))
	assert.Equal(t, 5, accesses)

	// The consistency check finds the workflow and its projection equal.
	rep, err := reconcile.Leads(context.Background(), h.pool, h.temporal, reconcile.Options{All: true})
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
	assert.Equal(t, 1, rep.Checked)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The national platform's leads import idempotently by external ID; an
// officer records a hotline call for a worker without an account; an
// unknown project goes to the city for triage.
func TestLeadIntakeAndImport(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	rec := map[string]any{"external_id": "GJ-2026-000123", "reporter_name": "王五", "id_number": f.IDNumberA,
		"phone": "13912345678", "project_code": "PA-0001", "amount_claimed_fen": 300_000, "workers_claimed": 3,
		"description": "全国平台转来：拖欠工资"}
	bad := map[string]any{"external_id": "GJ-2026-000124", "reporter_name": "赵六", "amount_claimed_fen": -1, "description": "x",
		"project_named": "某工地"}
	r := h.as2(f.city, 200, "POST", "/api/v1/leads/import", map[string]any{"records": []any{rec, bad}})
	var out []map[string]any
	require.NoError(t, json.Unmarshal(r.Raw, &out))
	require.Len(t, out, 2)
	assert.Equal(t, "created", out[0]["outcome"])
	assert.Equal(t, "rejected", out[1]["outcome"])
	first := int64(out[0]["lead_id"].(float64))
	r = h.as2(f.city, 200, "POST", "/api/v1/leads/import", map[string]any{"records": []any{rec}})
	require.NoError(t, json.Unmarshal(r.Raw, &out))
	assert.Equal(t, "existing", out[0]["outcome"])
	assert.Equal(t, float64(first), out[0]["lead_id"])
	var n int
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT count(*) FROM leads WHERE source = 'national_platform'`).Scan(&n))
	assert.Equal(t, 1, n, "imported once; the rejected record changed nothing")
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", first), nil)
	assert.Equal(t, float64(f.WorkerA), d.Body["worker_id"], "matched to the worker by ID number")
	assert.Equal(t, "139****5678", d.Body["reporter_phone"], "masked")

	// hotline: a caller with no record, project unknown → the city triages
	r = h.as2(f.officerB, 201, "POST", "/api/v1/leads", map[string]any{"source": "hotline", "reporter_name": "孙七",
		"reporter_phone": "13800001111", "project_named": "城东某小区工地", "amount_claimed_fen": 50_000,
		"description": "12345来电：工资未结"})
	hot := r.num("lead_id")
	assert.Equal(t, "triage", stateOf(r)["status"])
	assert.Equal(t, []string{"city:triage"}, kindsOf(inbox(h, f.city, "")))
	h.as2(f.officerB, 404, "GET", fmt.Sprintf("/api/v1/leads/%d", hot), nil) // with the city, not the town
	r = h.as2(f.city, 200, "POST", fmt.Sprintf("/api/v1/leads/%d/actions/dispatch", hot), map[string]any{"town_code": f.TownB})
	assert.Equal(t, "dispatched", r.Body["status"])
	h.as2(f.officerB, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", hot), nil)
	r = h.doAs(f.city, "POST", fmt.Sprintf("/api/v1/leads/%d/actions/transfer", hot), map[string]any{"town_code": "999999", "note": "转办"})
	assert.Equal(t, 422, r.Status)
	assert.Contains(t, r.fields(), "town_code")

	// validation of the intake itself
	r = h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "fax", "amount_claimed_fen": 1, "description": "x"})
	assert.Equal(t, 422, r.Status)
	assert.Contains(t, r.fields(), "source")
	assert.Contains(t, r.fields(), "project_named")
	r = h.doAs(f.officer, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "amount_claimed_fen": 1,
		"description": "x", "project_id": 999999, "reporter_name": "周八"})
	assert.Equal(t, 422, r.Status)
	assert.Contains(t, r.fields(), "project_id")
}

// Assignment inside an office: assign to a colleague, not to an officer
// of another town; bulk reassignment when an officer leaves.
func TestTaskAssignment(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	var leads []int64
	for i := 0; i < 3; i++ {
		r := h.as2(f.officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "reporter_name": fmt.Sprintf("来访人%d", i),
			"project_id": f.ProjectA, "amount_claimed_fen": 10_000 * (i + 1), "description": "来访反映欠薪"})
		leads = append(leads, r.num("lead_id"))
	}
	items := inbox(h, f.officer, "?view=unassigned&sort=opened_at")
	require.Len(t, items, 3)
	// only the city chooses whose tasks it sees; a town's filter is refused, not ignored
	assert.Contains(t, h.as2(f.officer, 400, "GET", "/api/v1/tasks?actor=city", nil).fields(), "actor")
	me := h.as2(f.officer2, 200, "GET", "/api/v1/auth/me", nil).num("id")
	other := h.as2(f.officerB, 200, "GET", "/api/v1/auth/me", nil).num("id")
	task := int64(items[0]["id"].(float64))
	r := h.doAs(f.officer, "POST", fmt.Sprintf("/api/v1/tasks/%d/assign", task), map[string]any{"assignee_id": other})
	assert.Equal(t, 422, r.Status)
	assert.Equal(t, "not_assignable", r.code())
	r = h.as2(f.officer, 200, "POST", fmt.Sprintf("/api/v1/tasks/%d/assign", task), map[string]any{"assignee_id": me})
	assert.Equal(t, float64(me), r.Body["assignee_id"])
	assert.Len(t, inbox(h, f.officer2, "?view=mine"), 1)
	assert.Len(t, inbox(h, f.officer, "?view=unassigned"), 2)
	h.as2(f.officerB, 404, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", task), nil)

	for _, it := range items[1:] {
		h.as2(f.officer2, 200, "POST", fmt.Sprintf("/api/v1/tasks/%d/claim", int64(it["id"].(float64))), nil)
	}
	self := h.as2(f.officer, 200, "GET", "/api/v1/auth/me", nil).num("id")
	r = h.as2(f.officer, 200, "POST", "/api/v1/tasks/reassign", map[string]any{"from_account_id": me, "to_account_id": self})
	assert.Equal(t, float64(3), r.Body["reassigned"])
	assert.Len(t, inbox(h, f.officer, "?view=mine"), 3)
	assert.Empty(t, inbox(h, f.officer2, "?view=mine"))
	r = h.doAs(f.officer, "POST", "/api/v1/tasks/reassign", map[string]any{"to_account_id": self})
	assert.Equal(t, 422, r.Status)
	// filters
	assert.Len(t, inbox(h, f.officer, "?kind=accept"), 3)
	assert.Empty(t, inbox(h, f.officer, "?kind=review"))
	assert.Len(t, inbox(h, f.officer, fmt.Sprintf("?lead_id=%d", leads[1])), 1)
	assert.Empty(t, inbox(h, f.officer, "?view=overdue"))
	assert.Len(t, inbox(h, f.officer, "?view=due_soon"), 0, "5 working days away")
	r = h.doAs(f.officer, "GET", "/api/v1/tasks?view=everything", nil)
	assert.Equal(t, 400, r.Status, string(r.Raw))
	// the history records the assignment
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", leads[0]), nil)
	var acts []string
	for _, e := range d.Body["events"].([]any) {
		acts = append(acts, e.(map[string]any)["action"].(string))
	}
	assert.Equal(t, []string{"intake", "assign", "reassign"}, acts)
}

// A lead recorded while Temporal was down (its workflow never started) is
// started by the worker's next report, not linked to a workflow that does
// not exist.
func TestLeadRecordedButNotStarted(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	var id int64
	require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO leads (source, worker_id, reporter_name, project_id,
		amount_claimed_fen, workers_claimed, description, received_at) VALUES ('worker_app', $1, '张三', $2, 1000, 1, '未启动', now())
		RETURNING id`, f.WorkerA, f.ProjectA).Scan(&id))
	r := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 1000, "description": "再次反映"})
	assert.Equal(t, id, r.num("lead_id"))
	assert.Equal(t, false, r.Body["linked"])
	assert.Equal(t, "dispatched", stateOf(r)["status"])
	rep, err := reconcile.Leads(context.Background(), h.pool, h.temporal, reconcile.Options{All: true})
	require.NoError(t, err)
	assert.Empty(t, rep.Findings)
}

// sweep runs the worker side's sweep of stalled cases once (what the
// schedule "stalled-cases" runs every minute) and answers how many it
// started.
func sweep(t *testing.T, c client.Client) int {
	t.Helper()
	ctx := context.Background()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: workflows.TaskQueue}, workflows.SweepStalledCases)
	require.NoError(t, err)
	var n int
	require.NoError(t, run.Get(ctx, &n))
	return n
}

// A lead recorded more than a minute ago whose workflow never started is
// started by the worker side's periodic sweep (not only by the next
// report).
func TestStalledLeadsAreStarted(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	var stalled, young int64
	insert := func(age string) int64 {
		var id int64
		require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO leads (source, worker_id, reporter_name, project_id,
			amount_claimed_fen, workers_claimed, description, received_at, created_at) VALUES ('hotline', NULL, '来电人', $1,
			1000, 1, '未启动', now(), now() - $2::interval) RETURNING id`, f.ProjectA, age).Scan(&id))
		return id
	}
	stalled, young = insert("5 minutes"), insert("1 second")
	assert.Equal(t, 1, sweep(t, h.temporal))
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", stalled), nil)
	assert.Equal(t, "dispatched", d.Body["status"], "with its town now")
	evs := d.Body["events"].([]any)
	require.Len(t, evs, 1)
	assert.Equal(t, "system", evs[0].(map[string]any)["actor_role"], "recorded by nobody known: the system")
	h.as2(f.city, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", young), nil)
	var status string
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT status FROM leads WHERE id = $1`, young).Scan(&status))
	assert.Equal(t, "received", status, "a lead being started right now is left alone")
	assert.Zero(t, sweep(t, h.temporal), "nothing twice")
}
