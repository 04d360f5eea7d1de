package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestBadDateNamesItsField checks that a malformed date in any request
// body is reported under the body's own key, whichever handler reads it.
func TestBadDateNamesItsField(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	listing := h.must(201, "POST", v1("/enterprises/%d/credit-listings", f.ContractorA),
		map[string]any{"kind": "arrears_blacklist", "listed_on": "2025-01-10"}).num("id")
	before := h.count("projects")

	cases := []struct {
		name, method, path string
		body               map[string]any
		field              string
	}{
		{"ProjectCreateMonth13", "POST", v1("/projects"), withKV(projectBody(f, "PC-0009"), "start_date", "2026-13-01"), "start_date"},
		{"ProjectCreateNotAString", "POST", v1("/projects"), withKV(projectBody(f, "PC-0009"), "planned_end_date", 20261231), "planned_end_date"},
		{"ProjectUpdate", "PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"completed_on": "2025-02-30", "version": 1}, "completed_on"},
		{"WageSystem", "PATCH", v1("/projects/%d/wage-systems/real_name", f.ProjectA), map[string]any{"checked_on": "yesterday", "version": 1}, "checked_on"},
		{"EmploymentEntry", "POST", v1("/employments"), map[string]any{"worker_id": f.WorkerB, "project_id": f.ProjectA, "entry_date": "2025/05/01"}, "entry_date"},
		{"EmploymentExit", "POST", v1("/employments/%d/exit", f.EmploymentA), map[string]any{"exit_date": "", "exit_reason": "完工", "version": 1}, "exit_date"},
		{"CreditListingCreate", "POST", v1("/enterprises/%d/credit-listings", f.BuilderA), map[string]any{"kind": "major_violation", "listed_on": "2025-1-1"}, "listed_on"},
		{"CreditListingUpdate", "PATCH", v1("/enterprises/%d/credit-listings/%d", f.ContractorA, listing), map[string]any{"removed_on": "2025-06-31", "version": 1}, "removed_on"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.must(422, tc.method, tc.path, tc.body)
			require.Equal(t, "invalid_date", r.code(), string(r.Raw))
			require.Equal(t, map[string]any{tc.field: "日期格式应为 YYYY-MM-DD"}, r.fields())
		})
	}
	require.Equal(t, before, h.count("projects"))

	t.Run("OtherTypeErrorsStillNameTheirField", func(t *testing.T) {
		r := h.must(422, "POST", v1("/projects"), withKV(projectBody(f, "PC-0009"), "builder_id", "one"))
		require.Equal(t, "invalid_type", r.code())
		require.Contains(t, r.fields(), "builder_id")
	})
}

// withKV returns body with key set to value.
func withKV(body map[string]any, key string, value any) map[string]any {
	body[key] = value
	return body
}
