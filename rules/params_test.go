package rules

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/registry"
)

func TestSpecsMatchRegistry(t *testing.T) {
	for _, c := range registry.WarningRules.Codes {
		s, ok := specs[c]
		require.True(t, ok, "%s has no spec", c)
		require.NotNil(t, s.query, c)
		require.NotNil(t, s.explain, c)
	}
	assert.Len(t, specs, len(registry.WarningRules.Codes))
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		name, code, params string
		fields             map[string]string // field → code; empty: valid
	}{
		{"defaults", "payroll_unpaid", `{"orange_after_months": 1, "red_after_months": 2, "lookback_months": 12}`, nil},
		{"no params", "deposit_missing", `{}`, nil},
		{"unknown rule", "nope", `{}`, map[string]string{"code": "unknown_rule"}},
		{"not an object", "no_attendance", `[1]`, map[string]string{"params": "invalid_type"}},
		{"null", "no_attendance", `null`, map[string]string{"params": "invalid_type"}},
		{"missing", "no_attendance", `{}`, map[string]string{"params.days": "required"}},
		{"unknown param", "deposit_missing", `{"days": 3}`, map[string]string{"params.days": "unknown_param"}},
		{"string", "no_attendance", `{"days": "15"}`, map[string]string{"params.days": "invalid_type"}},
		{"fraction", "no_attendance", `{"days": 1.5}`, map[string]string{"params.days": "invalid_type"}},
		{"zero", "no_attendance", `{"days": 0}`, map[string]string{"params.days": "out_of_range"}},
		{"too many", "contract_unsigned", `{"days": 366}`, map[string]string{"params.days": "out_of_range"}},
		{"red before orange", "payroll_unpaid", `{"orange_after_months": 2, "red_after_months": 2, "lookback_months": 12}`,
			map[string]string{"params.red_after_months": "out_of_range"}},
		{"ratio zero", "pay_ratio", `{"yellow_below_ratio": 0, "red_unpaid_share_above": 0.1, "lookback_months": 12}`,
			map[string]string{"params.yellow_below_ratio": "out_of_range"}},
		{"ratio fraction", "pay_ratio", `{"yellow_below_ratio": 0.95, "red_unpaid_share_above": 0.2, "lookback_months": 3}`, nil},
		{"share above one", "pay_ratio", `{"yellow_below_ratio": 1, "red_unpaid_share_above": 1.5, "lookback_months": 12}`,
			map[string]string{"params.red_unpaid_share_above": "out_of_range"}},
		{"every bad field at once", "group_arrears", `{"min_workers": 1, "window_days": "x", "extra": 1}`,
			map[string]string{"params.min_workers": "out_of_range", "params.window_days": "invalid_type", "params.extra": "unknown_param"}},
		{"minimum wage", "below_minimum_wage", `{"minimum_wage_fen": 249000, "lookback_months": 12}`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, errs := Validate(c.code, json.RawMessage(c.params))
			got := map[string]string{}
			for _, e := range errs {
				got[e.Field] = e.Code
				assert.NotEmpty(t, e.Message)
			}
			if len(c.fields) == 0 {
				assert.Empty(t, got)
				assert.NotNil(t, p)
				return
			}
			assert.Equal(t, c.fields, got)
			assert.Nil(t, p)
		})
	}
}

func TestMerge(t *testing.T) {
	got := Merge(json.RawMessage(`{"days": 15}`), json.RawMessage(`{"days": 20}`))
	assert.JSONEq(t, `{"days": 20}`, string(got))
	got = Merge(json.RawMessage(`{"a": 1, "b": 2}`), json.RawMessage(`{"b": 3}`))
	assert.JSONEq(t, `{"a": 1, "b": 3}`, string(got))
}

func TestYuan(t *testing.T) {
	assert.Equal(t, "¥0.05", yuan(5))
	assert.Equal(t, "¥1,234,567.89", yuan(123456789))
	assert.Equal(t, "¥2,490.00", yuan(249000))
}

func TestKey(t *testing.T) {
	h := Hit{Rule: "pay_ratio", SubjectKind: SubjectProject, SubjectID: 12, Period: "2026-09"}
	assert.Equal(t, "pay_ratio/project:12/2026-09", h.Key())
}
