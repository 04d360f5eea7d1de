package ident

import "strings"

// PhoneKind tells mobile and fixed-line numbers apart.
type PhoneKind string

const (
	PhoneMobile    PhoneKind = "mobile"
	PhoneFixedLine PhoneKind = "fixed_line"
)

// Phone is a validated mainland China phone number.
type Phone struct {
	Kind PhoneKind
	// Number is the canonical form: 11 digits for a mobile number
	// ("13812345678"); area code, a dash and the local number for a fixed
	// line ("0571-87654321"). No country code.
	Number string
	// AreaCode is the long-distance code with its leading zero ("0571"),
	// empty for mobile numbers.
	AreaCode string
	// Local is the subscriber number without area code; for mobile numbers
	// it equals Number.
	Local string
}

// String returns the canonical number.
func (p Phone) String() string { return p.Number }

// phoneDigits strips separators (white space, dashes, parentheses, dots) and
// the country code. It reports whether a country code (+86, 0086, or a bare
// 86 in front of an 11-digit mobile number) was present and whether what is
// left consists of digits only.
func phoneDigits(s string) (digits string, intl bool, ok bool) {
	s = clean(s, func(r rune) bool {
		switch r {
		case '-', '(', ')', '.', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\u30fc':
			return true
		}
		return false
	})
	switch {
	case strings.HasPrefix(s, "+86"):
		s, intl = s[3:], true
	case strings.HasPrefix(s, "0086"):
		s, intl = s[4:], true
	case len(s) == 13 && strings.HasPrefix(s, "86") && s[2] == '1':
		s, intl = s[2:], true
	}
	return s, intl, s != "" && allDigits(s)
}

func isMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// splitFixedLine splits a digits-only fixed-line number that starts with the
// trunk prefix 0 into area code and local number. Area codes are 010 and
// 020-029 (three digits) or 0310-0999 (four digits); local numbers have 7 or
// 8 digits and do not start with 0 or 1. Three-digit area codes always have
// 8-digit local numbers.
func splitFixedLine(d string) (area, local string, ok bool) {
	if len(d) < 3 || d[0] != '0' {
		return "", "", false
	}
	switch {
	case d[1] == '1' && d[2] == '0', d[1] == '2':
		area, local = d[:3], d[3:]
		if len(local) != 8 {
			return "", "", false
		}
	case d[1] >= '3' && d[1] <= '9' && len(d) >= 4:
		area, local = d[:4], d[4:]
		if len(local) != 7 && len(local) != 8 {
			return "", "", false
		}
	default:
		return "", "", false
	}
	if local[0] == '0' || local[0] == '1' {
		return "", "", false
	}
	return area, local, true
}

// ParsePhone accepts a mainland mobile number or a fixed-line number with
// area code and returns it in canonical form together with its kind.
//
// Accepted decorations: white space, dashes, parentheses and dots anywhere;
// a +86 or 0086 country code (after which the area code's leading zero may
// be omitted, as in "+86 571 8765 4321"); a bare 86 in front of an 11-digit
// mobile number. Mobile numbers must match 1[3-9]\d{9}. Fixed-line numbers
// must carry an area code; extensions and service numbers (400, 95xxx, 12345)
// are not accepted.
func ParsePhone(s string) (Phone, error) {
	if clean(s, nil) == "" {
		return Phone{}, newErr(CodeEmpty, "电话号码不能为空")
	}
	d, intl, ok := phoneDigits(s)
	if !ok {
		return Phone{}, newErr(CodeInvalidPhone, "电话号码只能包含数字，可带+86前缀")
	}
	if isMobile(d) {
		return Phone{Kind: PhoneMobile, Number: d, Local: d}, nil
	}
	fixed := d
	if intl && fixed[0] != '0' {
		fixed = "0" + fixed // the trunk prefix is dropped after a country code
	}
	if area, local, ok := splitFixedLine(fixed); ok {
		return Phone{Kind: PhoneFixedLine, Number: area + "-" + local, AreaCode: area, Local: local}, nil
	}
	if d[0] == '1' && !(intl && strings.HasPrefix(d, "10")) { // meant as a mobile number, not +86 10 (Beijing)
		return Phone{}, newErr(CodeInvalidPhone, "手机号码应为以1开头的11位数字")
	}
	return Phone{}, newErr(CodeInvalidPhone, "电话号码格式不正确，手机号码应为11位，固定电话请带区号（如0571-87654321）")
}

// ParseMobile is ParsePhone restricted to mobile numbers; it returns the
// canonical 11-digit number.
func ParseMobile(s string) (string, error) {
	p, err := ParsePhone(s)
	if err != nil {
		var e *Error
		if asError(err, &e) && e.Code == CodeInvalidPhone {
			return "", newErr(CodeInvalidPhone, "手机号码应为以1开头的11位数字")
		}
		return "", err
	}
	if p.Kind != PhoneMobile {
		return "", newErr(CodeInvalidPhone, "请填写手机号码，而不是固定电话")
	}
	return p.Number, nil
}

// ParseFixedLine is ParsePhone restricted to fixed-line numbers; it returns
// the canonical "area-local" form, for example "0571-87654321".
func ParseFixedLine(s string) (string, error) {
	p, err := ParsePhone(s)
	if err != nil {
		var e *Error
		if asError(err, &e) && e.Code == CodeInvalidPhone {
			return "", newErr(CodeInvalidPhone, "固定电话号码格式不正确，请带区号（如0571-87654321）")
		}
		return "", err
	}
	if p.Kind != PhoneFixedLine {
		return "", newErr(CodeInvalidPhone, "请填写带区号的固定电话号码")
	}
	return p.Number, nil
}

// asError is errors.As for the package's own errors, which are never
// wrapped internally.
func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}
