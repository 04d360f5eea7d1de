package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

// payrollSheet creates a sheet of project A for 2025-02 with lines for
// workers 1 and 2; it returns the sheet and line ids.
func (f *labourFixture) payrollSheet() (sheet, line1, line2 int64) {
	h := f.h
	sheet = h.must(201, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2025-02", "note": "二月工资"}).num("id")
	line1 = h.must(201, "POST", "/api/v1/payroll-lines", map[string]any{"sheet_id": sheet, "worker_id": f.w1, "days_worked": 20,
		"amount_due_fen": 800000}).num("id")
	line2 = h.must(201, "POST", "/api/v1/payroll-lines", map[string]any{"sheet_id": sheet, "worker_id": f.w2, "days_worked": 18,
		"amount_due_fen": 600000, "amount_paid_fen": 600000, "paid_on": "2025-03-10", "transfer_ref": "TR-1"}).num("id")
	return sheet, line1, line2
}

func TestPayrollSheetLifecycle(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)

	empty := h.must(201, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2025-01"})
	require.Equal(t, "2025-01", empty.Body["month"])
	require.Equal(t, "draft", empty.Body["status"])
	t.Run("EmptySheetCannotBeSubmitted", func(t *testing.T) {
		r := h.must(422, "POST", fmt.Sprintf("/api/v1/payroll-sheets/%d/submit", empty.num("id")), map[string]any{"version": 1})
		require.Contains(t, r.fields(), "lines")
	})

	sheet, line1, line2 := f.payrollSheet()
	sp := fmt.Sprintf("/api/v1/payroll-sheets/%d", sheet)
	got := h.must(200, "GET", sp, nil)
	require.EqualValues(t, 2, got.num("line_count"))
	require.EqualValues(t, 1400000, got.num("due_fen"))
	require.EqualValues(t, 600000, got.num("paid_fen"))
	require.EqualValues(t, 0, got.num("confirmed_count"))

	t.Run("DuplicateMonth", func(t *testing.T) {
		r := h.must(409, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2025-02"})
		require.Contains(t, r.fields(), "month")
	})
	t.Run("DuplicateWorkerLine", func(t *testing.T) {
		r := h.must(409, "POST", "/api/v1/payroll-lines", map[string]any{"sheet_id": sheet, "worker_id": f.w1, "amount_due_fen": 1})
		require.Contains(t, r.fields(), "worker_id")
	})
	t.Run("NoSkippingToPaid", func(t *testing.T) {
		r := h.must(409, "POST", sp+"/pay", map[string]any{"version": 1})
		require.Equal(t, "invalid_transition", r.code())
	})
	t.Run("StaleVersion", func(t *testing.T) {
		r := h.must(409, "POST", sp+"/submit", map[string]any{"version": 7})
		require.Equal(t, "version_conflict", r.code())
	})
	note := h.must(200, "PATCH", sp, map[string]any{"note": "二月工资（修订）", "version": 1})
	require.EqualValues(t, 2, note.num("version"))

	sub := h.must(200, "POST", sp+"/submit", map[string]any{"version": 2})
	require.Equal(t, "submitted", sub.Body["status"])
	require.NotNil(t, sub.Body["submitted_at"])
	r := h.must(409, "POST", sp+"/submit", map[string]any{"version": 3})
	require.Equal(t, "invalid_transition", r.code(), "no second submit")

	// Lines of a submitted sheet can still be paid.
	l1 := fmt.Sprintf("/api/v1/payroll-lines/%d", line1)
	paid := h.must(200, "PATCH", l1, map[string]any{"amount_paid_fen": 800000, "paid_on": "2025-03-10", "paid_via": "contractor", "version": 1})
	require.EqualValues(t, 0, paid.num("unpaid_fen"))

	pay := h.must(200, "POST", sp+"/pay", map[string]any{"version": 3})
	require.Equal(t, "paid", pay.Body["status"])
	require.EqualValues(t, 1400000, pay.num("paid_fen"))

	t.Run("PaidSheetLinesAreReadOnly", func(t *testing.T) {
		r := h.must(409, "PATCH", l1, map[string]any{"amount_due_fen": 1, "version": 2})
		require.Equal(t, "sheet_paid", r.code())
		r = h.must(409, "POST", "/api/v1/payroll-lines", map[string]any{"sheet_id": sheet, "worker_id": f.w1, "amount_due_fen": 1})
		require.Equal(t, "sheet_paid", r.code())
		r = h.must(409, "POST", sp+"/submit", map[string]any{"version": 4})
		require.Equal(t, "invalid_transition", r.code(), "never backwards")
		line := h.must(200, "GET", l1, nil)
		require.EqualValues(t, 800000, line.num("amount_due_fen"))
	})
	t.Run("Filters", func(t *testing.T) {
		require.Len(t, h.must(200, "GET", "/api/v1/payroll-sheets?status=paid", nil).items(), 1)
		require.Len(t, h.must(200, "GET", "/api/v1/payroll-sheets?month_from=2025-02&month_to=2025-12", nil).items(), 1)
		require.Len(t, h.must(200, "GET", fmt.Sprintf("/api/v1/payroll-sheets?project_id=%d&sort=-month", f.projA), nil).items(), 2)
		h.must(400, "GET", "/api/v1/payroll-sheets?status=late", nil)
		require.Len(t, h.must(200, "GET", fmt.Sprintf("/api/v1/payroll-lines?sheet_id=%d", sheet), nil).items(), 2)
		require.Len(t, h.must(200, "GET", fmt.Sprintf("/api/v1/payroll-lines?worker_id=%d", f.w2), nil).items(), 1)
		require.Empty(t, h.must(200, "GET", "/api/v1/payroll-lines?unpaid=true", nil).items())
		require.Len(t, h.must(200, "GET", "/api/v1/payroll-lines?confirmation=pending", nil).items(), 2)
	})
	_ = line2
}

func TestPayrollLineRefusalsWriteNothing(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	sheet := h.must(201, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2025-04"}).num("id")
	line := func(kv ...any) map[string]any {
		m := map[string]any{"sheet_id": sheet, "worker_id": f.w1, "amount_due_fen": 500000}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"PaidMoreThanDue", line("amount_paid_fen", 500001, "paid_on", "2025-05-05"), "amount_paid_fen"},
		{"PaidWithoutDate", line("amount_paid_fen", 100), "paid_on"},
		{"PaidInFuture", line("amount_paid_fen", 100, "paid_on", labourFutureDate()), "paid_on"},
		{"NegativeDue", line("amount_due_fen", -1), "amount_due_fen"},
		{"DaysBeyondMonth", line("days_worked", 31), "days_worked"},
		{"UnknownPaidVia", line("paid_via", "alipay"), "paid_via"},
		{"NotEmployedInMonth", line("worker_id", f.w2), "worker_id"}, // exited 2025-03-31
		{"OtherProjectsWorker", line("worker_id", f.w3), "worker_id"},
		{"TeamOfOtherProject", line("team_id", f.teamB), "team_id"},
		{"UnknownSheet", line("sheet_id", 99999), "sheet_id"},
		{"MissingDue", map[string]any{"sheet_id": sheet, "worker_id": f.w1}, "amount_due_fen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/api/v1/payroll-lines", tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	t.Run("SheetRefusals", func(t *testing.T) {
		r := h.must(422, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2025-4"})
		require.Contains(t, r.fields(), "month")
		r = h.must(422, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2099-01"})
		require.Contains(t, r.fields(), "month")
		r = h.must(422, "PATCH", fmt.Sprintf("/api/v1/payroll-sheets/%d", sheet), map[string]any{"month": "2025-05", "version": 1})
		require.Contains(t, r.fields(), "month")
	})
	require.Zero(t, f.count("payroll_lines"))
	require.Equal(t, 1, f.count("payroll_sheets"))

	// A worker who left in March still belongs on March's sheet.
	march := h.must(201, "POST", "/api/v1/payroll-sheets", map[string]any{"project_id": f.projA, "month": "2025-03"}).num("id")
	h.must(201, "POST", "/api/v1/payroll-lines", map[string]any{"sheet_id": march, "worker_id": f.w2, "amount_due_fen": 1000, "days_worked": 31})

	t.Run("UpdateChecksMergedValues", func(t *testing.T) {
		id := h.must(201, "POST", "/api/v1/payroll-lines", line()).num("id")
		p := fmt.Sprintf("/api/v1/payroll-lines/%d", id)
		r := h.must(422, "PATCH", p, map[string]any{"amount_due_fen": 100, "amount_paid_fen": 200, "paid_on": "2025-05-01", "version": 1})
		require.Contains(t, r.fields(), "amount_paid_fen")
		r = h.must(422, "PATCH", p, map[string]any{"amount_paid_fen": 200, "version": 1})
		require.Contains(t, r.fields(), "paid_on")
		h.must(200, "PATCH", p, map[string]any{"amount_paid_fen": 200, "paid_on": "2025-05-01", "version": 1})
		r = h.must(422, "PATCH", p, map[string]any{"amount_due_fen": 199, "version": 2})
		require.Contains(t, r.fields(), "amount_paid_fen", "due below what was paid")
	})
}

func TestPayrollWorkerConfirmation(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	sheet, line1, line2 := f.payrollSheet()
	l1 := fmt.Sprintf("/api/v1/payroll-lines/%d", line1)
	l2 := fmt.Sprintf("/api/v1/payroll-lines/%d", line2)
	w1, w2 := f.workerScope(f.w1), f.workerScope(f.w2)

	h.scope = w1
	r := h.must(409, "POST", l1+"/confirm", map[string]any{"version": 1})
	require.Equal(t, "sheet_not_submitted", r.code())
	h.scope = cityScope()
	h.must(200, "POST", fmt.Sprintf("/api/v1/payroll-sheets/%d/submit", sheet), map[string]any{"version": 1})

	t.Run("OnlyTheWorker", func(t *testing.T) {
		h.scope = cityScope()
		h.must(403, "POST", l1+"/confirm", map[string]any{"version": 1})
		h.scope = w2
		h.must(404, "POST", l1+"/confirm", map[string]any{"version": 1})
		h.must(404, "GET", l1, nil)
		h.scope = f.workerScope(f.w3)
		h.must(404, "POST", l1+"/dispute", map[string]any{"version": 1, "reason": "少发"})
		h.scope = cityScope()
	})

	h.scope = w1
	lines := h.must(200, "GET", "/api/v1/payroll-lines", nil)
	require.Len(t, lines.items(), 1, "a worker sees only their own lines")
	h.must(403, "GET", "/api/v1/payroll-sheets", nil) // and no sheets
	h.must(403, "GET", fmt.Sprintf("/api/v1/payroll-sheets/%d", sheet), nil)
	h.must(403, "PATCH", l1, map[string]any{"amount_due_fen": 1, "version": 1})
	r = h.must(409, "POST", l1+"/confirm", map[string]any{"version": 9})
	require.Equal(t, "version_conflict", r.code())
	c := h.must(200, "POST", l1+"/confirm", map[string]any{"version": 1})
	require.Equal(t, "confirmed", c.Body["confirmation"])
	require.NotNil(t, c.Body["confirmed_at"])

	h.scope = w2
	r = h.must(422, "POST", l2+"/dispute", map[string]any{"version": 1})
	require.Contains(t, r.fields(), "reason")
	d := h.must(200, "POST", l2+"/dispute", map[string]any{"version": 1, "reason": "实际只收到5000元"})
	require.Equal(t, "disputed", d.Body["confirmation"])
	require.Equal(t, "实际只收到5000元", d.Body["dispute_reason"])

	h.scope = cityScope()
	require.EqualValues(t, 1, h.must(200, "GET", fmt.Sprintf("/api/v1/payroll-sheets/%d", sheet), nil).num("confirmed_count"))
	require.Len(t, h.must(200, "GET", "/api/v1/payroll-lines?confirmation=disputed", nil).items(), 1)

	t.Run("CorrectionResetsConfirmation", func(t *testing.T) {
		fixed := h.must(200, "PATCH", l2, map[string]any{"amount_paid_fen": 500000, "version": 2})
		require.Equal(t, "pending", fixed.Body["confirmation"])
		require.Equal(t, "实际只收到5000元", fixed.Body["dispute_reason"], "the last dispute is kept")
		same := h.must(200, "PATCH", l1, map[string]any{"transfer_ref": "", "version": 2})
		require.Equal(t, "confirmed", same.Body["confirmation"], "unchanged figures keep the confirmation")
	})

	h.must(200, "POST", fmt.Sprintf("/api/v1/payroll-sheets/%d/pay", sheet), map[string]any{"version": 2})
	h.scope = w2
	ok := h.must(200, "POST", l2+"/confirm", map[string]any{"version": 3})
	require.Equal(t, "confirmed", ok.Body["confirmation"], "confirmation is allowed on a paid sheet")
}

func TestPayrollScopes(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	sheet, line1, _ := f.payrollSheet()
	sp := fmt.Sprintf("/api/v1/payroll-sheets/%d", sheet)
	lp := fmt.Sprintf("/api/v1/payroll-lines/%d", line1)
	for name, sc := range f.outsiders() {
		t.Run("Outsider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			if isWorker(sc) { // workers read their own lines, never sheets
				h.must(403, "GET", sp, nil)
				h.must(403, "GET", "/api/v1/payroll-sheets", nil)
			} else {
				h.must(404, "GET", sp, nil)
				require.Empty(t, h.must(200, "GET", "/api/v1/payroll-sheets", nil).items())
			}
			h.must(404, "GET", lp, nil)
			require.Empty(t, h.must(200, "GET", "/api/v1/payroll-lines", nil).items())
			if !isWorker(sc) {
				h.must(404, "POST", sp+"/submit", map[string]any{"version": 1})
				h.must(404, "PATCH", lp, map[string]any{"amount_due_fen": 1, "version": 1})
				r := h.must(422, "POST", "/api/v1/payroll-lines", map[string]any{"sheet_id": sheet, "worker_id": f.w1, "amount_due_fen": 1})
				require.Contains(t, r.fields(), "sheet_id")
			}
		})
	}
	for name, sc := range map[string]api.Scope{"Town": f.townA(), "LabourFirm": f.firmScope(), "Project": projectScope(f.projA)} {
		t.Run("Insider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			h.must(200, "GET", sp, nil)
			require.Len(t, h.must(200, "GET", "/api/v1/payroll-lines", nil).items(), 2)
		})
	}
}
