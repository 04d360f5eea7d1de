package api_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/workflows"
)

// A dispatch end to end over HTTP, the embedded Temporal server and
// Postgres: the city assigns two towns, each reports on its own part from
// its inbox, the city accepts one and returns the other, which reports
// again; the dispatch closes when both are accepted.
func TestDispatchEndToEnd(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	h.asCity(func() { h.must(201, "POST", "/api/v1/towns", map[string]any{"code": "330103", "name": "丙镇"}) })
	officerC := h.tokenFor("town_officer", townScope("330103"))

	// validation names every bad field and records nothing
	r := h.doAs(f.city, "POST", "/api/v1/dispatches", map[string]any{"title": "x", "town_codes": []string{f.TownA, f.TownA},
		"due_days": 0})
	assert.Equal(t, 422, r.Status, r.Raw)
	for _, field := range []string{"title", "instructions", "town_codes", "due_days"} {
		assert.Contains(t, r.fields(), field)
	}
	r = h.doAs(f.city, "POST", "/api/v1/dispatches", map[string]any{"title": "专项检查", "instructions": "请排查",
		"town_codes": []string{"999999"}, "due_days": 5})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "town_codes")
	assert.Zero(t, h.count("dispatches"))
	h.as2(f.officer, 403, "POST", "/api/v1/dispatches", map[string]any{"title": "专项检查", "instructions": "请排查",
		"town_codes": []string{f.TownA}, "due_days": 5})

	r = h.as2(f.city, 201, "POST", "/api/v1/dispatches", map[string]any{"title": "冬季欠薪专项排查",
		"instructions": "请于期限内排查辖区在建项目工资支付情况并反馈", "town_codes": []string{f.TownB, f.TownA}, "due_days": 10})
	id := r.num("id")
	assert.Equal(t, "open", r.Body["status"])
	assert.Equal(t, "办理中", r.Body["status_label"])
	towns := r.Body["towns"].([]any)
	require.Len(t, towns, 2)
	assert.Equal(t, f.TownA, towns[0].(map[string]any)["town_code"], "in town order")
	assert.NotNil(t, towns[0].(map[string]any)["due_at"])
	assert.ElementsMatch(t, []string{"acceptReport", "returnReport", "remindTownNow", "cancel"}, actionNames(r.Body),
		"what the city may do in this status (a report to answer is checked by the workflow)")
	path := fmt.Sprintf("/api/v1/dispatches/%d", id)
	act := func(token, action string, body map[string]any) resp {
		return h.doAs(token, "POST", fmt.Sprintf("%s/actions/%s", path, action), body)
	}

	// who sees it
	h.as2(f.officerB, 200, "GET", path, nil)
	h.as2(officerC, 404, "GET", path, nil)
	h.as2(f.ent, 403, "GET", path, nil)
	assert.Len(t, h.as2(officerC, 200, "GET", "/api/v1/dispatches", nil).items(), 0)
	assert.Len(t, h.as2(f.officer, 200, "GET", "/api/v1/dispatches", nil).items(), 1)

	// each town has its task in its inbox
	inboxA := inbox(h, f.officer, "?dispatch_id="+fmt.Sprint(id))
	require.Len(t, inboxA, 1)
	assert.Equal(t, "dispatch", inboxA[0]["case_kind"])
	assert.Equal(t, "dispatch_report", inboxA[0]["kind"])
	assert.Equal(t, "冬季欠薪专项排查", inboxA[0]["dispatch_title"])
	d := h.as2(f.officer, 200, "GET", path, nil)
	assert.ElementsMatch(t, []string{"report"}, actionNames(d.Body))

	// the wrong actor learns nothing from the input; a field the action does not use is refused
	r = act(f.officer, "acceptReport", map[string]any{"town_code": "nope", "note": strings.Repeat("长", 5000)})
	assert.Equal(t, 403, r.Status, r.Raw)
	assert.Equal(t, "dispatch_not_actor", r.code())
	r = act(f.officer, "report", map[string]any{"note": "已排查", "town_code": f.TownB})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "town_code")

	r = h.as2(f.officer, 200, "POST", path+"/actions/report", map[string]any{"note": "已排查12个在建项目，未发现欠薪"})
	assert.Equal(t, keysOf(d.Body), keysOf(r.Body), "an action answers the dispatch as GET does")
	townA := r.Body["towns"].([]any)[0].(map[string]any)
	assert.NotNil(t, townA["review_due"], "the city's deadline to review the report")
	assert.Equal(t, cityInboxDue(h, f.city, id), townA["review_due"], "the review task's due date")
	for _, k := range []string{"due_estimated", "review_due_estimated"} {
		assert.IsType(t, false, townA[k], "%s: every deadline carries its mark", k)
	}
	assert.Empty(t, inbox(h, f.officer, "?dispatch_id="+fmt.Sprint(id)), "the town's task is done")
	cityInbox := inbox(h, f.city, "?dispatch_id="+fmt.Sprint(id))
	require.Len(t, cityInbox, 1)
	assert.Equal(t, "dispatch_review", cityInbox[0]["kind"])
	assert.NotNil(t, cityInbox[0]["due_at"], "the city's own task has a deadline")

	h.as2(f.officerB, 200, "POST", path+"/actions/report", map[string]any{"note": "已排查"})
	r = h.as2(f.city, 200, "POST", path+"/actions/acceptReport", map[string]any{"town_code": f.TownA})
	assert.Equal(t, "open", r.Body["status"])
	r = act(f.city, "returnReport", map[string]any{"town_code": f.TownB})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "note", "the workflow's validator names the field")
	h.as2(f.city, 200, "POST", path+"/actions/returnReport", map[string]any{"town_code": f.TownB, "note": "请附检查清单", "due_days": 3})
	h.as2(f.officerB, 200, "POST", path+"/actions/report", map[string]any{"note": "补充检查清单"})
	r = h.as2(f.city, 200, "POST", path+"/actions/acceptReport", map[string]any{"town_code": f.TownB})
	assert.Equal(t, "closed", r.Body["status"])
	assert.Empty(t, actionNames(r.Body))
	evs := r.Body["events"].([]any)
	var steps []string
	for _, e := range evs {
		ev := e.(map[string]any)
		steps = append(steps, fmt.Sprint(ev["action"], ":", ev["action_label"]))
	}
	assert.Equal(t, []string{"create:交办", "report:办理反馈", "report:办理反馈", "acceptReport:审核通过", "returnReport:退回重办",
		"report:办理反馈", "acceptReport:审核通过"}, steps)
	r = act(f.city, "cancel", map[string]any{"note": "撤销"})
	assert.Equal(t, 409, r.Status)
	assert.Equal(t, "dispatch_closed", r.code())
	assert.Len(t, h.as2(f.city, 200, "GET", "/api/v1/dispatches?status=closed", nil).items(), 1)
}

// docs/API.md shows the dispatch's table of actions as the code has it
// (UPDATE_DOCS=1 rewrites it), and no step of the history shadows an
// action.
func TestDispatchActionsDocumented(t *testing.T) {
	checkActionsTable(t, "dispatch-actions", api.ActionsMarkdown(workflows.DispatchActions()))
	for _, step := range []string{"create", "remind", "overdue", "claim", "assign", "reassign"} {
		_, ok := workflows.DispatchActions().Find(step)
		assert.False(t, ok, step)
	}
}

// checkActionsTable requires docs/API.md's table between the markers of
// name to be want (UPDATE_DOCS=1 rewrites it).
func checkActionsTable(t *testing.T, name, want string) {
	t.Helper()
	begin, end := "<!-- "+name+":begin (made from the table of actions; "+t.Name()+") -->\n", "<!-- "+name+":end -->"
	b, err := os.ReadFile("../docs/API.md")
	require.NoError(t, err)
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "docs/API.md has the markers %q and %q", begin, end)
	if got := doc[i+len(begin) : j]; got != want {
		if os.Getenv("UPDATE_DOCS") != "" {
			require.NoError(t, os.WriteFile("../docs/API.md", []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644))
			return
		}
		assert.Equal(t, want, got, "docs/API.md's %s table is stale: run with UPDATE_DOCS=1", name)
	}
}

// 督办 on a lead is a dispatch to the lead's town, linked to the lead: the
// town gets a task with its own deadline and answers it; supervising it
// again while that is open (挂牌督办) makes no second dispatch.
func TestLeadSupervisionIsADispatch(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	lead := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 10_000, "description": "工资未发"}).num("lead_id")
	path := fmt.Sprintf("/api/v1/leads/%d/actions/supervise", lead)
	r := h.doAs(f.city, "POST", path, map[string]any{"level": "supervised", "note": "请加快办理", "due_days": 0})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "due_days")
	answer := h.as2(f.city, 200, "POST", path, map[string]any{"level": "supervised", "note": "请三个工作日内反馈", "due_days": 3})
	ds := h.as2(f.city, 200, "GET", fmt.Sprintf("/api/v1/dispatches?lead_id=%d", lead), nil).items()
	require.Len(t, ds, 1)
	// the step's answer shows its dispatch: the workflow recorded and
	// started it before answering
	shown, _ := answer.Body["dispatches"].([]any)
	require.Len(t, shown, 1, answer.Raw)
	assert.Equal(t, ds[0]["id"], shown[0].(map[string]any)["id"])
	assert.Equal(t, "open", shown[0].(map[string]any)["status"])
	assert.Equal(t, fmt.Sprintf("督办：欠薪线索 #%d", lead), ds[0]["title"])
	assert.Equal(t, "open", ds[0]["status"])
	assert.Equal(t, "supervised", ds[0]["level"])
	assert.EqualValues(t, 3, ds[0]["due_days"])
	assert.Equal(t, "请三个工作日内反馈", ds[0]["instructions"])
	towns := ds[0]["towns"].([]any)
	require.Len(t, towns, 1)
	assert.Equal(t, f.TownA, towns[0].(map[string]any)["town_code"])
	tasks := inbox(h, f.officer, fmt.Sprintf("?dispatch_id=%v", ds[0]["id"]))
	require.Len(t, tasks, 1)
	assert.Equal(t, "dispatch_report", tasks[0]["kind"])
	assert.NotNil(t, tasks[0]["due_at"])

	h.as2(f.city, 200, "POST", path, map[string]any{"level": "listed", "note": "挂牌督办"})
	assert.Len(t, h.as2(f.city, 200, "GET", fmt.Sprintf("/api/v1/dispatches?lead_id=%d", lead), nil).items(), 1,
		"one open supervision dispatch per lead")
	d := h.as2(f.city, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil)
	assert.Equal(t, "listed", d.Body["supervision"])
	assert.Len(t, d.Body["dispatches"], 1)
	// the town sees the dispatch it is assigned on the lead; the worker
	// sees none
	assert.Len(t, h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil).Body["dispatches"], 1)
	assert.Empty(t, h.as2(f.worker, 200, "GET", fmt.Sprintf("/api/v1/leads/%d", lead), nil).Body["dispatches"])
	// the system log names the supervising account as the dispatch's
	// recorder
	var who *string
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT username FROM audit_log
		WHERE object_type = 'dispatches' AND object_id = $1 ORDER BY id LIMIT 1`, fmt.Sprint(ds[0]["id"])).Scan(&who))
	require.NotNil(t, who)
	assert.Contains(t, *who, "city-supervisor")
}

// A supervision taken by the lead's workflow is its dispatch whatever
// becomes of the request: the step sent straight to the workflow (as if
// the API process died right after it) still has its dispatch to the
// lead's town, started, with the town's task.
func TestLeadSupervisionDispatchWithoutTheAPI(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	lead := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 10_000, "description": "工资未发"}).num("lead_id")
	city, name := h.account("city_supervisor", cityScope())
	st, err := (&caseclient.Client{Temporal: h.temporal}).ActLead(context.Background(), lead, workflows.ActSupervise,
		workflows.ActionInput{Actor: cases.Actor{AccountID: city, Name: name, Role: "city_supervisor", Domain: "city"},
			Level: cases.Supervised, Note: "请尽快核查"})
	require.NoError(t, err)
	require.NotZero(t, st.SupervisionDispatchID)
	ds := h.as2(f.city, 200, "GET", fmt.Sprintf("/api/v1/dispatches?lead_id=%d", lead), nil).items()
	require.Len(t, ds, 1)
	assert.EqualValues(t, st.SupervisionDispatchID, ds[0]["id"])
	assert.Equal(t, "open", ds[0]["status"])
	assert.EqualValues(t, cases.DefaultSuperviseDays, ds[0]["due_days"])
	assert.EqualValues(t, city, ds[0]["created_by"])
	tasks := inbox(h, f.officer, fmt.Sprintf("?dispatch_id=%v", ds[0]["id"]))
	require.Len(t, tasks, 1)
	assert.Equal(t, "dispatch_report", tasks[0]["kind"])
}

// Warnings are read in scope: the city every one, the project's town, the
// enterprise to answer and the project's manager theirs; a warning's
// figures travel with their Chinese explanation and labels.
func TestWarningsRead(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	var id int64
	require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO warnings (rule_code, rule_version, level,
		subject_kind, project_id, enterprise_id, town_code, period, figures, explanation, key, status, due_at, due_estimated)
		VALUES ('payroll_unpaid', 1, 'orange', 'project', $1, $2, $3, '2026-09', '{"workers": 38}',
		'2026-09：出勤212人天，38名出勤工人中0人发放工资', 'test:1', 'answering', '2027-01-06T00:00:00+08:00', true) RETURNING id`,
		f.ProjectA, f.ContractorA, f.TownA).Scan(&id))
	path := fmt.Sprintf("/api/v1/warnings/%d", id)
	for _, tok := range []string{f.city, f.officer, f.ent, f.pm} {
		h.as2(tok, 200, "GET", path, nil)
	}
	h.as2(f.officerB, 404, "GET", path, nil)
	h.as2(f.entB, 404, "GET", path, nil)
	h.as2(f.worker, 403, "GET", path, nil)
	d := h.as2(f.ent, 200, "GET", path, nil)
	assert.Equal(t, "橙色预警", d.Body["level_label"])
	assert.Equal(t, "2026-09：出勤212人天，38名出勤工人中0人发放工资", d.Body["explanation"])
	assert.Equal(t, true, d.Body["due_estimated"], "the holder's deadline shows it was counted on weekdays only")
	assert.Equal(t, true, h.as2(f.city, 200, "GET", "/api/v1/warnings", nil).items()[0]["due_estimated"], "so does the list")
	assert.NotEmpty(t, d.Body["rule_code_label"])
	assert.Contains(t, actionNames(d.Body), "answer", "the enterprise may answer")
	assert.Len(t, h.as2(f.officer, 200, "GET", "/api/v1/warnings?level=orange&open=true", nil).items(), 1)
	assert.Empty(t, h.as2(f.officerB, 200, "GET", "/api/v1/warnings", nil).items())
	r := h.doAs(f.city, "GET", "/api/v1/warnings?level=purple", nil)
	assert.Equal(t, 400, r.Status)
}

// docs/API.md shows the warning's table of actions as the code has it.
func TestWarningActionsDocumented(t *testing.T) {
	checkActionsTable(t, "warning-actions", api.ActionsMarkdown(workflows.WarningActions()))
}

// A warning's steps over HTTP: the enterprise answers, the wrong party
// learns nothing from its input, the town rejects and then closes it.
func TestWarningActions(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	ctx := context.Background()
	var id int64
	require.NoError(t, h.pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		enterprise_id, town_code, key) VALUES ('notice_board_missing', 1, 'yellow', 'project', $1, $2, $3, 'http:1') RETURNING id`,
		f.ProjectA, f.ContractorA, f.TownA).Scan(&id))
	_, err := (&caseclient.Client{Temporal: h.temporal}).StartWarning(ctx, workflows.WarningInput{WarningID: id, By: cases.System,
		Rule: "notice_board_missing", Level: "yellow", ProjectID: f.ProjectA, EnterpriseID: f.ContractorA, TownCode: f.TownA})
	require.NoError(t, err)
	act := func(token, action string, body map[string]any) resp {
		return h.doAs(token, "POST", fmt.Sprintf("/api/v1/warnings/%d/actions/%s", id, action), body)
	}
	r := act(f.officer, "answer", map[string]any{"note": strings.Repeat("长", 5000)})
	assert.Equal(t, 403, r.Status, r.Raw)
	assert.Equal(t, "warning_not_actor", r.code())
	r = act(f.ent, "answer", map[string]any{"note": "已张贴", "evidence_ids": []int{1}})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "evidence_ids")
	d := h.as2(f.ent, 200, "GET", fmt.Sprintf("/api/v1/warnings/%d", id), nil)
	r = h.as2(f.ent, 200, "POST", fmt.Sprintf("/api/v1/warnings/%d/actions/answer", id), map[string]any{"note": "维权告示牌已张贴"})
	assert.Equal(t, keysOf(d.Body), keysOf(r.Body), "an action answers the warning as GET does")
	assert.Equal(t, "verifying", r.Body["status"])
	assert.IsType(t, false, r.Body["due_estimated"], "the holder's deadline carries its mark")
	h.as2(f.officer, 200, "POST", fmt.Sprintf("/api/v1/warnings/%d/actions/rejectAnswer", id), map[string]any{"note": "现场未见告示牌"})
	r = act(f.officer, "convertToLead", map[string]any{"lead_id": 999999})
	assert.Equal(t, 422, r.Status, r.Raw)
	assert.Contains(t, r.fields(), "lead_id")
	r = h.as2(f.officer, 200, "POST", fmt.Sprintf("/api/v1/warnings/%d/actions/close", id), map[string]any{"note": "已督促张贴并复查"})
	assert.Equal(t, "closed", r.Body["status"])
	assert.Empty(t, actionNames(r.Body))
	r = act(f.officer, "raiseLevel", map[string]any{"level": "red"})
	assert.Equal(t, 404, r.Status, "the scan's own actions are not offered")
}

// An on-demand scan covers one project or enterprise the caller may see.
func TestWarningScanOnDemand(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	r := h.as2(f.officer, 200, "POST", "/api/v1/warnings/scan", map[string]any{"project_id": f.ProjectA})
	for _, k := range []string{"hits", "opened", "raised", "resolved", "started"} {
		assert.Contains(t, r.Body, k)
	}
	var opened int
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT count(*) FROM warnings WHERE project_id <> $1`, f.ProjectA).Scan(&opened))
	assert.Zero(t, opened, "only the project scanned")
	h.as2(f.city, 200, "POST", "/api/v1/warnings/scan", map[string]any{"enterprise_id": f.ContractorB})
	r = h.doAs(f.city, "POST", "/api/v1/warnings/scan", map[string]any{})
	assert.Equal(t, 422, r.Status)
	r = h.doAs(f.city, "POST", "/api/v1/warnings/scan", map[string]any{"project_id": f.ProjectA, "enterprise_id": f.ContractorA})
	assert.Equal(t, 422, r.Status)
	r = h.doAs(f.officerB, "POST", "/api/v1/warnings/scan", map[string]any{"project_id": f.ProjectA})
	assert.Equal(t, 422, r.Status, "another town's project is as unknown as a missing one")
	assert.Contains(t, r.fields(), "project_id")
	h.as2(f.ent, 403, "POST", "/api/v1/warnings/scan", map[string]any{"project_id": f.ProjectA})
}

// cityInboxDue is the due date of the city's one open task on dispatch id.
func cityInboxDue(h *harness, token string, id int64) any {
	tasks := inbox(h, token, "?dispatch_id="+fmt.Sprint(id))
	if len(tasks) != 1 {
		return nil
	}
	return tasks[0]["due_at"]
}
