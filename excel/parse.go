package excel

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Import limits.
const (
	DefaultMaxRows       = 100_000
	DefaultMaxBytes      = 20 << 20  // 20 MiB of .xlsx
	DefaultMaxUnzipBytes = 512 << 20 // 512 MiB uncompressed (zip bomb guard)
	// headerSearchRows is how many non-empty rows may precede and include
	// the header row (title rows above the header are tolerated).
	headerSearchRows = 10
	maxZipEntries    = 10_000
)

// Options tunes ParseContext. Zero fields take the defaults.
type Options struct {
	// MaxRows is the maximum number of non-empty data rows (DefaultMaxRows).
	MaxRows int
	// MaxBytes is the maximum size of the .xlsx input (DefaultMaxBytes).
	// At most MaxBytes+1 bytes are read from the reader; HTTP handlers should
	// additionally wrap the body with http.MaxBytesReader.
	MaxBytes int64
	// MaxUnzipBytes caps the total uncompressed size (DefaultMaxUnzipBytes).
	MaxUnzipBytes int64
	// MaxErrors caps Report.Errors (DefaultMaxErrors); all are counted.
	MaxErrors int
	// TempDir is where excelize may spill large sheets (default os.TempDir).
	TempDir string
}

func (o Options) withDefaults() Options {
	if o.MaxRows <= 0 {
		o.MaxRows = DefaultMaxRows
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxUnzipBytes <= 0 {
		o.MaxUnzipBytes = DefaultMaxUnzipBytes
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	return o
}

// RowFunc receives every data row whose cells all converted. rowNum is the
// 1-based Excel row number. Returning nil accepts the row; returning a
// *RowError, or several joined with errors.Join, adds them to the report and
// continues; any other error aborts ParseContext, which returns it.
type RowFunc func(rowNum int, rec Record) error

// Parse reads an uploaded .xlsx with the default Options except maxRows
// (<= 0 means DefaultMaxRows). See ParseContext.
func Parse(r io.Reader, t Template, maxRows int, fn RowFunc) (*Report, error) {
	return ParseContext(context.Background(), r, t, Options{MaxRows: maxRows}, fn)
}

// ParseContext reads an uploaded .xlsx against t, converting every cell and
// calling fn for each valid row. Problems with the file's content (not an
// .xlsx, missing columns, bad cells, too many rows …) are reported in the
// returned Report, never as an error. The error is non-nil only for an
// invalid template, a failing reader, a cancelled ctx or an aborting fn; the
// report is then nil or incomplete and must be discarded.
//
// The caller writes all-or-nothing: only if Report.OK().
func ParseContext(ctx context.Context, r io.Reader, t Template, opts Options, fn RowFunc) (*Report, error) {
	s, err := compile(t)
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	rep := newReport(opts.MaxErrors)

	data, err := io.ReadAll(io.LimitReader(r, opts.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("excel: read upload: %w", err)
	}
	if int64(len(data)) > opts.MaxBytes {
		rep.fatal(RowError{Code: CodeFileTooLarge,
			Message: fmt.Sprintf("文件大小超过上限 %s，请拆分后分批导入", humanBytes(opts.MaxBytes))})
		return rep, nil
	}
	if !sniff(data, opts, rep) {
		return rep, nil
	}
	f, err := openWorkbook(data, opts)
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		rep.fatal(RowError{Code: CodeNotXLSX, Message: "文件已损坏或不是有效的 Excel (.xlsx) 文件"})
		return rep, nil
	}
	defer func() { _ = f.Close() }()

	p := &parser{s: s, rep: rep, opts: opts, fn: fn}
	if err := p.run(ctx, f); err != nil {
		return rep, err
	}
	return rep, nil
}

// sniff rejects non-xlsx content cheaply before excelize sees it.
func sniff(data []byte, opts Options, rep *Report) bool {
	notXLSX := func(msg string) bool {
		rep.fatal(RowError{Code: CodeNotXLSX, Message: msg})
		return false
	}
	switch {
	case len(data) == 0:
		return notXLSX("文件为空")
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		return notXLSX("不支持旧版 .xls 格式或加密的 Excel 文件，请在 Excel 中“另存为” .xlsx 格式并取消密码后重新上传")
	case !bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return notXLSX("文件不是 Excel (.xlsx) 格式，请使用系统下载的模板填写后上传")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return notXLSX("文件已损坏或不是有效的 Excel (.xlsx) 文件")
	}
	if len(zr.File) > maxZipEntries {
		return notXLSX("文件结构异常，不是有效的 Excel (.xlsx) 文件")
	}
	var total uint64
	workbook := false
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if strings.EqualFold(strings.ReplaceAll(zf.Name, `\`, "/"), "xl/workbook.xml") {
			workbook = true
		}
	}
	if !workbook {
		return notXLSX("文件不是 Excel (.xlsx) 文件（可能是 Word、WPS 或其他压缩包），请使用系统下载的模板")
	}
	if total > uint64(opts.MaxUnzipBytes) {
		rep.fatal(RowError{Code: CodeFileTooLarge,
			Message: fmt.Sprintf("文件解压后超过 %s，请拆分后分批导入", humanBytes(opts.MaxUnzipBytes))})
		return false
	}
	return true
}

// openWorkbook opens the package; excelize panics on some malformed input,
// which is turned into an error.
func openWorkbook(data []byte, opts Options) (f *excelize.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("excel: excelize panic on open: %v", p)
		}
	}()
	xmlLimit := int64(16 << 20)
	if xmlLimit > opts.MaxUnzipBytes {
		xmlLimit = opts.MaxUnzipBytes
	}
	return excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    opts.MaxUnzipBytes,
		UnzipXMLSizeLimit: xmlLimit,
		TmpDir:            opts.TempDir,
	})
}

func humanBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d 字节", n)
}

type parser struct {
	s        *schema
	rep      *Report
	opts     Options
	fn       RowFunc
	date1904 bool
	colOf    []int // schema column -> sheet column index, -1 if absent
}

// pickSheet returns the data sheet: the one named like the template, else
// the first visible sheet that is not an auxiliary template sheet.
func (p *parser) pickSheet(f *excelize.File) (name string, err error) {
	defer func() {
		if r := recover(); r != nil {
			name, err = "", fmt.Errorf("excelize panic: %v", r)
		}
	}()
	list := f.GetSheetList()
	for _, n := range list {
		if n == p.s.t.Name {
			return n, nil
		}
	}
	for _, n := range list {
		if n == HelpSheetName || n == OptionsSheetName {
			continue
		}
		if visible, err := f.GetSheetVisible(n); err == nil && !visible {
			continue
		}
		return n, nil
	}
	return "", nil
}

// rowReader wraps excelize's streaming iterator, converting panics on
// malformed XML into errors.
type rowReader struct {
	rows *excelize.Rows
	num  int // current 1-based row number
}

func openRows(f *excelize.File, sheet string) (rr *rowReader, err error) {
	defer func() {
		if r := recover(); r != nil {
			rr, err = nil, fmt.Errorf("excelize panic: %v", r)
		}
	}()
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	return &rowReader{rows: rows}, nil
}

var rawCells = excelize.Options{RawCellValue: true}

func (rr *rowReader) next() (cells []string, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			cells, ok, err = nil, false, fmt.Errorf("excelize panic: %v", r)
		}
	}()
	if !rr.rows.Next() {
		return nil, false, rr.rows.Error()
	}
	rr.num++
	cells, err = rr.rows.Columns(rawCells)
	return cells, err == nil, err
}

func (rr *rowReader) close() {
	defer func() { _ = recover() }()
	_ = rr.rows.Close()
}

func (p *parser) run(ctx context.Context, f *excelize.File) error {
	rep := p.rep
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		p.date1904 = *props.Date1904
	}
	sheet, err := p.pickSheet(f)
	if err != nil || sheet == "" {
		rep.fatal(RowError{Code: CodeSheetNotFound, Message: "文件中没有可导入的工作表"})
		return nil
	}
	rep.Sheet = sheet
	rr, err := openRows(f, sheet)
	if err != nil {
		rep.fatal(RowError{Code: CodeCorruptFile, Message: fmt.Sprintf("工作表“%s”已损坏，无法读取", sheet)})
		return nil
	}
	defer rr.close()

	headerFound, nonEmpty := false, 0
	for {
		cells, ok, err := rr.next()
		if err != nil {
			rep.fatal(RowError{Row: 0, Code: CodeCorruptFile,
				Message: fmt.Sprintf("文件内容已损坏，第 %d 行无法读取", rr.num)})
			return nil
		}
		if !ok {
			break
		}
		if rr.num%512 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if !headerFound {
			if isEmptyRow(cells, nil) {
				continue
			}
			nonEmpty++
			if p.matchHeader(cells) {
				headerFound = true
				if rep.Aborted {
					return nil
				}
				continue
			}
			if nonEmpty >= headerSearchRows {
				break
			}
			continue
		}
		if isEmptyRow(cells, p.colOf) {
			continue
		}
		if rep.Rows >= p.opts.MaxRows {
			rep.fatal(RowError{Code: CodeTooManyRows,
				Message: fmt.Sprintf("数据行数超过上限 %d 行（第 %d 行起超出），请拆分后分批导入", p.opts.MaxRows, rr.num)})
			return nil
		}
		rep.Rows++
		if err := p.row(rr.num, cells); err != nil {
			return err
		}
	}
	switch {
	case !headerFound && nonEmpty == 0:
		rep.fatal(RowError{Code: CodeNoData, Message: "文件中没有数据"})
	case !headerFound:
		rep.fatal(RowError{Code: CodeHeaderNotFound,
			Message: fmt.Sprintf("未找到表头行：前 %d 个非空行中没有与模板匹配的列名，请使用系统下载的模板", headerSearchRows)})
	case rep.Rows == 0:
		rep.fatal(RowError{Code: CodeNoData, Message: "表头下方没有数据行"})
	}
	return nil
}

// isEmptyRow reports whether all cells (only the mapped ones if colOf is
// given) are blank.
func isEmptyRow(cells []string, colOf []int) bool {
	if colOf == nil {
		for _, c := range cells {
			if trimSpace(c) != "" {
				return false
			}
		}
		return true
	}
	for _, j := range colOf {
		if j >= 0 && j < len(cells) && trimSpace(cells[j]) != "" {
			return false
		}
	}
	return true
}

// matchHeader tries cells as the header row. It returns false if no cell
// matches a column; otherwise it maps columns and records file-level errors
// (duplicate or missing required columns).
func (p *parser) matchHeader(cells []string) bool {
	colOf := make([]int, len(p.s.cols))
	for i := range colOf {
		colOf[i] = -1
	}
	var ignored []string
	var dups []int
	matched := 0
	for j, c := range cells {
		n := normHeader(c)
		if n == "" {
			continue
		}
		i, ok := p.s.byHead[n]
		if !ok {
			ignored = append(ignored, trimSpace(c))
			continue
		}
		matched++
		if colOf[i] >= 0 {
			dups = append(dups, i)
			continue
		}
		colOf[i] = j
	}
	if matched == 0 {
		return false
	}
	p.colOf = colOf
	p.rep.IgnoredColumns = ignored
	for _, i := range dups {
		c := p.s.cols[i]
		p.rep.fatal(RowError{Column: c.Header, Field: c.Key, Code: CodeDuplicateColumn,
			Message: fmt.Sprintf("列“%s”重复出现，请删除多余的列", c.Header)})
	}
	for i, c := range p.s.cols {
		if colOf[i] < 0 && c.Required {
			p.rep.fatal(RowError{Column: c.Header, Field: c.Key, Code: CodeMissingColumn,
				Message: fmt.Sprintf("缺少必填列“%s”，请使用系统下载的模板", c.Header)})
		}
	}
	return true
}

func (p *parser) row(rowNum int, cells []string) error {
	n := len(p.s.cols)
	rec := Record{s: p.s, row: rowNum, vals: make([]value, n), raw: make([]string, n)}
	bad := false
	for i := range p.s.cols {
		cell := ""
		if j := p.colOf[i]; j >= 0 && j < len(cells) {
			cell = cells[j]
		}
		rec.raw[i] = trimSpace(cell)
		v, ce := p.s.convert(i, cell, p.date1904)
		if ce != nil {
			c := &p.s.cols[i]
			p.rep.add(RowError{Row: rowNum, Column: c.Header, Field: c.Key, Code: ce.code, Message: ce.msg})
			bad = true
			continue
		}
		rec.vals[i] = v
	}
	if bad || p.fn == nil {
		return nil
	}
	err := p.fn(rowNum, rec)
	if err == nil {
		return nil
	}
	leaves, ok := rowErrors(err, nil)
	if !ok {
		return err
	}
	for _, e := range leaves {
		re := *e
		if re.Row == 0 {
			re.Row = rowNum
		}
		if re.Column == "" && re.Field != "" {
			if i, ok := p.s.byKey[re.Field]; ok {
				re.Column = p.s.cols[i].Header
			}
		}
		p.rep.Add(re)
	}
	return nil
}

// rowErrors flattens err (possibly an errors.Join tree) into *RowError
// leaves; ok is false if any leaf is something else.
func rowErrors(err error, acc []*RowError) ([]*RowError, bool) {
	if j, isJoin := err.(interface{ Unwrap() []error }); isJoin {
		for _, e := range j.Unwrap() {
			var ok bool
			if acc, ok = rowErrors(e, acc); !ok {
				return acc, false
			}
		}
		return acc, true
	}
	var re *RowError
	if errors.As(err, &re) && re != nil {
		return append(acc, re), true
	}
	return acc, false
}

// Add appends a domain error found after Parse (for example a batch
// uniqueness check against the database). If Column is empty and Field is a
// column key of the parsed template, the caller should fill Column itself;
// Add does not know the template.
func (r *Report) Add(e RowError) {
	if e.Message == "" {
		e.Message = e.Code
	}
	r.add(e)
}
