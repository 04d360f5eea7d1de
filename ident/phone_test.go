package ident

import (
	"strings"
	"testing"
)

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in   string
		kind PhoneKind
		want string
		area string
		code string
	}{
		{"13812345678", PhoneMobile, "13812345678", "", ""},
		{"19912345678", PhoneMobile, "19912345678", "", ""},
		{"+8613812345678", PhoneMobile, "13812345678", "", ""},
		{"+86 138 1234 5678", PhoneMobile, "13812345678", "", ""},
		{"+86-138-1234-5678", PhoneMobile, "13812345678", "", ""},
		{"008613812345678", PhoneMobile, "13812345678", "", ""},
		{"8613812345678", PhoneMobile, "13812345678", "", ""},
		{"(+86) 138 1234 5678", PhoneMobile, "13812345678", "", ""},
		{"138-1234-5678", PhoneMobile, "13812345678", "", ""},
		{"１３８１２３４５６７８", PhoneMobile, "13812345678", "", ""},
		{"138\u30001234\u30005678", PhoneMobile, "13812345678", "", ""},
		{"0571-87654321", PhoneFixedLine, "0571-87654321", "0571", ""},
		{"057187654321", PhoneFixedLine, "0571-87654321", "0571", ""},
		{"(0571) 8765 4321", PhoneFixedLine, "0571-87654321", "0571", ""},
		{"+86 571 87654321", PhoneFixedLine, "0571-87654321", "0571", ""},
		{"+86 0571 87654321", PhoneFixedLine, "0571-87654321", "0571", ""},
		{"010-12345678", PhoneFixedLine, "", "", CodeInvalidPhone}, // local numbers never start with 1
		{"010-62345678", PhoneFixedLine, "010-62345678", "010", ""},
		{"+86 10 62345678", PhoneFixedLine, "010-62345678", "010", ""},
		{"021-62345678", PhoneFixedLine, "021-62345678", "021", ""},
		{"0351-7654321", PhoneFixedLine, "0351-7654321", "0351", ""},
		{"021-7654321", "", "", "", CodeInvalidPhone}, // 3-digit area codes have 8-digit locals
		{"0571-876543210", "", "", "", CodeInvalidPhone},
		{"0571-0654321", "", "", "", CodeInvalidPhone},
		{"011-62345678", "", "", "", CodeInvalidPhone},
		{"87654321", "", "", "", CodeInvalidPhone}, // no area code
		{"12812345678", "", "", "", CodeInvalidPhone},
		{"1381234567", "", "", "", CodeInvalidPhone},
		{"138123456789", "", "", "", CodeInvalidPhone},
		{"+1 415 555 0100", "", "", "", CodeInvalidPhone},
		{"+86", "", "", "", CodeInvalidPhone},
		{"138abc45678", "", "", "", CodeInvalidPhone},
		{"4008123123", "", "", "", CodeInvalidPhone},
		{"12345", "", "", "", CodeInvalidPhone},
		{"0", "", "", "", CodeInvalidPhone},
		{"", "", "", "", CodeEmpty},
		{" - ", "", "", "", CodeInvalidPhone},
		{"  ", "", "", "", CodeEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePhone(tt.in)
			if code := errCode(t, err); code != tt.code {
				t.Fatalf("ParsePhone(%q) code = %q (%v), want %q", tt.in, code, err, tt.code)
			}
			if err != nil {
				return
			}
			if got.Kind != tt.kind || got.Number != tt.want || got.AreaCode != tt.area || got.String() != tt.want {
				t.Fatalf("ParsePhone(%q) = %+v, want %s %q area %q", tt.in, got, tt.kind, tt.want, tt.area)
			}
			if got.Kind == PhoneMobile && got.Local != got.Number {
				t.Fatalf("mobile Local = %q", got.Local)
			}
			if got.Kind == PhoneFixedLine && got.AreaCode+"-"+got.Local != got.Number {
				t.Fatalf("fixed-line parts %+v", got)
			}
		})
	}
}

func TestParseMobileAndFixedLine(t *testing.T) {
	if got, err := ParseMobile("+86 138 1234 5678"); err != nil || got != "13812345678" {
		t.Errorf("ParseMobile = %q, %v", got, err)
	}
	if _, err := ParseMobile("0571-87654321"); errCode(t, err) != CodeInvalidPhone || !strings.Contains(err.Error(), "手机") {
		t.Errorf("ParseMobile(fixed) = %v", err)
	}
	if _, err := ParseMobile("12345"); errCode(t, err) != CodeInvalidPhone || !strings.Contains(err.Error(), "手机") {
		t.Errorf("ParseMobile(bad) = %v", err)
	}
	if _, err := ParseMobile(""); errCode(t, err) != CodeEmpty {
		t.Errorf("ParseMobile(empty) = %v", err)
	}
	if got, err := ParseFixedLine("(0571)87654321"); err != nil || got != "0571-87654321" {
		t.Errorf("ParseFixedLine = %q, %v", got, err)
	}
	if _, err := ParseFixedLine("13812345678"); errCode(t, err) != CodeInvalidPhone || !strings.Contains(err.Error(), "固定电话") {
		t.Errorf("ParseFixedLine(mobile) = %v", err)
	}
	if _, err := ParseFixedLine("0571-1234"); errCode(t, err) != CodeInvalidPhone || !strings.Contains(err.Error(), "区号") {
		t.Errorf("ParseFixedLine(bad) = %v", err)
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "0571-87654321", "+86 10 62345678", "86", "+86", "0086", "", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePhone(s)
		if err != nil {
			errCode(t, err)
			return
		}
		p2, err := ParsePhone(p.Number)
		if err != nil || p2 != p {
			t.Fatalf("round trip of %q: %+v, %v", p.Number, p2, err)
		}
		switch p.Kind {
		case PhoneMobile:
			if !isMobile(p.Number) || p.Local != p.Number || p.AreaCode != "" {
				t.Fatalf("bad mobile %+v", p)
			}
			if p3, err := ParsePhone("+86 " + p.Number); err != nil || p3 != p {
				t.Fatalf("+86 %q: %+v, %v", p.Number, p3, err)
			}
		case PhoneFixedLine:
			if p.AreaCode+"-"+p.Local != p.Number || !allDigits(p.AreaCode) || !allDigits(p.Local) {
				t.Fatalf("bad fixed line %+v", p)
			}
			if p3, err := ParsePhone("+86" + p.AreaCode[1:] + p.Local); err != nil || p3 != p {
				t.Fatalf("+86 %q: %+v, %v", p.Number, p3, err)
			}
		default:
			t.Fatalf("kind %q", p.Kind)
		}
	})
}
