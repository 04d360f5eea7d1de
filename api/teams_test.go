package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

func TestTeamCRUD(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)

	r := h.must(201, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectA, "labour_firm_id": f.LabourFirm,
		"name": "钢筋一班", "trade": "钢筋工", "leader_worker_id": f.WorkerA})
	id := r.num("id")
	require.Equal(t, "甲住宅项目", r.Body["project_name"])
	require.Equal(t, "丙劳务", r.Body["labour_firm_name"])
	require.Equal(t, "张三", r.Body["leader_name"])
	require.EqualValues(t, 0, r.num("on_site_count"))

	got := h.must(200, "GET", v1("/teams/%d", f.TeamA), nil)
	require.EqualValues(t, 1, got.num("on_site_count"), "worker A is on site in team A")

	up := h.must(200, "PATCH", v1("/teams/%d", id), map[string]any{"trade": "钢筋", "leader_worker_id": nil, "version": 1})
	require.Nil(t, up.Body["leader_worker_id"], "null clears the leader")
	require.Equal(t, "丙劳务", up.Body["labour_firm_name"], "absent fields are kept")
	require.EqualValues(t, 2, up.num("version"))

	t.Run("StaleVersionConflicts", func(t *testing.T) {
		h.must(409, "PATCH", v1("/teams/%d", id), map[string]any{"trade": "x", "version": 1})
	})
	t.Run("ProjectIsImmutable", func(t *testing.T) {
		r := h.must(422, "PATCH", v1("/teams/%d", id), map[string]any{"project_id": f.ProjectB, "version": 2})
		require.Equal(t, "immutable", r.code())
		require.Contains(t, r.fields(), "project_id")
	})
	t.Run("DuplicateNameOnProject", func(t *testing.T) {
		r := h.must(409, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectA, "name": "钢筋一班"})
		require.Contains(t, r.fields(), "name")
		h.must(201, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectB, "name": "钢筋一班"})
	})
	t.Run("DeactivateAndReactivate", func(t *testing.T) {
		d := h.must(200, "POST", v1("/teams/%d/deactivate", id), map[string]any{"reason": "班组解散", "version": 2})
		require.Equal(t, false, d.Body["active"])
		inactive := h.must(200, "GET", v1("/teams?active=false"), nil)
		require.Equal(t, []int64{id}, inactive.ids())
		h.must(200, "POST", v1("/teams/%d/reactivate", id), map[string]any{"version": 3})
	})
}

func TestTeamBadInputWritesNothing(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	before := h.count("teams")
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"MissingProject", map[string]any{"name": "x"}, "project_id"},
		{"MissingName", map[string]any{"project_id": f.ProjectA}, "name"},
		{"UnknownProject", map[string]any{"project_id": 999999, "name": "x"}, "project_id"},
		{"LabourFirmOfWrongType", map[string]any{"project_id": f.ProjectA, "name": "x", "labour_firm_id": f.BuilderA}, "labour_firm_id"},
		{"LabourFirmMissing", map[string]any{"project_id": f.ProjectA, "name": "x", "labour_firm_id": 999999}, "labour_firm_id"},
		{"LeaderNotOnProject", map[string]any{"project_id": f.ProjectA, "name": "x", "leader_worker_id": f.WorkerB}, "leader_worker_id"},
		{"NameTooLong", map[string]any{"project_id": f.ProjectA, "name": string(make([]rune, 65))}, "name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", v1("/teams"), tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	require.Equal(t, before, h.count("teams"))

	t.Run("LeaderWhoExited", func(t *testing.T) {
		h.must(200, "POST", v1("/employments/%d/exit", f.EmploymentA), map[string]any{"exit_date": "2025-06-30", "exit_reason": "合同期满", "version": 1})
		r := h.must(422, "PATCH", v1("/teams/%d", f.TeamA), map[string]any{"leader_worker_id": f.WorkerA, "version": 1})
		require.Equal(t, "not_on_site", r.code())
	})
}

func TestTeamListAndScope(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	other := h.mkTeam(f.ProjectA, nil, "杂工班")

	require.Equal(t, []int64{f.TeamA, other}, h.must(200, "GET", v1("/teams?project_id=%d", f.ProjectA), nil).ids())
	require.Equal(t, []int64{f.TeamA}, h.must(200, "GET", v1("/teams?labour_firm_id=%d", f.LabourFirm), nil).ids())
	require.Equal(t, []int64{other}, h.must(200, "GET", v1("/teams?q=杂工"), nil).ids())
	require.Equal(t, []int64{f.TeamA, other, f.TeamB}, h.must(200, "GET", v1("/teams?sort=name"), nil).ids(), "木 < 杂 < 钢 in code-point order")
	h.must(400, "GET", v1("/teams?sort=trade"), nil)

	scopes := []struct {
		name    string
		scope   api.Scope
		visible []int64
	}{
		{"TownB", townScope(f.TownB), []int64{f.TeamB}},
		{"ContractorA", entScope(f.ContractorA), []int64{f.TeamA, other}},
		{"LabourFirm", entScope(f.LabourFirm), []int64{f.TeamA, other}},
		{"ProjectB", projectScope(f.ProjectB), []int64{f.TeamB}},
		{"WorkerB", workerScope(f.WorkerB), []int64{f.TeamB}},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			h.as(sc.scope, func() {
				require.Equal(t, sc.visible, h.must(200, "GET", v1("/teams"), nil).ids())
				for _, id := range []int64{f.TeamA, f.TeamB, other} {
					if contains(sc.visible, id) {
						h.must(200, "GET", v1("/teams/%d", id), nil)
						continue
					}
					h.must(404, "GET", v1("/teams/%d", id), nil)
					if !isWorker(sc.scope) { // workers may not write at all (403)
						h.must(404, "PATCH", v1("/teams/%d", id), map[string]any{"trade": "x", "version": 1})
					}
				}
			})
		})
	}
	t.Run("WhoMayWrite", func(t *testing.T) {
		h.as(townScope(f.TownB), func() {
			r := h.must(422, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectA, "name": "越界班"})
			require.Contains(t, r.fields(), "project_id", "a project out of scope is as one that does not exist")
		})
		h.as(projectScope(f.ProjectA), func() {
			h.must(201, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectA, "name": "项目自建班"})
		})
		h.as(workerScope(f.WorkerA), func() {
			h.must(403, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectA, "name": "工人班"})
			h.must(403, "PATCH", v1("/teams/%d", f.TeamA), map[string]any{"trade": "x", "version": 1})
		})
	})
}
