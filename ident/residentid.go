package ident

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Gender as encoded in the 17th digit of a resident ID number.
type Gender string

const (
	GenderMale   Gender = "male"   // odd 17th digit
	GenderFemale Gender = "female" // even 17th digit
)

// residentIDWeights are the GB 11643-1999 weights (2^(18-i) mod 11) for
// positions 1..17.
var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentIDCheck is indexed by the weighted sum mod 11.
const residentIDCheck = "10X98765432"

// minBirthYear is the earliest birth year accepted.
const minBirthYear = 1900

// ResidentID is a validated 18-digit resident identity card number
// (居民身份证号码) with the facts derivable from it.
//
// Structure (GB 11643-1999), 1-based positions:
//
//	1-6    address code: the county-level division of the holder's
//	       registered residence when the number was issued (1-2 province)
//	7-14   birth date, YYYYMMDD
//	15-17  sequence code; the 17th digit is odd for men, even for women
//	18     check character, 0-9 or X
//
// The number is personal data: store it with package pii and never log it.
type ResidentID struct {
	Number       string    // canonical: 17 digits and a digit or upper-case X
	BirthDate    time.Time // midnight UTC of the birth date
	Gender       Gender
	ProvinceCode string // first two digits, e.g. "33"
	ProvinceName string // e.g. "浙江省"
	RegionCode   string // first six digits, the county-level division code
}

// Province returns the two-digit province code and its name.
func (r ResidentID) Province() (code, name string) { return r.ProvinceCode, r.ProvinceName }

// Age returns the holder's age in completed years (周岁) on the calendar date
// of at, in at's location. Someone born on 29 February turns a year older on
// 1 March in common years. It returns 0 when at is before the birth date.
func (r ResidentID) Age(at time.Time) int {
	y, m, d := at.Date()
	by, bm, bd := r.BirthDate.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	if age < 0 {
		return 0
	}
	return age
}

// normalizeResidentID removes white space, folds full-width characters and
// upper-cases a trailing x.
func normalizeResidentID(s string) string {
	s = clean(s, nil)
	if n := len(s); n > 0 && s[n-1] == 'x' {
		s = s[:n-1] + "X"
	}
	return s
}

// checkResidentIDChars validates that s has exactly n characters, all
// digits except that the 18th may be X.
func checkResidentIDChars(s string, n int) *Error {
	if s == "" {
		return newErr(CodeEmpty, "身份证号码不能为空")
	}
	if c := utf8.RuneCountInString(s); c != n {
		if n == 18 && c == 15 && allDigits(s) {
			return newErr(CodeInvalidLength, "身份证号码应为18位，不支持15位旧号码")
		}
		return newErr(CodeInvalidLength, "身份证号码应为"+strconv.Itoa(n)+"位")
	}
	// Bytes before the first offending byte are ASCII, so the byte index is
	// the character position.
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9') && !(i == 17 && c == 'X') {
			if i == 17 {
				return newErr(CodeInvalidCharacter, "身份证号码第18位只能是数字或X")
			}
			return newErr(CodeInvalidCharacter, "身份证号码第"+strconv.Itoa(i+1)+"位应为数字")
		}
	}
	return nil
}

func residentIDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentIDWeights[i]
	}
	return residentIDCheck[sum%11]
}

// ResidentIDCheckChar computes the check character ('0'-'9' or 'X') for the
// first 17 digits of a resident ID number. Use it to generate valid numbers
// for tests and seed data.
func ResidentIDCheckChar(first17 string) (byte, error) {
	s := clean(first17, nil)
	if err := checkResidentIDChars(s, 17); err != nil {
		return 0, err
	}
	return residentIDCheckChar(s), nil
}

// ParseResidentID validates an 18-character resident ID number and extracts
// birth date, gender and native place.
//
// White space is removed, full-width characters are folded and a lower-case
// x is accepted. The number must have a known province code, a real birth
// date between 1900-01-01 and the calendar date of now (in now's location)
// inclusive, and a correct check character. Pass the current time as now;
// tests pass a fixed time. A zero now means time.Now().
//
// Checks run in this order, so the most specific problem is reported:
// length, characters, province, birth date, check character.
// 15-digit first-generation numbers are rejected with CodeInvalidLength.
func ParseResidentID(s string, now time.Time) (ResidentID, error) {
	if now.IsZero() {
		now = time.Now()
	}
	s = normalizeResidentID(s)
	if err := checkResidentIDChars(s, 18); err != nil {
		return ResidentID{}, err
	}
	pname, ok := provinces[s[:2]]
	if !ok {
		return ResidentID{}, newErr(CodeUnknownProvince, "身份证号码前两位不是有效的省级行政区划代码")
	}
	birth, err := parseBirthDate(s[6:14], now)
	if err != nil {
		return ResidentID{}, err
	}
	if residentIDCheckChar(s) != s[17] {
		return ResidentID{}, newErr(CodeInvalidCheckDigit, "身份证号码校验位错误，请核对是否有输错的数字")
	}
	g := GenderFemale
	if (s[16]-'0')%2 == 1 {
		g = GenderMale
	}
	return ResidentID{
		Number:       s,
		BirthDate:    birth,
		Gender:       g,
		ProvinceCode: s[:2],
		ProvinceName: pname,
		RegionCode:   s[:6],
	}, nil
}

// parseBirthDate parses an eight-digit YYYYMMDD string.
func parseBirthDate(ymd string, now time.Time) (time.Time, *Error) {
	y, _ := strconv.Atoi(ymd[:4])
	m, _ := strconv.Atoi(ymd[4:6])
	d, _ := strconv.Atoi(ymd[6:8])
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if m < 1 || m > 12 || d < 1 || t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, newErr(CodeInvalidBirthDate, "身份证号码中的出生日期不是有效日期")
	}
	if y < minBirthYear {
		return time.Time{}, newErr(CodeInvalidBirthDate, "身份证号码中的出生日期早于1900年")
	}
	ny, nm, nd := now.Date()
	if t.After(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, newErr(CodeFutureBirthDate, "身份证号码中的出生日期晚于当前日期")
	}
	return t, nil
}
