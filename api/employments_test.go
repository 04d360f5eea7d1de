package api_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

func TestEmploymentEntryExitSettle(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	w := h.mkWorker("王五", testIDNumber("330102", "19920303", 5))

	r := h.must(201, "POST", v1("/employments"), map[string]any{"worker_id": w, "project_id": f.ProjectA, "team_id": f.TeamA,
		"trade": "木工", "entry_date": "2025-05-01", "contract_signed_on": "2025-04-28", "daily_wage_fen": 35000})
	id := r.num("id")
	require.Equal(t, "王五", r.Body["worker_name"])
	require.Equal(t, "甲住宅项目", r.Body["project_name"])
	require.Equal(t, "木工班", r.Body["team_name"])
	require.Equal(t, "on_site", r.Body["status"])
	require.Equal(t, "在场", r.Body["status_label"])
	require.EqualValues(t, 35000, r.num("daily_wage_fen"))

	t.Run("OneOpenEmploymentPerProject", func(t *testing.T) {
		r := h.must(409, "POST", v1("/employments"), map[string]any{"worker_id": w, "project_id": f.ProjectA, "entry_date": "2025-06-01"})
		require.Contains(t, r.fields(), "worker_id")
		h.must(201, "POST", v1("/employments"), map[string]any{"worker_id": w, "project_id": f.ProjectB, "entry_date": "2025-06-01"})
	})
	t.Run("SettleBeforeExitIsRefused", func(t *testing.T) {
		r := h.must(409, "POST", v1("/employments/%d/settle", id), map[string]any{"settled_on": "2025-07-01", "version": 1})
		require.Equal(t, "not_exited", r.code())
		require.Contains(t, r.fields(), "settled_on")
	})
	t.Run("ExitValidation", func(t *testing.T) {
		r := h.must(422, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "2025-06-30", "version": 1})
		require.Contains(t, r.fields(), "exit_reason")
		r = h.must(422, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "2025-04-30", "exit_reason": "x", "version": 1})
		require.Contains(t, r.fields(), "exit_date", "before entry")
		r = h.must(422, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": time.Now().AddDate(0, 0, 3).Format("2006-01-02"), "exit_reason": "x", "version": 1})
		require.Equal(t, "future_date", r.code())
		r = h.must(422, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "30/06/2025", "exit_reason": "x", "version": 1})
		require.Contains(t, r.fields(), "exit_date", "a malformed date names its field")
		h.must(409, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "2025-06-30", "exit_reason": "x", "version": 9})
	})

	ex := h.must(200, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "2025-06-30", "exit_reason": "合同期满", "version": 1})
	require.Equal(t, "exited", ex.Body["status"])
	require.Equal(t, "2025-06-30", ex.Body["exit_date"])
	r = h.must(409, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "2025-07-01", "exit_reason": "x", "version": 2})
	require.Equal(t, "already_exited", r.code())

	t.Run("ReEntryAfterExit", func(t *testing.T) {
		h.must(201, "POST", v1("/employments"), map[string]any{"worker_id": w, "project_id": f.ProjectA, "entry_date": "2025-08-01"})
	})

	r = h.must(422, "POST", v1("/employments/%d/settle", id), map[string]any{"settled_on": "2025-06-29", "version": 2})
	require.Contains(t, r.fields(), "settled_on", "not before the exit")
	st := h.must(200, "POST", v1("/employments/%d/settle", id), map[string]any{"settled_on": "2025-07-10", "version": 2})
	require.Equal(t, "settled", st.Body["status"])
	require.Equal(t, "已结算", st.Body["status_label"])
	r = h.must(409, "POST", v1("/employments/%d/settle", id), map[string]any{"settled_on": "2025-07-11", "version": 3})
	require.Equal(t, "already_settled", r.code())
}

func TestEmploymentBadInputWritesNothing(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	w := h.mkWorker("王五", testIDNumber("330102", "19920303", 5))
	before := h.count("employments")
	base := func(kv ...any) map[string]any {
		b := map[string]any{"worker_id": w, "project_id": f.ProjectA, "entry_date": "2025-05-01"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(b, kv[i].(string))
			} else {
				b[kv[i].(string)] = kv[i+1]
			}
		}
		return b
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"NoWorker", base("worker_id", nil), "worker_id"},
		{"BothWorkerAndIDNumber", base("id_number", testIDNumber("330102", "19920303", 5)), "id_number"},
		{"UnknownWorker", base("worker_id", 999999), "worker_id"},
		{"UnregisteredIDNumber", base("worker_id", nil, "id_number", testIDNumber("330102", "19700101", 1)), "id_number"},
		{"InvalidIDNumber", base("worker_id", nil, "id_number", "330102197001011"), "id_number"},
		{"NoProject", base("project_id", nil), "project_id"},
		{"UnknownProject", base("project_id", 999999), "project_id"},
		{"TeamOfAnotherProject", base("team_id", f.TeamB), "team_id"},
		{"UnknownTeam", base("team_id", 999999), "team_id"},
		{"NoEntryDate", base("entry_date", nil), "entry_date"},
		{"MalformedEntryDate", base("entry_date", "2025-5-1"), "entry_date"},
		{"FutureEntry", base("entry_date", time.Now().AddDate(0, 0, 3).Format("2006-01-02")), "entry_date"},
		{"ContractLongBeforeEntry", base("contract_signed_on", "2025-03-01"), "contract_signed_on"},
		{"NegativeWage", base("daily_wage_fen", -100), "daily_wage_fen"},
		{"ExitDateIsNotEntry", base("exit_date", "2025-06-01"), "exit_date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", v1("/employments"), tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	require.Equal(t, before, h.count("employments"))

	t.Run("InactiveWorkerOrTeam", func(t *testing.T) {
		h.must(200, "POST", v1("/workers/%d/deactivate", w), map[string]any{"reason": "重复", "version": 1})
		r := h.must(422, "POST", v1("/employments"), base())
		require.Equal(t, "worker_inactive", r.code())
		h.must(200, "POST", v1("/workers/%d/reactivate", w), map[string]any{"version": 2})
		h.must(200, "POST", v1("/teams/%d/deactivate", f.TeamA), map[string]any{"reason": "解散", "version": 1})
		r = h.must(422, "POST", v1("/employments"), base("team_id", f.TeamA))
		require.Equal(t, "team_inactive", r.code())
	})
	require.Equal(t, before, h.count("employments"))
}

func TestEmploymentWorkerReference(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	// Project B's staff enter worker A (on project A) by ID number: the
	// full number proves the worker is in front of them.
	h.as(projectScope(f.ProjectB), func() {
		r := h.must(422, "POST", v1("/employments"), map[string]any{"worker_id": f.WorkerA, "project_id": f.ProjectB, "entry_date": "2025-06-01"})
		require.Contains(t, r.fields(), "worker_id", "a worker of another project cannot be named by id")
		h.must(201, "POST", v1("/employments"), map[string]any{"id_number": f.IDNumberA, "project_id": f.ProjectB, "entry_date": "2025-06-01"})
		h.must(200, "GET", v1("/workers/%d", f.WorkerA), nil)

		// A newly registered worker (on no project yet) is not in the
		// project's scope either: guessing ids pulls in nobody; the ID
		// number enters them.
		idNumber := testIDNumber("330102", "19950505", 9)
		fresh := h.must(201, "POST", v1("/workers"), map[string]any{"name": "新工人", "id_number": idNumber}).num("id")
		h.must(404, "GET", v1("/workers/%d", fresh), nil)
		r = h.must(422, "POST", v1("/employments"), map[string]any{"worker_id": fresh, "project_id": f.ProjectB, "entry_date": "2025-06-01"})
		require.Contains(t, r.fields(), "worker_id")
		h.must(201, "POST", v1("/employments"), map[string]any{"id_number": idNumber, "project_id": f.ProjectB, "entry_date": "2025-06-01"})
		h.must(200, "GET", v1("/workers/%d", fresh), nil)
	})
}

func TestEmploymentUpdateAndContract(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	e := v1("/employments/%d", f.EmploymentA)

	r := h.must(200, "PATCH", e, map[string]any{"contract_signed_on": "2025-03-01", "daily_wage_fen": 30000, "version": 1})
	require.Equal(t, "2025-03-01", r.Body["contract_signed_on"])
	require.Nil(t, r.Body["contract_confirmed_at"])

	t.Run("OnlyTheWorkerConfirms", func(t *testing.T) {
		h.must(403, "POST", e+"/confirm-contract", map[string]any{"version": 2})
		h.as(projectScope(f.ProjectA), func() {
			h.must(403, "POST", e+"/confirm-contract", map[string]any{"version": 2})
		})
		h.as(workerScope(f.WorkerB), func() {
			h.must(404, "POST", e+"/confirm-contract", map[string]any{"version": 2})
		})
	})
	var confirmed string
	h.as(workerScope(f.WorkerA), func() {
		c := h.must(200, "POST", e+"/confirm-contract", map[string]any{"version": 2})
		confirmed, _ = c.Body["contract_confirmed_at"].(string)
		require.NotEmpty(t, confirmed)
		again := h.must(200, "POST", e+"/confirm-contract", map[string]any{"version": 3})
		require.Equal(t, confirmed, again.Body["contract_confirmed_at"], "confirming again changes nothing")
		h.must(403, "PATCH", e, map[string]any{"trade": "x", "version": 3})
	})

	r = h.must(200, "PATCH", e, map[string]any{"trade": "模板工", "version": 3})
	require.Equal(t, confirmed, r.Body["contract_confirmed_at"], "other changes keep the confirmation")
	r = h.must(200, "PATCH", e, map[string]any{"contract_signed_on": "2025-03-02", "version": 4})
	require.Nil(t, r.Body["contract_confirmed_at"], "a changed contract must be confirmed again")

	t.Run("TeamChanges", func(t *testing.T) {
		r := h.must(422, "PATCH", e, map[string]any{"team_id": f.TeamB, "version": 5})
		require.Contains(t, r.fields(), "team_id")
		r = h.must(200, "PATCH", e, map[string]any{"team_id": nil, "daily_wage_fen": nil, "version": 5})
		require.Nil(t, r.Body["team_id"])
		require.Nil(t, r.Body["daily_wage_fen"])
		r = h.must(200, "PATCH", e, map[string]any{"team_id": f.TeamA, "version": 6})
		require.Equal(t, "木工班", r.Body["team_name"])
	})
	t.Run("OnlyTheseFields", func(t *testing.T) {
		r := h.must(422, "PATCH", e, map[string]any{"entry_date": "2025-01-01", "version": 7})
		require.Contains(t, r.fields(), "entry_date")
		r = h.must(422, "PATCH", e, map[string]any{"trade": "x"})
		require.Contains(t, r.fields(), "version")
		h.must(409, "PATCH", e, map[string]any{"trade": "x", "version": 1})
	})
	t.Run("UnsignedContractCannotBeConfirmed", func(t *testing.T) {
		h.as(workerScope(f.WorkerB), func() {
			r := h.must(409, "POST", v1("/employments/%d/confirm-contract", f.EmploymentB), map[string]any{"version": 1})
			require.Equal(t, "contract_not_signed", r.code())
		})
	})
}

func TestEmploymentListAndScope(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	w := h.mkWorker("王五", testIDNumber("330102", "19920303", 5))
	e3 := h.mkEmployment(w, f.ProjectA, nil, "2025-01-15")
	h.must(200, "PATCH", v1("/employments/%d", e3), map[string]any{"contract_signed_on": "2025-01-15", "version": 1})
	h.must(200, "POST", v1("/employments/%d/exit", e3), map[string]any{"exit_date": "2025-02-28", "exit_reason": "离职", "version": 2})

	list := func(query string) []int64 {
		t.Helper()
		return h.must(200, "GET", v1("/employments%s", query), nil).ids()
	}
	require.Equal(t, []int64{f.EmploymentA, f.EmploymentB, e3}, list(""))
	require.Equal(t, []int64{f.EmploymentA, e3}, list("?project_id="+itoa(f.ProjectA)))
	require.Equal(t, []int64{e3}, list("?worker_id="+itoa(w)))
	require.Equal(t, []int64{f.EmploymentB}, list("?team_id="+itoa(f.TeamB)))
	require.Equal(t, []int64{f.EmploymentA, f.EmploymentB}, list("?on_site=true"))
	require.Equal(t, []int64{e3}, list("?on_site=false"))
	require.Equal(t, []int64{e3}, list("?contract_signed=true"))
	require.Equal(t, []int64{e3}, list("?unsettled_exits=true"))
	require.Equal(t, []int64{f.EmploymentA, f.EmploymentB}, list("?unsettled_exits=false"))
	require.Equal(t, []int64{f.EmploymentA, f.EmploymentB}, list("?entry_from=2025-03-01"))
	require.Equal(t, []int64{e3, f.EmploymentA}, list("?entry_to=2025-03-31&sort=entry_date"))
	require.Equal(t, []int64{f.EmploymentB, f.EmploymentA, e3}, list("?sort=-entry_date"))
	h.must(400, "GET", v1("/employments?sort=worker_id"), nil)
	r := h.must(400, "GET", v1("/employments?on_site=maybe&entry_from=yesterday"), nil)
	require.Contains(t, r.fields(), "on_site")
	require.Contains(t, r.fields(), "entry_from")

	all := []int64{f.EmploymentA, f.EmploymentB, e3}
	scopes := []struct {
		name    string
		scope   api.Scope
		visible []int64
	}{
		{"TownA", townScope(f.TownA), []int64{f.EmploymentA, e3}},
		{"BuilderB", entScope(f.BuilderB), []int64{f.EmploymentB}},
		{"LabourFirmSeesItsProjects", entScope(f.LabourFirm), []int64{f.EmploymentA, e3}},
		{"ProjectB", projectScope(f.ProjectB), []int64{f.EmploymentB}},
		{"WorkerSeesOwn", workerScope(f.WorkerA), []int64{f.EmploymentA}},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			h.as(sc.scope, func() {
				require.Equal(t, sc.visible, h.must(200, "GET", v1("/employments"), nil).ids())
				for _, id := range all {
					if contains(sc.visible, id) {
						h.must(200, "GET", v1("/employments/%d", id), nil)
						continue
					}
					h.must(404, "GET", v1("/employments/%d", id), nil)
					if !isWorker(sc.scope) {
						h.must(404, "PATCH", v1("/employments/%d", id), map[string]any{"trade": "x", "version": 1})
						h.must(404, "POST", v1("/employments/%d/exit", id), map[string]any{"exit_date": "2025-06-30", "exit_reason": "x", "version": 1})
					}
				}
			})
		})
	}
	t.Run("WorkersMayNotEnter", func(t *testing.T) {
		h.as(workerScope(f.WorkerA), func() {
			h.must(403, "POST", v1("/employments"), map[string]any{"worker_id": f.WorkerA, "project_id": f.ProjectA, "entry_date": "2025-06-01"})
			h.must(403, "POST", v1("/employments/%d/exit", f.EmploymentA), map[string]any{"exit_date": "2025-06-30", "exit_reason": "x", "version": 1})
		})
	})
	t.Run("TownCannotEnterOnOtherTownsProject", func(t *testing.T) {
		h.as(townScope(f.TownB), func() {
			r := h.must(422, "POST", v1("/employments"), map[string]any{"worker_id": f.WorkerB, "project_id": f.ProjectA, "entry_date": "2025-06-01"})
			require.Contains(t, r.fields(), "project_id")
		})
	})
}
