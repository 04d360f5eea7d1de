package api_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/ident"
)

// Registry fixtures built through the API, for any test that needs
// enterprises, projects, teams, workers and employments. Every helper
// acts as the city and restores the harness's scope afterwards.

// registryFixture is a small city: towns 330101 (A) and 330102 (B); in
// each a builder and a general contractor, plus a labour firm registered
// in town B; project A (town A) with team A of the labour firm and project
// B (town B) with team B (no labour firm); worker A on site on project A
// in team A, worker B on site on project B in team B.
type registryFixture struct {
	h                                 *harness
	TownA, TownB                      string
	BuilderA, ContractorA, LabourFirm int64
	BuilderB, ContractorB             int64
	ProjectA, ProjectB                int64
	TeamA, TeamB                      int64
	WorkerA, WorkerB                  int64
	EmploymentA, EmploymentB          int64
	// IDNumberA and IDNumberB are the workers' ID numbers in clear.
	IDNumberA, IDNumberB string
}

func newRegistryFixture(h *harness) *registryFixture {
	h.t.Helper()
	h.asCity(func() { h.towns() })
	f := &registryFixture{h: h, TownA: "330101", TownB: "330102"}
	f.BuilderA = h.mkEnterprise("甲建设", "builder", f.TownA)
	f.ContractorA = h.mkEnterprise("甲总包", "general_contractor", f.TownA)
	f.LabourFirm = h.mkEnterprise("丙劳务", "labour_firm", f.TownB)
	f.BuilderB = h.mkEnterprise("乙建设", "builder", f.TownB)
	f.ContractorB = h.mkEnterprise("乙总包", "general_contractor", f.TownB)
	f.ProjectA = h.mkProject("PA-0001", "甲住宅项目", f.TownA, f.BuilderA, f.ContractorA)
	f.ProjectB = h.mkProject("PB-0001", "乙市政项目", f.TownB, f.BuilderB, f.ContractorB)
	f.TeamA = h.mkTeam(f.ProjectA, &f.LabourFirm, "木工班")
	f.TeamB = h.mkTeam(f.ProjectB, nil, "钢筋班")
	f.IDNumberA = testIDNumber("330102", "19900101", 1)
	f.IDNumberB = testIDNumber("410102", "19850615", 3)
	f.WorkerA = h.mkWorker("张三", f.IDNumberA)
	f.WorkerB = h.mkWorker("李四", f.IDNumberB)
	f.EmploymentA = h.mkEmployment(f.WorkerA, f.ProjectA, &f.TeamA, "2025-03-01")
	f.EmploymentB = h.mkEmployment(f.WorkerB, f.ProjectB, &f.TeamB, "2025-04-01")
	return f
}

// Scopes.
func cityScope() api.Scope            { return db.CityScope() }
func townScope(code string) api.Scope { return db.TownScope(code) }
func entScope(id int64) api.Scope     { return db.EnterpriseScope(id) }
func projectScope(id int64) api.Scope { return db.ProjectScope(id) }
func workerScope(id int64) api.Scope  { return db.WorkerScope(id) }

// isWorker reports whether sc is a worker's own scope.
func isWorker(sc api.Scope) bool { _, ok := sc.WorkerID(); return ok }

// asCity runs fn with the city scope, then restores the scope.
func (h *harness) asCity(fn func()) {
	saved := h.scope
	h.scope = cityScope()
	defer func() { h.scope = saved }()
	fn()
}

// as runs fn with scope sc, then restores the scope.
func (h *harness) as(sc api.Scope, fn func()) {
	saved := h.scope
	h.scope = sc
	defer func() { h.scope = saved }()
	fn()
}

// fixtureSeq numbers fixtures (credit codes must be unique).
var fixtureSeq atomic.Int64

// testCreditCode returns a valid unified social credit code numbered n.
func testCreditCode(n int) string {
	first := fmt.Sprintf("91330100MA%07d", n)
	c, err := ident.CreditCodeCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// testIDNumber returns a valid resident ID number of a man (odd seq) or
// woman (even seq) from region born on birth (YYYYMMDD).
func testIDNumber(region, birth string, seq int) string {
	first := region + birth + fmt.Sprintf("%03d", seq)
	c, err := ident.ResidentIDCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// testBankCard returns a valid (Luhn) 19-digit card number numbered n.
func testBankCard(n int) string {
	first := fmt.Sprintf("622202%012d", n)
	c, err := ident.BankCardCheckDigit(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

func (h *harness) nextSeq() int { return int(fixtureSeq.Add(1)) }

func (h *harness) mkEnterprise(name, typ, town string) int64 {
	h.t.Helper()
	var id int64
	h.asCity(func() {
		r := h.must(201, "POST", "/api/v1/enterprises", map[string]any{
			"credit_code": testCreditCode(h.nextSeq()), "name": name, "type": typ, "town_code": town})
		id = r.num("id")
	})
	return id
}

func (h *harness) mkProject(code, name, town string, builder, contractor int64) int64 {
	h.t.Helper()
	var id int64
	h.asCity(func() {
		r := h.must(201, "POST", "/api/v1/projects", map[string]any{
			"code": code, "name": name, "town_code": town, "industry": "housing",
			"builder_id": builder, "contractor_id": contractor, "contract_value_fen": 100_000_000,
			"start_date": "2025-01-01", "planned_end_date": "2027-12-31"})
		id = r.num("id")
	})
	return id
}

func (h *harness) mkTeam(project int64, labourFirm *int64, name string) int64 {
	h.t.Helper()
	body := map[string]any{"project_id": project, "name": name, "trade": "木工"}
	if labourFirm != nil {
		body["labour_firm_id"] = *labourFirm
	}
	var id int64
	h.asCity(func() { id = h.must(201, "POST", "/api/v1/teams", body).num("id") })
	return id
}

func (h *harness) mkWorker(name, idNumber string) int64 {
	h.t.Helper()
	var id int64
	h.asCity(func() {
		id = h.must(201, "POST", "/api/v1/workers", map[string]any{"name": name, "id_number": idNumber}).num("id")
	})
	return id
}

func (h *harness) mkEmployment(worker, project int64, team *int64, entry string) int64 {
	h.t.Helper()
	body := map[string]any{"worker_id": worker, "project_id": project, "entry_date": entry, "trade": "木工"}
	if team != nil {
		body["team_id"] = *team
	}
	var id int64
	h.asCity(func() { id = h.must(201, "POST", "/api/v1/employments", body).num("id") })
	return id
}

// count returns the number of rows of a table ("wrote nothing" checks).
func (h *harness) count(table string) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
	return n
}

// ids returns the ids of a list response's items, in order.
func (r resp) ids() []int64 {
	var out []int64
	for _, it := range r.items() {
		f, _ := it["id"].(float64)
		out = append(out, int64(f))
	}
	return out
}

// v1 formats an API path.
func v1(format string, args ...any) string { return "/api/v1" + fmt.Sprintf(format, args...) }
