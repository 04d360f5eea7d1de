// Package excel is the generic, database-independent machinery behind every
// Excel feature of Anxin: downloadable import templates, validated bulk
// import and streamed export of arbitrarily long lists (SPEC R2, last bullet).
//
// The package knows nothing about enterprises, workers or payroll. A caller
// (the database wiring) describes a sheet as a [Template] — a Chinese sheet
// name plus an ordered list of [Column] specs — and then uses:
//
//   - [WriteTemplate] to produce the .xlsx users download and fill in;
//   - [Parse] / [ParseContext] to read an uploaded file, convert every cell
//     according to its [Kind] and collect every problem into a [Report];
//   - [Exporter] / [Export] to stream rows into an .xlsx without holding
//     them in memory.
//
// # Templates
//
// A template workbook has two (sometimes three) sheets:
//
//  1. the data sheet, named Template.Name: a single bold, frozen header row;
//     required headers start with a red "*"; every header carries a cell
//     comment with the column's format, example and help text; Enum and Bool
//     columns get drop-down validations, Int and Money columns numeric
//     validations, and every column a matching number format (Text columns
//     are formatted as text "@" so that ID and bank card numbers keep their
//     digits);
//  2. "填写说明": general notes, a table describing every column (required,
//     format, allowed values, example, help) and a filled-in example row;
//  3. only when an Enum has too many labels for an inline list (255 chars),
//     a very hidden "下拉选项" sheet holding the drop-down values.
//
// Example rows live ONLY in the 填写说明 sheet, never in the data sheet. This
// is a deliberate choice: the importer therefore never has to guess whether a
// row is an example, and it never skips a row that looks like one — every
// non-empty row under the header is data.
//
// # Import
//
// [ParseContext] reads at most Options.MaxBytes bytes (callers should still
// wrap HTTP bodies with http.MaxBytesReader so that oversized uploads are cut
// off early), checks that the content is an .xlsx zip (code "not_xlsx"
// otherwise; legacy .xls and encrypted files are rejected with the same code
// and a hint), guards against zip bombs (Options.MaxUnzipBytes) and then
// walks the data sheet with excelize's streaming Rows iterator, so that
// large sheets are decoded row by row (excelize spills big worksheet and
// shared-string parts to temporary files).
//
// The data sheet is the sheet named Template.Name; if there is none, the
// first sheet that is neither 填写说明 nor 下拉选项. The header row is the first
// row (within the first 10) whose cells match at least one column header.
// Headers are matched by text, in any order, ignoring whitespace, full-width
// versus half-width forms, a leading or trailing "*" and a "(必填)" suffix;
// Column.Aliases adds alternative header texts. Unknown columns are ignored
// and listed in Report.IgnoredColumns. A missing required column, a
// duplicated column, a missing header row, too many rows, or an empty file
// are file-level errors (Row 0) that stop the import.
//
// Every data row is converted in full and every bad cell is reported with its
// 1-based Excel row number, header, field key, English code and Chinese
// message; fully empty rows are skipped. The row callback is invoked only for
// rows whose cells all converted, so it can rely on the typed getters of
// [Record]; it may return a *[RowError] (or several joined with errors.Join)
// to add domain errors without aborting. Callers write all-or-nothing: only
// when [Report.OK] is true.
//
// Cell values are read raw (no number-format rendering): numbers arrive as
// Excel stores them. Money is parsed from the decimal string exactly, never
// through float64 arithmetic. Because Excel itself keeps only 15 significant
// digits, a plain numeric string with more than 15 significant digits (float
// noise such as 1234.4999999999998, typically produced by formulas) is first
// rounded to 15 significant digits, exactly as Excel displays it.
//
// # Export
//
// [Exporter] wraps excelize's StreamWriter: rows are encoded to XML as they
// are written (spilling to a temporary file past 16 MiB), so 250 000 rows
// never exist as Go values at the same time. Money (int64 fen) is written as
// a yuan number with format "#,##0.00"; the cell holds float64(fen)/100,
// the double nearest to the exact decimal. A double would identify the
// decimal up to 2^53 fen, but Excel keeps only 15 significant digits, so the
// value is exact (and reads back to the same fen) for |fen| <= [MaxExactFen]
// = 10^15-1 fen, i.e. up to 9,999,999,999,999.99 yuan; larger amounts are
// rejected on export and import. Dates are date cells ("yyyy-mm-dd"), booleans are 是/否, Enum
// codes are written as their Chinese labels. Strings are always written as
// string cells, never as formulas, so exported data cannot inject formulas.
// Exported files use the same headers as templates and can be re-imported.
package excel
