package excel

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

// rosterTemplate is a realistic roster/payroll template covering every Kind.
func rosterTemplate() Template {
	return Template{
		Name: "工人花名册",
		Columns: []Column{
			{Key: "name", Header: "姓名", Required: true, Kind: Text, MaxLen: 20, Example: "张三"},
			{Key: "id_number", Header: "身份证号码", Aliases: []string{"身份证号"}, Required: true, Kind: Text,
				Example: "11010519491231002X", Help: "18 位居民身份证号码，末位 X 请大写"},
			{Key: "gender", Header: "性别", Kind: Enum, Example: "男",
				Enum: []EnumValue{{Code: "male", Label: "男"}, {Code: "female", Label: "女"}}},
			{Key: "entry_date", Header: "进场日期", Required: true, Kind: Date, Example: "2026-01-31"},
			{Key: "wage_due", Header: "应发工资", Required: true, Kind: Money, Example: "6,500.00"},
			{Key: "days", Header: "出勤天数", Kind: Int, Example: "22"},
			{Key: "contract_signed", Header: "是否签订合同", Kind: Bool, Example: "是"},
			{Key: "adjust", Header: "调整金额", Kind: Money, AllowNegative: true, Example: "-100.50"},
		},
		Notes: []string{"同一项目内身份证号码不能重复。"},
	}
}

var rosterHeaders = []any{"姓名", "身份证号码", "性别", "进场日期", "应发工资", "出勤天数", "是否签订合同", "调整金额"}

// buildXLSX writes rows (row 1 first) into a one-sheet workbook. nil cells
// are left empty; string cells are written as strings, numbers as numbers.
func buildXLSX(t testing.TB, sheet string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "Sheet1" {
		require.NoError(t, f.SetSheetName("Sheet1", sheet))
	}
	for i, r := range rows {
		for j, v := range r {
			if v == nil {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(j+1, i+1)
			require.NoError(t, err)
			require.NoError(t, f.SetCellValue(sheet, cell, v))
		}
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	return buf.Bytes()
}

// validIDNumber checks the GB 11643 check digit (test-only domain rule).
func validIDNumber(id string) bool {
	if len(id) != 18 {
		return false
	}
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		c := id[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * w
	}
	return "10X98765432"[sum%11] == id[17]
}

// collect parses data and returns the report and all records passed to fn.
func collect(t testing.TB, data []byte, tpl Template, opts Options) (*Report, []Record) {
	t.Helper()
	var recs []Record
	rep, err := ParseContext(t.Context(), bytes.NewReader(data), tpl, opts, func(row int, rec Record) error {
		require.Equal(t, row, rec.Row())
		recs = append(recs, rec)
		return nil
	})
	require.NoError(t, err)
	require.NotNil(t, rep)
	return rep, recs
}

func codes(rep *Report) []string {
	out := make([]string, len(rep.Errors))
	for i, e := range rep.Errors {
		out[i] = e.Code
	}
	return out
}
