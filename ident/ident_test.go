package ident

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// now is the fixed "current time" for all tests.
var now = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// validCodes lists the codes used to validate an error's Code field.
var validCodes = map[string]bool{
	CodeEmpty: true, CodeInvalidLength: true, CodeInvalidCharacter: true,
	CodeInvalidCheckDigit: true, CodeInvalidBirthDate: true, CodeFutureBirthDate: true,
	CodeUnknownProvince: true, CodeInvalidPhone: true, CodeInvalidBankCard: true,
}

// errCode returns the code of err, failing the test if err is not a
// well-formed *Error.
func errCode(t testing.TB, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *ident.Error", err, err)
	}
	if !validCodes[e.Code] {
		t.Fatalf("unknown error code %q", e.Code)
	}
	if e.Message == "" || e.Error() != e.Message {
		t.Fatalf("bad message in %+v", e)
	}
	return e.Code
}

func TestErrorIs(t *testing.T) {
	_, err := ParseResidentID("330102199001011235", now)
	if !errors.Is(err, ErrInvalidCheckDigit) {
		t.Fatalf("errors.Is(%v, ErrInvalidCheckDigit) = false", err)
	}
	if errors.Is(err, ErrInvalidLength) {
		t.Fatal("errors.Is matched a different code")
	}
	wrapped := errors.Join(errors.New("id_number"), err)
	var e *Error
	if !errors.As(wrapped, &e) || e.Code != CodeInvalidCheckDigit {
		t.Fatalf("errors.As through wrapping failed: %v", wrapped)
	}
	if strings.Contains(e.Message, "id_number") {
		t.Fatal("message must not contain a field name")
	}
}

func TestErrorMessagesAreChinese(t *testing.T) {
	inputs := []func() error{
		func() error { _, err := ParseResidentID("", now); return err },
		func() error { _, err := ParseResidentID("123", now); return err },
		func() error { _, err := ParseCreditCode("91350100M000100Y4I"); return err },
		func() error { _, err := ParsePhone("abc"); return err },
		func() error { _, err := ParseBankCard("1234"); return err },
	}
	for i, f := range inputs {
		err := f()
		errCode(t, err)
		hasHan := false
		for _, r := range err.Error() {
			if r >= 0x4E00 && r <= 0x9FFF {
				hasHan = true
			}
		}
		if !hasHan {
			t.Errorf("case %d: message %q is not Chinese", i, err.Error())
		}
	}
}
