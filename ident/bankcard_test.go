package ident

import "testing"

func TestParseBankCard(t *testing.T) {
	tests := []struct {
		in, want, code string
	}{
		{"6222021234567890128", "6222021234567890128", ""},
		{"6222 0212 3456 7890 128", "6222021234567890128", ""},
		{"6222-0212-3456-7890-128", "6222021234567890128", ""},
		{"６２２２０２１２３４５６７８９０１２８", "6222021234567890128", ""},
		{"4111111111111111", "4111111111111111", ""},
		{"622202123456789012", "622202123456789012", ""},
		{"000000000000", "000000000000", ""},                 // 12 digits, Luhn sum 0
		{"6222021234567890123", "", CodeInvalidBankCard},     // Luhn fails
		{"4111111111111112", "", CodeInvalidBankCard},        // Luhn fails
		{"00000000000", "", CodeInvalidBankCard},             // 11 digits
		{"00000000000000000000", "", CodeInvalidBankCard},    // 20 digits
		{"6222O21234567890128", "", CodeInvalidBankCard},     // letter O
		{"6222.0212.3456.7890.128", "", CodeInvalidBankCard}, // dots are not accepted
		{"", "", CodeEmpty},
		{" - ", "", CodeEmpty},
	}
	for _, tt := range tests {
		got, err := ParseBankCard(tt.in)
		if code := errCode(t, err); code != tt.code || got != tt.want {
			t.Errorf("ParseBankCard(%q) = %q, %q (%v); want %q, %q", tt.in, got, code, err, tt.want, tt.code)
		}
	}
}

func TestBankCardCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		code string
	}{
		{"622202123456789012", '8', ""},
		{"411111111111111", '1', ""},
		{"621700001000123456", '9', ""},
		{"62170000100", '4', ""},
		{"", 0, CodeEmpty},
		{"6217000010", 0, CodeInvalidBankCard},
		{"6217000010001234567", 0, CodeInvalidBankCard},
		{"62170000100x", 0, CodeInvalidBankCard},
	}
	for _, tt := range tests {
		got, err := BankCardCheckDigit(tt.in)
		if code := errCode(t, err); code != tt.code || got != tt.want {
			t.Errorf("BankCardCheckDigit(%q) = %q, %q; want %q, %q", tt.in, got, code, tt.want, tt.code)
			continue
		}
		if err == nil {
			if _, err := ParseBankCard(tt.in + string(got)); err != nil {
				t.Errorf("generated card %s%c rejected: %v", tt.in, got, err)
			}
		}
	}
}

func FuzzParseBankCard(f *testing.F) {
	for _, s := range []string{"6222021234567890128", "6222 0212 3456 7890 128", "4111111111111111", "", "0", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseBankCard(s)
		if err != nil {
			errCode(t, err)
			return
		}
		if len(d) < 12 || len(d) > 19 || !allDigits(d) || !luhnValid(d) {
			t.Fatalf("bad card %q", d)
		}
		if d2, err := ParseBankCard(d); err != nil || d2 != d {
			t.Fatalf("round trip %q: %q, %v", d, d2, err)
		}
		if c, err := BankCardCheckDigit(d[:len(d)-1]); err != nil || c != d[len(d)-1] {
			t.Fatalf("check digit of %q: %q, %v", d, c, err)
		}
		// Luhn detects every single-digit substitution.
		last := d[len(d)-1]
		alt := '0' + (last-'0'+1)%10
		if _, err := ParseBankCard(d[:len(d)-1] + string(alt)); err == nil {
			t.Fatalf("substitution of %q accepted", d)
		}
	})
}
