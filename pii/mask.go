package pii

import (
	"strings"
	"unicode"
)

// maskRune replaces hidden characters.
const maskRune = '*'

// maskKeep returns s with all runes except the first head and the last tail
// replaced by '*', one per rune. If fewer than minHidden runes would be
// hidden, every rune is replaced: a short or malformed value is never
// revealed in larger proportion than a well-formed one.
func maskKeep(r []rune, head, tail, minHidden int) string {
	n := len(r)
	if n == 0 {
		return ""
	}
	if n-head-tail < minHidden {
		return strings.Repeat(string(maskRune), n)
	}
	var b strings.Builder
	b.Grow(n + 8)
	b.WriteString(string(r[:head]))
	b.WriteString(strings.Repeat(string(maskRune), n-head-tail))
	b.WriteString(string(r[n-tail:]))
	return b.String()
}

// stripSpace removes all white space (and, if dashes is set, dashes).
func stripSpace(s string, dashes bool) []rune {
	return []rune(strings.Map(func(c rune) rune {
		if unicode.IsSpace(c) || (dashes && c == '-') {
			return -1
		}
		return c
	}, s))
}

// MaskIDNumber keeps the first 6 characters (the region code) and the last
// 4 of a resident ID number and replaces the 8 in between (the birth date)
// with '*': "330102199001011234" -> "330102********1234". White space is
// removed first; inputs shorter than 18 characters are masked completely.
func MaskIDNumber(s string) string {
	return maskKeep(stripSpace(s, false), 6, 4, 8)
}

// MaskPhone masks a phone number in the canonical forms of ident.ParsePhone.
//
// Mobile numbers (and anything else without a dash) keep the first 3 and
// last 4 characters: "13812345678" -> "138****5678". Fixed-line numbers of
// the form "area-local" keep the area code, the dash and the last 4 digits:
// "0571-87654321" -> "0571-****4321" (the dashed form is recognised only
// with a 3-4 digit area code starting with 0 and a local part of at least 7
// characters). White space is removed first. Any other value too short to
// hide at least 4 characters is masked completely.
func MaskPhone(s string) string {
	r := stripSpace(s, false)
	if i := indexRune(r, '-'); i >= 3 && i <= 4 && r[0] == '0' && allDigitRunes(r[:i]) {
		if len(r)-i-1 >= 7 { // a plausible local number
			return string(r[:i+1]) + maskKeep(r[i+1:], 0, 4, 3)
		}
	}
	return maskKeep(r, 3, 4, 4)
}

// MaskBankCard keeps the first 4 and the last 4 digits of a card number and
// always prints a fixed middle, so that the length is not revealed either:
// "6222021234567890123" -> "6222 **** **** 0123". White space and dashes in
// the input are ignored. Inputs with fewer than 12 remaining characters are
// masked completely, one '*' per character.
func MaskBankCard(s string) string {
	r := stripSpace(s, true)
	n := len(r)
	if n < 12 {
		return strings.Repeat(string(maskRune), n)
	}
	return string(r[:4]) + " **** **** " + string(r[n-4:])
}

// MaskName keeps the first character of a name and replaces every other
// character with '*': "张三丰" -> "张**", "张三" -> "张*", "欧阳娜娜" ->
// "欧***". A one-character name becomes "*". Surrounding white space is
// dropped.
func MaskName(s string) string {
	return maskKeep([]rune(strings.TrimSpace(s)), 1, 0, 1)
}

// Mask masks s according to kind (one of the Kind* constants). Unknown
// kinds are masked completely.
func Mask(kind, s string) string {
	switch kind {
	case KindIDNumber:
		return MaskIDNumber(s)
	case KindPhone:
		return MaskPhone(s)
	case KindBankCard:
		return MaskBankCard(s)
	case KindName:
		return MaskName(s)
	}
	return maskKeep([]rune(s), 0, 0, 0)
}

func indexRune(r []rune, c rune) int {
	for i, x := range r {
		if x == c {
			return i
		}
	}
	return -1
}

func allDigitRunes(r []rune) bool {
	for _, x := range r {
		if x < '0' || x > '9' {
			return false
		}
	}
	return true
}
