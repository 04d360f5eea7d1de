package ident

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// creditCodeCharset lists the 31 characters allowed in a unified social
// credit code, in value order: the index of a character is its numeric value
// in the check-character computation. I, O, Z, S and V are excluded.
const creditCodeCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the GB 32100-2015 weights for positions 1..17
// (3^(i-1) mod 31).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// creditCodeValue is the inverse of creditCodeCharset; -1 marks a byte that
// is not allowed.
var creditCodeValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(creditCodeCharset); i++ {
		v[creditCodeCharset[i]] = int8(i)
	}
	return v
}()

// CreditCode is a validated unified social credit code (统一社会信用代码).
//
// Structure (GB 32100-2015), 1-based positions:
//
//	1      registration authority code (登记管理部门代码)
//	2      organisation type code (机构类别代码)
//	3-8    administrative division code of the registering authority (登记管理机关行政区划码)
//	9-17   subject identification code (主体标识码, the former organisation code)
//	18     check character (校验码)
type CreditCode struct {
	// Code is the canonical 18-character form: upper-case, no spaces.
	Code string
}

// String returns the canonical code.
func (c CreditCode) String() string { return c.Code }

// valid guards the accessors against the zero value or a hand-built struct.
func (c CreditCode) valid() bool { return len(c.Code) == 18 }

// RegistrationAuthority returns the first character and, when it is one of
// the authorities assigned by the standard, its Chinese name; name is empty
// for unassigned characters.
func (c CreditCode) RegistrationAuthority() (code byte, name string) {
	if !c.valid() {
		return 0, ""
	}
	return c.Code[0], registrationAuthorities[c.Code[0]]
}

// OrgType returns the second character and, when known for the registration
// authority, its Chinese name (for example 企业 for "91…"); name is empty
// when the combination is not in the built-in table.
func (c CreditCode) OrgType() (code byte, name string) {
	if !c.valid() {
		return 0, ""
	}
	return c.Code[1], orgTypes[c.Code[:2]]
}

// DivisionCode returns characters 3-8, the six-digit administrative division
// code of the registering authority (for example "330100").
func (c CreditCode) DivisionCode() string {
	if !c.valid() {
		return ""
	}
	return c.Code[2:8]
}

// SubjectCode returns characters 9-17, the subject identification code
// (主体标识码), which for older entities equals their organisation code.
func (c CreditCode) SubjectCode() string {
	if !c.valid() {
		return ""
	}
	return c.Code[8:17]
}

// registrationAuthorities names the registration authority codes of
// GB 32100-2015 and its later assignments.
var registrationAuthorities = map[byte]string{
	'1': "机构编制",
	'2': "外交",
	'3': "司法行政",
	'4': "文化",
	'5': "民政",
	'6': "旅游",
	'7': "宗教",
	'8': "工会",
	'9': "市场监督管理",
	'A': "中央军委改革和编制办公室",
	'N': "农业",
	'Y': "其他",
}

// orgTypes names the organisation type codes for the authorities that matter
// most to this platform. Keys are the first two characters.
var orgTypes = map[string]string{
	"11": "机关",
	"12": "事业单位",
	"13": "中央编办直接管理机构编制的群众团体",
	"19": "其他",
	"51": "社会团体",
	"52": "民办非企业单位",
	"53": "基金会",
	"59": "其他",
	"91": "企业",
	"92": "个体工商户",
	"93": "农民专业合作社",
	"Y1": "其他",
}

// normalizeCreditCode removes white space, folds full-width characters and
// upper-cases ASCII letters.
func normalizeCreditCode(s string) string {
	s = clean(s, nil)
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// checkCreditCodeChars validates that s has exactly n characters, all from
// creditCodeCharset.
func checkCreditCodeChars(s string, n int) *Error {
	if s == "" {
		return newErr(CodeEmpty, "统一社会信用代码不能为空")
	}
	if utf8.RuneCountInString(s) != n {
		return newErr(CodeInvalidLength, "统一社会信用代码应为"+strconv.Itoa(n)+"位")
	}
	// Every byte before the first offending one is ASCII, so its byte index
	// is also its character position.
	for i := 0; i < len(s); i++ {
		if creditCodeValue[s[i]] < 0 {
			return newErr(CodeInvalidCharacter,
				"统一社会信用代码第"+strconv.Itoa(i+1)+"位字符无效（只能使用数字和除I、O、Z、S、V以外的大写字母）")
		}
	}
	return nil
}

func creditCodeCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(creditCodeValue[first17[i]]) * creditCodeWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditCodeCharset[c]
}

// CreditCodeCheckChar computes the check character for the first 17
// characters of a unified social credit code. The input is normalised like
// ParseCreditCode's. Use it to generate valid codes for tests and seed data.
func CreditCodeCheckChar(first17 string) (byte, error) {
	s := normalizeCreditCode(first17)
	if err := checkCreditCodeChars(s, 17); err != nil {
		return 0, err
	}
	return creditCodeCheck(s), nil
}

// ParseCreditCode validates a unified social credit code and returns it in
// canonical form. White space is removed, full-width characters are folded
// and letters are upper-cased before validation.
//
// Only the length, character set and check character are verified. The
// registration authority, organisation type and division code are exposed
// but not checked against official tables, so that codes from authorities
// assigned after this package was written are not rejected.
func ParseCreditCode(s string) (CreditCode, error) {
	s = normalizeCreditCode(s)
	if err := checkCreditCodeChars(s, 18); err != nil {
		return CreditCode{}, err
	}
	if creditCodeCheck(s) != s[17] {
		return CreditCode{}, newErr(CodeInvalidCheckDigit, "统一社会信用代码校验位错误，请核对是否有输错的字符")
	}
	return CreditCode{Code: s}, nil
}
