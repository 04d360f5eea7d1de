package excel

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Kind is the value type of a column; it drives template formatting, import
// conversion and export encoding.
type Kind int

const (
	// Text is free text (the zero Kind). Surrounding whitespace is trimmed.
	Text Kind = iota
	// Int is a whole number (int64). Thousands separators are accepted.
	Int
	// Money is an amount in yuan with at most 2 decimals in the sheet and an
	// int64 amount in fen in Go. It is parsed exactly from the decimal string.
	Money
	// Date is a calendar date. Import accepts Excel serial dates and the texts
	// 2026-01-31, 2026/1/31, 2026.1.31, 2026年1月31日 and 20260131.
	Date
	// Bool is 是/否 (import also accepts Y/N, YES/NO, 1/0, TRUE/FALSE).
	Bool
	// Enum is one of Column.Enum: the sheet holds the Chinese label, Go the code.
	Enum
)

// String returns the English name of the kind.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Int:
		return "int"
	case Money:
		return "money"
	case Date:
		return "date"
	case Bool:
		return "bool"
	case Enum:
		return "enum"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// EnumValue is one allowed value of an Enum column.
type EnumValue struct {
	Code  string `json:"code"`  // stored/API value, e.g. "male"
	Label string `json:"label"` // Chinese label shown in the sheet, e.g. "男"
}

// Column describes one column of a sheet.
type Column struct {
	// Key is the API/English field name used by Record getters and in
	// RowError.Field, e.g. "id_number".
	Key string
	// Header is the Chinese header text, e.g. "身份证号码".
	Header string
	// Aliases are alternative header texts accepted on import (for example
	// from older templates), e.g. "身份证号".
	Aliases []string
	// Required makes an empty cell an error and a missing column a
	// file-level error.
	Required bool
	Kind     Kind
	// Width is the column width in Excel character units; 0 picks one from
	// the header length.
	Width float64
	// Example is a sample value as the user would type it, shown in the
	// header comment and in the 填写说明 sheet. It must itself be valid.
	Example string
	// Help is a Chinese note shown in the header comment and 填写说明 sheet.
	Help string
	// Enum lists the allowed values of an Enum column.
	Enum []EnumValue
	// MaxLen limits Text values to this many characters (runes); 0 = no limit.
	MaxLen int
	// AllowNegative permits negative Int and Money values.
	AllowNegative bool
}

// Template is the spec of one importable/exportable sheet.
type Template struct {
	// Name is the Chinese sheet name (at most 31 characters, none of
	// : \ / ? * [ ]), e.g. "工人花名册".
	Name    string
	Columns []Column
	// Notes are extra Chinese instructions listed in the 填写说明 sheet, e.g.
	// "同一项目内身份证号码不能重复".
	Notes []string
}

// Names of the auxiliary sheets of a template.
const (
	HelpSheetName    = "填写说明"
	OptionsSheetName = "下拉选项"
)

// Validate reports programmer errors in the template spec: empty or invalid
// names, duplicate keys or headers, enum problems and invalid examples.
func (t Template) Validate() error {
	_, err := compile(t)
	return err
}

// schema is a compiled Template used by import and export.
type schema struct {
	t       Template
	cols    []Column
	byKey   map[string]int
	byHead  map[string]int      // normalised header/alias -> column index
	labels  []map[string]string // per column: normalised label -> code (Enum)
	codes   []map[string]string // per column: code -> label (Enum)
	allowed []string            // per column: "、"-joined labels for messages
}

func validateSheetName(name string) error {
	if strings.TrimSpace(name) == "" {
		return errors.New("excel: sheet name is empty")
	}
	if utf8.RuneCountInString(name) > 31 {
		return fmt.Errorf("excel: sheet name %q longer than 31 characters", name)
	}
	if strings.ContainsAny(name, `:\/?*[]`) {
		return fmt.Errorf("excel: sheet name %q contains one of : \\ / ? * [ ]", name)
	}
	if strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
		return fmt.Errorf("excel: sheet name %q starts or ends with an apostrophe", name)
	}
	return nil
}

func compileColumns(cols []Column) (*schema, error) {
	if len(cols) == 0 {
		return nil, errors.New("excel: no columns")
	}
	if len(cols) > 16384 {
		return nil, errors.New("excel: more than 16384 columns")
	}
	s := &schema{
		cols:    cols,
		byKey:   make(map[string]int, len(cols)),
		byHead:  make(map[string]int, len(cols)),
		labels:  make([]map[string]string, len(cols)),
		codes:   make([]map[string]string, len(cols)),
		allowed: make([]string, len(cols)),
	}
	for i, c := range cols {
		if c.Key == "" {
			return nil, fmt.Errorf("excel: column %d (%q) has no key", i+1, c.Header)
		}
		if _, dup := s.byKey[c.Key]; dup {
			return nil, fmt.Errorf("excel: duplicate column key %q", c.Key)
		}
		s.byKey[c.Key] = i
		if c.Kind < Text || c.Kind > Enum {
			return nil, fmt.Errorf("excel: column %q has unknown kind %d", c.Key, int(c.Kind))
		}
		for _, h := range append([]string{c.Header}, c.Aliases...) {
			n := normHeader(h)
			if n == "" {
				return nil, fmt.Errorf("excel: column %q has an empty header or alias", c.Key)
			}
			if j, dup := s.byHead[n]; dup && j != i {
				return nil, fmt.Errorf("excel: header %q of column %q clashes with column %q", h, c.Key, cols[j].Key)
			}
			s.byHead[n] = i
		}
		if c.Kind == Enum {
			if len(c.Enum) == 0 {
				return nil, fmt.Errorf("excel: enum column %q has no values", c.Key)
			}
			s.labels[i] = make(map[string]string, len(c.Enum))
			s.codes[i] = make(map[string]string, len(c.Enum))
			labels := make([]string, 0, len(c.Enum))
			for _, e := range c.Enum {
				n := normLabel(e.Label)
				if e.Code == "" || n == "" {
					return nil, fmt.Errorf("excel: enum column %q has an empty code or label", c.Key)
				}
				if strings.Contains(e.Label, ",") || strings.Contains(e.Label, "，") {
					return nil, fmt.Errorf("excel: enum label %q of column %q contains a comma", e.Label, c.Key)
				}
				if _, dup := s.labels[i][n]; dup {
					return nil, fmt.Errorf("excel: duplicate enum label %q in column %q", e.Label, c.Key)
				}
				if _, dup := s.codes[i][e.Code]; dup {
					return nil, fmt.Errorf("excel: duplicate enum code %q in column %q", e.Code, c.Key)
				}
				s.labels[i][n] = e.Code
				s.codes[i][e.Code] = e.Label
				labels = append(labels, e.Label)
			}
			s.allowed[i] = strings.Join(labels, "、")
		} else if len(c.Enum) > 0 {
			return nil, fmt.Errorf("excel: column %q has enum values but kind %s", c.Key, c.Kind)
		}
		if c.MaxLen < 0 || c.Width < 0 || c.Width > 255 {
			return nil, fmt.Errorf("excel: column %q has an invalid MaxLen or Width", c.Key)
		}
	}
	for i, c := range cols {
		if c.Example == "" {
			continue
		}
		if _, ce := s.convert(i, c.Example, false); ce != nil {
			return nil, fmt.Errorf("excel: example %q of column %q is invalid: %s", c.Example, c.Key, ce.msg)
		}
	}
	return s, nil
}

func compile(t Template) (*schema, error) {
	if err := validateSheetName(t.Name); err != nil {
		return nil, err
	}
	if t.Name == HelpSheetName || t.Name == OptionsSheetName {
		return nil, fmt.Errorf("excel: sheet name %q is reserved", t.Name)
	}
	s, err := compileColumns(t.Columns)
	if err != nil {
		return nil, err
	}
	s.t = t
	return s, nil
}

// formatText describes the expected format of a column in Chinese, for the
// header comment and the 填写说明 sheet.
func (c Column) formatText() string {
	switch c.Kind {
	case Int:
		if c.AllowNegative {
			return "整数"
		}
		return "整数，不能为负数"
	case Money:
		s := "金额，单位：元，最多两位小数，如 1234.50 或 1,234.50"
		if !c.AllowNegative {
			s += "，不能为负数"
		}
		return s
	case Date:
		return "日期，如 2026-01-31、2026/1/31 或 20260131"
	case Bool:
		return "是 / 否（从下拉列表中选择）"
	case Enum:
		return "从下拉列表中选择"
	}
	if c.MaxLen > 0 {
		return fmt.Sprintf("文本，不超过 %d 个字符", c.MaxLen)
	}
	return "文本"
}

func (c Column) enumLabels() []string {
	out := make([]string, len(c.Enum))
	for i, e := range c.Enum {
		out[i] = e.Label
	}
	return out
}
