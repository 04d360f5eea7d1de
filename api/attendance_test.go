package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

// labourFixture is the registry the labour-data tests work on, inserted
// with SQL: towns 330101 (A) and 330102 (B); project A in town A (builder
// and contractor, plus a labour firm through team A) and project B in town
// B (enterprise B); workers 1 and 2 employed on project A (worker 2 exited
// on 2025-03-31), worker 3 on project B.
type labourFixture struct {
	h                                       *harness
	builderA, contractorA, labourFirm, entB int64
	projA, projB                            int64
	teamA, teamB                            int64
	w1, w2, w3                              int64
}

func newLabourFixture(h *harness) *labourFixture {
	h.t.Helper()
	h.towns()
	f := &labourFixture{h: h}
	f.builderA = f.insertID(`INSERT INTO enterprises (credit_code, name, type, town_code) VALUES ('913301000000000001', '甲建设', 'builder', '330101') RETURNING id`)
	f.contractorA = f.insertID(`INSERT INTO enterprises (credit_code, name, type, town_code) VALUES ('913301000000000002', '甲总包', 'general_contractor', '330101') RETURNING id`)
	f.labourFirm = f.insertID(`INSERT INTO enterprises (credit_code, name, type, town_code) VALUES ('913301000000000003', '丙劳务', 'labour_firm', '330102') RETURNING id`)
	f.entB = f.insertID(`INSERT INTO enterprises (credit_code, name, type, town_code) VALUES ('913301000000000004', '乙建设', 'general_contractor', '330102') RETURNING id`)
	f.projA = f.insertID(`INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id, contract_value_fen, start_date, planned_end_date, status)
		VALUES ('PA-0001', '甲项目', '330101', 'housing', $1, $2, 100000000, '2024-06-01', '2026-12-31', 'in_construction') RETURNING id`, f.builderA, f.contractorA)
	f.projB = f.insertID(`INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id, contract_value_fen, start_date, planned_end_date, status)
		VALUES ('PB-0001', '乙项目', '330102', 'municipal', $1, $1, 50000000, '2024-06-01', '2026-12-31', 'in_construction') RETURNING id`, f.entB)
	f.teamA = f.insertID(`INSERT INTO teams (project_id, labour_firm_id, name) VALUES ($1, $2, '木工班') RETURNING id`, f.projA, f.labourFirm)
	f.teamB = f.insertID(`INSERT INTO teams (project_id, name) VALUES ($1, '钢筋班') RETURNING id`, f.projB)
	f.w1 = f.worker("张三")
	f.w2 = f.worker("李四")
	f.w3 = f.worker("王五")
	f.employ(f.w1, f.projA, &f.teamA, "2025-01-01", "")
	f.employ(f.w2, f.projA, nil, "2025-01-01", "2025-03-31")
	f.employ(f.w3, f.projB, &f.teamB, "2025-01-01", "")
	return f
}

func (f *labourFixture) insertID(sql string, args ...any) int64 {
	f.h.t.Helper()
	var id int64
	require.NoError(f.h.t, f.h.pool.QueryRow(context.Background(), sql, args...).Scan(&id), sql)
	return id
}

func (f *labourFixture) worker(name string) int64 {
	return f.insertID(`INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region)
		VALUES ($1, '\x00', convert_to($1, 'UTF8'), 'male', '1990-01-01', '33', '330102') RETURNING id`, name)
}

func (f *labourFixture) employ(worker, project int64, team *int64, entry, exit string) int64 {
	var ex *string
	if exit != "" {
		ex = &exit
	}
	return f.insertID(`INSERT INTO employments (worker_id, project_id, team_id, entry_date, exit_date) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		worker, project, team, entry, ex)
}

// count returns the rows of a table (for "wrote nothing" checks).
func (f *labourFixture) count(table string) int {
	f.h.t.Helper()
	var n int
	require.NoError(f.h.t, f.h.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

func refTo[T any](v T) *T { return &v }

// Scopes of the fixture.
func (f *labourFixture) townA() api.Scope      { return townScope("330101") }
func (f *labourFixture) townB() api.Scope      { return townScope("330102") }
func (f *labourFixture) firmScope() api.Scope  { return entScope(f.labourFirm) }
func (f *labourFixture) entBScope() api.Scope  { return entScope(f.entB) }
func (f *labourFixture) projBScope() api.Scope { return projectScope(f.projB) }
func (f *labourFixture) workerScope(w int64) api.Scope {
	return workerScope(w)
}

// outsiders are scopes that must not see project A's rows.
func (f *labourFixture) outsiders() map[string]api.Scope {
	return map[string]api.Scope{"Town": f.townB(), "Enterprise": f.entBScope(), "Project": f.projBScope(), "Worker": f.workerScope(f.w3)}
}

func labourFutureDate() string { return time.Now().AddDate(0, 0, 2).Format("2006-01-02") }

func TestAttendanceUpsertListAndSummary(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)

	r := h.must(201, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03"})
	require.EqualValues(t, 480, r.num("minutes"), "default minutes")
	require.Equal(t, "manual", r.Body["source"])
	require.EqualValues(t, f.teamA, r.num("team_id"), "team taken from the employment")

	t.Run("CorrectionIsAnUpsert", func(t *testing.T) {
		r := h.must(200, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03", "minutes": 240, "source": "device"})
		require.EqualValues(t, 240, r.num("minutes"))
		require.Equal(t, 1, f.count("attendance"))
	})
	h.must(201, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-04", "minutes": 0})
	h.must(201, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projA, "worker_id": f.w2, "work_date": "2025-02-04", "minutes": 600})

	list := h.must(200, "GET", fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-02-01&date_to=2025-02-28&sort=-work_date", f.projA), nil)
	require.EqualValues(t, 3, list.num("total"))
	require.Equal(t, "2025-02-04", list.items()[0]["work_date"])
	byWorker := h.must(200, "GET", fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-02-01&date_to=2025-02-28&worker_id=%d", f.projA, f.w2), nil)
	require.Len(t, byWorker.items(), 1)
	require.Equal(t, "李四", byWorker.items()[0]["worker_name"])

	sum := h.must(200, "GET", fmt.Sprintf("/api/v1/attendance/summary?project_id=%d&month=2025-02", f.projA), nil)
	require.EqualValues(t, 2, sum.num("total"))
	w1 := sum.items()[0]
	require.EqualValues(t, f.w1, w1["worker_id"])
	require.EqualValues(t, 1, w1["days"], "a day with 0 minutes is not attended")
	require.EqualValues(t, 240, w1["minutes"])
	empty := h.must(200, "GET", fmt.Sprintf("/api/v1/attendance/summary?project_id=%d&month=2025-03", f.projA), nil)
	require.Empty(t, empty.items())

	t.Run("QueryRules", func(t *testing.T) {
		r := h.must(400, "GET", "/api/v1/attendance?date_from=2025-01-01&date_to=2025-01-31", nil)
		require.Contains(t, r.fields(), "project_id")
		r = h.must(400, "GET", fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-01-01", f.projA), nil)
		require.Contains(t, r.fields(), "date_to")
		r = h.must(400, "GET", fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-01-01&date_to=2026-01-02", f.projA), nil)
		require.Contains(t, r.fields(), "date_to", "367 days")
		h.must(200, "GET", fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-01-01&date_to=2026-01-01", f.projA), nil)
		h.must(400, "GET", fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-01-01&date_to=2025-01-31&sort=minutes", f.projA), nil)
		r = h.must(400, "GET", fmt.Sprintf("/api/v1/attendance/summary?project_id=%d&month=2025-13", f.projA), nil)
		require.Contains(t, r.fields(), "month")
	})
}

func TestAttendanceRefusalsWriteNothing(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	base := func(kv ...any) map[string]any {
		m := map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03"}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(m, kv[i].(string))
			} else {
				m[kv[i].(string)] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"MissingProject", base("project_id", nil), "project_id"},
		{"MissingDate", base("work_date", nil), "work_date"},
		{"BadDate", base("work_date", "2025/02/03"), "work_date"},
		{"FutureDate", base("work_date", labourFutureDate()), "work_date"},
		{"TooManyMinutes", base("minutes", 1441), "minutes"},
		{"NegativeMinutes", base("minutes", -1), "minutes"},
		{"UnknownSource", base("source", "phone"), "source"},
		{"BeforeEntry", base("work_date", "2024-12-31"), "worker_id"},
		{"AfterExit", base("worker_id", f.w2, "work_date", "2025-04-01"), "worker_id"},
		{"OtherProjectsWorker", base("worker_id", f.w3), "worker_id"},
		{"UnknownWorker", base("worker_id", 999999), "worker_id"},
		{"TeamOfOtherProject", base("team_id", f.teamB), "team_id"},
		{"UnknownProject", base("project_id", 999999), "project_id"},
		{"UnknownField", base("hours", 8), "hours"},
		{"WrongType", base("minutes", "eight"), "minutes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("PUT", "/api/v1/attendance", tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
		})
	}
	t.Run("ProjectOutOfScope", func(t *testing.T) {
		h.scope = f.entBScope()
		defer func() { h.scope = cityScope() }()
		r := h.must(422, "PUT", "/api/v1/attendance", base())
		require.Contains(t, r.fields(), "project_id")
	})
	t.Run("WorkersCannotWrite", func(t *testing.T) {
		h.scope = f.workerScope(f.w1)
		defer func() { h.scope = cityScope() }()
		h.must(403, "PUT", "/api/v1/attendance", base())
		h.must(403, "POST", "/api/v1/attendance/batch", map[string]any{"records": []any{base()}})
	})
	require.Zero(t, f.count("attendance"))

	// The last day of an employment is inside it.
	h.must(201, "PUT", "/api/v1/attendance", base("worker_id", f.w2, "work_date", "2025-03-31"))
}

func TestAttendanceBatchIsAllOrNothing(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	rec := func(worker int64, date string, extra ...any) map[string]any {
		m := map[string]any{"project_id": f.projA, "worker_id": worker, "work_date": date}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i].(string)] = extra[i+1]
		}
		return m
	}
	bad := []any{
		rec(f.w1, "2025-02-03"),
		rec(f.w2, "2025-04-01"),                  // 1: exited
		rec(f.w1, "2025-02-04", "minutes", 2000), // 2: minutes
		rec(f.w1, "2025-02-03"),                  // 3: duplicate of 0
		rec(f.w1, "2025-02-05", "minutes", "x"),  // 4: wrong type
		map[string]any{"project_id": f.projB, "worker_id": f.w3, "work_date": "2025-02-03", "team_id": f.teamA}, // 5: team of other project
		rec(f.w1, "2025-02-06", "source", "fax"), // 6: source
		rec(f.w1, "2025-02-07"),
	}
	r := h.must(422, "POST", "/api/v1/attendance/batch", map[string]any{"records": bad})
	fields := r.fields()
	for _, want := range []string{"records[1].worker_id", "records[2].minutes", "records[3].work_date", "records[4].minutes", "records[5].team_id", "records[6].source"} {
		require.Contains(t, fields, want, string(r.Raw))
	}
	require.Len(t, fields, 6, string(r.Raw))
	require.Zero(t, f.count("attendance"), "nothing is written when any record is bad")

	t.Run("OutOfScopeProjectReportedPerRecord", func(t *testing.T) {
		h.scope = f.firmScope()
		defer func() { h.scope = cityScope() }()
		r := h.must(422, "POST", "/api/v1/attendance/batch", map[string]any{"records": []any{
			rec(f.w1, "2025-02-03"),
			map[string]any{"project_id": f.projB, "worker_id": f.w3, "work_date": "2025-02-03"},
		}})
		require.Contains(t, r.fields(), "records[1].project_id")
		require.Len(t, r.fields(), 1)
		require.Zero(t, f.count("attendance"))
	})

	good := []any{
		rec(f.w1, "2025-02-03"),
		rec(f.w2, "2025-03-31", "minutes", 300),
		map[string]any{"project_id": f.projB, "worker_id": f.w3, "work_date": "2025-02-03", "source": "import"},
	}
	ok := h.must(200, "POST", "/api/v1/attendance/batch", map[string]any{"records": good})
	require.EqualValues(t, 3, ok.num("written"))
	require.EqualValues(t, 3, ok.num("inserted"))
	require.Equal(t, 3, f.count("attendance"))
	var team int64
	require.NoError(t, h.pool.QueryRow(context.Background(), "SELECT team_id FROM attendance WHERE worker_id=$1", f.w3).Scan(&team))
	require.Equal(t, f.teamB, team, "team defaults to the employment's")

	again := h.must(200, "POST", "/api/v1/attendance/batch", map[string]any{"records": []any{rec(f.w1, "2025-02-03", "minutes", 60), rec(f.w1, "2025-02-10")}})
	require.EqualValues(t, 1, again.num("inserted"))
	require.EqualValues(t, 1, again.num("updated"))
	require.Equal(t, 4, f.count("attendance"))

	t.Run("Limits", func(t *testing.T) {
		r := h.must(422, "POST", "/api/v1/attendance/batch", map[string]any{"records": []any{}})
		require.Contains(t, r.fields(), "records")
		many := make([]any, 5001)
		for i := range many {
			many[i] = rec(f.w1, "2025-02-03")
		}
		r = h.must(422, "POST", "/api/v1/attendance/batch", map[string]any{"records": many})
		require.Contains(t, r.fields(), "records")
		r = h.must(422, "POST", "/api/v1/attendance/batch", map[string]any{"records": []any{5}})
		require.Contains(t, r.fields(), "records[0].record")
		require.Equal(t, 4, f.count("attendance"))
	})
}

func TestAttendanceBatchOfFiveThousand(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	// 5000 distinct worker-days: worker 1 on 2025-01-01 .. and more workers.
	var workers []int64
	for i := 0; i < 14; i++ {
		w := f.worker(fmt.Sprintf("工人%02d", i))
		f.employ(w, f.projA, nil, "2024-07-01", "")
		workers = append(workers, w)
	}
	start := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	recs := make([]any, 0, 5000)
	for i := 0; len(recs) < 5000; i++ {
		recs = append(recs, map[string]any{"project_id": f.projA, "worker_id": workers[i%len(workers)],
			"work_date": start.AddDate(0, 0, i/len(workers)).Format("2006-01-02"), "source": "import"})
	}
	r := h.must(200, "POST", "/api/v1/attendance/batch", map[string]any{"records": recs})
	require.EqualValues(t, 5000, r.num("written"))
	require.Equal(t, 5000, f.count("attendance"))
}

func TestAttendanceScopes(t *testing.T) {
	h := setup(t)
	f := newLabourFixture(h)
	h.must(201, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projA, "worker_id": f.w1, "work_date": "2025-02-03"})
	h.must(201, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projA, "worker_id": f.w2, "work_date": "2025-02-03"})
	h.must(201, "PUT", "/api/v1/attendance", map[string]any{"project_id": f.projB, "worker_id": f.w3, "work_date": "2025-02-03"})
	listA := fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=2025-02-01&date_to=2025-02-28", f.projA)

	for name, sc := range f.outsiders() {
		t.Run("Outsider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			require.Empty(t, h.must(200, "GET", listA, nil).items())
			require.Empty(t, h.must(200, "GET", fmt.Sprintf("/api/v1/attendance/summary?project_id=%d&month=2025-02", f.projA), nil).items())
		})
	}
	for name, sc := range map[string]api.Scope{"Town": f.townA(), "LabourFirm": f.firmScope(), "Project": projectScope(f.projA)} {
		t.Run("Insider"+name, func(t *testing.T) {
			h.scope = sc
			defer func() { h.scope = cityScope() }()
			require.Len(t, h.must(200, "GET", listA, nil).items(), 2)
		})
	}
	t.Run("WorkerSeesOnlyOwnRows", func(t *testing.T) {
		h.scope = f.workerScope(f.w1)
		defer func() { h.scope = cityScope() }()
		mine := h.must(200, "GET", "/api/v1/attendance?date_from=2025-02-01&date_to=2025-02-28", nil)
		require.Len(t, mine.items(), 1)
		require.EqualValues(t, f.w1, mine.items()[0]["worker_id"])
		require.Len(t, h.must(200, "GET", listA, nil).items(), 1)
		sum := h.must(200, "GET", "/api/v1/attendance/summary?month=2025-02", nil)
		require.Len(t, sum.items(), 1)
	})
	require.True(t, strings.HasPrefix(listA, "/api/v1/"))
}

func TestLabourRoutesAreDocumented(t *testing.T) {
	h := setup(t)
	doc := h.must(200, "GET", "/api/v1/openapi.json", nil)
	paths, _ := doc.Body["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/attendance", "/api/v1/attendance/batch", "/api/v1/attendance/summary", "/api/v1/work-records/{id}",
		"/api/v1/payroll-sheets/{id}/pay", "/api/v1/payroll-lines/{id}/dispute", "/api/v1/wage-accounts", "/api/v1/labour-cost-transfers/{id}/deactivate",
		"/api/v1/wage-deposit-movements", "/api/v1/safety-homes/{id}", "/api/v1/safety-supervisors", "/api/v1/safety-activities/{id}/reactivate"} {
		require.Contains(t, paths, p)
	}
}
