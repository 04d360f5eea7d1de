package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

func TestWageAccountCRUD(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)

	r := h.must(201, "POST", "/api/v1/wage-accounts", map[string]any{"project_id": f.projA, "bank_name": "工商银行杭州分行",
		"account_name": "甲总包农民工工资专户", "account_no": "6222 0212 3456 7890", "opened_on": "2024-06-15"})
	id := r.num("id")
	require.Equal(t, "6222021234567890", r.Body["account_no"], "spaces removed; shown whole on create")
	path := fmt.Sprintf("/api/v1/wage-accounts/%d", id)

	list := h.must(200, "GET", "/api/v1/wage-accounts", nil)
	require.Equal(t, "************7890", list.items()[0]["account_no"], "masked in lists")
	require.Equal(t, "6222021234567890", h.must(200, "GET", path, nil).Body["account_no"])

	t.Run("OnePerProject", func(t *testing.T) {
		r := h.must(409, "POST", "/api/v1/wage-accounts", map[string]any{"project_id": f.projA, "bank_name": "农行",
			"account_name": "x", "account_no": "12345678", "opened_on": "2024-06-15"})
		require.Contains(t, r.fields(), "project_id")
	})
	up := h.must(200, "PATCH", path, map[string]any{"bank_name": "工商银行西湖支行", "version": 1})
	require.EqualValues(t, 2, up.num("version"))
	t.Run("StaleVersion", func(t *testing.T) {
		h.must(409, "PATCH", path, map[string]any{"bank_name": "x", "version": 1})
	})
	t.Run("ClosedBeforeOpened", func(t *testing.T) {
		r := h.must(422, "PATCH", path, map[string]any{"closed_on": "2024-01-01", "version": 2})
		require.Contains(t, r.fields(), "closed_on")
	})
	t.Run("Refusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			body  map[string]any
			field string
		}{
			"BadAccountNo":   {map[string]any{"project_id": f.projB, "bank_name": "b", "account_name": "a", "account_no": "12AB5678", "opened_on": "2024-06-15"}, "account_no"},
			"MissingBank":    {map[string]any{"project_id": f.projB, "account_name": "a", "account_no": "12345678", "opened_on": "2024-06-15"}, "bank_name"},
			"FutureOpened":   {map[string]any{"project_id": f.projB, "bank_name": "b", "account_name": "a", "account_no": "12345678", "opened_on": labourFutureDate()}, "opened_on"},
			"UnknownProject": {map[string]any{"project_id": 77777, "bank_name": "b", "account_name": "a", "account_no": "12345678", "opened_on": "2024-06-15"}, "project_id"},
		} {
			t.Run(name, func(t *testing.T) {
				r := h.must(422, "POST", "/api/v1/wage-accounts", tc.body)
				require.Contains(t, r.fields(), tc.field, string(r.Raw))
			})
		}
		require.Equal(t, 1, f.count("wage_accounts"))
	})
}

func TestLabourCostTransfers(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	acc := h.must(201, "POST", "/api/v1/wage-accounts", map[string]any{"project_id": f.projA, "bank_name": "工行",
		"account_name": "专户", "account_no": "6222021234567890", "opened_on": "2024-06-15"}).num("id")

	tr := h.must(201, "POST", "/api/v1/labour-cost-transfers", map[string]any{"account_id": acc, "month": "2025-02",
		"amount_fen": 5000000, "transferred_on": "2025-02-20", "reference": "BK20250220"})
	require.Equal(t, "2025-02", tr.Body["month"])
	require.EqualValues(t, f.projA, tr.num("project_id"))
	tp := fmt.Sprintf("/api/v1/labour-cost-transfers/%d", tr.num("id"))

	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"ZeroAmount", map[string]any{"account_id": acc, "month": "2025-03", "amount_fen": 0, "transferred_on": "2025-03-20"}, "amount_fen"},
		{"NegativeAmount", map[string]any{"account_id": acc, "month": "2025-03", "amount_fen": -1, "transferred_on": "2025-03-20"}, "amount_fen"},
		{"BadMonth", map[string]any{"account_id": acc, "month": "2025-03-01", "amount_fen": 1, "transferred_on": "2025-03-20"}, "month"},
		{"FutureDate", map[string]any{"account_id": acc, "month": "2025-03", "amount_fen": 1, "transferred_on": labourFutureDate()}, "transferred_on"},
		{"BeforeOpened", map[string]any{"account_id": acc, "month": "2024-05", "amount_fen": 1, "transferred_on": "2024-05-20"}, "transferred_on"},
		{"UnknownAccount", map[string]any{"account_id": 9999, "month": "2025-03", "amount_fen": 1, "transferred_on": "2025-03-20"}, "account_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.must(422, "POST", "/api/v1/labour-cost-transfers", tc.body)
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	require.Equal(t, 1, f.count("labour_cost_transfers"))

	t.Run("AppendOnlyCorrection", func(t *testing.T) {
		h.must(405, "PATCH", tp, map[string]any{"amount_fen": 1}) // no update route: append-only
		r := h.must(422, "POST", tp+"/deactivate", map[string]any{"version": 1})
		require.Contains(t, r.fields(), "reason")
		d := h.must(200, "POST", tp+"/deactivate", map[string]any{"version": 1, "reason": "金额录错"})
		require.Equal(t, false, d.Body["active"])
		r = h.must(409, "POST", tp+"/deactivate", map[string]any{"version": 2, "reason": "again"})
		require.Equal(t, "already_inactive", r.code())
		h.must(201, "POST", "/api/v1/labour-cost-transfers", map[string]any{"account_id": acc, "month": "2025-02",
			"amount_fen": 4000000, "transferred_on": "2025-02-20"})
		require.Len(t, h.must(200, "GET", "/api/v1/labour-cost-transfers?active=true", nil).items(), 1)
		require.Len(t, h.must(200, "GET", fmt.Sprintf("/api/v1/labour-cost-transfers?account_id=%d&month_from=2025-01&month_to=2025-02", acc), nil).items(), 2)
	})
	t.Run("InactiveAccountTakesNoTransfers", func(t *testing.T) {
		h.must(200, "POST", fmt.Sprintf("/api/v1/wage-accounts/%d/deactivate", acc), map[string]any{"version": 1, "reason": "销户"})
		r := h.must(422, "POST", "/api/v1/labour-cost-transfers", map[string]any{"account_id": acc, "month": "2025-03", "amount_fen": 1, "transferred_on": "2025-03-20"})
		require.Contains(t, r.fields(), "account_id")
	})
}

func TestWageAccountScopes(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	acc := h.must(201, "POST", "/api/v1/wage-accounts", map[string]any{"project_id": f.projA, "bank_name": "工行",
		"account_name": "专户", "account_no": "6222021234567890", "opened_on": "2024-06-15"}).num("id")
	tr := h.must(201, "POST", "/api/v1/labour-cost-transfers", map[string]any{"account_id": acc, "month": "2025-02",
		"amount_fen": 100, "transferred_on": "2025-02-20"}).num("id")
	ap := fmt.Sprintf("/api/v1/wage-accounts/%d", acc)
	tp := fmt.Sprintf("/api/v1/labour-cost-transfers/%d", tr)
	outsiders := f.outsiders()
	outsiders["OwnWorker"] = f.workerScope(f.w1) // workers see no accounts, not even of their project
	for name, sc := range outsiders {
		t.Run("Outsider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			if isWorker(sc) { // workers have no access to wage accounts at all
				for _, p := range []string{ap, tp, "/api/v1/wage-accounts", "/api/v1/labour-cost-transfers"} {
					h.must(403, "GET", p, nil)
				}
				h.must(403, "POST", "/api/v1/wage-accounts", map[string]any{"project_id": f.projA})
				return
			}
			h.must(404, "GET", ap, nil)
			h.must(404, "GET", tp, nil)
			require.Empty(t, h.must(200, "GET", "/api/v1/wage-accounts", nil).items())
			require.Empty(t, h.must(200, "GET", "/api/v1/labour-cost-transfers", nil).items())
			if !isWorker(sc) {
				h.must(404, "PATCH", ap, map[string]any{"bank_name": "x", "version": 1})
				h.must(404, "POST", tp+"/deactivate", map[string]any{"reason": "x", "version": 1})
				r := h.must(422, "POST", "/api/v1/labour-cost-transfers", map[string]any{"account_id": acc, "month": "2025-03", "amount_fen": 1, "transferred_on": "2025-03-20"})
				require.Contains(t, r.fields(), "account_id")
			} else {
				h.must(403, "POST", "/api/v1/wage-accounts", map[string]any{"project_id": f.projA})
			}
		})
	}
	for name, sc := range map[string]api.Scope{"Town": f.townA(), "LabourFirm": f.firmScope(), "Project": projectScope(f.projA)} {
		t.Run("Insider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			h.must(200, "GET", ap, nil)
			h.must(200, "GET", tp, nil)
		})
	}
}
