package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWarningRules(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	officer := h.tokenFor("town_officer", townScope(f.TownA))
	city := h.tokenFor("city_supervisor", cityScope())

	list := h.as2(officer, 200, "GET", "/api/v1/warning-rules", nil).items()
	require.Len(t, list, 11, "every rule of SPEC R4")
	byCode := map[string]map[string]any{}
	for _, r := range list {
		byCode[r["code"].(string)] = r
		assert.NotEmpty(t, r["name"])
		assert.NotEmpty(t, r["basis"])
		assert.Equal(t, float64(1), r["version"])
		assert.Equal(t, true, r["enabled"])
	}
	assert.Equal(t, "在建项目长期无考勤", byCode["no_attendance"]["name"])
	assert.Equal(t, "黄色预警", byCode["no_attendance"]["level_label"])
	assert.Equal(t, map[string]any{"days": float64(15)}, byCode["no_attendance"]["params"])
	assert.Nil(t, byCode["payroll_unpaid"]["level"], "graded by its params")
	assert.Equal(t, true, byCode["payroll_unpaid"]["graded"])
	h.as2(officer, 404, "GET", "/api/v1/warning-rules/nope", nil)
	h.as2(officer, 403, "PATCH", "/api/v1/warning-rules/no_attendance", map[string]any{"version": 1})
	h.as2(officer, 403, "POST", "/api/v1/warning-rules/no_attendance/dry-run", map[string]any{})

	// Bad input: every bad field named in Chinese, nothing changed.
	r := h.doAs(city, "PATCH", "/api/v1/warning-rules/no_attendance", map[string]any{"version": 1,
		"params": map[string]any{"days": 0, "weeks": 2}, "level": "purple", "town_codes": []string{"999999"}})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Equal(t, map[string]any{"params.days": "无考勤天数上限应为1至365的整数", "params.weeks": "该规则没有此参数",
		"level": "预警级别应为yellow（黄色）、orange（橙色）或red（红色）", "town_codes": "镇街不存在"}, r.fields())
	r = h.doAs(city, "PATCH", "/api/v1/warning-rules/payroll_unpaid", map[string]any{"version": 1, "level": "red",
		"params": map[string]any{"red_after_months": 1}})
	assert.Equal(t, 422, r.Status, string(r.Raw))
	assert.Contains(t, r.fields(), "params.red_after_months")
	assert.Equal(t, "该规则按参数分级，不设统一预警级别", r.fields()["level"])
	h.as2(city, 409, "PATCH", "/api/v1/warning-rules/no_attendance", map[string]any{"version": 7, "params": map[string]any{"days": 20}})
	d := h.as2(city, 200, "GET", "/api/v1/warning-rules/no_attendance", nil)
	assert.Equal(t, float64(1), d.Body["version"])
	assert.Len(t, d.Body["history"], 1)

	// A change is a new version; the old one stays in the history.
	r = h.as2(city, 200, "PATCH", "/api/v1/warning-rules/no_attendance", map[string]any{"version": 1,
		"params": map[string]any{"days": 20}, "level": "orange", "town_codes": []string{f.TownA, f.TownA}, "note": "试行"})
	assert.Equal(t, float64(2), r.Body["version"])
	assert.Equal(t, map[string]any{"days": float64(20)}, r.Body["params"])
	assert.Equal(t, "orange", r.Body["level"])
	assert.Equal(t, []any{f.TownA}, r.Body["town_codes"])
	h.as2(city, 409, "PATCH", "/api/v1/warning-rules/no_attendance", map[string]any{"version": 1, "enabled": false})
	d = h.as2(officer, 200, "GET", "/api/v1/warning-rules/no_attendance", nil)
	hist := d.Body["history"].([]any)
	require.Len(t, hist, 2)
	assert.Equal(t, float64(2), hist[0].(map[string]any)["version"])
	assert.Equal(t, true, hist[0].(map[string]any)["current"])
	assert.Equal(t, false, hist[1].(map[string]any)["current"])
	assert.Equal(t, float64(15), hist[1].(map[string]any)["params"].(map[string]any)["days"])
	var logged int
	require.NoError(t, h.pool.QueryRow(h.t.Context(), `SELECT count(*) FROM audit_log WHERE object_type = 'warning_rules'`).Scan(&logged))
	assert.GreaterOrEqual(t, logged, 2, "the retired and the new version are in the system log")

	// Dry-run: the fixture's projects in construction have no attendance
	// at all; years later every one of them is idle.
	dry := h.as2(city, 200, "POST", "/api/v1/warning-rules/no_attendance/dry-run", map[string]any{
		"params": map[string]any{"days": 1}, "town_codes": []string{}, "as_of": "2030-01-01", "limit": 1})
	total := dry.num("total")
	assert.GreaterOrEqual(t, total, int64(1), string(dry.Raw))
	hits := dry.Body["hits"].([]any)
	require.Len(t, hits, 1)
	hit := hits[0].(map[string]any)
	assert.Equal(t, "project", hit["subject_kind"])
	assert.NotEmpty(t, hit["subject_name"])
	assert.Equal(t, "橙色预警", hit["level_label"], "the current version's level")
	assert.Contains(t, hit["explanation"], "无任何考勤记录")
	assert.Equal(t, fmt.Sprintf("no_attendance/project:%v/", hit["subject_id"]), hit["key"])
	one := h.as2(city, 200, "POST", "/api/v1/warning-rules/no_attendance/dry-run", map[string]any{
		"params": map[string]any{"days": 1}, "town_codes": []string{}, "as_of": "2030-01-01", "project_id": f.ProjectA})
	assert.Equal(t, int64(1), one.num("total"), string(one.Raw))
	off := h.as2(city, 200, "POST", "/api/v1/warning-rules/no_attendance/dry-run", map[string]any{"enabled": false, "as_of": "2030-01-01"})
	assert.Equal(t, int64(0), off.num("total"))
	r = h.doAs(city, "POST", "/api/v1/warning-rules/no_attendance/dry-run", map[string]any{"params": map[string]any{"days": "x"}, "limit": 500})
	assert.Equal(t, 422, r.Status)
	assert.Equal(t, map[string]any{"params.days": "无考勤天数上限应为数字", "limit": "应为0至200"}, r.fields())
	d = h.as2(city, 200, "GET", "/api/v1/warning-rules/no_attendance", nil)
	assert.Equal(t, float64(2), d.Body["version"], "a dry-run changes nothing")
	assert.Equal(t, float64(20), d.Body["params"].(map[string]any)["days"])
}
