package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func (f *labourFixture) balance(deposit int64) (amount int64, status string, movements int) {
	f.h.t.Helper()
	ctx := context.Background()
	require.NoError(f.h.t, f.h.pool.QueryRow(ctx, "SELECT amount_fen, status FROM wage_deposits WHERE id=$1", deposit).Scan(&amount, &status))
	require.NoError(f.h.t, f.h.pool.QueryRow(ctx, "SELECT count(*) FROM wage_deposit_movements WHERE deposit_id=$1", deposit).Scan(&movements))
	return amount, status, movements
}

func TestWageDepositBalanceArithmetic(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)

	d := h.must(201, "POST", "/api/v1/wage-deposits", map[string]any{"project_id": f.projA, "form": "cash", "required_fen": 1000000,
		"amount_fen": 1000000, "bank_name": "工行", "reference": "BZJ-1", "paid_on": "2024-06-20", "expires_on": "2026-12-31"})
	id := d.num("id")
	require.EqualValues(t, 0, d.num("shortfall_fen"))
	amount, status, moves := f.balance(id)
	require.EqualValues(t, 1000000, amount)
	require.Equal(t, "active", status)
	require.Equal(t, 1, moves, "the first amount is recorded as a payment movement")

	move := func(kind string, amount any, extra ...any) resp {
		m := map[string]any{"deposit_id": id, "kind": kind, "occurred_on": "2025-02-10"}
		if amount != nil {
			m["amount_fen"] = amount
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return h.do("POST", "/api/v1/wage-deposit-movements", m)
	}

	r := move("payout", 300000, "note", "垫付欠薪")
	require.Equal(t, 201, r.Status, string(r.Raw))
	dep := r.Body["deposit"].(map[string]any)
	require.EqualValues(t, 700000, dep["amount_fen"])
	require.EqualValues(t, 300000, dep["shortfall_fen"])
	require.Len(t, h.must(200, "GET", "/api/v1/wage-deposits?short=true", nil).items(), 1)

	t.Run("NoNegativeBalance", func(t *testing.T) {
		r := move("payout", 700001)
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "negative_balance", r.code())
		require.Contains(t, r.fields(), "amount_fen")
		amount, _, moves := f.balance(id)
		require.EqualValues(t, 700000, amount)
		require.Equal(t, 2, moves, "nothing written")
	})
	t.Run("MovementRefusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			r     resp
			field string
		}{
			"ZeroAmount":     {move("top_up", 0), "amount_fen"},
			"MissingAmount":  {move("payout", nil), "amount_fen"},
			"UnknownKind":    {move("refund", 1), "kind"},
			"FutureDate":     {move("top_up", 1, "occurred_on", labourFutureDate()), "occurred_on"},
			"UnknownDeposit": {move("top_up", 1, "deposit_id", 424242), "deposit_id"},
			"ReleaseNotAll":  {move("release", 1), "amount_fen"},
		} {
			require.Equal(t, 422, tc.r.Status, name+": "+string(tc.r.Raw))
			require.Contains(t, tc.r.fields(), tc.field, name)
		}
		amount, _, moves := f.balance(id)
		require.EqualValues(t, 700000, amount)
		require.Equal(t, 2, moves)
	})

	r = move("top_up", 300000)
	require.Equal(t, 201, r.Status, string(r.Raw))
	r = move("payment", 50)
	require.Equal(t, 201, r.Status, string(r.Raw))
	amount, _, _ = f.balance(id)
	require.EqualValues(t, 1000050, amount)

	moves2 := h.must(200, "GET", fmt.Sprintf("/api/v1/wage-deposit-movements?deposit_id=%d", id), nil)
	require.EqualValues(t, 4, moves2.num("total"))
	var sum int64
	for _, m := range moves2.items() {
		a := int64(m["amount_fen"].(float64))
		if m["kind"] == "payout" {
			a = -a
		}
		sum += a
	}
	require.EqualValues(t, 1000050, sum, "movements add up to the balance")
	require.Len(t, h.must(200, "GET", "/api/v1/wage-deposit-movements?kind=payout", nil).items(), 1)
	h.must(200, "GET", fmt.Sprintf("/api/v1/wage-deposit-movements/%d", int64(moves2.items()[0]["id"].(float64))), nil)

	t.Run("PatchDetailsNotBalance", func(t *testing.T) {
		cur := h.must(200, "GET", fmt.Sprintf("/api/v1/wage-deposits/%d", id), nil)
		r := h.must(422, "PATCH", fmt.Sprintf("/api/v1/wage-deposits/%d", id), map[string]any{"amount_fen": 5, "version": cur.num("version")})
		require.Contains(t, r.fields(), "amount_fen")
		r = h.must(422, "PATCH", fmt.Sprintf("/api/v1/wage-deposits/%d", id), map[string]any{"expires_on": "2020-01-01", "version": cur.num("version")})
		require.Contains(t, r.fields(), "expires_on")
		up := h.must(200, "PATCH", fmt.Sprintf("/api/v1/wage-deposits/%d", id), map[string]any{"required_fen": 2000000, "version": cur.num("version")})
		require.EqualValues(t, 999950, up.num("shortfall_fen"))
		h.must(409, "PATCH", fmt.Sprintf("/api/v1/wage-deposits/%d", id), map[string]any{"required_fen": 1, "version": cur.num("version")})
	})

	rel := move("release", nil)
	require.Equal(t, 201, rel.Status, string(rel.Raw))
	require.EqualValues(t, 1000050, rel.Body["movement"].(map[string]any)["amount_fen"])
	amount, status, _ = f.balance(id)
	require.Zero(t, amount)
	require.Equal(t, "released", status)

	t.Run("ReleasedIsReadOnly", func(t *testing.T) {
		r := move("top_up", 1)
		require.Equal(t, 409, r.Status)
		require.Equal(t, "deposit_released", r.code())
		cur := h.must(200, "GET", fmt.Sprintf("/api/v1/wage-deposits/%d", id), nil)
		r = h.must(409, "PATCH", fmt.Sprintf("/api/v1/wage-deposits/%d", id), map[string]any{"bank_name": "x", "version": cur.num("version")})
		require.Equal(t, "deposit_released", r.code())
	})
}

func TestWageDepositCreateRefusals(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	for name, tc := range map[string]struct {
		body  map[string]any
		field string
	}{
		"MissingForm":      {map[string]any{"project_id": f.projA, "required_fen": 1}, "form"},
		"UnknownForm":      {map[string]any{"project_id": f.projA, "form": "gold", "required_fen": 1}, "form"},
		"NegativeRequired": {map[string]any{"project_id": f.projA, "form": "cash", "required_fen": -1}, "required_fen"},
		"AmountNoDate":     {map[string]any{"project_id": f.projA, "form": "cash", "required_fen": 1, "amount_fen": 1}, "paid_on"},
		"ExemptWithAmount": {map[string]any{"project_id": f.projA, "form": "exempt", "required_fen": 0, "amount_fen": 1, "paid_on": "2025-01-01"}, "amount_fen"},
		"BadDate":          {map[string]any{"project_id": f.projA, "form": "cash", "required_fen": 1, "expires_on": "31/12/2026"}, "expires_on"},
		"UnknownProject":   {map[string]any{"project_id": 31337, "form": "cash", "required_fen": 1}, "project_id"},
	} {
		t.Run(name, func(t *testing.T) {
			r := h.must(422, "POST", "/api/v1/wage-deposits", tc.body)
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	require.Zero(t, f.count("wage_deposits"))
	require.Zero(t, f.count("wage_deposit_movements"))

	exempt := h.must(201, "POST", "/api/v1/wage-deposits", map[string]any{"project_id": f.projA, "form": "exempt", "required_fen": 0})
	require.Zero(t, f.count("wage_deposit_movements"))
	r := h.must(422, "POST", "/api/v1/wage-deposit-movements", map[string]any{"deposit_id": exempt.num("id"), "kind": "release", "occurred_on": "2025-01-01"})
	require.Equal(t, "nothing_to_release", r.code())
}

func TestWageDepositScopes(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	d := h.must(201, "POST", "/api/v1/wage-deposits", map[string]any{"project_id": f.projA, "form": "cash", "required_fen": 100, "amount_fen": 100, "paid_on": "2025-01-01"}).num("id")
	dp := fmt.Sprintf("/api/v1/wage-deposits/%d", d)
	outsiders := f.outsiders()
	outsiders["OwnWorker"] = f.workerScope(f.w1)
	for name, sc := range outsiders {
		t.Run("Outsider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			if isWorker(sc) { // workers have no access to deposits at all
				h.must(403, "GET", dp, nil)
				h.must(403, "GET", "/api/v1/wage-deposits", nil)
				h.must(403, "GET", "/api/v1/wage-deposit-movements", nil)
				h.must(403, "POST", "/api/v1/wage-deposit-movements", map[string]any{"deposit_id": d, "kind": "payout", "amount_fen": 1, "occurred_on": "2025-01-02"})
				return
			}
			h.must(404, "GET", dp, nil)
			require.Empty(t, h.must(200, "GET", "/api/v1/wage-deposits", nil).items())
			require.Empty(t, h.must(200, "GET", "/api/v1/wage-deposit-movements", nil).items())
			if !isWorker(sc) {
				h.must(404, "PATCH", dp, map[string]any{"bank_name": "x", "version": 1})
				r := h.must(422, "POST", "/api/v1/wage-deposit-movements", map[string]any{"deposit_id": d, "kind": "payout", "amount_fen": 1, "occurred_on": "2025-01-02"})
				require.Contains(t, r.fields(), "deposit_id")
			} else {
				h.must(403, "POST", "/api/v1/wage-deposit-movements", map[string]any{"deposit_id": d, "kind": "payout", "amount_fen": 1, "occurred_on": "2025-01-02"})
			}
		})
	}
	amount, _, _ := f.balance(d)
	require.EqualValues(t, 100, amount)
	h.scope = f.firmScope()
	h.must(200, "GET", dp, nil)
}
