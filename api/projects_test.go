package api_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

func projectBody(f *registryFixture, code string) map[string]any {
	return map[string]any{"code": code, "name": "丙商业综合体", "town_code": f.TownA, "industry": "housing",
		"builder_id": f.BuilderA, "contractor_id": f.ContractorA, "contract_value_fen": 250_000_000_00,
		"start_date": "2025-02-01", "planned_end_date": "2026-12-31", "address": "甲镇1号"}
}

func TestProjectCRUD(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)

	r := h.must(201, "POST", v1("/projects"), projectBody(f, "PC-0001"))
	id := r.num("id")
	require.Equal(t, "in_construction", r.Body["status"], "status defaults to in construction")
	require.Equal(t, "在建", r.Body["status_label"])
	require.Equal(t, "房屋建筑", r.Body["industry_label"])
	require.Equal(t, "甲建设", r.Body["builder_name"])
	require.EqualValues(t, 250_000_000_00, r.num("contract_value_fen"))
	require.Equal(t, "2025-02-01", r.Body["start_date"])
	systems, _ := r.Body["wage_systems"].([]any)
	require.Len(t, systems, 6, "the six wage systems are created with the project")
	first := systems[0].(map[string]any)
	require.Equal(t, "real_name", first["system"])
	require.Equal(t, "实名制管理", first["system_label"])
	require.Equal(t, "missing", first["state"])
	require.Equal(t, "未落实", first["state_label"])
	require.EqualValues(t, 0, r.num("implemented_count"))
	var n int
	require.NoError(t, h.pool.QueryRow(t.Context(), "SELECT count(*) FROM project_wage_systems WHERE project_id=$1", id).Scan(&n))
	require.Equal(t, 6, n)

	got := h.must(200, "GET", v1("/projects/%d", id), nil)
	require.Equal(t, "丙商业综合体", got.Body["name"])
	require.Len(t, got.Body["wage_systems"], 6)

	up := h.must(200, "PATCH", v1("/projects/%d", id), map[string]any{"name": "丙商业综合体二期", "version": 1})
	require.EqualValues(t, 2, up.num("version"))
	require.Equal(t, "丙商业综合体二期", up.Body["name"])
	require.Equal(t, "PC-0001", up.Body["code"], "fields not sent are kept")

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		r := h.must(409, "PATCH", v1("/projects/%d", id), map[string]any{"name": "x", "version": 1})
		require.Equal(t, "version_conflict", r.code())
	})
	t.Run("CompletedNeedsCompletionDate", func(t *testing.T) {
		r := h.must(422, "PATCH", v1("/projects/%d", id), map[string]any{"status": "completed", "version": 2})
		require.Contains(t, r.fields(), "completed_on")
		ok := h.must(200, "PATCH", v1("/projects/%d", id), map[string]any{"status": "completed", "completed_on": "2025-12-01", "version": 2})
		require.Equal(t, "2025-12-01", ok.Body["completed_on"])
		back := h.must(200, "PATCH", v1("/projects/%d", id), map[string]any{"status": "stopped", "version": 3})
		require.Nil(t, back.Body["completed_on"], "leaving completed clears the completion date")
	})
	t.Run("DeactivateNeedsReason", func(t *testing.T) {
		r := h.must(422, "POST", v1("/projects/%d/deactivate", id), map[string]any{"version": 4})
		require.Contains(t, r.fields(), "reason")
		d := h.must(200, "POST", v1("/projects/%d/deactivate", id), map[string]any{"version": 4, "reason": "项目取消"})
		require.Equal(t, false, d.Body["active"])
		require.Equal(t, "项目取消", d.Body["deactivation_reason"])
		a := h.must(200, "POST", v1("/projects/%d/reactivate", id), map[string]any{"version": 5})
		require.Equal(t, true, a.Body["active"])
		require.Nil(t, a.Body["deactivation_reason"])
	})
	t.Run("DuplicateCode", func(t *testing.T) {
		r := h.must(409, "POST", v1("/projects"), projectBody(f, "PC-0001"))
		require.Contains(t, r.fields(), "code")
	})
}

func TestProjectBadInputWritesNothing(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	before, beforeWS := h.count("projects"), h.count("project_wage_systems")
	with := func(k string, v any) map[string]any {
		b := projectBody(f, "PX-0001")
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
		return b
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"MissingCode", with("code", nil), "code"},
		{"BadCode", with("code", "项目一"), "code"},
		{"MissingName", with("name", nil), "name"},
		{"UnknownIndustry", with("industry", "mining"), "industry"},
		{"UnknownStatus", with("status", "planned"), "status"},
		{"BuilderOfWrongType", with("builder_id", f.ContractorA), "builder_id"},
		{"ContractorOfWrongType", with("contractor_id", f.LabourFirm), "contractor_id"},
		{"BuilderMissing", with("builder_id", 999999), "builder_id"},
		{"ZeroContractor", with("contractor_id", 0), "contractor_id"},
		{"NegativeValue", with("contract_value_fen", -1), "contract_value_fen"},
		{"MalformedDate", with("start_date", "2025/02/01"), "start_date"},
		{"EndBeforeStart", with("planned_end_date", "2024-12-31"), "planned_end_date"},
		{"CompletionDateWhileBuilding", with("completed_on", "2025-06-01"), "completed_on"},
		{"UnknownTown", with("town_code", "339999"), "town_code"},
		{"UnknownField", with("owner", "x"), "owner"},
		{"WrongType", with("contract_value_fen", "100"), "contract_value_fen"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", v1("/projects"), tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
			require.NotEmpty(t, r.code())
		})
	}
	require.Equal(t, before, h.count("projects"))
	require.Equal(t, beforeWS, h.count("project_wage_systems"))
}

func TestProjectWageSystems(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	ws := v1("/projects/%d/wage-systems/real_name", f.ProjectA)

	r := h.must(422, "PATCH", ws, map[string]any{"state": "implemented", "version": 1})
	require.Contains(t, r.fields(), "evidence", "implemented needs evidence")
	h.must(422, "PATCH", ws, map[string]any{"state": "done", "evidence": "x", "version": 1})
	h.must(422, "PATCH", ws, map[string]any{"state": "implemented", "evidence": "x"}) // no version

	ok := h.must(200, "PATCH", ws, map[string]any{"state": "implemented", "evidence": "实名制考勤系统已上线", "checked_on": "2025-03-02", "version": 1})
	require.Equal(t, "已落实", ok.Body["state_label"])
	require.EqualValues(t, 2, ok.num("version"))
	h.must(409, "PATCH", ws, map[string]any{"evidence": "x", "version": 1})
	h.must(200, "PATCH", v1("/projects/%d/wage-systems/notice_board", f.ProjectA), map[string]any{"state": "exempt", "evidence": "小型项目豁免", "version": 1})

	p := h.must(200, "GET", v1("/projects/%d", f.ProjectA), nil)
	require.EqualValues(t, 1, p.num("implemented_count"))
	require.EqualValues(t, 1, p.num("exempt_count"))
	require.Equal(t, false, p.Body["fully_implemented"])

	missing := h.must(200, "GET", v1("/projects?wage_system_missing=real_name"), nil)
	require.Equal(t, []int64{f.ProjectB}, missing.ids())
	exempt := h.must(200, "GET", v1("/projects?wage_system_missing=notice_board"), nil)
	require.Equal(t, []int64{f.ProjectB}, exempt.ids(), "exempt counts as done")
	list := h.must(200, "GET", v1("/projects?sort=-id"), nil)
	require.EqualValues(t, 1, list.items()[1]["implemented_count"])

	h.must(404, "PATCH", v1("/projects/%d/wage-systems/safety_helmets", f.ProjectA), map[string]any{"version": 1})
	h.must(400, "GET", v1("/projects?wage_system_missing=helmets"), nil)
	h.as(workerScope(f.WorkerA), func() {
		h.must(403, "PATCH", ws, map[string]any{"evidence": "x", "version": 2})
	})
	h.as(townScope(f.TownB), func() {
		h.must(404, "PATCH", ws, map[string]any{"evidence": "x", "version": 2})
	})
	h.as(projectScope(f.ProjectA), func() {
		h.must(200, "PATCH", ws, map[string]any{"evidence": "补充材料", "version": 2})
	})
}

func TestProjectListFiltersAndSorts(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	b := projectBody(f, "PC-0009")
	b["industry"], b["contract_value_fen"], b["start_date"] = "water", 1, "2025-06-01"
	c := h.must(201, "POST", v1("/projects"), b).num("id")

	list := func(query string) []int64 {
		t.Helper()
		return h.must(200, "GET", v1("/projects%s", query), nil).ids()
	}
	require.Equal(t, []int64{f.ProjectA, c}, list("?town_code=330101"))
	require.Equal(t, []int64{c}, list("?industry=water"))
	require.Equal(t, []int64{f.ProjectB}, list("?builder_id="+itoa(f.BuilderB)))
	require.Equal(t, []int64{f.ProjectB}, list("?contractor_id="+itoa(f.ContractorB)))
	require.Equal(t, []int64{f.ProjectA}, list("?enterprise_id="+itoa(f.LabourFirm)), "labour firm of a team")
	require.Equal(t, []int64{f.ProjectA, c}, list("?enterprise_id="+itoa(f.ContractorA)))
	require.Equal(t, []int64{f.ProjectB}, list("?q=市政"))
	require.Equal(t, []int64{f.ProjectB}, list("?q=pb-"), "code prefix, any case")
	require.Empty(t, list("?q=%25"), "LIKE wildcards match literally")
	require.Equal(t, []int64{c}, list("?start_from=2025-05-01"))
	require.Equal(t, []int64{f.ProjectA, f.ProjectB}, list("?start_to=2025-05-01"))
	require.Equal(t, []int64{f.ProjectA, f.ProjectB, c}, list("?status=in_construction"))
	require.Equal(t, []int64{c, f.ProjectA, f.ProjectB}, list("?sort=contract_value_fen"))
	require.Equal(t, []int64{c, f.ProjectB, f.ProjectA}, list("?sort=-id"))
	page := h.must(200, "GET", v1("/projects?page=2&page_size=2"), nil)
	require.EqualValues(t, 3, page.num("total"))
	require.Equal(t, []int64{c}, page.ids())

	r := h.must(400, "GET", v1("/projects?sort=code"), nil)
	require.Contains(t, r.fields(), "sort")
	r = h.must(400, "GET", v1("/projects?status=x&builder_id=-1&start_from=2025-13-01"), nil)
	require.Contains(t, r.fields(), "status")
	require.Contains(t, r.fields(), "builder_id")
	require.Contains(t, r.fields(), "start_from")
}

func TestProjectScope(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	scopes := []struct {
		name    string
		scope   api.Scope
		visible []int64
	}{
		{"City", cityScope(), []int64{f.ProjectA, f.ProjectB}},
		{"TownA", townScope(f.TownA), []int64{f.ProjectA}},
		{"Builder", entScope(f.BuilderB), []int64{f.ProjectB}},
		{"Contractor", entScope(f.ContractorA), []int64{f.ProjectA}},
		{"LabourFirmOfATeam", entScope(f.LabourFirm), []int64{f.ProjectA}},
		{"Project", projectScope(f.ProjectB), []int64{f.ProjectB}},
		{"WorkerOnProject", workerScope(f.WorkerA), []int64{f.ProjectA}},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			h.as(sc.scope, func() {
				require.Equal(t, sc.visible, h.must(200, "GET", v1("/projects"), nil).ids())
				for _, id := range []int64{f.ProjectA, f.ProjectB} {
					if contains(sc.visible, id) {
						h.must(200, "GET", v1("/projects/%d", id), nil)
						continue
					}
					h.must(404, "GET", v1("/projects/%d", id), nil)
					write := 404 // out of scope
					if _, project := sc.scope.ProjectID(); project || isWorker(sc.scope) {
						write = 403 // may not change projects at all
					}
					h.must(write, "PATCH", v1("/projects/%d", id), map[string]any{"name": "x", "version": 1})
					h.must(write, "POST", v1("/projects/%d/deactivate", id), map[string]any{"reason": "x", "version": 1})
				}
			})
		})
	}
	t.Run("WhoMayWrite", func(t *testing.T) {
		h.as(townScope(f.TownA), func() {
			r := h.must(422, "POST", v1("/projects"), func() map[string]any { b := projectBody(f, "PT-0001"); b["town_code"] = f.TownB; return b }())
			require.Equal(t, "out_of_scope", r.code())
			h.must(201, "POST", v1("/projects"), projectBody(f, "PT-0002"))
		})
		h.as(entScope(f.BuilderA), func() {
			h.must(201, "POST", v1("/projects"), projectBody(f, "PT-0003"))
			r := h.must(422, "PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"builder_id": f.BuilderB, "version": 1})
			require.Contains(t, r.fields(), "builder_id", "an enterprise cannot hand the project away")
		})
		h.as(entScope(f.BuilderB), func() {
			h.must(403, "POST", v1("/projects"), projectBody(f, "PT-0004"))
		})
		h.as(entScope(f.LabourFirm), func() {
			h.must(403, "PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"name": "x", "version": 1})
		})
		h.as(projectScope(f.ProjectA), func() {
			h.must(403, "POST", v1("/projects"), projectBody(f, "PT-0005"))
		})
		h.as(workerScope(f.WorkerA), func() {
			h.must(403, "POST", v1("/projects"), projectBody(f, "PT-0006"))
		})
	})
}

func TestRegistryRoutesAreDocumented(t *testing.T) {
	h := setup(t)
	r := h.must(200, "GET", v1("/openapi.json"), nil)
	paths, _ := r.Body["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/projects", "/api/v1/projects/{id}/wage-systems/{system}", "/api/v1/teams/{id}",
		"/api/v1/workers", "/api/v1/workers/{id}/deactivate", "/api/v1/employments/{id}/settle", "/api/v1/employments/{id}/confirm-contract"} {
		require.Contains(t, paths, p)
	}
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
