package api

import (
	"strings"

	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/pii"
)

// Login names. Staff choose theirs (lower-case letters, digits, '.', '_',
// '-', never a mobile number); a worker's is their mobile number, which is
// personal data: everything an administrator or the system log shows has
// it masked (150****7584). The account administrator may unmask one
// (GET /accounts/:id/login, logged like every view of unmasked personal
// data); the worker sees their own.

// normalizeLogin is the form of a login name that sign-in looks up and
// counts failures under: a mobile number in its canonical 11 digits
// (however it was written: 139-1234-5678, +86 139 1234 5678), anything
// else trimmed and in lower case (staff names are lower case).
func normalizeLogin(s string) string {
	s = strings.TrimSpace(s)
	if m, err := ident.ParseMobile(s); err == nil {
		return m
	}
	return strings.ToLower(s)
}

// isMobileLogin reports whether a normalised login name is a mobile
// number, i.e. a worker's login (staff may not choose one).
func isMobileLogin(name string) bool {
	_, err := ident.ParseMobile(name)
	return err == nil && len(name) == 11
}

// maskedLogin is a login name as others see it: a worker's (a mobile
// number) masked, a staff name as it is.
func maskedLogin(role, name string) string {
	if role == roleWorker || isMobileLogin(name) {
		return pii.MaskPhone(name)
	}
	return name
}

// loggedLogin is a login name somebody typed, as the system log keeps it:
// normalised, masked when it is a mobile number, with control characters
// replaced, and cut to the length a login name can have.
func loggedLogin(typed *string) string {
	if typed == nil {
		return ""
	}
	return truncate(maskedLogin("", normalizeLogin(printable(*typed))), 64*4)
}
