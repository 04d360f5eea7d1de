package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/notify"
	"github.com/anxin-city/anxin/pii"
)

// TestNotifications drives leads through HTTP and the embedded Temporal
// server and reads what each step told whom: the town's officers of a
// lead recorded for them (unread count, mark read, nobody else's), the
// enterprise ordered to rectify (in the app, and by text at its contact
// phone), the worker asked to confirm a result (in the app and by text
// in the outbox), and the city's view of the outbox with masked phones.
func TestNotifications(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	ctx := context.Background()
	const phone = "13800138000"
	enc, err := h.keys.Encrypt(pii.KindPhone, phone)
	require.NoError(t, err)
	_, err = h.pool.Exec(ctx, `UPDATE workers SET phone_enc = $1, phone_hash = $2 WHERE id = $3`, enc, h.keys.Hash(pii.KindPhone, phone), f.WorkerA)
	require.NoError(t, err)
	entPhone, err := h.keys.Encrypt(pii.KindPhone, "13900139000")
	require.NoError(t, err)
	_, err = h.pool.Exec(ctx, `UPDATE enterprises SET contact_phone_enc = $1 WHERE id = $2`, entPhone, f.ContractorA)
	require.NoError(t, err)

	unread := func(token string) int64 {
		t.Helper()
		return h.as2(token, 200, "GET", "/api/v1/notifications/unread-count", nil).num("unread")
	}
	for _, tok := range []string{f.officer, f.officer2, f.officerB, f.ent, f.worker, f.city} {
		require.Zero(t, unread(tok))
	}

	// An officer records a walk-in lead about project A: both officers of
	// town A are told it waits for acceptance; town B nothing.
	lead := h.as2(f.officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "reporter_name": "来访人",
		"project_id": f.ProjectA, "amount_claimed_fen": 300_000, "description": "拖欠两个月工资"}).num("lead_id")
	assert.EqualValues(t, 1, unread(f.officer))
	assert.EqualValues(t, 1, unread(f.officer2))
	assert.Zero(t, unread(f.officerB))
	list := h.as2(f.officer2, 200, "GET", "/api/v1/notifications?unread=true", nil)
	items := list.items()
	require.Len(t, items, 1)
	n := items[0]
	assert.Equal(t, "task", n["kind"])
	assert.Equal(t, "新待办", n["kind_label"])
	assert.Equal(t, "accept", n["task_kind"])
	assert.NotEmpty(t, n["task_kind_label"])
	assert.Equal(t, "lead", n["case_kind"])
	assert.Equal(t, "欠薪线索", n["case_kind_label"])
	assert.EqualValues(t, lead, n["case_id"])
	assert.Equal(t, "新线索待签收", n["title"])
	assert.Contains(t, n["body"], fmt.Sprintf("您单位有一条新的欠薪线索待受理（欠薪线索 #%d）：请于", lead))
	assert.Equal(t, false, n["read"])
	assert.NotNil(t, n["delivered_at"])
	id := int64(n["id"].(float64))

	// Nobody else reads or marks it: as if it did not exist.
	for _, tok := range []string{f.officer, f.officerB, f.city, f.worker} {
		h.as2(tok, 404, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil)
	}
	assert.EqualValues(t, 1, unread(f.officer2), "untouched by the others' attempts")
	r := h.as2(f.officer2, 200, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil)
	assert.Equal(t, true, r.Body["read"])
	first := r.Body["read_at"]
	assert.Equal(t, first, h.as2(f.officer2, 200, "POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil).Body["read_at"],
		"read once")
	assert.Zero(t, unread(f.officer2))
	assert.EqualValues(t, 1, unread(f.officer), "each reads their own")
	assert.Empty(t, h.as2(f.officer2, 200, "GET", "/api/v1/notifications?unread=true", nil).items())
	assert.Len(t, h.as2(f.officer2, 200, "GET", "/api/v1/notifications", nil).items(), 1)
	assert.EqualValues(t, 1, h.as2(f.officer, 200, "POST", "/api/v1/notifications/read-all", nil).num("marked"))
	assert.Zero(t, unread(f.officer))
	// bad filters are refused, with the field
	bad := h.as2(f.officer, 400, "GET", "/api/v1/notifications?kind=spam", nil)
	assert.Contains(t, bad.fields(), "kind")
	h.as2(f.officer, 400, "GET", "/api/v1/notifications?unread=maybe", nil)
	h.as2(f.officer, 404, "POST", "/api/v1/notifications/abc/read", nil)

	// The worker reports on project A; the town accepts and orders the
	// contractor to rectify: the enterprise (and the project's labour
	// manager) are told, and the contractor's phone gets the order.
	report := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 1_250_000, "description": "三个月工资未发"}).num("lead_id")
	act := func(token, action string, body map[string]any) {
		t.Helper()
		h.as2(token, 200, "POST", fmt.Sprintf("/api/v1/leads/%d/actions/%s", report, action), body)
	}
	act(f.officer, "accept", map[string]any{})
	act(f.officer, "orderRectification", map[string]any{"note": "限期支付", "due_days": 5})
	for _, tok := range []string{f.ent, f.pm} {
		items := h.as2(tok, 200, "GET", "/api/v1/notifications", nil).items()
		require.Len(t, items, 1)
		assert.Equal(t, "rectify", items[0]["task_kind"])
		assert.Equal(t, "责令整改通知", items[0]["title"])
		assert.Contains(t, items[0]["body"], fmt.Sprintf("贵单位被责令整改（欠薪线索 #%d）", report))
	}
	assert.Zero(t, unread(f.entB))

	// The result reported: the worker is asked to confirm, in the app and
	// by text to their phone.
	act(f.officer, "reportResult", map[string]any{"closure_code": "arbitration", "note": "已引导申请劳动仲裁"})
	items = h.as2(f.worker, 200, "GET", "/api/v1/notifications?case_kind=lead", nil).items()
	require.Len(t, items, 1)
	assert.Equal(t, "confirm", items[0]["task_kind"])
	assert.Contains(t, items[0]["body"], "已有办理结果：引导劳动仲裁")
	var text, status string
	var stored []byte
	require.NoError(t, h.pool.QueryRow(ctx, `SELECT o.text, o.status, o.phone_enc FROM sms_outbox o
		JOIN notifications n ON n.id = o.notification_id
		WHERE n.case_id = $1 AND n.recipient = $2 AND n.task_kind = 'confirm'`, report, fmt.Sprint("sms:worker:", f.WorkerA)).
		Scan(&text, &status, &stored))
	assert.True(t, strings.HasPrefix(text, fmt.Sprintf("【安薪】您反映的欠薪问题（欠薪线索 #%d）已有办理结果：引导劳动仲裁。请于", report)), text)
	assert.Equal(t, "pending", status)
	assert.NotContains(t, string(stored), phone, "encrypted at rest")

	// The city's view of the outbox: masked phones, statuses with labels;
	// a failure is visible with its error.
	_, err = h.pool.Exec(ctx, `UPDATE sms_outbox SET status = 'failed', attempts = 6, failed_at = now(),
		last_error = 'sms provider: HTTP 502: gateway down', provider = 'http'
		WHERE notification_id IN (SELECT id FROM notifications WHERE recipient = 'sms:enterprise:' || $1::bigint)`, f.ContractorA)
	require.NoError(t, err)
	out := h.as2(f.city, 200, "GET", "/api/v1/sms-outbox", nil)
	require.EqualValues(t, 2, out.num("total"), "the order to the enterprise, the question to the worker: %s", out.Raw)
	assert.NotContains(t, string(out.Raw), phone)
	assert.NotContains(t, string(out.Raw), "13900139000")
	failed := h.as2(f.city, 200, "GET", "/api/v1/sms-outbox?status=failed", nil).items()
	require.Len(t, failed, 1)
	assert.Equal(t, "139****9000", failed[0]["phone"])
	assert.Equal(t, "发送失败", failed[0]["status_label"])
	assert.Equal(t, "enterprise", failed[0]["recipient"])
	assert.Equal(t, "企业联系电话", failed[0]["recipient_label"])
	assert.EqualValues(t, 6, failed[0]["attempts"])
	assert.Contains(t, failed[0]["last_error"], "HTTP 502")
	assert.Equal(t, "rectify", failed[0]["task_kind"])
	pending := h.as2(f.city, 200, "GET", fmt.Sprintf("/api/v1/sms-outbox?status=pending&case_kind=lead&case_id=%d", report), nil).items()
	require.Len(t, pending, 1)
	assert.Equal(t, "138****8000", pending[0]["phone"])
	assert.Equal(t, "worker", pending[0]["recipient"])
	assert.NotNil(t, pending[0]["next_attempt_at"])
	admin := h.tokenFor("city_admin", cityScope())
	h.as2(admin, 200, "GET", "/api/v1/sms-outbox", nil)
	for _, tok := range []string{f.officer, f.ent, f.worker} {
		h.as2(tok, 403, "GET", "/api/v1/sms-outbox", nil)
	}
	assert.Contains(t, h.as2(f.city, 400, "GET", "/api/v1/sms-outbox?status=lost", nil).fields(), "status")

	// The delivery the lead workflow will wait for: the worker was told
	// of the result in the app at once; the text is still pending.
	var seq int
	require.NoError(t, h.pool.QueryRow(ctx, `SELECT seq FROM lead_events WHERE lead_id = $1 AND action = 'reportResult'`, report).Scan(&seq))
	d, err := notify.Delivered(ctx, dbqOf(h), "lead", report, seq, notify.KindTask, "confirm", f.WorkerA)
	require.NoError(t, err)
	assert.NotNil(t, d.At)
	assert.NotNil(t, d.InAppAt)
	assert.Nil(t, d.SMSSentAt)
	assert.Equal(t, "pending", d.SMSStatus)
}

func dbqOf(h *harness) *dbq.Queries { return dbq.New(h.pool) }
