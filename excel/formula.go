package excel

import "strings"

// Spreadsheet ("CSV") injection. A spreadsheet program takes a cell whose
// text starts with =, +, - or @ for a formula once the cell is edited or
// the sheet is saved as CSV and opened again, and tab or carriage return
// lead such text in some importers; a formula can open links, read other
// cells into a URL, or run commands through DDE. So every text cell an
// export writes that starts with one of these (or with their full-width
// forms, which an input method may produce and some spreadsheet programs
// convert) is prefixed with an apostrophe, as OWASP advises: it is shown
// as text and never evaluated. Numbers, dates and amounts are number
// cells and are never escaped. Parse removes the apostrophe again, so an
// exported sheet imports the text as it was.

// formulaTriggers are the first characters that make a spreadsheet
// evaluate a text.
const formulaTriggers = "=+-@\t\r＝＋－＠"

// startsFormula reports whether s starts with a formula trigger.
func startsFormula(s string) bool {
	for _, r := range s {
		return strings.ContainsRune(formulaTriggers, r)
	}
	return false
}

// needsEscape reports whether s is written with a leading apostrophe: it
// starts a formula, or it is an apostrophe before text that does (so that
// the apostrophe Parse removes is always one an export added).
func needsEscape(s string) bool {
	for strings.HasPrefix(s, "'") {
		s = s[1:]
	}
	return startsFormula(s)
}

// EscapeFormula returns s as an export writes it into a text cell: with a
// leading apostrophe when a spreadsheet would take it for a formula.
func EscapeFormula(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// UnescapeFormula undoes EscapeFormula (Parse applies it to every cell).
func UnescapeFormula(s string) string {
	if strings.HasPrefix(s, "'") && needsEscape(s[1:]) {
		return s[1:]
	}
	return s
}
