package api_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

// The function-permission matrix (功能权限矩阵) is docs/PERMISSIONS.md: one
// row per route, one column per role. TestPermissionMatrix walks every
// route of the API with a token of every role, in its own domain and
// outside it, and requires what the document says.

// matrixRoles are the roles, in the order of the document's columns.
var matrixRoles = []string{"city_supervisor", "city_admin", "city_auditor", "town_officer", "enterprise_user", "project_manager", "worker"}

// matrixCell is what a role may do on a route:
//
//	"✓"   allowed, on the rows of its own domain (others answer 404)
//	"✓*"  allowed, on every row (reference data not restricted by domain)
//	"—"   refused (403)
type matrixRow struct {
	access string            // public, self or object:action
	cells  map[string]string // by role
}

var matrixLine = regexp.MustCompile("^\\| `(GET|POST|PUT|PATCH|DELETE) ([^`]+)` \\| `([^`]+)` \\|(.*)\\|$")

// readMatrix parses the table of docs/PERMISSIONS.md.
func readMatrix(t *testing.T) map[string]matrixRow {
	t.Helper()
	fh, err := os.Open("../docs/PERMISSIONS.md")
	require.NoError(t, err)
	defer fh.Close()
	out := map[string]matrixRow{}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		m := matrixLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		key := m[1] + " " + m[2]
		require.NotContains(t, out, key, "route listed twice in docs/PERMISSIONS.md")
		cells := strings.Split(m[4], "|")
		require.Len(t, cells, len(matrixRoles), "%s: one cell per role", key)
		row := matrixRow{access: m[3], cells: map[string]string{}}
		for i, c := range cells {
			c = strings.TrimSpace(c)
			require.Contains(t, []string{"✓", "✓*", "—"}, c, "%s: cell %q", key, c)
			row.cells[matrixRoles[i]] = c
		}
		out[key] = row
	}
	require.NoError(t, sc.Err())
	return out
}

// matrixFixture is two domains, A (town A, its enterprises, project A,
// worker A …) and B, with a row of every kind in each.
type matrixFixture struct {
	*registryFixture
	ids map[string][2]string // path parameter key → (in A, in B)
	// notes are, per role, a notification of that role's token account
	// (A) and one of another account of the role (B): notifications are
	// per account, so the row "outside" is another account's.
	notes map[string][2]string
	role  string // the role whose notification concrete names
}

func newMatrixFixture(h *harness) *matrixFixture {
	t := h.t
	f := &matrixFixture{registryFixture: newRegistryFixture(h), ids: map[string][2]string{}}
	id := func(r resp) string { return fmt.Sprint(r.num("id")) }
	var ids [2]map[string]string
	h.asCity(func() {
		for i, d := range []struct {
			town              string
			ent, proj, worker int64
			idNumber          string
		}{{f.TownA, f.ContractorA, f.ProjectA, f.WorkerA, f.IDNumberA}, {f.TownB, f.ContractorB, f.ProjectB, f.WorkerB, f.IDNumberB}} {
			m := map[string]string{}
			m["listing"] = id(h.must(201, "POST", v1("/enterprises/%d/credit-listings", d.ent),
				map[string]any{"kind": "arrears_blacklist", "listed_on": "2025-03-01", "authority": "市人社局"}))
			h.must(201, "PUT", v1("/attendance"), map[string]any{"project_id": d.proj, "worker_id": d.worker, "work_date": "2025-05-05"})
			sheet := h.must(201, "POST", v1("/payroll-sheets"), map[string]any{"project_id": d.proj, "month": "2025-05"})
			m["payroll-sheets"] = id(sheet)
			m["payroll-lines"] = id(h.must(201, "POST", v1("/payroll-lines"), map[string]any{"sheet_id": sheet.num("id"),
				"worker_id": d.worker, "amount_due_fen": 800000}))
			m["work-records"] = id(h.must(201, "POST", v1("/work-records"), map[string]any{"project_id": d.proj, "worker_id": d.worker,
				"work_date": "2025-05-05", "item": "模板安装", "quantity_milli": 12500}))
			acc := h.must(201, "POST", v1("/wage-accounts"), map[string]any{"project_id": d.proj, "bank_name": "建设银行",
				"account_name": "农民工工资专用账户", "account_no": fmt.Sprintf("621700123456789%d", i), "opened_on": "2025-01-02"})
			m["wage-accounts"] = id(acc)
			m["labour-cost-transfers"] = id(h.must(201, "POST", v1("/labour-cost-transfers"), map[string]any{"account_id": acc.num("id"),
				"month": "2025-02", "amount_fen": 500000, "transferred_on": "2025-02-20"}))
			dep := h.must(201, "POST", v1("/wage-deposits"), map[string]any{"project_id": d.proj, "form": "cash", "required_fen": 1000000,
				"amount_fen": 1000000, "paid_on": "2025-01-05"})
			m["wage-deposits"] = id(dep)
			mv := h.must(201, "POST", v1("/wage-deposit-movements"), map[string]any{"deposit_id": dep.num("id"), "kind": "payout",
				"amount_fen": 1000, "occurred_on": "2025-02-01"})
			mvm, _ := mv.Body["movement"].(map[string]any)
			m["wage-deposit-movements"] = fmt.Sprint(int64(mvm["id"].(float64)))
			home := h.must(201, "POST", v1("/safety-homes"), map[string]any{"town_code": d.town, "name": fmt.Sprintf("安薪之家%d", i),
				"established_on": "2025-01-10"})
			m["safety-homes"] = id(home)
			m["safety-supervisors"] = id(h.must(201, "POST", v1("/safety-supervisors"), map[string]any{"home_id": home.num("id"),
				"name": "监督员"}))
			m["safety-activities"] = id(h.must(201, "POST", v1("/safety-activities"), map[string]any{"home_id": home.num("id"),
				"held_on": "2025-01-15", "title": "宣讲", "kind": "publicity", "participants": 80}))
			pm, _ := h.account("project_manager", projectScope(d.proj))
			m["accounts"] = fmt.Sprint(pm)
			m["towns"] = d.town
			m["enterprises"] = fmt.Sprint(d.ent)
			m["projects"] = fmt.Sprint(d.proj)
			m["workers"] = fmt.Sprint(d.worker)
			ids[i] = m
		}
	})
	// A lead in each domain that everyone there sees: reported by the
	// domain's worker, accepted, its contractor ordered to rectify, with
	// an uploaded evidence file; and a second lead waiting for the town's
	// acceptance (a task the town may claim).
	for i, d := range []struct {
		town      string
		ent, proj int64
		worker    int64
	}{{f.TownA, f.ContractorA, f.ProjectA, f.WorkerA}, {f.TownB, f.ContractorB, f.ProjectB, f.WorkerB}} {
		worker := h.tokenFor("worker", workerScope(d.worker))
		officer := h.tokenFor("town_officer", townScope(d.town))
		lead := h.as2(worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": d.proj,
			"amount_claimed_fen": 100_000, "description": "权限矩阵测试"}).num("lead_id")
		h.as2(officer, 200, "POST", v1("/leads/%d/actions/accept", lead), map[string]any{})
		h.as2(officer, 200, "POST", v1("/leads/%d/actions/orderRectification", lead), map[string]any{"note": "限期支付"})
		ids[i]["leads"] = fmt.Sprint(lead)
		ids[i]["evidence"] = fmt.Sprint(upload(h, h.tokenFor("enterprise_user", entScope(d.ent)), lead, "凭证.png", testPNG(t, 8), 1<<20))
		other := h.as2(officer, 201, "POST", "/api/v1/leads", map[string]any{"source": "walk_in", "reporter_name": "来访人",
			"project_id": d.proj, "amount_claimed_fen": 1000, "description": "权限矩阵测试"}).num("lead_id")
		tasks := h.as2(officer, 200, "GET", v1("/tasks?lead_id=%d", other), nil).items()
		require.Len(t, tasks, 1)
		ids[i]["tasks"] = fmt.Sprint(int64(tasks[0]["id"].(float64)))
		var warning int64
		require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO warnings (rule_code, rule_version, level,
			subject_kind, project_id, enterprise_id, town_code, period, key, status)
			VALUES ('notice_board_missing', 1, 'yellow', 'project', $1, $2, $3, '', $4, 'answering') RETURNING id`,
			d.proj, d.ent, d.town, fmt.Sprint("matrix:", d.proj)).Scan(&warning))
		ids[i]["warnings"] = fmt.Sprint(warning)
		ids[i]["dispatches"] = fmt.Sprint(h.as2(h.tokenFor("city_supervisor", cityScope()), 201, "POST", "/api/v1/dispatches",
			map[string]any{"title": "权限矩阵测试", "instructions": "请排查", "town_codes": []string{d.town}, "due_days": 5}).num("id"))
	}
	ids[0]["teams"], ids[1]["teams"] = fmt.Sprint(f.TeamA), fmt.Sprint(f.TeamB)
	ids[0]["calendar"], ids[1]["calendar"] = "2026", "2026"
	ids[0]["case-policies"], ids[1]["case-policies"] = "lead", "lead"
	ids[0]["employments"], ids[1]["employments"] = fmt.Sprint(f.EmploymentA), fmt.Sprint(f.EmploymentB)
	for k, a := range ids[0] {
		f.ids[k] = [2]string{a, ids[1][k]}
	}
	require.NotEmpty(t, f.ids)
	return f
}

// scopeOfRole is the domain-A binding of an account of role.
func (f *matrixFixture) scopeOfRole(role string) api.Scope {
	switch role {
	case "town_officer":
		return townScope(f.TownA)
	case "enterprise_user":
		return entScope(f.ContractorA)
	case "project_manager":
		return projectScope(f.ProjectA)
	case "worker":
		return workerScope(f.WorkerA)
	}
	return cityScope()
}

// otherScopeOfRole is the domain-B binding of an account of role (the
// city's roles: the city again).
func (f *matrixFixture) otherScopeOfRole(role string) api.Scope {
	switch role {
	case "town_officer":
		return townScope(f.TownB)
	case "enterprise_user":
		return entScope(f.ContractorB)
	case "project_manager":
		return projectScope(f.ProjectB)
	case "worker":
		return workerScope(f.WorkerB)
	}
	return cityScope()
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// concrete fills the parameters of an OpenAPI path with the ids of domain
// d (0: A, 1: B); ok is false when the path has no id to vary.
func (f *matrixFixture) concrete(t *testing.T, path string, d int) (string, bool) {
	rest := strings.TrimPrefix(path, "/api/v1/")
	rest = strings.TrimPrefix(rest, "exports/")
	resource, _, _ := strings.Cut(rest, "/")
	hasID := false
	out := pathParam.ReplaceAllStringFunc(path, func(p string) string {
		hasID = true
		switch p {
		case "{code}":
			if resource == "warning-rules" {
				return "no_attendance"
			}
			return f.ids["towns"][d]
		case "{listing}":
			return f.ids["listing"][d]
		case "{system}":
			return "real_name"
		case "{action}":
			switch resource {
			case "dispatches":
				return "remindTownNow"
			case "warnings":
				return "answer"
			}
			return "extend"
		}
		if resource == "auth" {
			return "999999" // a session that is not the caller's
		}
		if resource == "notifications" {
			return f.notes[f.role][d]
		}
		v, ok := f.ids[resource]
		require.True(t, ok, "no fixture id for %s", path)
		return v[d]
	})
	return out, hasID
}

// matrixQuery are the query parameters some reads require.
func (f *matrixFixture) matrixQuery(method, path string) string {
	if method != "GET" {
		if strings.HasSuffix(path, "/imports/payroll") {
			return "?month=2025-05"
		}
		return ""
	}
	switch path {
	case "/api/v1/attendance", "/api/v1/exports/attendance.xlsx":
		return fmt.Sprintf("?project_id=%d&date_from=2025-05-01&date_to=2025-05-31", f.ProjectA)
	case "/api/v1/attendance/summary", "/api/v1/exports/attendance-summary.xlsx":
		return fmt.Sprintf("?project_id=%d&month=2025-05", f.ProjectA)
	}
	return ""
}

// matrixBody is a body that passes validation where that is cheap, so
// that a write reaches the row: a stale version (answered 409 in scope,
// 404 outside it) and what else the route requires.
func matrixBody(method, path string) any {
	if method == "GET" {
		return nil
	}
	const stale = 999999
	switch {
	case strings.HasSuffix(path, "/deactivate"):
		return map[string]any{"reason": "权限矩阵测试", "version": stale}
	case strings.HasSuffix(path, "/exit"):
		return map[string]any{"exit_date": "2025-06-30", "version": stale}
	case strings.HasSuffix(path, "/settle"):
		return map[string]any{"settled_on": "2025-07-01", "version": stale}
	case strings.HasSuffix(path, "/pay"):
		return map[string]any{"paid_on": "2025-03-10", "version": stale}
	case strings.Contains(path, "{"):
		return map[string]any{"version": stale}
	}
	return map[string]any{}
}

func TestPermissionMatrix(t *testing.T) {
	h := setupCases(t)
	f := newMatrixFixture(h)
	matrix := readMatrix(t)
	doc, err := openapi3.NewLoader().LoadFromData(h.must(200, "GET", "/api/v1/openapi.json", nil).Raw)
	require.NoError(t, err)

	type op struct{ method, path, access string }
	var ops []op
	for path, item := range doc.Paths.Map() {
		for method, o := range item.Operations() {
			access, _ := o.Extensions["x-permission"].(string)
			ops = append(ops, op{method, path, access})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })

	// Every route has a row, with its permission; every row a route.
	seen := map[string]bool{}
	for _, o := range ops {
		key := o.method + " " + o.path
		seen[key] = true
		row, ok := matrix[key]
		require.True(t, ok, "%s has no row in docs/PERMISSIONS.md", key)
		require.Equal(t, o.access, row.access, "%s: permission in docs/PERMISSIONS.md", key)
	}
	for key := range matrix {
		require.True(t, seen[key], "docs/PERMISSIONS.md lists %s, which is not a route", key)
	}

	tokens := map[string]string{}
	for _, role := range matrixRoles {
		tokens[role] = h.tokenFor(role, f.scopeOfRole(role))
	}
	f.notes = map[string][2]string{}
	for _, role := range matrixRoles {
		mine := h.as2(tokens[role], 200, "GET", "/api/v1/auth/me", nil).num("id")
		var other int64
		if role == "worker" { // worker B's account exists (one per worker)
			require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT id FROM accounts WHERE worker_id = $1`, f.WorkerB).Scan(&other))
		} else {
			other, _ = h.account(role, f.otherScopeOfRole(role))
		}
		var ids [2]string
		for i, acc := range []int64{mine, other} {
			var id int64
			require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO notifications (account_id, recipient, kind,
				title, body, case_kind, case_id, seq, created_at, delivered_at)
				VALUES ($1, 'account:' || $1::bigint, 'result', '权限矩阵测试', '权限矩阵测试', 'lead', 1, 1, now(), now())
				RETURNING id`, acc).Scan(&id))
			ids[i] = fmt.Sprint(id)
		}
		f.notes[role] = ids
	}
	f.role = matrixRoles[0] // until the walk names the role
	checked := map[string]int{}
	for _, o := range ops {
		key := o.method + " " + o.path
		row := matrix[key]
		in, hasID := f.concrete(t, o.path, 0)
		in += f.matrixQuery(o.method, o.path)
		body := matrixBody(o.method, o.path)
		if o.access == "public" {
			r := h.doAs("", o.method, in, body)
			assert.NotEqual(t, 401, r.Status, "%s is public: %s", key, r.Raw)
			continue
		}
		// No token, a malformed one, an unknown one: 401.
		for _, tok := range []string{"", "axs_not-a-token", "axs_" + strings.Repeat("A", 43)} {
			r := h.doAs(tok, o.method, in, body)
			assert.Equal(t, 401, r.Status, "%s with token %q: %s", key, tok, r.Raw)
			checked["401"]++
		}
		if o.path == "/api/v1/auth/logout" {
			continue // walked in TestLogoutRevokesAtOnce
		}
		for _, role := range matrixRoles {
			cell := row.cells[role]
			if strings.HasPrefix(o.path, "/api/v1/notifications/{") {
				f.role = role // the role's own notification
				in, _ = f.concrete(t, o.path, 0)
			}
			r := h.doAs(tokens[role], o.method, in, body)
			if o.access == "self" {
				assert.NotContains(t, []int{401, 403}, r.Status, "%s as %s: %s", key, role, r.Raw)
				continue
			}
			if cell == "—" {
				assert.Equal(t, 403, r.Status, "%s as %s is refused in the matrix: %s", key, role, r.Raw)
				checked["403"]++
				continue
			}
			// allowed: past the guard. A case workflow may still refuse
			// this caller for this case (403 lead_not_actor: the case's
			// table of actions, not the permission matrix)
			if !assert.NotContains(t, []int{401, 404}, r.Status, "%s as %s in its own domain (%s): %s", key, role, in, r.Raw) ||
				!assert.False(t, r.Status == 403 && r.code() == "forbidden", "%s as %s in its own domain (%s): %s", key, role, in, r.Raw) {
				continue
			}
			if o.method == "GET" {
				assert.Equal(t, 200, r.Status, "%s as %s (%s): %s", key, role, in, r.Raw)
			}
			checked["allowed"]++
			// Outside the domain: a row the role may not see is 404.
			if !hasID || strings.HasPrefix(role, "city_") {
				continue
			}
			out, _ := f.concrete(t, o.path, 1)
			out += f.matrixQuery(o.method, o.path)
			ro := h.doAs(tokens[role], o.method, out, body)
			switch {
			case cell == "✓*":
				assert.Equal(t, r.Status, ro.Status, "%s as %s: every row alike (%s): %s", key, role, out, ro.Raw)
			case r.Status == 422 || r.Status == 400:
				// refused before the row was read; the row scope of this
				// route is covered by its own tests
				checked["unreached"]++
			default:
				assert.Equal(t, 404, ro.Status, "%s as %s outside its domain (%s): %s", key, role, out, ro.Raw)
				checked["404"]++
			}
		}
	}
	t.Logf("checked: %v", checked)
	require.Greater(t, checked["404"], 100)

	// Every refusal is in the system log.
	var denied int
	require.NoError(t, h.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM audit_log WHERE outcome = 'denied'`).Scan(&denied))
	require.GreaterOrEqual(t, denied, checked["401"]+checked["403"])
}
