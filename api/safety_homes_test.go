package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

func TestSafetyHomeCRUD(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)

	h.scope = f.townA()
	home := h.must(201, "POST", "/api/v1/safety-homes", map[string]any{"town_code": "330101", "project_id": f.projA,
		"name": "甲镇安薪之家", "address": "甲镇人民路1号", "established_on": "2024-09-01"})
	id := home.num("id")
	hp := fmt.Sprintf("/api/v1/safety-homes/%d", id)

	t.Run("TownWritesOnlyItsOwn", func(t *testing.T) {
		r := h.must(422, "POST", "/api/v1/safety-homes", map[string]any{"town_code": "330102", "name": "乙", "established_on": "2024-09-01"})
		require.Contains(t, r.fields(), "town_code")
		r = h.must(422, "POST", "/api/v1/safety-homes", map[string]any{"town_code": "330101", "project_id": f.projB, "name": "乙", "established_on": "2024-09-01"})
		require.Contains(t, r.fields(), "project_id")
		r = h.must(422, "PATCH", hp, map[string]any{"town_code": "330102", "version": 1})
		require.Contains(t, r.fields(), "town_code")
	})

	sup := h.must(201, "POST", "/api/v1/safety-supervisors", map[string]any{"home_id": id, "name": "赵监督", "phone": "13912345678", "party_member": true})
	require.Equal(t, "139****5678", sup.Body["phone"])
	var enc []byte
	require.NoError(t, h.pool.QueryRow(context.Background(), "SELECT phone_enc FROM safety_supervisors WHERE id=$1", sup.num("id")).Scan(&enc))
	require.NotContains(t, string(enc), "13912345678", "phone is encrypted at rest")
	sp := fmt.Sprintf("/api/v1/safety-supervisors/%d", sup.num("id"))
	up := h.must(200, "PATCH", sp, map[string]any{"phone": "", "version": 1})
	require.Equal(t, "", up.Body["phone"])
	h.must(201, "POST", "/api/v1/safety-supervisors", map[string]any{"home_id": id, "name": "钱监督"})
	require.Len(t, h.must(200, "GET", "/api/v1/safety-supervisors?party_member=true", nil).items(), 1)

	act := h.must(201, "POST", "/api/v1/safety-activities", map[string]any{"home_id": id, "held_on": "2025-01-15", "title": "农民工工资支付条例宣讲",
		"kind": "publicity", "participants": 80})
	ap := fmt.Sprintf("/api/v1/safety-activities/%d", act.num("id"))
	h.must(200, "PATCH", ap, map[string]any{"participants": 95, "version": 1})
	require.Len(t, h.must(200, "GET", "/api/v1/safety-activities?kind=publicity&date_from=2025-01-01&date_to=2025-01-31", nil).items(), 1)

	renamed := h.must(200, "PATCH", hp, map[string]any{"name": "甲镇安薪之家（新址）", "address": "甲镇人民路9号", "version": 1})
	require.Equal(t, "甲镇人民路9号", renamed.Body["address"])
	h.must(409, "PATCH", hp, map[string]any{"name": "旧版本", "version": 1})

	got := h.must(200, "GET", hp, nil)
	require.Equal(t, "甲镇安薪之家（新址）", got.Body["name"])
	require.EqualValues(t, 2, got.num("supervisor_count"))
	require.EqualValues(t, 1, got.num("activity_count"))

	t.Run("Refusals", func(t *testing.T) {
		for name, tc := range map[string]struct {
			path  string
			body  map[string]any
			field string
		}{
			"HomeMissingName":  {"/api/v1/safety-homes", map[string]any{"town_code": "330101", "established_on": "2024-09-01"}, "name"},
			"HomeFutureDate":   {"/api/v1/safety-homes", map[string]any{"town_code": "330101", "name": "x", "established_on": labourFutureDate()}, "established_on"},
			"SupervisorPhone":  {"/api/v1/safety-supervisors", map[string]any{"home_id": id, "name": "x", "phone": "12345"}, "phone"},
			"SupervisorHome":   {"/api/v1/safety-supervisors", map[string]any{"home_id": 5555, "name": "x"}, "home_id"},
			"ActivityKind":     {"/api/v1/safety-activities", map[string]any{"home_id": id, "held_on": "2025-01-01", "title": "x", "kind": "party"}, "kind"},
			"ActivityNegative": {"/api/v1/safety-activities", map[string]any{"home_id": id, "held_on": "2025-01-01", "title": "x", "kind": "other", "participants": -3}, "participants"},
			"ActivityBadDate":  {"/api/v1/safety-activities", map[string]any{"home_id": id, "held_on": "2025-1-1", "title": "x", "kind": "other"}, "held_on"},
			"ActivityNoTitle":  {"/api/v1/safety-activities", map[string]any{"home_id": id, "held_on": "2025-01-01", "kind": "other"}, "title"},
		} {
			t.Run(name, func(t *testing.T) {
				r := h.must(422, "POST", tc.path, tc.body)
				require.Contains(t, r.fields(), tc.field, string(r.Raw))
			})
		}
		require.Equal(t, 1, f.count("safety_homes"))
		require.Equal(t, 2, f.count("safety_supervisors"))
		require.Equal(t, 1, f.count("safety_activities"))
	})

	t.Run("DeactivatedHomeTakesNoChildren", func(t *testing.T) {
		h.must(200, "POST", hp+"/deactivate", map[string]any{"version": 2, "reason": "合并"})
		r := h.must(422, "POST", "/api/v1/safety-activities", map[string]any{"home_id": id, "held_on": "2025-01-01", "title": "x", "kind": "other"})
		require.Contains(t, r.fields(), "home_id")
		h.must(200, "POST", hp+"/reactivate", map[string]any{"version": 3})
	})
	h.scope = cityScope()
	h.must(200, "POST", sp+"/deactivate", map[string]any{"version": 2, "reason": "调离"})
	h.must(200, "POST", ap+"/deactivate", map[string]any{"version": 2, "reason": "重复"})
	got = h.must(200, "GET", hp, nil)
	require.EqualValues(t, 1, got.num("supervisor_count"))
	require.EqualValues(t, 0, got.num("activity_count"))
}

func TestSafetyHomeScopes(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	homeA := h.must(201, "POST", "/api/v1/safety-homes", map[string]any{"town_code": "330101", "name": "甲镇安薪之家", "established_on": "2024-09-01"}).num("id")
	homeB := h.must(201, "POST", "/api/v1/safety-homes", map[string]any{"town_code": "330102", "name": "乙街道安薪之家", "established_on": "2024-09-01"}).num("id")
	supA := h.must(201, "POST", "/api/v1/safety-supervisors", map[string]any{"home_id": homeA, "name": "赵"}).num("id")
	actA := h.must(201, "POST", "/api/v1/safety-activities", map[string]any{"home_id": homeA, "held_on": "2025-01-15", "title": "走访", "kind": "inspection"}).num("id")
	pa := fmt.Sprintf("/api/v1/safety-homes/%d", homeA)
	readsA := []string{pa, fmt.Sprintf("/api/v1/safety-supervisors/%d", supA), fmt.Sprintf("/api/v1/safety-activities/%d", actA)}

	// Outsiders of town A: town B, enterprise B, project B, worker 3 (all on projects in town B only).
	for name, sc := range f.outsiders() {
		t.Run("Outsider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			for _, p := range readsA {
				h.must(404, "GET", p, nil)
			}
			homes := h.must(200, "GET", "/api/v1/safety-homes", nil).items()
			require.Len(t, homes, 1)
			require.EqualValues(t, homeB, homes[0]["id"])
			require.Empty(t, h.must(200, "GET", "/api/v1/safety-supervisors", nil).items())
		})
	}
	// The labour firm is registered in town B but works on project A in
	// town A: it reads both towns' homes.
	for name, sc := range map[string]api.Scope{"Town": f.townA(), "LabourFirm": f.firmScope(), "Project": projectScope(f.projA), "Worker": f.workerScope(f.w1)} {
		t.Run("Reader"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			for _, p := range readsA {
				h.must(200, "GET", p, nil)
			}
		})
	}
	t.Run("OnlyCityAndTownWrite", func(t *testing.T) {
		defer func() { h.scope = cityScope() }()
		for _, sc := range []api.Scope{f.firmScope(), projectScope(f.projA), f.workerScope(f.w1)} {
			h.scope = sc
			h.must(403, "POST", "/api/v1/safety-homes", map[string]any{"town_code": "330101", "name": "x", "established_on": "2024-09-01"})
			h.must(403, "PATCH", pa, map[string]any{"name": "x", "version": 1})
			h.must(403, "POST", "/api/v1/safety-supervisors", map[string]any{"home_id": homeA, "name": "x"})
		}
		h.scope = f.townB()
		h.must(404, "PATCH", pa, map[string]any{"name": "x", "version": 1})
		r := h.must(422, "POST", "/api/v1/safety-activities", map[string]any{"home_id": homeA, "held_on": "2025-01-01", "title": "x", "kind": "other"})
		require.Contains(t, r.fields(), "home_id")
	})
	require.Equal(t, 1, f.count("safety_activities"))
}
