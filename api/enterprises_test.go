package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixture: two towns and one enterprise in each.
func (h *harness) towns() {
	h.must(201, "POST", "/api/v1/towns", map[string]any{"code": "330101", "name": "甲镇"})
	h.must(201, "POST", "/api/v1/towns", map[string]any{"code": "330102", "name": "乙街道"})
}

const (
	codeA = "91330100MA27XL0E2G" // valid check digits
	codeB = "91330101MA2AXXXX42"
)

func TestEnterpriseCRUD(t *testing.T) {
	h := setup(t)
	h.towns()

	r := h.must(201, "POST", "/api/v1/enterprises", map[string]any{
		"credit_code": " 91330100ma27xl0e2g ", "name": "甲建设集团", "type": "general_contractor",
		"town_code": "330101", "contact_phone": "+86 138-1234-5678"})
	id := r.num("id")
	require.Equal(t, codeA, r.Body["credit_code"], "normalised to upper case")
	require.Equal(t, "138****5678", r.Body["contact_phone"], "phone is masked in output")

	var enc []byte
	require.NoError(t, h.pool.QueryRow(context.Background(), "SELECT contact_phone_enc FROM enterprises WHERE id=$1", id).Scan(&enc))
	require.NotContains(t, string(enc), "13812345678", "phone is encrypted at rest")

	got := h.must(200, "GET", fmt.Sprintf("/api/v1/enterprises/%d", id), nil)
	require.Equal(t, "甲建设集团", got.Body["name"])

	up := h.must(200, "PATCH", fmt.Sprintf("/api/v1/enterprises/%d", id), map[string]any{"name": "甲建设集团有限公司", "version": 1})
	require.EqualValues(t, 2, up.num("version"))

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		r := h.must(409, "PATCH", fmt.Sprintf("/api/v1/enterprises/%d", id), map[string]any{"name": "x", "version": 1})
		require.Equal(t, "version_conflict", r.code())
	})
	t.Run("DeactivateNeedsReason", func(t *testing.T) {
		r := h.must(422, "POST", fmt.Sprintf("/api/v1/enterprises/%d/deactivate", id), map[string]any{"version": 2})
		require.Contains(t, r.fields(), "reason")
		d := h.must(200, "POST", fmt.Sprintf("/api/v1/enterprises/%d/deactivate", id), map[string]any{"version": 2, "reason": "注销"})
		require.Equal(t, false, d.Body["active"])
	})
	t.Run("DuplicateCreditCode", func(t *testing.T) {
		r := h.must(409, "POST", "/api/v1/enterprises", map[string]any{
			"credit_code": codeA, "name": "乙", "type": "builder", "town_code": "330101"})
		require.Contains(t, r.fields(), "credit_code")
	})
}

func TestEnterpriseBadInputWritesNothing(t *testing.T) {
	h := setup(t)
	h.towns()
	cases := []struct {
		name  string
		body  any
		field string
	}{
		{"BadCheckDigit", map[string]any{"credit_code": "91330100MA27XL0E2A", "name": "甲", "type": "builder", "town_code": "330101"}, "credit_code"},
		{"UnknownType", map[string]any{"credit_code": codeA, "name": "甲", "type": "bank", "town_code": "330101"}, "type"},
		{"MissingName", map[string]any{"credit_code": codeA, "type": "builder", "town_code": "330101"}, "name"},
		{"UnknownTown", map[string]any{"credit_code": codeA, "name": "甲", "type": "builder", "town_code": "999999"}, "town_code"},
		{"BadPhone", map[string]any{"credit_code": codeA, "name": "甲", "type": "builder", "town_code": "330101", "contact_phone": "12345"}, "contact_phone"},
		{"UnknownField", map[string]any{"credit_code": codeA, "name": "甲", "type": "builder", "town_code": "330101", "owner": "x"}, "owner"},
		{"WrongType", map[string]any{"credit_code": 5, "name": "甲", "type": "builder", "town_code": "330101"}, "credit_code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/api/v1/enterprises", tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
			require.NotEmpty(t, r.code())
		})
	}
	r := h.must(400, "POST", "/api/v1/enterprises", "{not json")
	require.Equal(t, "invalid_json", r.code())
	var n int
	require.NoError(t, h.pool.QueryRow(context.Background(), "SELECT count(*) FROM enterprises").Scan(&n))
	require.Zero(t, n)
}

func TestEnterpriseListFiltersSortsAndScopes(t *testing.T) {
	h := setup(t)
	h.towns()
	h.must(201, "POST", "/api/v1/enterprises", map[string]any{"credit_code": codeA, "name": "甲建设", "type": "builder", "town_code": "330101"})
	h.must(201, "POST", "/api/v1/enterprises", map[string]any{"credit_code": codeB, "name": "乙劳务", "type": "labour_firm", "town_code": "330102"})

	all := h.must(200, "GET", "/api/v1/enterprises?sort=-name", nil)
	require.EqualValues(t, 2, all.num("total"))
	byType := h.must(200, "GET", "/api/v1/enterprises?type=labour_firm", nil)
	require.Len(t, byType.items(), 1)
	require.Equal(t, "乙劳务", byType.items()[0]["name"])
	h.must(400, "GET", "/api/v1/enterprises?sort=credit_code", nil)
	h.must(400, "GET", "/api/v1/enterprises?page_size=1000", nil)

	like := h.must(200, "GET", "/api/v1/enterprises?q=%25", nil)
	require.Empty(t, like.items(), "LIKE wildcards in q match literally")

	town := "330101"
	h.scope = townScope(town)
	mine := h.must(200, "GET", "/api/v1/enterprises", nil)
	require.Len(t, mine.items(), 1)
	require.Equal(t, "甲建设", mine.items()[0]["name"])
	other := all.items()
	for _, e := range other {
		if e["town_code"] == "330102" {
			h.must(404, "GET", fmt.Sprintf("/api/v1/enterprises/%d", int64(e["id"].(float64))), nil)
		}
	}
}

func TestEnterpriseWritesByLevel(t *testing.T) {
	h := setup(t)
	h.towns()
	r := h.must(201, "POST", "/api/v1/enterprises", map[string]any{"credit_code": codeA, "name": "甲建设", "type": "builder", "town_code": "330101"})
	id := r.num("id")
	path := fmt.Sprintf("/api/v1/enterprises/%d", id)

	h.scope = entScope(id)
	up := h.must(200, "PATCH", path, map[string]any{"contact_name": "李四", "version": 1})
	require.Equal(t, "李四", up.Body["contact_name"], "an enterprise keeps its own contact details")
	bad := h.must(422, "PATCH", path, map[string]any{"type": "supervisor", "version": 2})
	require.Contains(t, bad.fields(), "type")
	h.must(403, "POST", path+"/deactivate", map[string]any{"reason": "不想被监管", "version": 2})
	h.must(403, "POST", "/api/v1/enterprises", map[string]any{"credit_code": codeB, "name": "乙", "type": "builder", "town_code": "330101"})
	h.must(403, "PATCH", "/api/v1/towns/330101", map[string]any{"name": "改名", "version": 1})

	town := "330102"
	h.scope = townScope(town)
	h.must(404, "POST", path+"/deactivate", map[string]any{"reason": "x", "version": 2})
	h.must(403, "POST", "/api/v1/towns/330102/deactivate", map[string]any{"reason": "x", "version": 1})

	h.scope = cityScope()
	got := h.must(200, "GET", path, nil)
	require.EqualValues(t, 2, got.num("version"), "refused requests changed nothing")
	require.Equal(t, true, got.Body["active"])
}
