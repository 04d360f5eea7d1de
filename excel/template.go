package excel

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

const (
	lastExcelRow  = 1_048_576
	headerFill    = "DDEBF7"
	borderColor   = "BFBFBF"
	requiredColor = "FF0000"
	commentAuthor = "安薪"
	dateNumFmt    = "yyyy-mm-dd"
	moneyNumFmt   = "#,##0.00"
	maxInlineList = 255 // Excel's limit for an inline drop-down list formula
)

// Column returns the column with the given key.
func (t Template) Column(key string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Key == key {
			return c, true
		}
	}
	return Column{}, false
}

// WriteTemplate writes the downloadable .xlsx template for t to w: the data
// sheet (header row only: bold, frozen, required headers marked with a red
// "*", header comments, drop-downs and number formats) followed by the
// 填写说明 sheet with per-column instructions and an example row. See the
// package documentation for why the example lives only in 填写说明.
func WriteTemplate(w io.Writer, t Template) error {
	s, err := compile(t)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	tw := &templateWriter{f: f, s: s, sheet: t.Name}
	if err := tw.write(); err != nil {
		return fmt.Errorf("excel: write template %q: %w", t.Name, err)
	}
	return f.Write(w)
}

type templateWriter struct {
	f       *excelize.File
	s       *schema
	sheet   string
	optCols int // columns used in the 下拉选项 sheet
}

func (tw *templateWriter) write() error {
	f := tw.f
	if err := f.SetSheetName("Sheet1", tw.sheet); err != nil {
		return err
	}
	// create 填写说明 now so that it is the second sheet (下拉选项, if needed, is third)
	if _, err := f.NewSheet(HelpSheetName); err != nil {
		return err
	}
	header, err := f.NewStyle(headerStyle())
	if err != nil {
		return err
	}
	for i, c := range tw.s.cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		st, err := f.NewStyle(dataStyle(c.Kind))
		if err != nil {
			return err
		}
		if err := f.SetColStyle(tw.sheet, col, st); err != nil {
			return err
		}
		if err := f.SetColWidth(tw.sheet, col, col, columnWidth(c)); err != nil {
			return err
		}
		cell := col + "1"
		runs := []excelize.RichTextRun{{Text: c.Header, Font: &excelize.Font{Bold: true}}}
		if c.Required {
			runs = append([]excelize.RichTextRun{{Text: "*", Font: &excelize.Font{Bold: true, Color: requiredColor}}}, runs...)
		}
		if err := f.SetCellRichText(tw.sheet, cell, runs); err != nil {
			return err
		}
		if err := f.SetCellStyle(tw.sheet, cell, cell, header); err != nil {
			return err
		}
		note := columnNote(tw.s, i)
		if err := f.AddComment(tw.sheet, excelize.Comment{
			Cell:   cell,
			Author: commentAuthor,
			Paragraph: []excelize.RichTextRun{
				{Text: commentAuthor + "：\n", Font: &excelize.Font{Bold: true}},
				{Text: note},
			},
			Width:  280,
			Height: uint(40 + 18*strings.Count(note, "\n")),
		}); err != nil {
			return err
		}
		if err := tw.validation(i, col); err != nil {
			return err
		}
	}
	if err := f.SetRowHeight(tw.sheet, 1, 28); err != nil {
		return err
	}
	if err := f.SetPanes(tw.sheet, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	if err := tw.helpSheet(header); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	return nil
}

func headerStyle() *excelize.Style {
	return &excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headerFill}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border: []excelize.Border{
			{Type: "left", Color: borderColor, Style: 1}, {Type: "right", Color: borderColor, Style: 1},
			{Type: "top", Color: borderColor, Style: 1}, {Type: "bottom", Color: borderColor, Style: 1},
		},
	}
}

// dataStyle is the number format of a column's data cells.
func dataStyle(k Kind) *excelize.Style {
	switch k {
	case Int:
		return &excelize.Style{NumFmt: 1} // 0
	case Money:
		f := moneyNumFmt
		return &excelize.Style{CustomNumFmt: &f}
	case Date:
		f := dateNumFmt
		return &excelize.Style{CustomNumFmt: &f}
	}
	return &excelize.Style{NumFmt: 49} // @ text: keeps leading zeros and long digit strings
}

// displayWidth approximates the width of s in Excel character units (CJK
// characters count double).
func displayWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x2E80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

func columnWidth(c Column) float64 {
	if c.Width > 0 {
		return c.Width
	}
	w := displayWidth(c.Header) + 4
	if e := displayWidth(c.Example) + 2; e > w {
		w = e
	}
	return min(max(w, 10), 50)
}

// columnNote is the Chinese description of column i for the header comment.
func columnNote(s *schema, i int) string {
	c := s.cols[i]
	var b strings.Builder
	if c.Required {
		b.WriteString("【必填】")
	} else {
		b.WriteString("【选填】")
	}
	b.WriteString("\n格式：" + c.formatText())
	if c.Kind == Enum {
		b.WriteString("\n可选值：" + s.allowed[i])
	}
	if c.Example != "" {
		b.WriteString("\n示例：" + c.Example)
	}
	if c.Help != "" {
		b.WriteString("\n说明：" + c.Help)
	}
	return b.String()
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

// validation adds the data validation of column i (letter col) to rows
// 2..1048576 of the data sheet.
func (tw *templateWriter) validation(i int, col string) error {
	c := tw.s.cols[i]
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, lastExcelRow)
	switch c.Kind {
	case Bool:
		if err := dv.SetDropList([]string{"是", "否"}); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", c.Header+"请从下拉列表中选择“是”或“否”")
	case Enum:
		labels := c.enumLabels()
		if utf16Len(strings.Join(labels, ",")) <= maxInlineList {
			if err := dv.SetDropList(labels); err != nil {
				return err
			}
		} else {
			ref, err := tw.optionList(labels)
			if err != nil {
				return err
			}
			dv.SetSqrefDropList(ref)
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", c.Header+"请从下拉列表中选择")
	case Int:
		if c.AllowNegative {
			return nil
		}
		if err := dv.SetRange(0, 0, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorGreaterThanOrEqual); err != nil {
			return err
		}
		dv.Formula2 = "" // single-operand operator
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", c.Header+"应为不小于 0 的整数")
	case Money:
		if c.AllowNegative {
			return nil
		}
		if err := dv.SetRange(0, 0, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorGreaterThanOrEqual); err != nil {
			return err
		}
		dv.Formula2 = "" // single-operand operator
		dv.SetError(excelize.DataValidationErrorStyleStop, "输入有误", c.Header+"应为不小于 0 的金额（元），最多两位小数")
	default:
		return nil
	}
	return tw.f.AddDataValidation(tw.sheet, dv)
}

// optionList writes labels into a new column of the very hidden 下拉选项
// sheet and returns the absolute reference for a list validation.
func (tw *templateWriter) optionList(labels []string) (string, error) {
	f := tw.f
	if tw.optCols == 0 {
		if _, err := f.NewSheet(OptionsSheetName); err != nil {
			return "", err
		}
		if err := f.SetSheetVisible(OptionsSheetName, false, true); err != nil {
			return "", err
		}
	}
	tw.optCols++
	col, _ := excelize.ColumnNumberToName(tw.optCols)
	for r, l := range labels {
		if err := f.SetCellStr(OptionsSheetName, fmt.Sprintf("%s%d", col, r+1), l); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("'%s'!$%s$1:$%s$%d", OptionsSheetName, col, col, len(labels)), nil
}

// helpSheet writes the 填写说明 sheet.
func (tw *templateWriter) helpSheet(header int) error {
	f, name := tw.f, HelpSheetName
	title, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"},
	})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		Border:    headerStyle().Border,
	})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return err
	}
	set := func(cell string, v any, style int) error {
		if err := f.SetCellValue(name, cell, v); err != nil {
			return err
		}
		if style != 0 {
			return f.SetCellStyle(name, cell, cell, style)
		}
		return nil
	}
	for col, w := range map[string]float64{"A": 8, "B": 20, "C": 16, "D": 10, "E": 40, "F": 28, "G": 22, "H": 40} {
		if err := f.SetColWidth(name, col, col, w); err != nil {
			return err
		}
	}
	if err := set("A1", fmt.Sprintf("《%s》填写说明", tw.sheet), title); err != nil {
		return err
	}
	if err := f.MergeCell(name, "A1", "H1"); err != nil {
		return err
	}
	if err := f.SetRowHeight(name, 1, 30); err != nil {
		return err
	}
	notes := []string{
		fmt.Sprintf("请在“%s”工作表中填写。第 1 行为表头，请勿修改或删除表头文字（列的顺序可以调整）。", tw.sheet),
		"表头带红色 * 的列为必填项；将鼠标移到表头上可查看该列的填写要求。",
		"从第 2 行开始填写，每行一条记录；整行为空的行会被忽略。",
		"日期可填写 2026-01-31、2026/1/31 或 20260131；金额单位为元，最多两位小数。",
		"带下拉列表的列请从下拉列表中选择。",
		"本页仅为说明和示例，导入时不会读取本页内容。",
		"导入时系统会检查全部数据，只要有一处错误整个文件都不会导入；请按错误提示（行号、列名）修改后重新上传。",
	}
	notes = append(notes, tw.s.t.Notes...)
	row := 3
	for i, n := range notes {
		if err := set(fmt.Sprintf("A%d", row), fmt.Sprintf("%d. %s", i+1, n), 0); err != nil {
			return err
		}
		row++
	}
	row++
	for j, h := range []string{"序号", "列名", "字段", "是否必填", "格式要求", "可选值", "示例", "说明"} {
		col, _ := excelize.ColumnNumberToName(j + 1)
		if err := set(fmt.Sprintf("%s%d", col, row), h, header); err != nil {
			return err
		}
	}
	row++
	for i, c := range tw.s.cols {
		req := "选填"
		if c.Required {
			req = "必填"
		}
		vals := []string{fmt.Sprint(i + 1), c.Header, c.Key, req, c.formatText(), tw.s.allowed[i], c.Example, c.Help}
		for j, v := range vals {
			col, _ := excelize.ColumnNumberToName(j + 1)
			if err := set(fmt.Sprintf("%s%d", col, row), v, wrap); err != nil {
				return err
			}
		}
		row++
	}
	row++
	if err := set(fmt.Sprintf("A%d", row), fmt.Sprintf("填写示例（仅供参考，请在“%s”工作表中填写，本页内容不会被导入）：", tw.sheet), bold); err != nil {
		return err
	}
	row++
	for i, c := range tw.s.cols {
		col, _ := excelize.ColumnNumberToName(i + 1)
		h := c.Header
		if c.Required {
			h = "*" + h
		}
		if err := set(fmt.Sprintf("%s%d", col, row), h, header); err != nil {
			return err
		}
		if err := set(fmt.Sprintf("%s%d", col, row+1), c.Example, text); err != nil {
			return err
		}
	}
	return nil
}
