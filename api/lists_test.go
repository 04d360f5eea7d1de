package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/pii"
)

// TestEveryListTotalPastTheEnd checks every paged list (every GET route
// documented with a page parameter): a page past the end has no items but
// still reports the list's real total, and paging parameters are checked
// alike everywhere.
func TestEveryListTotalPastTheEnd(t *testing.T) {
	h := setupCases(t)
	f := newLabourFixture(h)
	h.must(201, "PUT", v1("/attendance"), map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-03-05"})
	sheet := h.must(201, "POST", v1("/payroll-sheets"), map[string]any{"project_id": f.projA, "month": "2025-02"}).num("id")
	h.must(201, "POST", v1("/payroll-lines"), map[string]any{"sheet_id": sheet, "worker_id": f.w1, "amount_due_fen": 800000})
	h.must(201, "POST", v1("/work-records"), map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-03-05",
		"item": "模板安装", "quantity_milli": 12500})
	account := h.must(201, "POST", v1("/wage-accounts"), map[string]any{"project_id": f.projA, "bank_name": "建设银行",
		"account_name": "甲项目农民工工资专用账户", "account_no": "6217001234567890", "opened_on": "2025-01-02"}).num("id")
	h.must(201, "POST", v1("/labour-cost-transfers"), map[string]any{"account_id": account, "month": "2025-02",
		"amount_fen": 500000, "transferred_on": "2025-02-20"})
	h.must(201, "POST", v1("/wage-deposits"), map[string]any{"project_id": f.projA, "form": "cash", "required_fen": 1000000,
		"amount_fen": 1000000, "paid_on": "2025-01-05"})
	home := h.must(201, "POST", v1("/safety-homes"), map[string]any{"town_code": "330101", "name": "甲镇安薪之家",
		"established_on": "2025-01-10"}).num("id")
	h.must(201, "POST", v1("/safety-supervisors"), map[string]any{"home_id": home, "name": "赵监督"})
	h.must(201, "POST", v1("/safety-activities"), map[string]any{"home_id": home, "held_on": "2025-01-15", "title": "宣讲",
		"kind": "publicity"})
	// a lead at the city for triage: a lead and a task of the city
	h.must(201, "POST", v1("/leads"), map[string]any{"source": "hotline", "reporter_name": "来电人",
		"project_named": "不明工地", "amount_claimed_fen": 100000, "description": "12345来电反映欠薪"})
	h.must(201, "POST", v1("/dispatches"), map[string]any{"title": "专项检查", "instructions": "请排查",
		"town_codes": []string{"330101"}, "due_days": 5})
	_, err := h.pool.Exec(context.Background(), `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		town_code, key, status) VALUES ('notice_board_missing', 1, 'yellow', 'project', $1, '330101', 'lists', 'escalated_town')`,
		f.projA)
	require.NoError(t, err)
	// a text in the outbox (the hotline's reporter left no phone)
	phone, err := h.keys.Encrypt(pii.KindPhone, "13800138000")
	require.NoError(t, err)
	_, err = h.pool.Exec(context.Background(), `WITH n AS (INSERT INTO notifications (recipient, kind, title, body, case_kind,
		case_id, seq, created_at) VALUES ('sms:reporter', 'result', '线索已办结', '已办结', 'lead', 1, 9, now()) RETURNING id)
		INSERT INTO sms_outbox (notification_id, phone_enc, text, next_attempt_at) SELECT id, $1, '【安薪】已办结', now() FROM n`, phone)
	require.NoError(t, err)

	// The queries of lists with required filters; by_employment is the
	// worker list through employments (see workers.sql).
	queries := map[string][]string{
		"/attendance":         {fmt.Sprintf("project_id=%d&date_from=2025-03-01&date_to=2025-03-31", f.projA)},
		"/attendance/summary": {fmt.Sprintf("project_id=%d&month=2025-03", f.projA)},
		"/workers":            {"", fmt.Sprintf("project_id=%d", f.projA)},
		"/audit-log":          {"action=towns.insert"}, // rows that stay put while the test reads
	}
	doc := h.must(200, "GET", v1("/openapi.json"), nil)
	paths, _ := doc.Body["paths"].(map[string]any)
	var lists []string
	for path, item := range paths {
		get, _ := item.(map[string]any)["get"].(map[string]any)
		params, _ := get["parameters"].([]any)
		for _, p := range params {
			if p.(map[string]any)["name"] == "page" {
				lists = append(lists, strings.TrimPrefix(path, "/api/v1"))
			}
		}
	}
	require.Len(t, lists, 25, "every paged list is checked here")
	for _, list := range lists {
		h.role = ""
		switch list {
		case "/accounts":
			h.role = "city_admin" // the city's account administrators list accounts
		case "/audit-log":
			h.role = "city_auditor" // and its auditors read the log
		}
		qs, ok := queries[list]
		if !ok {
			qs = []string{""}
		}
		for _, q := range qs {
			t.Run(strings.TrimPrefix(list, "/")+"?"+q, func(t *testing.T) {
				first := h.must(200, "GET", v1("%s?%s&page_size=1", list, q), nil)
				total := first.num("total")
				require.Positive(t, total, "the fixture has rows in every list")
				require.Len(t, first.items(), 1)
				past := h.must(200, "GET", v1("%s?%s&page=%d&page_size=1", list, q, total+1), nil)
				require.Empty(t, past.items())
				require.EqualValues(t, total, past.num("total"), "a page past the end still has the list's total")
				require.EqualValues(t, total+1, past.num("page"))
				require.EqualValues(t, 1, past.num("page_size"))
				for _, bad := range []string{"page=0", "page_size=201", "sort=nope"} {
					r := h.must(400, "GET", v1("%s?%s&%s", list, q, bad), nil)
					require.Len(t, r.fields(), 1, bad)
				}
			})
		}
	}
}
