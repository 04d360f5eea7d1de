package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWorkRecordCRUD(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)

	r := h.must(201, "POST", "/api/v1/work-records", map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03",
		"item": "模板安装", "unit": "m²", "quantity_milli": 12500, "amount_fen": 37500})
	id := r.num("id")
	require.EqualValues(t, f.teamA, r.num("team_id"))
	require.Equal(t, "张三", r.Body["worker_name"])
	path := fmt.Sprintf("/api/v1/work-records/%d", id)

	got := h.must(200, "GET", path, nil)
	require.EqualValues(t, 12500, got.num("quantity_milli"))

	up := h.must(200, "PATCH", path, map[string]any{"quantity_milli": 13000, "amount_fen": 39000, "version": 1})
	require.EqualValues(t, 2, up.num("version"))
	require.EqualValues(t, 39000, up.num("amount_fen"))

	t.Run("StaleVersion", func(t *testing.T) {
		r := h.must(409, "PATCH", path, map[string]any{"item": "x", "version": 1})
		require.Equal(t, "version_conflict", r.code())
	})
	t.Run("ImmutableWorker", func(t *testing.T) {
		r := h.must(422, "PATCH", path, map[string]any{"worker_id": f.w2, "version": 2})
		require.Contains(t, r.fields(), "worker_id")
	})
	t.Run("DateMovedOutOfEmployment", func(t *testing.T) {
		r := h.must(422, "PATCH", path, map[string]any{"work_date": "2024-12-01", "version": 2})
		require.Contains(t, r.fields(), "worker_id")
	})
	t.Run("DeactivateAndReactivate", func(t *testing.T) {
		r := h.must(422, "POST", path+"/deactivate", map[string]any{"version": 2})
		require.Contains(t, r.fields(), "reason")
		d := h.must(200, "POST", path+"/deactivate", map[string]any{"version": 2, "reason": "重复录入"})
		require.Equal(t, false, d.Body["active"])
		require.Equal(t, "重复录入", d.Body["deactivation_reason"])
		inactive := h.must(200, "GET", fmt.Sprintf("/api/v1/work-records?project_id=%d&active=false", f.projA), nil)
		require.Len(t, inactive.items(), 1)
		a := h.must(200, "POST", path+"/reactivate", map[string]any{"version": 3})
		require.Equal(t, true, a.Body["active"])
		require.Nil(t, a.Body["deactivation_reason"])
	})

	h.must(201, "POST", "/api/v1/work-records", map[string]any{"project_id": f.projA, "worker_id": f.w2, "work_date": "2025-03-01",
		"item": "钢筋绑扎", "quantity_milli": 1000, "amount_fen": 90000})
	list := h.must(200, "GET", "/api/v1/work-records?sort=-amount_fen", nil)
	require.EqualValues(t, 2, list.num("total"))
	require.Equal(t, "钢筋绑扎", list.items()[0]["item"])
	ranged := h.must(200, "GET", "/api/v1/work-records?date_from=2025-02-15&date_to=2025-03-31", nil)
	require.Len(t, ranged.items(), 1)
}

func TestWorkRecordRefusalsWriteNothing(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	body := func(k string, v any) map[string]any {
		m := map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03", "item": "砌砖", "quantity_milli": 1000}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"MissingItem", body("item", nil), "item"},
		{"LongItem", body("item", strings.Repeat("砖", 129)), "item"},
		{"MissingQuantity", body("quantity_milli", nil), "quantity_milli"},
		{"NegativeQuantity", body("quantity_milli", -1), "quantity_milli"},
		{"NegativeAmount", body("amount_fen", -5), "amount_fen"},
		{"FutureDate", body("work_date", labourFutureDate()), "work_date"},
		{"NotEmployed", body("worker_id", f.w3), "worker_id"},
		{"AfterExit", map[string]any{"project_id": f.projA, "worker_id": f.w2, "work_date": "2025-04-01", "item": "x", "quantity_milli": 1}, "worker_id"},
		{"TeamOfOtherProject", body("team_id", f.teamB), "team_id"},
		{"UnknownProject", body("project_id", 424242), "project_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", "/api/v1/work-records", tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	h.scope = f.workerScope(f.w1)
	h.must(403, "POST", "/api/v1/work-records", body("", nil))
	h.scope = cityScope()
	require.Zero(t, f.count("work_records"))
}

func TestWorkRecordScopes(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	a := h.must(201, "POST", "/api/v1/work-records", map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03", "item": "砌砖", "quantity_milli": 1000}).num("id")
	b := h.must(201, "POST", "/api/v1/work-records", map[string]any{"project_id": f.projA, "worker_id": f.w2, "work_date": "2025-02-03", "item": "抹灰", "quantity_milli": 1000}).num("id")
	pathA := fmt.Sprintf("/api/v1/work-records/%d", a)
	for name, sc := range f.outsiders() {
		t.Run("Outsider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			h.must(404, "GET", pathA, nil)
			require.Empty(t, h.must(200, "GET", "/api/v1/work-records", nil).items())
			if !isWorker(sc) {
				h.must(404, "PATCH", pathA, map[string]any{"item": "改", "version": 1})
				h.must(404, "POST", pathA+"/deactivate", map[string]any{"reason": "x", "version": 1})
			}
		})
	}
	t.Run("WorkerSeesOwnOnly", func(t *testing.T) {
		h.scope = f.workerScope(f.w1)
		defer func() { h.scope = cityScope() }()
		h.must(200, "GET", pathA, nil)
		h.must(404, "GET", fmt.Sprintf("/api/v1/work-records/%d", b), nil)
		require.Len(t, h.must(200, "GET", "/api/v1/work-records", nil).items(), 1)
		h.must(403, "PATCH", pathA, map[string]any{"item": "改", "version": 1})
	})
	t.Run("LabourFirmSeesProject", func(t *testing.T) {
		h.scope = f.firmScope()
		defer func() { h.scope = cityScope() }()
		require.Len(t, h.must(200, "GET", "/api/v1/work-records", nil).items(), 2)
		h.must(200, "PATCH", pathA, map[string]any{"item": "砌砖（改）", "version": 1})
	})
}
