package excel

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxExactFen is the largest money amount, in fen, that survives the round
// trip through an Excel number cell exactly: 9,999,999,999,999.99 yuan.
//
// float64(fen)/100 is the double nearest to the exact decimal, and that
// double identifies the decimal uniquely, for every |fen| <= 2^53; but Excel
// (and excelize when writing <v>) keeps only 15 significant digits, so the
// binding limit is 10^15 - 1 fen. Import rejects larger amounts (out_of_range)
// and export refuses to write them.
const MaxExactFen int64 = 999_999_999_999_999

// Error codes of cell conversion errors (RowError.Code).
const (
	CodeRequired           = "required"
	CodeTooLong            = "too_long"
	CodeInvalidInt         = "invalid_int"
	CodeInvalidMoney       = "invalid_money"
	CodeTooManyDecimals    = "too_many_decimals"
	CodeNegativeNotAllowed = "negative_not_allowed"
	CodeOutOfRange         = "out_of_range"
	CodeInvalidDate        = "invalid_date"
	CodeInvalidBool        = "invalid_bool"
	CodeInvalidEnum        = "invalid_enum"
	CodeInvalidCharacter   = "invalid_character"
)

// value is one converted cell.
type value struct {
	set bool
	s   string    // Text; Enum code
	i   int64     // Int; Money in fen
	t   time.Time // Date, midnight UTC
	b   bool      // Bool
}

type cellError struct{ code, msg string }

// convert turns the raw cell string of column i into a typed value.
func (s *schema) convert(i int, raw string, date1904 bool) (value, *cellError) {
	c := &s.cols[i]
	if n := controlAt(raw); n > 0 {
		return value{}, &cellError{CodeInvalidCharacter,
			fmt.Sprintf("%s第%d个字符是不可见的控制字符（如空字符），请删除后重新导入", c.Header, n)}
	}
	// the apostrophe an export put before formula-like text (formula.go)
	txt := trimSpace(UnescapeFormula(trimSpace(raw)))
	if txt == "" {
		if c.Required {
			return value{}, &cellError{CodeRequired, c.Header + "不能为空"}
		}
		return value{}, nil
	}
	switch c.Kind {
	case Int:
		n, code := parseInt(txt, c.AllowNegative)
		if code != "" {
			return value{}, numberError(c, code, txt)
		}
		return value{set: true, i: n}, nil
	case Money:
		n, code := parseMoney(txt, c.AllowNegative)
		if code != "" {
			return value{}, numberError(c, code, txt)
		}
		return value{set: true, i: n}, nil
	case Date:
		d, ok := parseDate(txt, date1904)
		if !ok {
			return value{}, &cellError{CodeInvalidDate,
				fmt.Sprintf("%s不是有效日期（%s），请按 2026-01-31 格式填写", c.Header, quote(txt))}
		}
		return value{set: true, t: d}, nil
	case Bool:
		b, ok := parseBool(txt)
		if !ok {
			return value{}, &cellError{CodeInvalidBool,
				fmt.Sprintf("%s应填写“是”或“否”（%s）", c.Header, quote(txt))}
		}
		return value{set: true, b: b}, nil
	case Enum:
		if code, ok := s.labels[i][normLabel(txt)]; ok {
			return value{set: true, s: code}, nil
		}
		if _, ok := s.codes[i][txt]; ok {
			return value{set: true, s: txt}, nil
		}
		return value{}, &cellError{CodeInvalidEnum,
			fmt.Sprintf("%s不是可选值（%s），可选值：%s", c.Header, quote(txt), truncRunes(s.allowed[i], 100))}
	}
	if c.MaxLen > 0 {
		if n := utf8.RuneCountInString(txt); n > c.MaxLen {
			return value{}, &cellError{CodeTooLong,
				fmt.Sprintf("%s不能超过 %d 个字符（当前 %d 个）", c.Header, c.MaxLen, n)}
		}
	}
	return value{set: true, s: txt}, nil
}

// controlAt is the position (1-based, in characters) of the first control
// character in a cell that no text may carry — a C0 control other than
// tab, line feed and carriage return, NUL included (PostgreSQL refuses
// it) — or 0. An .xlsx file carries them escaped (_x0000_).
func controlAt(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return n
		}
	}
	return 0
}

func numberError(c *Column, code, txt string) *cellError {
	var reason string
	switch code {
	case CodeInvalidInt:
		reason = "应为整数"
	case CodeInvalidMoney:
		reason = "应为金额数字（单位：元），如 1234.50"
	case CodeTooManyDecimals:
		reason = "最多两位小数"
	case CodeNegativeNotAllowed:
		reason = "不能为负数"
	default:
		reason = "数值超出范围"
	}
	return &cellError{code, fmt.Sprintf("%s%s（%s）", c.Header, reason, quote(txt))}
}

// quote renders a user value for a message, shortened to keep reports small.
func quote(s string) string { return "“" + truncRunes(s, 30) + "”" }

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// isSpaceRune reports Unicode white space plus zero-width characters that
// often sneak in through copy and paste.
func isSpaceRune(r rune) bool {
	return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' || r == '\u200c' || r == '\u200d'
}

func trimSpace(s string) string { return strings.TrimFunc(s, isSpaceRune) }

// foldWidth maps full-width ASCII variants (０-９，．－＊（） …) and the
// ideographic space to their half-width forms, and ￥ to ¥.
func foldWidth(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		case r == '\uFFE5':
			return '¥'
		}
		return r
	}, s)
}

// removeSpace drops every white-space rune.
func removeSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if isSpaceRune(r) {
			return -1
		}
		return r
	}, s)
}

// normHeader normalises a header for order-independent matching: width
// folding, no white space, ASCII lower case, without the required marker "*"
// and a "(必填)" suffix.
func normHeader(h string) string {
	h = strings.ToLower(removeSpace(foldWidth(h)))
	for {
		prev := h
		h = strings.Trim(h, "*")
		for _, suf := range []string{"(必填)", "[必填]", "【必填】"} {
			h = strings.TrimSuffix(h, suf)
		}
		if h == prev {
			return h
		}
	}
}

// normLabel normalises an enum label for matching.
func normLabel(l string) string { return strings.ToLower(removeSpace(foldWidth(l))) }

// --- numbers ---------------------------------------------------------------

// decimal is sign * digits * 10^-scale with digits free of leading zeros
// ("" means zero) and no trailing zeros when scale > 0.
type decimal struct {
	neg    bool
	digits string
	scale  int
}

const maxNumberLen = 64

// parseDecimal parses [+-]digits[.digits][e[+-]digits] with optional
// thousands separators in the integer part. It never uses floating point.
// The returned code is "" on success, CodeOutOfRange for absurd exponents
// and "syntax" otherwise.
func parseDecimal(s string) (decimal, string) {
	var d decimal
	if len(s) == 0 || len(s) > maxNumberLen {
		return d, "syntax"
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		d.neg = s[0] == '-'
		i++
	}
	var intPart, fracPart strings.Builder
	groupLen, sawComma := 0, false
	for ; i < len(s); i++ {
		ch := s[i]
		if ch >= '0' && ch <= '9' {
			intPart.WriteByte(ch)
			groupLen++
			continue
		}
		if ch == ',' {
			// first group 1-3 digits, later groups exactly 3
			if groupLen == 0 || groupLen > 3 || (sawComma && groupLen != 3) {
				return d, "syntax"
			}
			sawComma, groupLen = true, 0
			continue
		}
		break
	}
	if sawComma && groupLen != 3 {
		return d, "syntax"
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			fracPart.WriteByte(s[i])
		}
	}
	if intPart.Len()+fracPart.Len() == 0 {
		return d, "syntax"
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp < 10000 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return d, "syntax"
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return d, "syntax"
	}
	digits := strings.TrimLeft(intPart.String()+fracPart.String(), "0")
	scale := fracPart.Len() - exp
	for scale > 0 && strings.HasSuffix(digits, "0") {
		digits = digits[:len(digits)-1]
		scale--
	}
	if digits == "" {
		return decimal{}, ""
	}
	if scale < 0 {
		if len(digits)-scale > 40 {
			return d, CodeOutOfRange
		}
		digits += strings.Repeat("0", -scale)
		scale = 0
	}
	if scale > 40 {
		// tiny non-zero value: certainly more decimals than allowed
		scale = 41
	}
	d.digits, d.scale = digits, scale
	return d, ""
}

// isPlainNumber reports whether s is a bare numeric literal as Excel writes
// it into <v> (no separators or currency signs).
func isPlainNumber(s string) bool {
	if s == "" || len(s) > maxNumberLen {
		return false
	}
	i := 0
	if s[0] == '+' || s[0] == '-' {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

// significantDigits counts the significant digits of a plain number.
func significantDigits(s string) int {
	if k := strings.IndexAny(s, "eE"); k >= 0 {
		s = s[:k]
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return len(strings.Trim(b.String(), "0"))
}

// denoise rounds a plain number with a fraction or exponent and more than 15
// significant digits to 15, which is Excel's own precision:
// 1234.4999999999998 -> 1234.5. Plain integers are kept exactly as written
// (a long integer typed as text is exact; Excel writes long numeric cells
// with an exponent). Anything else is returned unchanged.
func denoise(s string) string {
	if !isPlainNumber(s) || !strings.ContainsAny(s, ".eE") || significantDigits(s) <= 15 {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return s
	}
	return strconv.FormatFloat(f, 'g', 15, 64)
}

// toUint parses digits (no sign) into a uint64 bounded by limit.
func toUint(digits string, limit uint64) (uint64, bool) {
	if len(digits) > 20 {
		return 0, false
	}
	if digits == "" {
		return 0, true
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || n > limit {
		return 0, false
	}
	return n, true
}

// parseInt parses a whole number; the returned code is "" on success.
func parseInt(txt string, allowNeg bool) (int64, string) {
	d, code := parseDecimal(denoise(removeSpace(foldWidth(txt))))
	switch {
	case code == CodeOutOfRange:
		return 0, CodeOutOfRange
	case code != "":
		return 0, CodeInvalidInt
	case d.scale > 0:
		return 0, CodeInvalidInt
	case d.neg && d.digits != "" && !allowNeg:
		return 0, CodeNegativeNotAllowed
	}
	n, ok := toUint(d.digits, math.MaxInt64)
	if !ok {
		return 0, CodeOutOfRange
	}
	if d.neg {
		return -int64(n), ""
	}
	return int64(n), ""
}

// parseMoney parses a yuan amount with at most 2 decimals into fen, exactly.
// Accepted: "12", "12.3", "1,234.50", "¥1,234.50", "1234.50元", "-1"
// (only with allowNeg), raw numeric cells such as "1234.5" or "1.5E+3".
func parseMoney(txt string, allowNeg bool) (int64, string) {
	s := removeSpace(foldWidth(txt))
	s = strings.TrimSuffix(s, "元")
	sign := ""
	if s != "" && (s[0] == '-' || s[0] == '+') {
		sign, s = s[:1], s[1:]
	}
	s = strings.TrimPrefix(s, "¥")
	if s != "" && (s[0] == '-' || s[0] == '+') && sign == "" {
		sign, s = s[:1], s[1:]
	}
	if s == "" || s[0] == '-' || s[0] == '+' {
		return 0, CodeInvalidMoney
	}
	d, code := parseDecimal(denoise(sign + s))
	switch {
	case code == CodeOutOfRange:
		return 0, CodeOutOfRange
	case code != "":
		return 0, CodeInvalidMoney
	case d.scale > 2:
		return 0, CodeTooManyDecimals
	case d.neg && d.digits != "" && !allowNeg:
		return 0, CodeNegativeNotAllowed
	}
	digits := d.digits
	if digits != "" {
		digits += strings.Repeat("0", 2-d.scale)
	}
	n, ok := toUint(digits, uint64(MaxExactFen))
	if !ok {
		return 0, CodeOutOfRange
	}
	if d.neg {
		return -int64(n), ""
	}
	return int64(n), ""
}

// FormatFen renders fen as a yuan decimal string with exactly 2 decimals,
// e.g. 123450 -> "1234.50", -5 -> "-0.05". It is exact for every int64.
func FormatFen(fen int64) string {
	neg := fen < 0
	u := uint64(fen)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	for len(s) < 3 {
		s = "0" + s
	}
	s = s[:len(s)-2] + "." + s[len(s)-2:]
	if neg {
		s = "-" + s
	}
	return s
}

// --- dates -----------------------------------------------------------------

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

const maxSerial = 2958465 // 9999-12-31

// serialToDate converts an Excel serial day number (fraction = time of day,
// ignored) to a date. Serial 60 is Excel's fictitious 1900-02-29.
func serialToDate(serial float64, date1904 bool) (time.Time, bool) {
	if math.IsNaN(serial) || serial < 0 || serial >= maxSerial+1 {
		return time.Time{}, false
	}
	n := int(math.Floor(serial))
	if date1904 {
		return epoch1904.AddDate(0, 0, n), true
	}
	switch {
	case n < 1 || n == 60:
		return time.Time{}, false
	case n < 60:
		return epoch1900.AddDate(0, 0, n+1), true
	}
	return epoch1900.AddDate(0, 0, n), true
}

// dateToSerial converts a date (on or after 1900-03-01) to a 1900-system
// serial number.
func dateToSerial(t time.Time) (int, bool) {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) || d.Year() > 9999 {
		return 0, false
	}
	return int(d.Sub(epoch1900).Hours() / 24), true
}

func makeDate(y, m, d int) (time.Time, bool) {
	if y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // e.g. 2026-02-30
	}
	return t, true
}

func atoiDigits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// parseDate accepts Excel serial numbers and the texts 2026-01-31,
// 2026/1/31, 2026.1.31, 2026年1月31日 and 20260131, optionally followed by a
// time (" 08:00:00" or ISO "T00:00:00Z"), which is ignored.
func parseDate(txt string, date1904 bool) (time.Time, bool) {
	s := trimSpace(foldWidth(txt))
	if len(s) == 8 {
		if n, ok := atoiDigits(s, 8, 8); ok {
			return makeDate(n/10000, n/100%100, n%100)
		}
	}
	if isPlainNumber(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		return serialToDate(f, date1904)
	}
	if k := strings.IndexAny(s, " T"); k >= 8 {
		s = s[:k]
	}
	if strings.Contains(s, "年") {
		y, rest, ok := strings.Cut(s, "年")
		m, rest2, ok2 := strings.Cut(rest, "月")
		d := strings.TrimSuffix(rest2, "日")
		if !ok || !ok2 {
			return time.Time{}, false
		}
		return makeDateStr(y, m, d)
	}
	for _, sep := range []string{"-", "/", "."} {
		parts := strings.Split(s, sep)
		if len(parts) == 3 {
			return makeDateStr(parts[0], parts[1], parts[2])
		}
	}
	return time.Time{}, false
}

func makeDateStr(ys, ms, ds string) (time.Time, bool) {
	y, ok1 := atoiDigits(ys, 4, 4)
	m, ok2 := atoiDigits(ms, 1, 2)
	d, ok3 := atoiDigits(ds, 1, 2)
	if !ok1 || !ok2 || !ok3 {
		return time.Time{}, false
	}
	return makeDate(y, m, d)
}

// --- booleans --------------------------------------------------------------

func parseBool(txt string) (bool, bool) {
	switch strings.ToUpper(removeSpace(foldWidth(txt))) {
	case "是", "Y", "YES", "1", "TRUE":
		return true, true
	case "否", "N", "NO", "0", "FALSE":
		return false, true
	}
	return false, false
}
