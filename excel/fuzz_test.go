package excel

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
)

var fuzzBase = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, rosterTemplate()); err != nil {
		panic(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	rows := [][]any{
		{"张三", "11010519491231002X", "男", 46053, 6500.5, 22, "是", -100.5},
		{"李四", "x", "女", "2026/2/30", "1,234.567", "1.5", "?", nil},
		{},
		{" 王五 ", "110105194912310046", nil, "20260301", "0", nil, "N", "-0"},
	}
	for i, r := range rows {
		for j, v := range r {
			if v != nil {
				cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
				_ = f.SetCellValue("工人花名册", cell, v)
			}
		}
	}
	buf.Reset()
	if err := f.Write(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

// repack returns the base workbook with xl/worksheets/sheet1.xml replaced
// by sheet: a structurally valid zip whose data sheet XML is arbitrary.
func repack(base, sheet []byte) []byte {
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
		if err != nil {
			panic(err)
		}
		if zf.Name == "xl/worksheets/sheet1.xml" {
			_, _ = w.Write(sheet)
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			panic(err)
		}
		_, _ = io.Copy(w, rc)
		_ = rc.Close()
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return out.Bytes()
}

func sheetXML(base []byte) []byte {
	zr, _ := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	for _, zf := range zr.File {
		if zf.Name == "xl/worksheets/sheet1.xml" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			_ = rc.Close()
			return b
		}
	}
	return nil
}

// checkParse parses data and verifies the report's invariants.
func checkParse(t *testing.T, data []byte) {
	const maxErrors = 20
	tpl := rosterTemplate()
	rep, err := ParseContext(context.Background(), bytes.NewReader(data), tpl,
		Options{MaxRows: 50, MaxErrors: maxErrors, MaxBytes: 4 << 20, MaxUnzipBytes: 64 << 20},
		func(row int, rec Record) error {
			// every getter must work on a valid row
			_ = rec.Text("name") + rec.Text("id_number") + rec.Enum("gender") + rec.Raw("days")
			_, _, _ = rec.Date("entry_date"), rec.Int64("days"), rec.Bool("contract_signed")
			if rec.Fen("wage_due") < 0 || !rec.Has("wage_due") {
				t.Fatalf("row %d: required non-negative money is %d", row, rec.Fen("wage_due"))
			}
			if !validIDNumber(rec.Text("id_number")) {
				return NewFieldError("id_number", "invalid_check_digit", "身份证号码校验位错误")
			}
			return nil
		})
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
	if rep == nil {
		t.Fatal("nil report")
	}
	if rep.OK() && (rep.TotalErrors != 0 || len(rep.Errors) != 0 || rep.Aborted) {
		t.Fatalf("OK() with errors: %+v", rep)
	}
	if !rep.OK() && rep.TotalErrors == 0 {
		t.Fatalf("not OK without errors: %+v", rep)
	}
	if len(rep.Errors) > maxErrors || rep.TotalErrors < len(rep.Errors) || rep.Truncated != (rep.TotalErrors > len(rep.Errors)) {
		t.Fatalf("bad error accounting: %d listed, %d total, truncated %v", len(rep.Errors), rep.TotalErrors, rep.Truncated)
	}
	if rep.Rows > 50 || rep.BadRows > rep.Rows {
		t.Fatalf("bad row accounting: rows %d, bad %d", rep.Rows, rep.BadRows)
	}
	for _, e := range rep.Errors {
		if e.Code == "" || e.Message == "" || e.Row < 0 || (e.Row == 0 && !rep.Aborted) {
			t.Fatalf("malformed error %+v", e)
		}
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
}

// FuzzParse feeds arbitrary bytes to Parse, both as a whole upload and as
// the data sheet XML of an otherwise valid workbook, and checks that it never
// panics and that OK() implies no errors.
//
//	go test ./excel/ -run '^$' -fuzz FuzzParse -fuzztime 20s
func FuzzParse(f *testing.F) {
	base := fuzzBase()
	xml := sheetXML(base)
	f.Add(base)
	f.Add(xml)
	f.Add(buildXLSX(f, "Sheet1", rosterHeaders, []any{"a", "11010519491231002X", "男", "2026-01-31", "1", "1", "是", "1"}))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add([]byte("姓名,身份证号码\n"))
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>*姓名</t></is></c></row>` +
		`<row r="1048576"><c r="XFD1048576" t="s"><v>99999</v></c></row></sheetData></worksheet>`))
	f.Add([]byte(strings.Replace(string(xml), `r="2"`, `r="0"`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
		checkParse(t, repack(base, data))
	})
}

// FuzzCellConversion checks the converters on arbitrary cell text: they
// never panic, and accepted money re-formats to a value that parses back
// identically.
func FuzzCellConversion(f *testing.F) {
	for _, s := range []string{"12.3", "1,234.50", "-1", "1e3", "46053", "2026-01-31", "是", "１２", "¥1.00元", "9999999999999.99"} {
		f.Add(s)
	}
	s, err := compile(rosterTemplate())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for i := range s.cols {
			_, _ = s.convert(i, in, false)
			_, _ = s.convert(i, in, true)
		}
		if fen, code := parseMoney(in, true); code == "" {
			if fen > MaxExactFen || fen < -MaxExactFen {
				t.Fatalf("%q -> %d out of range", in, fen)
			}
			back, code := parseMoney(FormatFen(fen), true)
			if code != "" || back != fen {
				t.Fatalf("%q -> %d -> %q -> %d (%s)", in, fen, FormatFen(fen), back, code)
			}
		}
		if d, ok := parseDate(in, false); ok {
			if d.Year() < 1900 || d.Year() > 9999 || d.Hour() != 0 {
				t.Fatalf("%q -> %v", in, d)
			}
		}
	})
}
