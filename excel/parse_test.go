package excel

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// TestTemplateRoundTrip writes the template, fills rows the way a user (or
// Excel) would — typed numbers, real date cells, text — and parses it back.
func TestTemplateRoundTrip(t *testing.T) {
	tpl := rosterTemplate()
	var buf bytes.Buffer
	require.NoError(t, WriteTemplate(&buf, tpl))

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer f.Close()

	// structure of the template
	assert.Equal(t, []string{"工人花名册", HelpSheetName}, f.GetSheetList())
	assert.Equal(t, 0, f.GetActiveSheetIndex())
	a1, err := f.GetCellValue("工人花名册", "A1")
	require.NoError(t, err)
	assert.Equal(t, "*姓名", a1)
	runs, err := f.GetCellRichText("工人花名册", "B1")
	require.NoError(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, "*", runs[0].Text)
	require.NotNil(t, runs[0].Font)
	assert.Contains(t, strings.ToUpper(runs[0].Font.Color), "FF0000")
	c1, err := f.GetCellValue("工人花名册", "C1")
	require.NoError(t, err)
	assert.Equal(t, "性别", c1, "optional header has no marker")
	panes, err := f.GetPanes("工人花名册")
	require.NoError(t, err)
	assert.True(t, panes.Freeze)
	assert.Equal(t, 1, panes.YSplit)
	dvs, err := f.GetDataValidations("工人花名册")
	require.NoError(t, err)
	var lists []string
	for _, dv := range dvs {
		if dv.Type == "list" {
			lists = append(lists, dv.Sqref+"="+dv.Formula1)
		}
	}
	assert.ElementsMatch(t, []string{`C2:C1048576="男,女"`, `G2:G1048576="是,否"`}, lists)
	comments, err := f.GetComments("工人花名册")
	require.NoError(t, err)
	require.Len(t, comments, len(tpl.Columns))
	width, err := f.GetColWidth("工人花名册", "B")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, width, 18.0)
	help, err := f.GetRows(HelpSheetName)
	require.NoError(t, err)
	joined := fmt.Sprint(help)
	for _, c := range tpl.Columns {
		assert.Contains(t, joined, c.Header)
		assert.Contains(t, joined, c.Example)
	}
	assert.Contains(t, joined, "同一项目内身份证号码不能重复")

	// the untouched template has no data: the example row is not imported
	rep, recs := collect(t, buf.Bytes(), tpl, Options{})
	assert.False(t, rep.OK())
	assert.Equal(t, []string{CodeNoData}, codes(rep))
	assert.Empty(t, recs)

	// fill it in
	sheet := "工人花名册"
	rows := [][]any{
		{"张三", "11010519491231002X", "男", date(2026, 1, 31), 6500.5, 22, "是", -100.5},
		{" 李四 ", "110105194912310038", "女", "2026/2/1", "1,234.50", "21", "否", nil},
		{"王五", "110105194912310046", nil, "20260301", 1234.5, nil, nil, "0"},
	}
	for i, r := range rows {
		for j, v := range r {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			require.NoError(t, f.SetCellValue(sheet, cell, v))
		}
	}
	buf.Reset()
	require.NoError(t, f.Write(&buf))

	rep, recs = collect(t, buf.Bytes(), tpl, Options{})
	require.True(t, rep.OK(), "%+v", rep.Errors)
	assert.Equal(t, 3, rep.Rows)
	assert.Equal(t, "工人花名册", rep.Sheet)
	require.Len(t, recs, 3)

	r := recs[0]
	assert.Equal(t, 2, r.Row())
	assert.Equal(t, "张三", r.Text("name"))
	assert.Equal(t, "11010519491231002X", r.Text("id_number"))
	assert.Equal(t, "male", r.Enum("gender"))
	assert.Equal(t, date(2026, 1, 31), r.Date("entry_date"))
	assert.Equal(t, int64(650050), r.Fen("wage_due"))
	assert.Equal(t, int64(22), r.Int64("days"))
	assert.True(t, r.Bool("contract_signed"))
	assert.True(t, r.Has("contract_signed"))
	assert.Equal(t, int64(-10050), r.Fen("adjust"))

	r = recs[1]
	assert.Equal(t, 3, r.Row())
	assert.Equal(t, "李四", r.Text("name"))
	assert.Equal(t, "female", r.Enum("gender"))
	assert.Equal(t, date(2026, 2, 1), r.Date("entry_date"))
	assert.Equal(t, int64(123450), r.Fen("wage_due"))
	assert.Equal(t, int64(21), r.Int64("days"))
	assert.False(t, r.Bool("contract_signed"))
	assert.True(t, r.Has("contract_signed"))
	assert.False(t, r.Has("adjust"))
	assert.Equal(t, int64(0), r.Fen("adjust"))

	r = recs[2]
	assert.Equal(t, 4, r.Row())
	assert.False(t, r.Has("gender"))
	assert.Equal(t, "", r.Enum("gender"))
	assert.Equal(t, date(2026, 3, 1), r.Date("entry_date"))
	assert.Equal(t, int64(123450), r.Fen("wage_due"))
	assert.False(t, r.Has("days"))
	assert.False(t, r.Has("contract_signed"))
	assert.True(t, r.Has("adjust"))
	assert.Equal(t, "20260301", r.Raw("entry_date"))
}

func TestTemplateLongEnumUsesHiddenList(t *testing.T) {
	var towns []EnumValue
	for i := range 40 {
		towns = append(towns, EnumValue{Code: fmt.Sprintf("town%02d", i), Label: fmt.Sprintf("第%02d街道办事处", i)})
	}
	tpl := Template{Name: "项目", Columns: []Column{
		{Key: "name", Header: "项目名称", Required: true},
		{Key: "town", Header: "所属镇街", Required: true, Kind: Enum, Enum: towns},
	}}
	var buf bytes.Buffer
	require.NoError(t, WriteTemplate(&buf, tpl))
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{"项目", HelpSheetName, OptionsSheetName}, f.GetSheetList())
	visible, err := f.GetSheetVisible(OptionsSheetName)
	require.NoError(t, err)
	assert.False(t, visible)
	dvs, err := f.GetDataValidations("项目")
	require.NoError(t, err)
	require.Len(t, dvs, 1)
	assert.Equal(t, "'下拉选项'!$A$1:$A$40", dvs[0].Formula1)
	v, err := f.GetCellValue(OptionsSheetName, "A40")
	require.NoError(t, err)
	assert.Equal(t, "第39街道办事处", v)

	require.NoError(t, f.SetCellValue("项目", "A2", "某某花园"))
	require.NoError(t, f.SetCellValue("项目", "B2", "第07街道办事处"))
	buf.Reset()
	require.NoError(t, f.Write(&buf))
	rep, recs := collect(t, buf.Bytes(), tpl, Options{})
	require.True(t, rep.OK(), "%+v", rep.Errors)
	require.Len(t, recs, 1)
	assert.Equal(t, "town07", recs[0].Enum("town"))
}

// TestConversionErrors puts one bad cell per row and checks each is
// reported with its Excel row number, header, key, code and message.
func TestConversionErrors(t *testing.T) {
	good := []any{"张三", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"}
	cases := []struct {
		col  int
		val  any
		code string
	}{
		{0, "", CodeRequired},
		{0, strings.Repeat("长", 21), CodeTooLong},
		{1, "   ", CodeRequired},
		{2, "未知", CodeInvalidEnum},
		{3, "2026-02-30", CodeInvalidDate},
		{3, "明天", CodeInvalidDate},
		{3, "", CodeRequired},
		{4, "12.345", CodeTooManyDecimals},
		{4, "-1", CodeNegativeNotAllowed},
		{4, "一百元", CodeInvalidMoney},
		{4, 12.345, CodeTooManyDecimals},
		{5, "1.5", CodeInvalidInt},
		{5, "-3", CodeNegativeNotAllowed},
		{5, "99999999999999999999", CodeOutOfRange},
		{6, "可能", CodeInvalidBool},
		{7, "1.001", CodeTooManyDecimals},
		// control characters, as an .xlsx file escapes them: in text, in
		// an enum, in a number (PostgreSQL refuses U+0000 in text)
		{0, "张_x0000_三", CodeInvalidCharacter},
		{0, "张_x001B_三", CodeInvalidCharacter},
		{2, "男_x0000_", CodeInvalidCharacter},
		{4, "_x0007_100", CodeInvalidCharacter},
	}
	rows := [][]any{rosterHeaders, good}
	for _, c := range cases {
		r := append([]any(nil), good...)
		r[c.col] = c.val
		rows = append(rows, r)
	}
	rows = append(rows, good)
	data := buildXLSX(t, "工人花名册", rows...)
	rep, recs := collect(t, data, rosterTemplate(), Options{})

	require.False(t, rep.OK())
	assert.False(t, rep.Aborted)
	assert.Equal(t, len(cases)+2, rep.Rows)
	assert.Equal(t, len(cases), rep.BadRows)
	assert.Equal(t, len(cases), rep.TotalErrors)
	require.Len(t, rep.Errors, len(cases))
	tpl := rosterTemplate()
	for i, c := range cases {
		e := rep.Errors[i]
		assert.Equal(t, i+3, e.Row, "case %d", i)
		assert.Equal(t, c.code, e.Code, "case %d %v", i, c.val)
		assert.Equal(t, tpl.Columns[c.col].Header, e.Column)
		assert.Equal(t, tpl.Columns[c.col].Key, e.Field)
		assert.Contains(t, e.Message, tpl.Columns[c.col].Header)
	}
	// only the two good rows reached the callback
	require.Len(t, recs, 2)
	assert.Equal(t, 2, recs[0].Row())
	assert.Equal(t, len(cases)+3, recs[1].Row())
}

func TestMultipleErrorsInOneRowAndManyRows(t *testing.T) {
	rows := [][]any{rosterHeaders}
	for i := range 5 {
		rows = append(rows, []any{"", "x", "其他", "bad", "abc", "1.5", "?", "0.001"}) // 8 errors
		rows = append(rows, []any{fmt.Sprint("工人", i), "11010519491231002X", "男", "2026-01-31", "1", "1", "是", "1"})
	}
	rep, recs := collect(t, buildXLSX(t, "工人花名册", rows...), rosterTemplate(), Options{})
	assert.Equal(t, 10, rep.Rows)
	assert.Equal(t, 5, rep.BadRows)
	assert.Equal(t, 5*7, rep.TotalErrors) // id "x" is valid text: 7 errors per bad row
	assert.Len(t, recs, 5)
	seen := map[int]int{}
	for _, e := range rep.Errors {
		seen[e.Row]++
	}
	assert.Equal(t, map[int]int{2: 7, 4: 7, 6: 7, 8: 7, 10: 7}, seen)
}

func TestEmptyRowsSkippedAndTitleRows(t *testing.T) {
	ok := []any{"张三", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"}
	rows := [][]any{
		{"某某项目工人花名册"}, // title row above the header
		{},
		rosterHeaders,
		ok,
		{},
		{" ", "\u3000", nil, ""},
		ok,
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, "unmapped note"}, // only an ignored column
		{},
		ok,
	}
	rep, recs := collect(t, buildXLSX(t, "Sheet1", rows...), rosterTemplate(), Options{})
	require.True(t, rep.OK(), "%+v", rep.Errors)
	assert.Equal(t, "Sheet1", rep.Sheet)
	assert.Equal(t, 3, rep.Rows)
	require.Len(t, recs, 3)
	assert.Equal(t, []int{4, 7, 10}, []int{recs[0].Row(), recs[1].Row(), recs[2].Row()})
}

func TestHeaderOrderIndependence(t *testing.T) {
	headers := []any{" 出勤天数", "＊进场日期 ", "备注", "身份证号", "*应发工资（必填）", "调整 金额", "性别", "*姓名", "是否签订合同"}
	row := []any{"3", "2026/1/31", "n/a", "11010519491231002X", "8,000", "-0.5", "女", "赵六", "Y"}
	rep, recs := collect(t, buildXLSX(t, "工人花名册", headers, row), rosterTemplate(), Options{})
	require.True(t, rep.OK(), "%+v", rep.Errors)
	assert.Equal(t, []string{"备注"}, rep.IgnoredColumns)
	require.Len(t, recs, 1)
	r := recs[0]
	assert.Equal(t, "赵六", r.Text("name"))
	assert.Equal(t, "11010519491231002X", r.Text("id_number"))
	assert.Equal(t, "female", r.Enum("gender"))
	assert.Equal(t, date(2026, 1, 31), r.Date("entry_date"))
	assert.Equal(t, int64(800000), r.Fen("wage_due"))
	assert.Equal(t, int64(3), r.Int64("days"))
	assert.True(t, r.Bool("contract_signed"))
	assert.Equal(t, int64(-50), r.Fen("adjust"))
}

func TestMissingAndDuplicateColumns(t *testing.T) {
	// optional columns may be absent; required ones may not
	headers := []any{"姓名", "性别", "进场日期"}
	rep, recs := collect(t, buildXLSX(t, "工人花名册", headers, []any{"张三", "男", "2026-01-31"}), rosterTemplate(), Options{})
	assert.False(t, rep.OK())
	assert.True(t, rep.Aborted)
	assert.Empty(t, recs)
	require.Len(t, rep.Errors, 2)
	for i, h := range []string{"身份证号码", "应发工资"} {
		e := rep.Errors[i]
		assert.Equal(t, CodeMissingColumn, e.Code)
		assert.Equal(t, 0, e.Row)
		assert.Equal(t, h, e.Column)
		assert.Contains(t, e.Message, h)
	}

	headers = []any{"姓名", "身份证号码", "进场日期", "应发工资", "身份证号"}
	rep, _ = collect(t, buildXLSX(t, "工人花名册", headers, []any{"张三", "11010519491231002X", "2026-01-31", "1", "x"}), rosterTemplate(), Options{})
	assert.Equal(t, []string{CodeDuplicateColumn}, codes(rep))
	assert.Equal(t, "身份证号码", rep.Errors[0].Column)

	rep, _ = collect(t, buildXLSX(t, "工人花名册", []any{"a", "b"}, []any{"c", "d"}), rosterTemplate(), Options{})
	assert.Equal(t, []string{CodeHeaderNotFound}, codes(rep))

	rep, _ = collect(t, buildXLSX(t, "工人花名册", []any{}), rosterTemplate(), Options{})
	assert.Equal(t, []string{CodeNoData}, codes(rep))
}

func TestMaxRows(t *testing.T) {
	ok := []any{"张三", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"}
	rows := [][]any{rosterHeaders}
	for range 5 {
		rows = append(rows, ok, []any{}) // empty rows do not count
	}
	data := buildXLSX(t, "工人花名册", rows...)

	rep, err := Parse(bytes.NewReader(data), rosterTemplate(), 5, nil)
	require.NoError(t, err)
	assert.True(t, rep.OK())
	assert.Equal(t, 5, rep.Rows)

	n := 0
	rep, err = Parse(bytes.NewReader(data), rosterTemplate(), 4, func(int, Record) error { n++; return nil })
	require.NoError(t, err)
	assert.False(t, rep.OK())
	assert.True(t, rep.Aborted)
	assert.Equal(t, []string{CodeTooManyRows}, codes(rep))
	assert.Contains(t, rep.Errors[0].Message, "4 行")
	assert.Equal(t, 4, rep.Rows)
	assert.Equal(t, 4, n)
}

func TestNotXLSX(t *testing.T) {
	var docx bytes.Buffer
	zw := zip.NewWriter(&docx)
	w, _ := zw.Create("word/document.xml")
	_, _ = w.Write([]byte("<w:document/>"))
	require.NoError(t, zw.Close())

	valid := buildXLSX(t, "工人花名册", rosterHeaders)
	inputs := map[string][]byte{
		"empty":     nil,
		"csv":       []byte("姓名,身份证号码\n张三,11010519491231002X\n"),
		"xls (OLE)": append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
		"pdf":       []byte("%PDF-1.7\n"),
		"docx":      docx.Bytes(),
		"truncated": valid[:len(valid)/2],
		"zip magic": []byte("PK\x03\x04garbage"),
	}
	for name, in := range inputs {
		rep, recs := collect(t, in, rosterTemplate(), Options{})
		assert.Equal(t, []string{CodeNotXLSX}, codes(rep), name)
		assert.True(t, rep.Aborted, name)
		assert.NotEmpty(t, rep.Errors[0].Message, name)
		assert.Empty(t, recs, name)
	}

	rep, _ := collect(t, valid, rosterTemplate(), Options{MaxBytes: 100})
	assert.Equal(t, []string{CodeFileTooLarge}, codes(rep))
	rep, _ = collect(t, valid, rosterTemplate(), Options{MaxUnzipBytes: 1000})
	assert.Equal(t, []string{CodeFileTooLarge}, codes(rep))
}

func TestNumericCellsAndFloatNoise(t *testing.T) {
	tpl := Template{Name: "工资表", Columns: []Column{
		{Key: "wage", Header: "应发工资", Required: true, Kind: Money},
		{Key: "days", Header: "天数", Kind: Int},
		{Key: "paid_on", Header: "发放日期", Kind: Date},
	}}
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Sheet1"
	for i, h := range []string{"应发工资", "天数", "发放日期"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		require.NoError(t, f.SetCellStr(sheet, cell, h))
	}
	// raw <v> values as Excel may store them
	raws := []struct{ wage, days, paid string }{
		{"1234.5", "22", "46053"},
		{"1234.4999999999998", "22.000000000000004", "46053.999988425923"},
		{"0.30000000000000004", "1E+1", "46053.5"},
		{"12.345", "3", "46053"}, // a real third decimal is still rejected
	}
	for i, r := range raws {
		require.NoError(t, f.SetCellDefault(sheet, fmt.Sprintf("A%d", i+2), r.wage))
		require.NoError(t, f.SetCellDefault(sheet, fmt.Sprintf("B%d", i+2), r.days))
		require.NoError(t, f.SetCellDefault(sheet, fmt.Sprintf("C%d", i+2), r.paid))
	}
	// a formula cell with a cached value, and a TRUE/FALSE cell elsewhere
	require.NoError(t, f.SetCellFormula(sheet, "A6", "=0.1+0.2"))
	require.NoError(t, f.SetCellDefault(sheet, "A6", "0.30000000000000004"))
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))

	rep, recs := collect(t, buf.Bytes(), tpl, Options{})
	assert.Equal(t, 5, rep.Rows)
	require.Len(t, rep.Errors, 1, "%+v", rep.Errors)
	assert.Equal(t, 5, rep.Errors[0].Row)
	assert.Equal(t, CodeTooManyDecimals, rep.Errors[0].Code)
	require.Len(t, recs, 4)
	assert.Equal(t, []int64{123450, 123450, 30}, []int64{recs[0].Fen("wage"), recs[1].Fen("wage"), recs[2].Fen("wage")})
	assert.Equal(t, []int64{22, 22, 10}, []int64{recs[0].Int64("days"), recs[1].Int64("days"), recs[2].Int64("days")})
	for _, r := range recs[:3] {
		assert.Equal(t, date(2026, 1, 31), r.Date("paid_on"))
	}
	assert.Equal(t, int64(30), recs[3].Fen("wage"))
}

func TestDate1904Workbook(t *testing.T) {
	tpl := Template{Name: "考勤", Columns: []Column{{Key: "d", Header: "日期", Required: true, Kind: Date}}}
	f := excelize.NewFile()
	defer f.Close()
	yes := true
	require.NoError(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
	require.NoError(t, f.SetCellStr("Sheet1", "A1", "日期"))
	require.NoError(t, f.SetCellDefault("Sheet1", "A2", "44591"))
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	rep, recs := collect(t, buf.Bytes(), tpl, Options{})
	require.True(t, rep.OK(), "%+v", rep.Errors)
	assert.Equal(t, date(2026, 1, 31), recs[0].Date("d"))
}

func TestCallbackDomainErrors(t *testing.T) {
	rows := [][]any{rosterHeaders,
		{"张三", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"},
		{"李四", "110105194912310021", "男", "2026-01-31", "100", "22", "是", "1"}, // bad check digit
		{"王五", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"}, // duplicate id
		{"赵六", "110105194912310038", "女", "2026-01-31", "0", "22", "是", "1"},
	}
	data := buildXLSX(t, "工人花名册", rows...)
	seen := map[string]int{}
	rep, err := Parse(bytes.NewReader(data), rosterTemplate(), 0, func(row int, rec Record) error {
		var errs []error
		id := rec.Text("id_number")
		if !validIDNumber(id) {
			errs = append(errs, NewFieldError("id_number", "invalid_check_digit", "身份证号码校验位错误"))
		}
		if first, dup := seen[id]; dup {
			errs = append(errs, NewRowError("duplicate_worker", fmt.Sprintf("与第 %d 行重复", first)))
		}
		seen[id] = row
		if rec.Fen("wage_due") == 0 {
			errs = append(errs, &RowError{Field: "wage_due", Code: "zero_wage", Message: "应发工资不能为 0"})
		}
		return errors.Join(errs...)
	})
	require.NoError(t, err)
	assert.False(t, rep.OK())
	assert.Equal(t, []RowError{
		{Row: 3, Column: "身份证号码", Field: "id_number", Code: "invalid_check_digit", Message: "身份证号码校验位错误"},
		{Row: 4, Code: "duplicate_worker", Message: "与第 2 行重复"},
		{Row: 5, Column: "应发工资", Field: "wage_due", Code: "zero_wage", Message: "应发工资不能为 0"},
	}, rep.Errors)
	assert.Equal(t, 3, rep.BadRows)

	// any other error aborts the parse and is returned as is
	boom := errors.New("db down")
	_, err = Parse(bytes.NewReader(data), rosterTemplate(), 0, func(int, Record) error {
		return fmt.Errorf("wrapped: %w", boom)
	})
	assert.ErrorIs(t, err, boom)
	_, err = Parse(bytes.NewReader(data), rosterTemplate(), 0, func(int, Record) error {
		return errors.Join(NewRowError("x", "y"), boom)
	})
	assert.ErrorIs(t, err, boom)

	// a cancelled context stops the import
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := [][]any{rosterHeaders}
	for range 600 {
		big = append(big, rows[1])
	}
	_, err = ParseContext(ctx, bytes.NewReader(buildXLSX(t, "工人花名册", big...)), rosterTemplate(), Options{}, nil)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestErrorCapAndJSON(t *testing.T) {
	rows := [][]any{rosterHeaders}
	for range 50 {
		rows = append(rows, []any{"张三", "11010519491231002X", "男", "2026-13-01", "100", "22", "是", "1"})
	}
	rep, _ := collect(t, buildXLSX(t, "工人花名册", rows...), rosterTemplate(), Options{MaxErrors: 10})
	assert.Len(t, rep.Errors, 10)
	assert.Equal(t, 50, rep.TotalErrors)
	assert.Equal(t, 50, rep.BadRows)
	assert.True(t, rep.Truncated)
	assert.False(t, rep.OK())

	b, err := json.Marshal(rep)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	assert.EqualValues(t, 50, m["rows"])
	assert.EqualValues(t, 50, m["total_errors"])
	assert.Equal(t, true, m["truncated"])
	first := m["errors"].([]any)[0].(map[string]any)
	assert.Equal(t, map[string]any{"row": 2.0, "column": "进场日期", "field": "entry_date",
		"code": CodeInvalidDate, "message": "进场日期不是有效日期（“2026-13-01”），请按 2026-01-31 格式填写"}, first)

	okRep, _ := collect(t, buildXLSX(t, "工人花名册", rosterHeaders,
		[]any{"张三", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"}), rosterTemplate(), Options{})
	b, err = json.Marshal(okRep)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"errors":[]`)
	assert.Error(t, rep.Err())
}

func TestRecordGetterMisusePanics(t *testing.T) {
	rep, recs := collect(t, buildXLSX(t, "工人花名册", rosterHeaders,
		[]any{"张三", "11010519491231002X", "男", "2026-01-31", "100", "22", "是", "1"}), rosterTemplate(), Options{})
	require.True(t, rep.OK())
	r := recs[0]
	assert.PanicsWithValue(t, `excel: unknown field key "nope"`, func() { r.Text("nope") })
	assert.Panics(t, func() { r.Int64("wage_due") })
	assert.Panics(t, func() { r.Text("gender") })
	assert.NotPanics(t, func() { r.Raw("gender") })
}

func TestInvalidTemplateIsAnError(t *testing.T) {
	_, err := Parse(strings.NewReader("x"), Template{Name: "a"}, 0, nil)
	assert.Error(t, err)
	assert.Error(t, WriteTemplate(&bytes.Buffer{}, Template{Name: "a"}))
}

func TestReaderErrorIsReturned(t *testing.T) {
	_, err := Parse(errReader{}, rosterTemplate(), 0, nil)
	assert.ErrorContains(t, err, "read upload")
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }
