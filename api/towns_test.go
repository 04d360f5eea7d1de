package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTownLifecycle(t *testing.T) {
	h := setup(t)
	h.towns()
	outline := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{0, 0}, {100, 0}, {100, 100}, {0, 100}, {0, 0}}}}

	up := h.must(200, "PATCH", "/api/v1/towns/330101", map[string]any{"outline": outline, "sort_order": 2, "version": 1})
	require.EqualValues(t, 2, up.num("version"))
	require.EqualValues(t, 2, up.num("sort_order"))

	t.Run("BadOutlineRefused", func(t *testing.T) {
		open := map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}
		r := h.must(422, "PATCH", "/api/v1/towns/330101", map[string]any{"outline": open, "version": 2})
		require.Contains(t, r.fields(), "outline")
		r = h.must(422, "PATCH", "/api/v1/towns/330101", map[string]any{"outline": map[string]any{"type": "Point"}, "version": 2})
		require.Contains(t, r.fields(), "outline")
	})
	t.Run("CodeIsImmutable", func(t *testing.T) {
		r := h.must(422, "PATCH", "/api/v1/towns/330101", map[string]any{"code": "330109", "version": 2})
		require.Contains(t, r.fields(), "code")
	})
	t.Run("BadCodeAndDuplicateName", func(t *testing.T) {
		r := h.must(422, "POST", "/api/v1/towns", map[string]any{"code": "33A101", "name": "丙镇"})
		require.Contains(t, r.fields(), "code")
		r = h.must(409, "POST", "/api/v1/towns", map[string]any{"code": "330103", "name": "甲镇"})
		require.Contains(t, r.fields(), "name")
	})

	h.must(200, "POST", "/api/v1/towns/330102/deactivate", map[string]any{"reason": "区划调整", "version": 1})
	active := h.must(200, "GET", "/api/v1/towns?active=true", nil)
	require.Len(t, active.items(), 1)
	inactive := h.must(200, "GET", "/api/v1/towns?active=false", nil)
	require.Equal(t, "区划调整", inactive.items()[0]["deactivation_reason"])
	h.must(200, "POST", "/api/v1/towns/330102/reactivate", map[string]any{"version": 2})
	require.Len(t, h.must(200, "GET", "/api/v1/towns?q=%E4%B9%99", nil).items(), 1, "name contains 乙")

	town := "330101"
	h.scope = townScope(town)
	mine := h.must(200, "GET", "/api/v1/towns", nil)
	require.Len(t, mine.items(), 1, "a town officer sees only their town")
	h.must(404, "GET", "/api/v1/towns/330102", nil)
}
