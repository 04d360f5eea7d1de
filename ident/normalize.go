package ident

import (
	"strings"
	"unicode"
)

// fold maps full-width ASCII variants (U+FF01..U+FF5E, as produced by Chinese
// input methods) to their ASCII counterparts and the ideographic space
// U+3000 to an ordinary space. Other runes are returned unchanged.
func fold(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E:
		return r - 0xFEE0
	case r == 0x3000:
		return ' '
	}
	return r
}

// clean folds full-width characters and removes every white-space rune and
// every rune for which drop returns true (drop may be nil).
func clean(s string, drop func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		r = fold(r)
		if unicode.IsSpace(r) || (drop != nil && drop(r)) {
			return -1
		}
		return r
	}, s)
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
