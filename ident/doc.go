// Package ident parses and validates the identity numbers that the Anxin
// platform relies on: the unified social credit code of enterprises
// (统一社会信用代码, GB 32100-2015), the resident identity card number of
// workers (居民身份证号码, GB 11643-1999), mainland phone numbers and bank card
// numbers.
//
// Every Parse function normalises its input first (surrounding and embedded
// white space is removed, full-width characters typed with a Chinese input
// method are folded to ASCII, letters are upper-cased where the format
// requires it) and then validates it completely, including check digits.
// A value returned without error is in canonical form and can be stored,
// compared and hashed as is; parsing it again yields the same value.
//
// Failures are reported as *Error, which carries a stable English code (for
// programs, see the Code* constants) and a message in Simplified Chinese that
// can be shown to users. Messages never name the form field: the caller adds
// that context. Use errors.As to get at the code, or errors.Is against the
// Err* sentinels, which compare by code only.
//
// The package has no state, performs no I/O and is safe for concurrent use.
// It does not encrypt or mask anything; see package pii for personal data at
// rest and in output.
package ident
