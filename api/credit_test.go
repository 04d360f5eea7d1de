package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreditListings(t *testing.T) {
	h := setup(t)
	h.towns()
	e := h.must(201, "POST", "/api/v1/enterprises", map[string]any{"credit_code": codeA, "name": "甲建设", "type": "general_contractor", "town_code": "330101"})
	id := e.num("id")
	base := fmt.Sprintf("/api/v1/enterprises/%d/credit-listings", id)

	l := h.must(201, "POST", base, map[string]any{"kind": "arrears_blacklist", "listed_on": "2026-03-01", "authority": "市人社局", "reason": "拖欠农民工工资"})
	require.Equal(t, true, l.Body["current"])
	lp := fmt.Sprintf("%s/%d", base, l.num("id"))

	t.Run("OneCurrentListingPerKind", func(t *testing.T) {
		r := h.must(409, "POST", base, map[string]any{"kind": "arrears_blacklist", "listed_on": "2026-04-01"})
		require.Contains(t, r.fields(), "kind")
	})
	t.Run("Refusals", func(t *testing.T) {
		r := h.must(422, "POST", base, map[string]any{"kind": "bad_kind", "listed_on": "2026-04-01"})
		require.Contains(t, r.fields(), "kind")
		r = h.must(422, "PATCH", lp, map[string]any{"removed_on": "2026-02-01", "version": 1})
		require.Contains(t, r.fields(), "removed_on", "removal before listing")
		r = h.must(422, "PATCH", lp, map[string]any{"kind": "major_violation", "version": 1})
		require.Contains(t, r.fields(), "kind")
	})

	listed := h.must(200, "GET", "/api/v1/enterprises?credit_kind=arrears_blacklist", nil)
	require.Len(t, listed.items(), 1)

	removed := h.must(200, "PATCH", lp, map[string]any{"removed_on": "2026-09-30", "version": 1})
	require.Equal(t, false, removed.Body["current"])
	require.Empty(t, h.must(200, "GET", "/api/v1/enterprises?credit_kind=arrears_blacklist", nil).items(), "removed listings are not current")
	h.must(201, "POST", base, map[string]any{"kind": "arrears_blacklist", "listed_on": "2026-10-08"})
	history := h.must(200, "GET", base, nil)
	require.Len(t, history.items(), 2, "the history keeps the removed listing")

	town := "330101"
	h.scope = townScope(town)
	h.must(403, "POST", base, map[string]any{"kind": "major_violation", "listed_on": "2026-10-08"})
	require.Len(t, h.must(200, "GET", base, nil).items(), 2, "the town reads the listings")
	other := "330102"
	h.scope = townScope(other)
	h.must(404, "GET", base, nil)
}
