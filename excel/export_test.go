package excel

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

type stringer string

func (s stringer) String() string { return string(s) }

func TestExportRoundTrip(t *testing.T) {
	tpl := rosterTemplate()
	shanghai := time.FixedZone("CST", 8*3600)
	name, wage := "李四", int64(123450)
	var nilTime *time.Time
	rows := [][]any{
		{"张三", "11010519491231002X", "male", date(2026, 1, 31), int64(650050), 22, true, int64(-10050)},
		{&name, stringer("110105194912310038"), "female", time.Date(2026, 2, 1, 23, 59, 0, 0, shanghai), &wage, int64(0), false, nil},
		{"王五", "110105194912310046", "", nilTime, MaxExactFen, nil, nil, -MaxExactFen},
		{"=1+1", "0012345", nil, date(1990, 1, 1), 1, uint8(7), nil, int32(-1)},
		{`<a&b>"'`, "第一行\n第二行", nil, date(2026, 1, 1), 0, nil, nil, nil},
		{"ctl\x01char", "x", nil, date(2026, 1, 1), 0, nil, nil, nil},
	}
	var buf bytes.Buffer
	n, err := Export(&buf, tpl.Name, tpl.Columns, sliceIter(rows))
	require.NoError(t, err)
	assert.Equal(t, 6, n)

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	defer f.Close()
	sheet := tpl.Name
	assert.Equal(t, []string{sheet}, f.GetSheetList())
	panes, err := f.GetPanes(sheet)
	require.NoError(t, err)
	assert.True(t, panes.Freeze)
	assert.Equal(t, 1, panes.YSplit)
	w, err := f.GetColWidth(sheet, "B")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, w, 18.0)
	styleID, err := f.GetCellStyle(sheet, "A1")
	require.NoError(t, err)
	st, err := f.GetStyle(styleID)
	require.NoError(t, err)
	assert.True(t, st.Font.Bold)

	// displayed (formatted) values
	for cell, want := range map[string]string{
		"A1": "姓名", "E1": "应发工资",
		"C2": "男", "D2": "2026-01-31", "E2": "6,500.50", "G2": "是", "H2": "-100.50",
		"C3": "女", "D3": "2026-02-01", "E3": "1,234.50", "F3": "0", "G3": "否",
		"C4": "", "D4": "", "E4": "9,999,999,999,999.99", "H4": "-9,999,999,999,999.99",
		"A5": "'=1+1", "B5": "0012345", "E5": "0.01", "H5": "-0.01",
	} {
		got, err := f.GetCellValue(sheet, cell)
		require.NoError(t, err)
		assert.Equal(t, want, got, cell)
	}
	// numbers and dates are number cells, text stays text (no formulas)
	for cell, want := range map[string]string{"E2": "6500.5", "D2": "46053", "F2": "22", "H4": "-9999999999999.99"} {
		got, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		assert.Equal(t, want, got, cell)
		typ, err := f.GetCellType(sheet, cell)
		require.NoError(t, err)
		assert.Contains(t, []excelize.CellType{excelize.CellTypeUnset, excelize.CellTypeNumber}, typ, cell)
	}
	for _, cell := range []string{"A5", "B5", "C2", "G2"} {
		typ, err := f.GetCellType(sheet, cell)
		require.NoError(t, err)
		assert.Equal(t, excelize.CellTypeInlineString, typ, cell)
	}
	formula, err := f.GetCellFormula(sheet, "A5")
	require.NoError(t, err)
	assert.Empty(t, formula)

	// an export can be re-imported with the same template
	tpl.Columns[3].Required = false // row 3 has no entry date
	rep, recs := collect(t, buf.Bytes(), tpl, Options{})
	require.True(t, rep.OK(), "%+v", rep.Errors)
	require.Len(t, recs, 6)
	assert.Equal(t, "张三", recs[0].Text("name"))
	assert.Equal(t, "male", recs[0].Enum("gender"))
	assert.Equal(t, date(2026, 1, 31), recs[0].Date("entry_date"))
	assert.Equal(t, int64(650050), recs[0].Fen("wage_due"))
	assert.Equal(t, int64(22), recs[0].Int64("days"))
	assert.True(t, recs[0].Bool("contract_signed"))
	assert.Equal(t, int64(-10050), recs[0].Fen("adjust"))
	assert.Equal(t, "110105194912310038", recs[1].Text("id_number"))
	assert.Equal(t, date(2026, 2, 1), recs[1].Date("entry_date"), "calendar date in its own zone")
	assert.Equal(t, int64(123450), recs[1].Fen("wage_due"))
	assert.False(t, recs[1].Bool("contract_signed"))
	assert.True(t, recs[1].Has("contract_signed"))
	assert.False(t, recs[1].Has("adjust"))
	assert.False(t, recs[2].Has("gender"))
	assert.False(t, recs[2].Has("entry_date"))
	assert.Equal(t, MaxExactFen, recs[2].Fen("wage_due"))
	assert.Equal(t, -MaxExactFen, recs[2].Fen("adjust"))
	assert.Equal(t, "=1+1", recs[3].Text("name"), "the apostrophe of the export is removed")
	assert.Equal(t, "0012345", recs[3].Text("id_number"))
	assert.Equal(t, date(1990, 1, 1), recs[3].Date("entry_date"))
	assert.Equal(t, int64(7), recs[3].Int64("days"))
	assert.Equal(t, int64(-1), recs[3].Fen("adjust"))
	assert.Equal(t, `<a&b>"'`, recs[4].Text("name"))
	assert.Equal(t, "第一行\n第二行", recs[4].Text("id_number"))
	assert.True(t, strings.HasPrefix(recs[5].Text("name"), "ctl"), "control characters do not break the file")
	t.Logf("control character exported as %q", recs[5].Text("name"))
}

// Money written by the exporter must read back exactly, across magnitudes.
func TestExportMoneyExact(t *testing.T) {
	cols := []Column{{Key: "m", Header: "金额", Kind: Money, AllowNegative: true}}
	var fens []int64
	for f := int64(1); f <= MaxExactFen; f = f*10 + 7 {
		fens = append(fens, f, -f, f+1, f*3%MaxExactFen)
	}
	fens = append(fens, 0, 10, 100, 99999, 123456789, MaxExactFen, MaxExactFen-1, 900719925474099)
	i := 0
	var buf bytes.Buffer
	_, err := Export(&buf, "m", cols, func() ([]any, bool, error) {
		if i == len(fens) {
			return nil, false, nil
		}
		i++
		return []any{fens[i-1]}, true, nil
	})
	require.NoError(t, err)
	_, recs := collect(t, buf.Bytes(), Template{Name: "m", Columns: cols}, Options{})
	require.Len(t, recs, len(fens)) // 0 is a number cell, not an empty row
	for i, r := range recs {
		assert.Equal(t, fens[i], r.Fen("m"), "row %d", r.Row())
	}
}

func TestExportErrors(t *testing.T) {
	cols := rosterTemplate().Columns
	_, err := NewExporter("a/b", cols)
	assert.Error(t, err)
	_, err = NewExporter("ok", nil)
	assert.Error(t, err)

	e, err := NewExporter("ok", cols)
	require.NoError(t, err)
	defer e.Close()
	good := []any{"张三", "x", "male", date(2026, 1, 1), int64(1), 1, true, int64(1)}
	require.NoError(t, e.WriteRow(good...))
	assert.ErrorContains(t, e.WriteRow("too few"), "want 8")
	bad := func(col int, v any) error {
		r := append([]any(nil), good...)
		r[col] = v
		return e.WriteRow(r...)
	}
	assert.ErrorContains(t, bad(4, 1.5), "fen")                        // float money
	assert.ErrorContains(t, bad(4, MaxExactFen+1), "MaxExactFen")      // too large
	assert.ErrorContains(t, bad(3, "2026-01-01"), "unsupported value") // date as string
	assert.ErrorContains(t, bad(6, "是"), "unsupported value")
	assert.ErrorContains(t, bad(5, "1"), "unsupported value")
	assert.ErrorContains(t, bad(0, 1.5), "unsupported value")
	assert.Equal(t, 1, e.Rows())
	require.NoError(t, e.Finish(&bytes.Buffer{}))
	assert.Error(t, e.WriteRow(good...))
	assert.Error(t, e.Finish(&bytes.Buffer{}))
	assert.NoError(t, e.Close())

	// errors from the iterator are returned and nothing is written
	var buf bytes.Buffer
	_, err = Export(&buf, "ok", cols, func() ([]any, bool, error) { return nil, false, fmt.Errorf("db") })
	assert.ErrorContains(t, err, "db")
	assert.Zero(t, buf.Len())
}

func sliceIter(rows [][]any) func() ([]any, bool, error) {
	i := 0
	return func() ([]any, bool, error) {
		if i == len(rows) {
			return nil, false, nil
		}
		i++
		return rows[i-1], true, nil
	}
}

// genRows yields n synthetic roster rows without materialising them; the
// returned slice is reused between calls.
func genRows(n int) func() ([]any, bool, error) {
	genders := []string{"male", "female"}
	base := date(2020, 1, 1)
	row := make([]any, 8)
	i := 0
	return func() ([]any, bool, error) {
		if i == n {
			return nil, false, nil
		}
		row[0] = "工人" + strconv.Itoa(i)
		row[1] = fmt.Sprintf("1101051990%08d", i)
		row[2] = genders[i%2]
		row[3] = base.AddDate(0, 0, i%2000)
		row[4] = int64(i) * 101
		row[5] = i % 31
		row[6] = i%3 == 0
		row[7] = -int64(i % 1000)
		i++
		return row, true, nil
	}
}

// tailWriter keeps the last max bytes written.
type tailWriter struct {
	buf []byte
	max int
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	if len(w.buf) > w.max {
		w.buf = append(w.buf[:0], w.buf[len(w.buf)-w.max:]...)
	}
	return len(p), nil
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func TestExport250k(t *testing.T) {
	if testing.Short() {
		t.Skip("large export")
	}
	const n = 250_000
	cols := rosterTemplate().Columns

	var cw countingWriter
	start := time.Now()
	got, err := Export(&cw, "工人花名册", cols, genRows(n))
	require.NoError(t, err)
	require.Equal(t, n, got)
	t.Logf("export %d rows x %d cols: %d bytes in %v", n, len(cols), cw.n, time.Since(start))

	path := filepath.Join(t.TempDir(), "export.xlsx")
	out, err := os.Create(path)
	require.NoError(t, err)
	_, err = Export(out, "工人花名册", cols, genRows(n))
	require.NoError(t, err)
	require.NoError(t, out.Close())
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, cw.n, fi.Size(), "deterministic output size")

	// read a sample back with the streaming iterator: the first rows in
	// full detail, then stop early ...
	start = time.Now()
	f, err := excelize.OpenFile(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.Rows("工人花名册")
	require.NoError(t, err)
	next := genRows(n)
	const sample = 20_000
	r := 0
	for r <= sample && rows.Next() {
		r++
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		require.NoError(t, err)
		if r == 1 {
			assert.Equal(t, []string{"姓名", "身份证号码", "性别", "进场日期", "应发工资", "出勤天数", "是否签订合同", "调整金额"}, cells)
			continue
		}
		want, ok, _ := next()
		require.True(t, ok)
		if r%997 != 2 {
			continue
		}
		i := r - 2
		require.Len(t, cells, 8)
		assert.Equal(t, want[0], cells[0])
		assert.Equal(t, want[1], cells[1])
		assert.Equal(t, map[string]string{"male": "男", "female": "女"}[want[2].(string)], cells[2])
		serial, _ := dateToSerial(want[3].(time.Time))
		assert.Equal(t, strconv.Itoa(serial), cells[3])
		fen, code := parseMoney(cells[4], false)
		assert.Empty(t, code)
		assert.Equal(t, int64(i)*101, fen)
		assert.Equal(t, strconv.Itoa(i%31), cells[5])
		assert.Equal(t, map[bool]string{true: "是", false: "否"}[i%3 == 0], cells[6])
		fen, code = parseMoney(cells[7], true)
		assert.Empty(t, code)
		assert.Equal(t, -int64(i%1000), fen)
	}
	require.NoError(t, rows.Close())
	assert.Equal(t, sample+1, r)

	// ... and check that the sheet XML is complete: its tail holds the last row.
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	defer zr.Close()
	sheetXML, err := zr.Open("xl/worksheets/sheet1.xml")
	require.NoError(t, err)
	tail := &tailWriter{max: 4096}
	_, err = io.Copy(tail, sheetXML)
	require.NoError(t, err)
	require.NoError(t, sheetXML.Close())
	last := string(tail.buf)
	assert.Contains(t, last, fmt.Sprintf(`<row r="%d">`, n+1))
	assert.Contains(t, last, fmt.Sprintf("工人%d", n-1))
	assert.Contains(t, last, fmt.Sprintf(`<v>%s</v>`, strconv.FormatFloat(float64((n-1)*101)/100, 'f', -1, 64)))
	assert.True(t, strings.HasSuffix(last, "</worksheet>"))
	t.Logf("read-back of %d sampled rows + tail of %d: %v", sample, n, time.Since(start))
}

// BenchmarkParse250k imports an exported 250,000-row file with the same
// template (the full import path: conversion of every cell, callback).
//
//	go test ./excel/ -run '^$' -bench Parse250k -benchtime 1x
func BenchmarkParse250k(b *testing.B) {
	const n = 250_000
	var buf bytes.Buffer
	if _, err := Export(&buf, "工人花名册", rosterTemplate().Columns, genRows(n)); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.ResetTimer()
	for b.Loop() {
		count := 0
		rep, err := Parse(bytes.NewReader(data), rosterTemplate(), n, func(row int, rec Record) error {
			count++
			if row == 100_001 && rec.Fen("wage_due") != 99_999*101 {
				return fmt.Errorf("row %d: wage %d", row, rec.Fen("wage_due"))
			}
			return nil
		})
		if err != nil || !rep.OK() || count != n {
			b.Fatalf("err %v, report %+v, count %d", err, rep, count)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkExport250k exports 250,000 rows x 8 columns to a counting writer
// and reports rows/s and peak heap in use (sampled every 2 ms).
//
//	go test ./excel/ -run '^$' -bench Export250k -benchtime 1x
func BenchmarkExport250k(b *testing.B) {
	const n = 250_000
	cols := rosterTemplate().Columns
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapInuse

	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var m runtime.MemStats
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	b.ResetTimer()
	var bytesOut int64
	for b.Loop() {
		var cw countingWriter
		if _, err := Export(&cw, "工人花名册", cols, genRows(n)); err != nil {
			b.Fatal(err)
		}
		bytesOut = cw.n
	}
	b.StopTimer()
	close(stop)
	<-done
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(peak.Load()-min(before, peak.Load()))/(1<<20), "peak-heap-growth-MiB")
	b.ReportMetric(float64(before)/(1<<20), "heap-before-MiB")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-after-MiB")
	b.ReportMetric(float64(bytesOut)/(1<<20), "xlsx-MiB")
}
