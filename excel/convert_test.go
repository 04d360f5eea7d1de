package excel

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func TestParseMoney(t *testing.T) {
	ok := []struct {
		in       string
		allowNeg bool
		fen      int64
	}{
		{"12.3", false, 1230},
		{"12.30", false, 1230},
		{"12", false, 1200},
		{"0", false, 0},
		{"0.01", false, 1},
		{".5", false, 50},
		{"12.", false, 1200},
		{"1,234.50", false, 123450},
		{"12,345,678.9", false, 1234567890},
		{"1234.5", false, 123450},             // numeric cell as Excel stores it
		{"1234.4999999999998", false, 123450}, // float noise, 17 significant digits
		{"0.30000000000000004", false, 30},    // 0.1+0.2 from a formula
		{"6499.999999999999", false, 650000},  // 16 significant digits
		{"1.5E+3", false, 150000},             // exponent form
		{"1.2345e2", false, 12345},            // exponent form
		{"¥1,234.50", false, 123450},          // currency sign
		{"￥1,234.50", false, 123450},          // full-width currency sign
		{"1234.50元", false, 123450},           // unit suffix
		{"１２３４．５", false, 123450},             // full-width digits
		{"１，２３４．５０", false, 123450},           // full-width separators
		{" 12.3 ", false, 1230},               // surrounding spaces
		{"-1", true, -100},
		{"-0.05", true, -5},
		{"-¥1.00", true, -100},
		{"¥-1.00", true, -100},
		{"+7", false, 700},
		{"-0", false, 0},
		{"9,999,999,999,999.99", false, MaxExactFen},
		{"9999999999999.990000001", false, MaxExactFen}, // > 15 digits with a fraction: Excel precision
	}
	for _, c := range ok {
		got, code := parseMoney(c.in, c.allowNeg)
		if assert.Empty(t, code, c.in) {
			assert.Equal(t, c.fen, got, c.in)
		}
	}
	bad := []struct {
		in   string
		code string
	}{
		{"12.345", CodeTooManyDecimals},
		{"12.3450", CodeTooManyDecimals},
		{"0.001", CodeTooManyDecimals},
		{"1e-9999", CodeTooManyDecimals},
		{"-1", CodeNegativeNotAllowed},
		{"-0.01", CodeNegativeNotAllowed},
		{"abc", CodeInvalidMoney},
		{"12.3.4", CodeInvalidMoney},
		{"1,23.00", CodeInvalidMoney},
		{"1234,567", CodeInvalidMoney},
		{",123", CodeInvalidMoney},
		{"12,", CodeInvalidMoney},
		{"--1", CodeInvalidMoney},
		{"-¥-1", CodeInvalidMoney},
		{"¥", CodeInvalidMoney},
		{".", CodeInvalidMoney},
		{"1e", CodeInvalidMoney},
		{"NaN", CodeInvalidMoney},
		{"Inf", CodeInvalidMoney},
		{"0x10", CodeInvalidMoney},
		{"12元5角", CodeInvalidMoney},
		{"10000000000000", CodeOutOfRange},
		{"10000000000000.00", CodeOutOfRange},
		{"90071992547409.92", CodeOutOfRange},
		{"99999999999999999999999", CodeOutOfRange},
		{"1e99999", CodeOutOfRange},
	}
	for _, c := range bad {
		_, code := parseMoney(c.in, false)
		assert.Equal(t, c.code, code, c.in)
	}
}

func TestFormatFenRoundTrip(t *testing.T) {
	for _, fen := range []int64{0, 1, 5, 10, 99, 100, 123450, -5, -123450, MaxExactFen, -MaxExactFen, math.MaxInt64, math.MinInt64} {
		s := FormatFen(fen)
		if fen > MaxExactFen || fen < -MaxExactFen {
			continue
		}
		got, code := parseMoney(s, true)
		require.Empty(t, code, s)
		require.Equal(t, fen, got, s)
	}
	assert.Equal(t, "-0.05", FormatFen(-5))
	assert.Equal(t, "1234.50", FormatFen(123450))
	assert.Equal(t, "-92233720368547758.08", FormatFen(math.MinInt64))
}

// The exporter writes float64(fen)/100, which excelize renders as the
// shortest decimal of that double (at most 15 significant digits); it must
// parse back to fen exactly. Check a dense sample and the extremes.
func TestMoneyFloatRoundTrip(t *testing.T) {
	check := func(fen int64) {
		s := strconv.FormatFloat(float64(fen)/100, 'f', -1, 64)
		got, code := parseMoney(s, true)
		if code != "" || got != fen {
			t.Fatalf("fen %d -> %q -> %d (%s)", fen, s, got, code)
		}
	}
	for fen := int64(-100_000); fen <= 200_000; fen++ {
		check(fen)
	}
	for fen := MaxExactFen - 100_000; fen <= MaxExactFen; fen++ {
		check(fen)
	}
}

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"22": 22, "1,234": 1234, "12.0": 12, "1e3": 1000, "０７": 7, "9223372036854775807": math.MaxInt64} {
		got, code := parseInt(in, false)
		assert.Empty(t, code, in)
		assert.Equal(t, want, got, in)
	}
	got, code := parseInt("-5", true)
	assert.Empty(t, code)
	assert.Equal(t, int64(-5), got)
	for in, want := range map[string]string{
		"1.5": CodeInvalidInt, "abc": CodeInvalidInt, "-5": CodeNegativeNotAllowed,
		"9223372036854775808": CodeOutOfRange, "1e40": CodeOutOfRange,
	} {
		_, code := parseInt(in, false)
		assert.Equal(t, want, code, in)
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"46053", "46053.75", "46053.0", // serial numbers (with a time of day)
		"2026-01-31", "2026-1-31", "2026/1/31", "2026/01/31", "2026.1.31",
		"20260131", "2026年1月31日", "2026年01月31", "２０２６－０１－３１",
		"2026-01-31 08:30:00", "2026/1/31 8:30", "2026-01-31T00:00:00Z", " 2026-01-31 ",
	} {
		got, ok := parseDate(in, false)
		if assert.True(t, ok, in) {
			assert.Equal(t, want, got, in)
		}
	}
	got, ok := parseDate("44591", true) // 1904 date system
	require.True(t, ok)
	assert.Equal(t, want, got)

	// cross-check the serial conversion against excelize over a wide range
	for serial := 61; serial < 80000; serial += 7 {
		exp, err := excelize.ExcelDateToTime(float64(serial), false)
		require.NoError(t, err)
		got, ok := parseDate(strconv.Itoa(serial), false)
		require.True(t, ok)
		require.Equal(t, exp.Format("2006-01-02"), got.Format("2006-01-02"), serial)
		back, ok := dateToSerial(got)
		require.True(t, ok)
		require.Equal(t, serial, back)
	}
	got, ok = parseDate("1", false)
	require.True(t, ok)
	assert.Equal(t, "1900-01-01", got.Format("2006-01-02"))

	for _, in := range []string{
		"2026-02-30", "2026-13-01", "2026-00-10", "2026-1-32", "26-1-31", "1/31/2026",
		"2026-01", "2026/1-31", "20261301", "60", "0", "-1", "3000000", "abc",
		"2026年13月1日", "1899-12-31", "2026-01-31x", "NaN",
	} {
		_, ok := parseDate(in, false)
		assert.False(t, ok, in)
	}
}

func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"是": true, "否": false, "Y": true, "n": false, "yes": true,
		"NO": false, "1": true, "0": false, "TRUE": true, "false": false, "Ｙ": true} {
		got, ok := parseBool(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"对", "2", "", "yess"} {
		_, ok := parseBool(in)
		assert.False(t, ok, in)
	}
}

func TestNormHeader(t *testing.T) {
	for _, in := range []string{"身份证号码", " 身份证号码 ", "*身份证号码", "＊身份证号码", "身份证号码*",
		"身份证 号码", "身份证号码(必填)", "身份证号码（必填）", "\u3000*身份证号码\n", "身份证号码【必填】"} {
		assert.Equal(t, "身份证号码", normHeader(in), in)
	}
	assert.Equal(t, "金额(元)", normHeader("金额（元）"))
	assert.Equal(t, "是否必填", normHeader("是否必填"))
}

func TestTemplateValidate(t *testing.T) {
	good := rosterTemplate()
	require.NoError(t, good.Validate())
	mutate := func(f func(*Template)) Template {
		tpl := rosterTemplate()
		tpl.Columns = append([]Column(nil), tpl.Columns...)
		f(&tpl)
		return tpl
	}
	bad := map[string]Template{
		"empty name": mutate(func(t *Template) { t.Name = "" }),
		"bad name":   mutate(func(t *Template) { t.Name = "a/b" }),
		"long name": mutate(func(t *Template) {
			t.Name = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二"
		}),
		"reserved name":  mutate(func(t *Template) { t.Name = HelpSheetName }),
		"no columns":     mutate(func(t *Template) { t.Columns = nil }),
		"dup key":        mutate(func(t *Template) { t.Columns[1].Key = "name" }),
		"dup header":     mutate(func(t *Template) { t.Columns[1].Header = " *姓名" }),
		"alias clash":    mutate(func(t *Template) { t.Columns[0].Aliases = []string{"性别"} }),
		"no key":         mutate(func(t *Template) { t.Columns[0].Key = "" }),
		"bad kind":       mutate(func(t *Template) { t.Columns[0].Kind = 99 }),
		"empty enum":     mutate(func(t *Template) { t.Columns[2].Enum = nil }),
		"dup enum label": mutate(func(t *Template) { t.Columns[2].Enum = []EnumValue{{"a", "男"}, {"b", " 男"}} }),
		"enum on text":   mutate(func(t *Template) { t.Columns[0].Enum = []EnumValue{{"a", "b"}} }),
		"bad example":    mutate(func(t *Template) { t.Columns[4].Example = "12.345" }),
		"bad date ex":    mutate(func(t *Template) { t.Columns[3].Example = "2026-02-30" }),
	}
	for name, tpl := range bad {
		assert.Error(t, tpl.Validate(), name)
	}
}
