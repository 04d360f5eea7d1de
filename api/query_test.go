package api_test

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/registry"
)

// TestUnknownQueryParameterRefused checks that a query parameter a route
// does not declare is refused (400 unknown_filter, the parameter named)
// instead of being ignored: a mistyped filter on an export used to export
// the caller's whole scope.
func TestUnknownQueryParameterRefused(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)

	unknown := func(t *testing.T, method, path string, names ...string) {
		t.Helper()
		r := h.do(method, path, nil)
		require.Equal(t, 400, r.Status, "%s %s: %s", method, path, r.Raw)
		require.Equal(t, "unknown_filter", r.code())
		require.Contains(t, r.Body["error"].(map[string]any)["message"], "不支持的查询参数")
		require.Len(t, r.fields(), len(names))
		for _, n := range names {
			require.Contains(t, r.fields(), n)
			require.Contains(t, r.fields()[n], "不支持")
		}
	}
	t.Run("MistypedFilterOnAList", func(t *testing.T) {
		unknown(t, "GET", v1("/workers?projectid=%d", f.ProjectA), "projectid")
	})
	t.Run("MistypedFilterOnAnExport", func(t *testing.T) {
		// before: 200 and every worker of the caller's scope
		unknown(t, "GET", v1("/exports/workers.xlsx?projectid=%d", f.ProjectA), "projectid")
		unknown(t, "GET", v1("/exports/enterprises.xlsx?town=%s&Type=builder", f.TownA), "town", "Type")
	})
	t.Run("FilterOfAnotherList", func(t *testing.T) {
		unknown(t, "GET", v1("/enterprises?project_id=%d", f.ProjectA), "project_id")
		unknown(t, "GET", v1("/exports/towns.xlsx?town_code=%s", f.TownA), "town_code")
	})
	t.Run("PagingOnAnExport", func(t *testing.T) {
		// an export is the whole filtered list in key order
		unknown(t, "GET", v1("/exports/workers.xlsx?sort=name&page=2"), "sort", "page")
	})
	t.Run("RoutesWithoutParameters", func(t *testing.T) {
		unknown(t, "GET", v1("/projects/%d?verbose=1", f.ProjectA), "verbose")
		unknown(t, "GET", v1("/towns?page=1"), "page") // the town list is not paged
		unknown(t, "POST", v1("/projects/%d/deactivate?force=true", f.ProjectA), "force")
	})
	t.Run("NamesAreCaseSensitive", func(t *testing.T) {
		unknown(t, "GET", v1("/workers?Project_ID=%d", f.ProjectA), "Project_ID")
	})
	t.Run("RepeatedParameter", func(t *testing.T) {
		// the second value would be ignored: refused too
		r := h.do("GET", v1("/workers?project_id=%d&project_id=%d", f.ProjectA, f.ProjectB), nil)
		require.Equal(t, 400, r.Status, string(r.Raw))
		require.Equal(t, "invalid_query", r.code())
		require.Contains(t, r.fields(), "project_id")
	})
	t.Run("DeclaredFiltersStillWork", func(t *testing.T) {
		r := h.must(200, "GET", v1("/workers?project_id=%d&page_size=5&sort=-id", f.ProjectA), nil)
		require.EqualValues(t, 1, r.num("total"))
		d := h.download(v1("/exports/workers.xlsx?project_id=%d&q=%s", f.ProjectA, url.QueryEscape("张")))
		require.Equal(t, 200, d.Status, string(d.Body))
		require.Equal(t, "1", d.Header.Get("X-Export-Rows"))
	})
	t.Run("CheckedAfterPermission", func(t *testing.T) {
		// who may not call the route hears that first
		h.anon = true
		defer func() { h.anon = false }()
		require.Equal(t, 401, h.do("GET", v1("/workers?projectid=1"), nil).Status)
	})
}

// TestExportsDeclareTheFiltersOfTheirList checks in the OpenAPI document
// that every export declares exactly the filters of its list (paging and
// sorting aside).
func TestExportsDeclareTheFiltersOfTheirList(t *testing.T) {
	h := setup(t)
	doc := h.must(200, "GET", v1("/openapi.json"), nil)
	paths := doc.Body["paths"].(map[string]any)
	queryOf := func(path string) []string {
		item, ok := paths["/api/v1"+path].(map[string]any)
		require.True(t, ok, "no path %s", path)
		get := item["get"].(map[string]any)
		params, _ := get["parameters"].([]any)
		var out []string
		for _, p := range params {
			m := p.(map[string]any)
			if m["in"] == "query" && m["name"] != "page" && m["name"] != "page_size" && m["name"] != "sort" {
				out = append(out, m["name"].(string))
			}
		}
		return out
	}
	n := 0
	for path := range paths {
		entity, ok := strings.CutPrefix(path, "/api/v1/exports/")
		if !ok || strings.Contains(entity, "/") {
			continue
		}
		list := "/" + strings.TrimSuffix(entity, ".xlsx")
		if list == "/attendance-summary" {
			list = "/attendance/summary"
		}
		require.ElementsMatch(t, queryOf(list), queryOf(strings.TrimPrefix(path, "/api/v1")), "export %s and list %s", path, list)
		n++
	}
	require.Equal(t, 18, n, "every export of a list is compared")
}

// TestEveryListReadsEveryFilterItDeclares sends every GET route with query
// parameters — each list, each export, the inbox and the system log —
// every parameter it declares, with a valid value. The harness runs the
// API with Deps.StrictQuery, which answers 500 when a handler ignores a
// parameter the client sent or reads one its route does not declare; so
// a 200 here proves that the handler (the export as much as its list)
// reads each filter it declares. An export thus cannot drift from its
// list: it declares the list's filters (TestExportsDeclareTheFiltersOfTheirList)
// and must apply each of them.
func TestEveryListReadsEveryFilterItDeclares(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	doc := h.must(200, "GET", v1("/openapi.json"), nil)
	paths := doc.Body["paths"].(map[string]any)

	enums := map[string]registry.Enum{
		"/enterprises type": registry.EnterpriseTypes, "credit_kind": registry.CreditKinds,
		"/projects status": registry.ProjectStatuses, "industry": registry.Industries, "wage_system_missing": registry.WageSystems,
		"gender": registry.Genders, "/payroll-sheets status": registry.PayrollStatuses, "confirmation": registry.Confirmations,
		"form": registry.DepositForms, "/wage-deposits status": registry.DepositStatuses,
		"/wage-deposit-movements kind": registry.DepositMovementKinds, "/safety-activities kind": registry.ActivityKinds,
		"/leads status": registry.LeadStatuses, "source": registry.LeadSources, "supervision": registry.Supervisions,
		"/tasks kind": registry.TaskKinds, "lead_status": registry.LeadStatuses, "role": registry.Roles,
		"outcome": registry.AuditOutcomes,
	}
	text := map[string]string{
		"town_code": f.TownA, "q": "甲", "id_number": f.IDNumberA, "phone": "13900000001", "native_province": "33",
		"domain": "city", "username": "t.city", "action": "auth.", "object_type": "towns", "object_id": "330101",
		"request_id": "r-1", "ip": "127.0.0.1", "view": "all", "actor": "all",
		"month": "2025-03", "month_from": "2025-01", "month_to": "2025-03",
	}
	value := func(list string, p map[string]any) string {
		name := p["name"].(string)
		if name == "case_no" {
			return cmp.Or(map[string]string{"/dispatches": "JB", "/warnings": "YJ"}[list], "QX") + "-2026-000001"
		}
		if e, ok := enums[list+" "+name]; ok {
			return e.Codes[0]
		}
		if e, ok := enums[name]; ok {
			return e.Codes[0]
		}
		if v, ok := text[name]; ok {
			return v
		}
		schema, _ := p["schema"].(map[string]any)
		if enum, ok := schema["enum"].([]any); ok && len(enum) > 0 {
			return enum[0].(string)
		}
		switch {
		case name == "sort" && list == "/tasks":
			return "-due_at"
		case name == "sort" && list == "/leads":
			return "-id"
		case name == "page", name == "age_min":
			return "1"
		case name == "page_size", name == "age_max":
			return "60"
		case strings.HasSuffix(name, "from"):
			return "2025-03-01"
		case strings.HasSuffix(name, "to"):
			return "2025-03-31"
		case schema["type"] == "integer":
			return fmt.Sprint(f.ProjectA) // any positive id
		case schema["type"] == "boolean":
			return "true"
		}
		t.Fatalf("%s: no test value for the parameter %s", list, name)
		return ""
	}
	n := 0
	for path, item := range paths {
		get, ok := item.(map[string]any)["get"].(map[string]any)
		if !ok || strings.Contains(path, "{") {
			continue
		}
		params, _ := get["parameters"].([]any)
		if len(params) == 0 {
			continue
		}
		route := strings.TrimPrefix(path, "/api/v1")
		list := route
		if entity, ok := strings.CutPrefix(route, "/exports/"); ok {
			list = "/" + strings.TrimSuffix(entity, ".xlsx")
			if list == "/attendance-summary" {
				list = "/attendance/summary"
			}
		}
		q := url.Values{}
		for _, p := range params {
			q.Set(p.(map[string]any)["name"].(string), value(list, p.(map[string]any)))
		}
		t.Run(strings.TrimPrefix(route, "/"), func(t *testing.T) {
			h.role = ""
			switch list {
			case "/accounts":
				h.role = "city_admin"
			case "/audit-log":
				h.role = "city_auditor"
			}
			r := h.do("GET", path+"?"+q.Encode(), nil)
			require.Equal(t, 200, r.Status, "GET %s?%s: %s", path, q.Encode(), r.Raw)
		})
		n++
	}
	require.Equal(t, 26+18, n, "every list (25 paged: with /notifications and /sms-outbox; and the towns) and every export of a list")
}

// TestHandlersReadOnlyDeclaredQueryParameters reads the handlers' source:
// the query is read only through queryValue and the helpers of
// request.go (which refuse to read what the route does not declare), and
// every parameter name a handler reads is declared by some route.
func TestHandlersReadOnlyDeclaredQueryParameters(t *testing.T) {
	h := setup(t)
	doc := h.must(200, "GET", v1("/openapi.json"), nil)
	declared := map[string]bool{}
	for _, item := range doc.Body["paths"].(map[string]any) {
		for _, op := range item.(map[string]any) {
			params, _ := op.(map[string]any)["parameters"].([]any)
			for _, p := range params {
				if m := p.(map[string]any); m["in"] == "query" {
					declared[m["name"].(string)] = true
				}
			}
		}
	}
	// helpers that take (c, name, …) and read the query parameter name
	readers := map[string]bool{"queryValue": true, "queryInt": true, "queryID": true, "queryText": true, "queryLike": true,
		"queryBool": true, "queryEnum": true, "queryDate": true, "queryMonth": true,
		"id": true, "boolean": true, "enum": true, "like": true, "date": true, "month": true, "optInt": true}
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	names := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, file, nil, 0)
		require.NoError(t, err)
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				fn = f.Sel.Name
				direct := fn == "QueryArgs" || fn == "QueryParser" || fn == "Queries" ||
					(fn == "Query" && len(call.Args) > 0 && isStringLit(call.Args[0]))
				if direct && file != "request.go" && !((file == "identity.go" || file == "textinput.go") && fn == "QueryArgs") {
					t.Errorf("%s: %s reads the query directly; use queryValue (request.go)", fset.Position(call.Pos()), fn)
				}
			}
			if readers[fn] && len(call.Args) >= 2 && isIdent(call.Args[0], "c") {
				if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					name, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					names++
					if !declared[name] {
						t.Errorf("%s: reads the query parameter %q, which no route declares", fset.Position(call.Pos()), name)
					}
				}
			}
			return true
		})
	}
	require.Greater(t, names, 100, "the handlers' reads were found")
}

func isStringLit(e ast.Expr) bool {
	lit, ok := e.(*ast.BasicLit)
	return ok && lit.Kind == token.STRING
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
