package excel

import (
	"errors"
	"fmt"
	"strings"
)

// File-level error codes (RowError.Row == 0). They stop the import.
const (
	CodeNotXLSX         = "not_xlsx"
	CodeFileTooLarge    = "file_too_large"
	CodeCorruptFile     = "corrupt_file"
	CodeSheetNotFound   = "sheet_not_found"
	CodeHeaderNotFound  = "header_not_found"
	CodeMissingColumn   = "missing_column"
	CodeDuplicateColumn = "duplicate_column"
	CodeTooManyRows     = "too_many_rows"
	CodeNoData          = "no_data"
)

// DefaultMaxErrors is how many errors a Report lists by default; the rest are
// only counted in TotalErrors.
const DefaultMaxErrors = 1000

// RowError is one problem in an uploaded file. Row is the 1-based Excel row
// number, 0 for file-level problems. Column is the Chinese header and Field
// the column key; both are empty for problems that concern a whole row or
// the file. Code is English snake_case, Message Chinese.
//
// A row callback returns a *RowError (built with NewFieldError or
// NewRowError) to report a domain validation error; Parse fills in Row and
// Column.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// NewFieldError returns a domain error about one field (column key), e.g.
// NewFieldError("id_number", "invalid_check_digit", "身份证号码校验位错误").
func NewFieldError(field, code, message string) *RowError {
	return &RowError{Field: field, Code: code, Message: message}
}

// NewRowError returns a domain error about the row as a whole, e.g.
// NewRowError("duplicate_row", "与第 5 行重复").
func NewRowError(code, message string) *RowError {
	return &RowError{Code: code, Message: message}
}

func (e *RowError) Error() string {
	var b strings.Builder
	if e.Row > 0 {
		fmt.Fprintf(&b, "第 %d 行", e.Row)
	} else {
		b.WriteString("文件")
	}
	if e.Column != "" {
		fmt.Fprintf(&b, "“%s”", e.Column)
	}
	fmt.Fprintf(&b, "：%s (%s)", e.Message, e.Code)
	return b.String()
}

// Report is the outcome of an import. It is JSON-serialisable for the API:
//
//	{"sheet":"工人花名册","rows":120,"bad_rows":2,"total_errors":3,
//	 "truncated":false,"aborted":false,
//	 "errors":[{"row":7,"column":"身份证号码","field":"id_number",
//	            "code":"invalid_check_digit","message":"身份证号码校验位错误"}]}
type Report struct {
	// Sheet is the name of the sheet that was read.
	Sheet string `json:"sheet,omitempty"`
	// Rows counts the non-empty data rows read (empty rows are skipped).
	Rows int `json:"rows"`
	// BadRows counts data rows with at least one error.
	BadRows int `json:"bad_rows"`
	// TotalErrors counts all errors, including those not listed.
	TotalErrors int `json:"total_errors"`
	// Truncated is true when Errors lists fewer than TotalErrors.
	Truncated bool `json:"truncated"`
	// Aborted is true when a file-level error stopped the import early.
	Aborted bool `json:"aborted"`
	// IgnoredColumns lists headers of the sheet that match no column.
	IgnoredColumns []string `json:"ignored_columns,omitempty"`
	// Errors lists the first MaxErrors errors in file order.
	Errors []RowError `json:"errors"`

	maxErrors int
	badRows   map[int]struct{}
}

func newReport(maxErrors int) *Report {
	if maxErrors <= 0 {
		maxErrors = DefaultMaxErrors
	}
	return &Report{Errors: []RowError{}, maxErrors: maxErrors}
}

// OK reports whether the file can be written: no errors at all and not
// aborted. Callers must write nothing unless OK is true.
func (r *Report) OK() bool {
	return r != nil && r.TotalErrors == 0 && !r.Aborted && len(r.Errors) == 0
}

// HasCode reports whether any listed error has the given code.
func (r *Report) HasCode(code string) bool {
	for _, e := range r.Errors {
		if e.Code == code {
			return true
		}
	}
	return false
}

// Err returns nil when OK, otherwise an error summarising the report (the
// first listed error and the total count), for logs.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	if len(r.Errors) == 0 {
		return errors.New("excel: import failed")
	}
	e := r.Errors[0]
	if r.TotalErrors > 1 {
		return fmt.Errorf("%s 等共 %d 处错误", e.Error(), r.TotalErrors)
	}
	return &e
}

func (r *Report) add(e RowError) {
	r.TotalErrors++
	if e.Row > 0 {
		if r.badRows == nil {
			r.badRows = make(map[int]struct{})
		}
		if _, seen := r.badRows[e.Row]; !seen {
			r.badRows[e.Row] = struct{}{}
			r.BadRows++
		}
	}
	limit := r.maxErrors
	if limit <= 0 {
		limit = DefaultMaxErrors
	}
	if len(r.Errors) < limit {
		r.Errors = append(r.Errors, e)
	} else {
		r.Truncated = true
	}
}

// fatal records a file-level error and marks the report aborted.
func (r *Report) fatal(e RowError) {
	r.Aborted = true
	r.add(e)
}
