package excel

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// MaxExportRows is the number of data rows that fit in one sheet (Excel's
// 1,048,576 rows minus the header).
const MaxExportRows = 1_048_575

// ErrTooManyRows is returned by WriteRow past MaxExportRows.
var ErrTooManyRows = errors.New("excel: more rows than one sheet can hold (1,048,575)")

// Exporter streams a list into a single-sheet .xlsx with excelize's
// StreamWriter: each row is encoded to XML immediately (spilling to a
// temporary file beyond 16 MiB), so memory use does not grow with the row
// count. Usage:
//
//	e, err := excel.NewExporter("工人花名册", cols)
//	if err != nil { ... }
//	defer e.Close()
//	for rows.Next() { if err := e.WriteRow(a, b, c); err != nil { ... } }
//	err = e.Finish(w) // w may be an HTTP response body
//
// Values per Kind (nil, nil pointers, "" and zero time.Time give an empty
// cell; pointers to the listed types are dereferenced). Text and Enum
// cells that a spreadsheet would take for a formula (starting with =, +,
// -, @, tab or CR) get a leading apostrophe (EscapeFormula, formula.go);
// numbers, amounts and dates are number cells and are written as they are.
//
//	Text:  string, []byte, fmt.Stringer, any integer (written as text)
//	Int:   any integer type
//	Money: int64 / int / int32 amount in fen, |fen| <= MaxExactFen
//	Date:  time.Time (its calendar date in its own location)
//	Bool:  bool, written as 是/否
//	Enum:  string code, written as its label (unknown codes as is)
//
// An Exporter is not safe for concurrent use.
type Exporter struct {
	f      *excelize.File
	sw     *excelize.StreamWriter
	s      *schema
	money  int
	date   int
	intFmt int
	row    int // last written sheet row (1 = header)
	cells  []excelize.Cell
	vals   []any
	done   bool
}

// NewExporter prepares an export of cols into a sheet named sheet and writes
// the bold, frozen header row (same headers as the import template, so an
// export can be edited and re-imported).
func NewExporter(sheet string, cols []Column) (*Exporter, error) {
	if err := validateSheetName(sheet); err != nil {
		return nil, err
	}
	s, err := compileColumns(cols)
	if err != nil {
		return nil, err
	}
	e := &Exporter{f: excelize.NewFile(), s: s, cells: make([]excelize.Cell, len(cols)), vals: make([]any, len(cols))}
	if err := e.init(sheet); err != nil {
		_ = e.f.Close()
		return nil, fmt.Errorf("excel: new exporter: %w", err)
	}
	return e, nil
}

func (e *Exporter) init(sheet string) error {
	f := e.f
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	var err error
	moneyFmt, dateFmt := moneyNumFmt, dateNumFmt
	if e.money, err = f.NewStyle(&excelize.Style{CustomNumFmt: &moneyFmt}); err != nil {
		return err
	}
	if e.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		return err
	}
	if e.intFmt, err = f.NewStyle(&excelize.Style{NumFmt: 1}); err != nil {
		return err
	}
	header, err := f.NewStyle(headerStyle())
	if err != nil {
		return err
	}
	if e.sw, err = f.NewStreamWriter(sheet); err != nil {
		return err
	}
	for i, c := range e.s.cols {
		if err := e.sw.SetColWidth(i+1, i+1, columnWidth(c)); err != nil {
			return err
		}
	}
	if err := e.sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	for i, c := range e.s.cols {
		e.cells[i] = excelize.Cell{StyleID: header, Value: c.Header}
		e.vals[i] = &e.cells[i]
	}
	if err := e.sw.SetRow("A1", e.vals, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	e.row = 1
	return nil
}

// Rows returns the number of data rows written so far.
func (e *Exporter) Rows() int { return e.row - 1 }

// WriteRow appends one data row; values are in column order, one per column.
func (e *Exporter) WriteRow(values ...any) error {
	if e.done {
		return errors.New("excel: WriteRow after Finish or Close")
	}
	if len(values) != len(e.s.cols) {
		return fmt.Errorf("excel: row has %d values, want %d", len(values), len(e.s.cols))
	}
	if e.row > MaxExportRows {
		return ErrTooManyRows
	}
	for i, v := range values {
		c, err := e.cell(i, v)
		if err != nil {
			return fmt.Errorf("excel: data row %d, column %q: %w", e.row, e.s.cols[i].Key, err)
		}
		if c.Value == nil {
			e.vals[i] = nil
			continue
		}
		e.cells[i] = c
		e.vals[i] = &e.cells[i]
	}
	e.row++
	return e.sw.SetRow("A"+strconv.Itoa(e.row), e.vals)
}

// Finish completes the sheet and writes the .xlsx to w, then releases the
// exporter's resources. Nothing is written to w before Finish, so a failed
// WriteRow never leaves a half-written response.
func (e *Exporter) Finish(w io.Writer) error {
	if e.done {
		return errors.New("excel: Finish after Finish or Close")
	}
	defer func() { _ = e.Close() }()
	if err := e.sw.Flush(); err != nil {
		return fmt.Errorf("excel: flush: %w", err)
	}
	// excelize's File.Write assembles the whole zip in a bytes.Buffer before
	// copying it to w, which would keep the compressed file (44 MB for 1M
	// rows) in memory. Its public ZipWriter hook lets the zip be written
	// straight to w instead; the internal buffer then stays empty. (The
	// zip64 local-header patch excelize applies to parts over 4 GiB works on
	// that buffer and is skipped; one sheet of 1,048,576 rows stays far
	// below 4 GiB of XML for any realistic column count.)
	e.f.ZipWriter = func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) }
	if err := e.f.Write(io.Discard); err != nil {
		return fmt.Errorf("excel: write xlsx: %w", err)
	}
	return nil
}

// Close releases temporary files. It is safe to call more than once and after
// Finish; use it with defer to clean up on error paths.
func (e *Exporter) Close() error {
	if e.f == nil {
		return nil
	}
	e.done = true
	err := e.f.Close()
	e.f = nil
	return err
}

// Export streams rows from next into an .xlsx written to w. next returns the
// following row and true, or ok=false when done. It returns the number of
// data rows written.
func Export(w io.Writer, sheet string, cols []Column, next func() (row []any, ok bool, err error)) (int, error) {
	e, err := NewExporter(sheet, cols)
	if err != nil {
		return 0, err
	}
	defer func() { _ = e.Close() }()
	for {
		row, ok, err := next()
		if err != nil {
			return e.Rows(), err
		}
		if !ok {
			break
		}
		if err := e.WriteRow(row...); err != nil {
			return e.Rows(), err
		}
	}
	return e.Rows(), e.Finish(w)
}

// cell converts v for column i; a nil Value means an empty cell.
func (e *Exporter) cell(i int, v any) (excelize.Cell, error) {
	v = deref(v)
	if v == nil {
		return excelize.Cell{}, nil
	}
	c := &e.s.cols[i]
	switch c.Kind {
	case Text:
		switch x := v.(type) {
		case string:
			if x == "" {
				return excelize.Cell{}, nil
			}
			return excelize.Cell{Value: EscapeFormula(x)}, nil
		case []byte:
			if len(x) == 0 {
				return excelize.Cell{}, nil
			}
			return excelize.Cell{Value: EscapeFormula(string(x))}, nil
		case fmt.Stringer:
			return excelize.Cell{Value: EscapeFormula(x.String())}, nil
		}
		if n, ok := asInt(v); ok {
			// a text cell: "-5" is escaped like any text starting with -
			return excelize.Cell{Value: EscapeFormula(strconv.FormatInt(n, 10))}, nil
		}
		if u, ok := v.(uint64); ok {
			return excelize.Cell{Value: strconv.FormatUint(u, 10)}, nil
		}
	case Int:
		if n, ok := asInt(v); ok {
			return excelize.Cell{StyleID: e.intFmt, Value: n}, nil
		}
		if u, ok := v.(uint64); ok {
			return excelize.Cell{StyleID: e.intFmt, Value: u}, nil
		}
	case Money:
		var fen int64
		switch x := v.(type) {
		case int64:
			fen = x
		case int:
			fen = int64(x)
		case int32:
			fen = int64(x)
		default:
			return excelize.Cell{}, fmt.Errorf("money must be an integer amount in fen, got %T", v)
		}
		if fen > MaxExactFen || fen < -MaxExactFen {
			return excelize.Cell{}, fmt.Errorf("money %d fen exceeds MaxExactFen and cannot be stored exactly in Excel", fen)
		}
		// float64(fen) is exact below 2^53 and the division is correctly
		// rounded, so the cell holds the double nearest to fen/100; with at
		// most 15 significant digits its shortest decimal form (what excelize
		// writes, Excel displays and Parse reads) is exactly the amount.
		return excelize.Cell{StyleID: e.money, Value: float64(fen) / 100}, nil
	case Date:
		t, ok := v.(time.Time)
		if !ok {
			break
		}
		if t.IsZero() {
			return excelize.Cell{}, nil
		}
		if serial, ok := dateToSerial(t); ok {
			return excelize.Cell{StyleID: e.date, Value: serial}, nil
		}
		return excelize.Cell{Value: t.Format("2006-01-02")}, nil
	case Bool:
		if b, ok := v.(bool); ok {
			if b {
				return excelize.Cell{Value: "是"}, nil
			}
			return excelize.Cell{Value: "否"}, nil
		}
	case Enum:
		if code, ok := v.(string); ok {
			if code == "" {
				return excelize.Cell{}, nil
			}
			if label, ok := e.s.codes[i][code]; ok {
				return excelize.Cell{Value: EscapeFormula(label)}, nil
			}
			return excelize.Cell{Value: EscapeFormula(code)}, nil
		}
	}
	return excelize.Cell{}, fmt.Errorf("unsupported value of type %T for a %s column", v, c.Kind)
}

// deref unwraps pointers to the supported value types; nil pointers become nil.
func deref(v any) any {
	switch x := v.(type) {
	case *string:
		if x == nil {
			return nil
		}
		return *x
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *int:
		if x == nil {
			return nil
		}
		return *x
	case *int32:
		if x == nil {
			return nil
		}
		return *x
	case *bool:
		if x == nil {
			return nil
		}
		return *x
	case *time.Time:
		if x == nil {
			return nil
		}
		return *x
	}
	return v
}

func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint:
		if uint64(x) <= 1<<63-1 {
			return int64(x), true
		}
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	}
	return 0, false
}
