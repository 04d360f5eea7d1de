package ident

import (
	"strings"
	"testing"
)

func TestParseCreditCode(t *testing.T) {
	tests := []struct {
		name, in, want, code string
	}{
		{"valid", "91350100M000100Y43", "91350100M000100Y43", ""},
		{"valid with letter check", "91330100716105852F", "91330100716105852F", ""},
		{"valid 2", "91110000802100433B", "91110000802100433B", ""},
		{"lower case", "91350100m000100y43", "91350100M000100Y43", ""},
		{"surrounding spaces", "  91350100M000100Y43\t\n", "91350100M000100Y43", ""},
		{"embedded spaces", "9135 0100 M000 100Y 43", "91350100M000100Y43", ""},
		{"full width", "９１３５０１００Ｍ０００１００Ｙ４３", "91350100M000100Y43", ""},
		{"ideographic space", "\u300091350100M000100Y43", "91350100M000100Y43", ""},
		{"empty", "", "", CodeEmpty},
		{"blank", "   ", "", CodeEmpty},
		{"too short", "91350100M000100Y4", "", CodeInvalidLength},
		{"too long", "91350100M000100Y433", "", CodeInvalidLength},
		{"letter I", "91350100M000100I43", "", CodeInvalidCharacter},
		{"letter O", "9135O100M000100Y43", "", CodeInvalidCharacter},
		{"letter Z", "91350100Z000100Y43", "", CodeInvalidCharacter},
		{"letter S", "S1350100M000100Y43", "", CodeInvalidCharacter},
		{"letter V", "91350100M000100Y4V", "", CodeInvalidCharacter},
		{"punctuation", "91350100M000100Y4-", "", CodeInvalidCharacter},
		{"chinese char", "91350100M000100Y4中", "", CodeInvalidCharacter},
		{"wrong check", "91350100M000100Y44", "", CodeInvalidCheckDigit},
		{"transposed", "91351000M000100Y43", "", CodeInvalidCheckDigit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCreditCode(tt.in)
			if code := errCode(t, err); code != tt.code {
				t.Fatalf("ParseCreditCode(%q) error code = %q (%v), want %q", tt.in, code, err, tt.code)
			}
			if got.Code != tt.want {
				t.Fatalf("ParseCreditCode(%q) = %q, want %q", tt.in, got.Code, tt.want)
			}
		})
	}
}

// When the weighted sum is a multiple of 31 the check character is '0', not
// the (non-existent) 32nd character.
func TestCreditCodeCheckZero(t *testing.T) {
	for i := 0; i < len(creditCodeCharset); i++ {
		p := "9133010000000000" + string(creditCodeCharset[i])
		c, err := CreditCodeCheckChar(p)
		if err != nil {
			t.Fatal(err)
		}
		if c != '0' {
			continue
		}
		if _, err := ParseCreditCode(p + "0"); err != nil {
			t.Fatalf("ParseCreditCode(%q): %v", p+"0", err)
		}
		return
	}
	t.Fatal("no prefix with check character 0 found")
}

func TestCreditCodeInvalidCharacterPosition(t *testing.T) {
	_, err := ParseCreditCode("9135O100M000100Y43")
	if err == nil || !strings.Contains(err.Error(), "第5位") {
		t.Fatalf("want position 5 in message, got %v", err)
	}
	_, err = ParseCreditCode("91350100M000100Y4中")
	if err == nil || !strings.Contains(err.Error(), "第18位") {
		t.Fatalf("want position 18 in message, got %v", err)
	}
}

func TestCreditCodeParts(t *testing.T) {
	c, err := ParseCreditCode("91330100716105852F")
	if err != nil {
		t.Fatal(err)
	}
	if code, name := c.RegistrationAuthority(); code != '9' || name != "市场监督管理" {
		t.Errorf("RegistrationAuthority = %c %q", code, name)
	}
	if code, name := c.OrgType(); code != '1' || name != "企业" {
		t.Errorf("OrgType = %c %q", code, name)
	}
	if got := c.DivisionCode(); got != "330100" {
		t.Errorf("DivisionCode = %q", got)
	}
	if got := c.SubjectCode(); got != "716105852" {
		t.Errorf("SubjectCode = %q", got)
	}
	if c.String() != "91330100716105852F" {
		t.Errorf("String = %q", c.String())
	}

	// Unknown authority: the code is exposed, the name is empty.
	p := "B1330100716105852"
	ch, err := CreditCodeCheckChar(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err = ParseCreditCode(p + string(ch))
	if err != nil {
		t.Fatal(err)
	}
	if code, name := c.RegistrationAuthority(); code != 'B' || name != "" {
		t.Errorf("RegistrationAuthority = %c %q", code, name)
	}
	if code, name := c.OrgType(); code != '1' || name != "" {
		t.Errorf("OrgType = %c %q", code, name)
	}

	// The zero value must not panic.
	var z CreditCode
	if code, name := z.RegistrationAuthority(); code != 0 || name != "" {
		t.Error("zero RegistrationAuthority")
	}
	if code, name := z.OrgType(); code != 0 || name != "" {
		t.Error("zero OrgType")
	}
	if z.DivisionCode() != "" || z.SubjectCode() != "" {
		t.Error("zero parts")
	}
}

func TestCreditCodeCheckChar(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		code string
	}{
		{"91350100M000100Y4", '3', ""},
		{"91330100716105852", 'F', ""},
		{"91110000802100433", 'B', ""},
		{"91440300192203821", '6', ""},
		{"91330106ma27y1234", 'U', ""},
		{"", 0, CodeEmpty},
		{"91350100M000100Y", 0, CodeInvalidLength},
		{"91350100M000100Y43", 0, CodeInvalidLength},
		{"91350100M000100YI", 0, CodeInvalidCharacter},
	}
	for _, tt := range tests {
		got, err := CreditCodeCheckChar(tt.in)
		if code := errCode(t, err); code != tt.code || got != tt.want {
			t.Errorf("CreditCodeCheckChar(%q) = %q, %q; want %q, %q", tt.in, got, code, tt.want, tt.code)
		}
	}
}

// Every single-character substitution of a valid code must be detected:
// all weights are non-zero modulo the prime 31.
func TestCreditCodeDetectsAllSingleSubstitutions(t *testing.T) {
	valid := "91350100M000100Y43"
	for pos := 0; pos < 18; pos++ {
		for i := 0; i < len(creditCodeCharset); i++ {
			c := creditCodeCharset[i]
			if c == valid[pos] {
				continue
			}
			s := valid[:pos] + string(c) + valid[pos+1:]
			if _, err := ParseCreditCode(s); err == nil {
				t.Fatalf("substitution %q accepted", s)
			}
		}
	}
}

func FuzzParseCreditCode(f *testing.F) {
	for _, s := range []string{
		"91350100M000100Y43", "91330100716105852F", "91110000802100433B",
		"91350100m000100y43", " 9135 0100 M000 100Y 43 ", "９１３５０１００Ｍ０００１００Ｙ４３",
		"", "91350100M000100Y44", "91350100M000100I43", "91350100M000100Y4中",
		"000000000000000000", "YYYYYYYYYYYYYYYYYY", "\xff\xfe", "ıııııııııııııııııı",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCreditCode(s)
		if err != nil {
			errCode(t, err)
			if c != (CreditCode{}) {
				t.Fatalf("non-zero value %+v returned with error", c)
			}
			return
		}
		code := c.Code
		if len(code) != 18 {
			t.Fatalf("canonical code %q has length %d", code, len(code))
		}
		for i := 0; i < 18; i++ {
			if strings.IndexByte(creditCodeCharset, code[i]) < 0 {
				t.Fatalf("canonical code %q contains %q", code, code[i])
			}
		}
		// Round trip: the canonical form parses to itself.
		c2, err := ParseCreditCode(code)
		if err != nil || c2 != c {
			t.Fatalf("round trip of %q: %+v, %v", code, c2, err)
		}
		// Lower-casing and spacing do not change the result.
		c3, err := ParseCreditCode(" " + strings.ToLower(code[:9]) + " " + strings.ToLower(code[9:]) + "\n")
		if err != nil || c3 != c {
			t.Fatalf("decorated %q: %+v, %v", code, c3, err)
		}
		// The check character agrees with an independent recomputation.
		ch, err := CreditCodeCheckChar(code[:17])
		if err != nil || ch != code[17] {
			t.Fatalf("CreditCodeCheckChar(%q) = %q, %v; code has %q", code[:17], ch, err, code[17])
		}
		if refCreditCheck(code[:17]) != code[17] {
			t.Fatalf("reference check disagrees for %q", code)
		}
		// Any single substitution is rejected.
		for pos := 0; pos < 18; pos++ {
			i := strings.IndexByte(creditCodeCharset, code[pos])
			alt := creditCodeCharset[(i+1+pos)%31]
			if _, err := ParseCreditCode(code[:pos] + string(alt) + code[pos+1:]); err == nil {
				t.Fatalf("substitution at %d of %q accepted", pos, code)
			}
		}
		// Accessors are consistent with the string.
		if a, _ := c.RegistrationAuthority(); a != code[0] {
			t.Fatal("RegistrationAuthority")
		}
		if o, _ := c.OrgType(); o != code[1] {
			t.Fatal("OrgType")
		}
		if c.DivisionCode()+c.SubjectCode()+code[17:] != code[2:] {
			t.Fatal("DivisionCode/SubjectCode")
		}
	})
}

// refCreditCheck is an independent, literal transcription of GB 32100-2015:
// weight W_i = 3^(i-1) mod 31, C18 = 31 - (Σ C_i·W_i mod 31).
func refCreditCheck(first17 string) byte {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(creditCodeCharset, first17[i]) * w
		w = w * 3 % 31
	}
	return creditCodeCharset[(31-sum%31)%31]
}
