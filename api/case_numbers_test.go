package api_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var caseNoFormat = regexp.MustCompile(`^(QX|JB|YJ)-\d{4}-\d{6}$`)

// Leads, dispatches and warnings get a case number in the local format
// when they are recorded, counted per kind and year of creation (China
// time), unique; the lists find a case by its number however it is typed;
// the inbox shows each task's case number, summary and major flag.
func TestCaseNumbers(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	ctx := context.Background()
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()

	desc := strings.Repeat("工地拖欠三个月工资，", 10) // 100 characters
	r := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 1200000, "workers_claimed": 3, "description": desc})
	lead := stateOf(r)
	no, _ := lead["case_no"].(string)
	require.Regexp(t, caseNoFormat, no)
	require.True(t, strings.HasPrefix(no, fmt.Sprintf("QX-%d-", year)), no)
	assert.Equal(t, "dispatched", lead["status"])
	assert.Equal(t, "待签收", lead["status_label"])
	assert.Equal(t, "工人线上反映", lead["source_label"])

	// rows inserted any way are numbered: the next number, and a year of
	// its own for a row created in another year
	var next, old string
	require.NoError(t, h.pool.QueryRow(ctx, `INSERT INTO leads (source, reporter_name, project_id, amount_claimed_fen,
		workers_claimed, description, received_at) VALUES ('hotline', '来电人', $1, 1000, 1, '直接插入', now())
		RETURNING case_no`, f.ProjectA).Scan(&next))
	require.NoError(t, h.pool.QueryRow(ctx, `INSERT INTO leads (source, reporter_name, project_id, amount_claimed_fen,
		workers_claimed, description, received_at, created_at) VALUES ('hotline', '来电人', $1, 1000, 1, '去年', now(),
		'2024-12-31 16:30:00+00') RETURNING case_no`, f.ProjectA).Scan(&old))
	seqOf := func(no string) int {
		var n int
		_, err := fmt.Sscanf(no[len(no)-6:], "%d", &n)
		require.NoError(t, err)
		return n
	}
	assert.Equal(t, seqOf(no)+1, seqOf(next))
	assert.Equal(t, "QX-2025-000001", old, "2024-12-31 16:30 UTC is 2025-01-01 in China: the year of creation there")
	// a number is never given twice nor chosen by the caller
	_, err := h.pool.Exec(ctx, `INSERT INTO leads (source, reporter_name, amount_claimed_fen, workers_claimed, description,
		received_at, case_no) VALUES ('hotline', '来电人', 1000, 1, '自选编号', now(), 'QX-2026-999999')`)
	require.Error(t, err)
	var dup int
	require.NoError(t, h.pool.QueryRow(ctx, `SELECT count(*) - count(DISTINCT case_no) FROM leads`).Scan(&dup))
	assert.Zero(t, dup)

	// found by its number, typed any usual way
	short := strings.ToLower(strings.ReplaceAll(no, "-", " "))
	for _, q := range []string{no, short, strings.ReplaceAll(no, "-", "")} {
		items := h.as2(f.officer, 200, "GET", "/api/v1/leads?case_no="+urlq(q), nil).items()
		require.Len(t, items, 1, q)
		assert.Equal(t, no, items[0]["case_no"])
	}
	assert.Empty(t, h.as2(f.officer, 200, "GET", "/api/v1/leads?case_no=QX-1999-000001", nil).items())
	for _, bad := range []string{"12345", "JB-2026-000001", "QX-2026-0"} {
		e := h.as2(f.officer, 400, "GET", "/api/v1/leads?case_no="+urlq(bad), nil)
		assert.Equal(t, "invalid_query", e.code(), bad)
		assert.Contains(t, e.fields(), "case_no")
	}

	// the town's inbox: the task says what the case is without opening it
	tasks := inbox(h, f.officer, "?case_no="+urlq(short))
	require.Len(t, tasks, 1)
	task := tasks[0]
	assert.Equal(t, no, task["case_no"])
	assert.Equal(t, "accept", task["kind"])
	assert.Equal(t, "签收", task["kind_label"])
	assert.Equal(t, "欠薪线索", task["case_kind_label"])
	assert.Equal(t, "工人线上反映", task["lead_source_label"])
	assert.Equal(t, false, task["major"])
	assert.EqualValues(t, 1200000, task["amount_claimed_fen"])
	assert.EqualValues(t, 3, task["workers_claimed"])
	sum := task["summary"].(string)
	assert.Len(t, []rune(sum), 60)
	assert.True(t, strings.HasPrefix(desc, strings.TrimSuffix(sum, "…")) && strings.HasSuffix(sum, "…"), sum)
	assert.Empty(t, inbox(h, f.officer, "?case_no=JB-2026-000001"))

	// the lead's events carry their labels
	d := h.as2(f.officer, 200, "GET", fmt.Sprintf("/api/v1/leads/%v", lead["id"]), nil)
	ev := d.Body["events"].([]any)[0].(map[string]any)
	assert.Equal(t, "受理登记", ev["action_label"])
	assert.Equal(t, "工人", ev["actor_role_label"])
	assert.NotEmpty(t, ev["to_status_label"])

	// a dispatch: JB-…, in its list, its detail and the towns' tasks
	dr := h.as2(f.city, 201, "POST", "/api/v1/dispatches", map[string]any{"title": "排查城东片区在建项目工资支付情况",
		"instructions": "请逐一排查", "town_codes": []string{f.TownA}, "due_days": 5})
	jb, _ := dr.Body["case_no"].(string)
	require.Regexp(t, `^JB-\d{4}-000001$`, jb)
	items := h.as2(f.city, 200, "GET", "/api/v1/dispatches?case_no="+urlq(strings.ToLower(jb)), nil).items()
	require.Len(t, items, 1)
	assert.Equal(t, "办理中", items[0]["status_label"])
	h.as2(f.city, 400, "GET", "/api/v1/dispatches?case_no="+urlq(no), nil)
	tasks = inbox(h, f.officer, "?case_no="+urlq(jb))
	require.Len(t, tasks, 1)
	assert.Equal(t, "排查城东片区在建项目工资支付情况", tasks[0]["summary"])
	assert.Equal(t, "交办事项", tasks[0]["case_kind_label"])
	assert.Equal(t, "", tasks[0]["lead_status"], "a dispatch's task has no lead columns")

	// a warning: YJ-…
	var yj string
	require.NoError(t, h.pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		town_code, key, status, explanation) VALUES ('notice_board_missing', 1, 'yellow', 'project', $1, $2, 'case-no', 'escalated_town', '未设置维权信息告示牌')
		RETURNING case_no`, f.ProjectA, f.TownA).Scan(&yj))
	require.Regexp(t, `^YJ-\d{4}-000001$`, yj)
	items = h.as2(f.officer, 200, "GET", "/api/v1/warnings?case_no="+urlq(yj), nil).items()
	require.Len(t, items, 1)
	assert.Equal(t, "未设置维权信息告示牌", items[0]["rule_code_label"])
	assert.Equal(t, "黄色预警", items[0]["level_label"])
	assert.Equal(t, "项目", items[0]["subject_kind_label"])
}

func urlq(s string) string { return strings.ReplaceAll(s, " ", "%20") }
