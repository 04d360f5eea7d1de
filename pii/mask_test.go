package pii

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"330102199001011234", "330102********1234"},
		{"11010519491231002X", "110105********002X"},
		{" 330102199001011234 ", "330102********1234"},
		{"", ""},
		{"   ", ""},
		{"1", "*"},
		{"3301021990", "**********"},
		{"33010219900101123", "*****************"},     // 17: too short to show anything
		{"330102900101123", "***************"},         // legacy 15-digit number
		{"3301021990010112345", "330102*********2345"}, // 19: one more hidden
		{"身份证号码身份证号码身份证号码身份证", "身份证号码身********码身份证"},
	}
	for _, tt := range tests {
		if got := MaskIDNumber(tt.in); got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"0571-87654321", "0571-****4321"},
		{"0351-7654321", "0351-***4321"},
		{"010-62345678", "010-****5678"},
		{"0571-123", "********"},
		{"000-0", "*****"},
		{"0571-", "*****"},
		{"+8613812345678", "+86*******5678"},
		{"", ""},
		{"1", "*"},
		{"1381234567", "**********"}, // 10: fewer than 4 would be hidden
		{"138123", "******"},
		{"12-34567890", "12-****7890"}, // no leading 0: generic rule
		{"电话一三八一二三四五六七八", "电话一******五六七八"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskBankCard(t *testing.T) {
	tests := []struct{ in, want string }{
		{"6222021234567890123", "6222 **** **** 0123"},
		{"6222 0212 3456 7890 123", "6222 **** **** 0123"},
		{"6222-0212-3456-7890-123", "6222 **** **** 0123"},
		{"4111111111111111", "4111 **** **** 1111"},
		{"622202123456", "6222 **** **** 3456"},
		{"62220212345", "***********"},
		{"", ""},
		{"  ", ""},
		{"1234", "****"},
	}
	for _, tt := range tests {
		if got := MaskBankCard(tt.in); got != tt.want {
			t.Errorf("MaskBankCard(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"张三丰", "张**"},
		{"张三", "张*"},
		{"张", "*"},
		{"欧阳娜娜", "欧***"},
		{"阿卜杜·热合曼", "阿******"},
		{" 李四 ", "李*"},
		{"John Smith", "J*********"},
		{"𠮷野家", "𠮷**"}, // rune outside the BMP
		{"", ""},
		{"  ", ""},
	}
	for _, tt := range tests {
		if got := MaskName(tt.in); got != tt.want {
			t.Errorf("MaskName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskDispatch(t *testing.T) {
	if Mask(KindIDNumber, "330102199001011234") != "330102********1234" ||
		Mask(KindPhone, "13812345678") != "138****5678" ||
		Mask(KindBankCard, "6222021234567890123") != "6222 **** **** 0123" ||
		Mask(KindName, "张三") != "张*" ||
		Mask("unknown", "秘密abc") != "*****" ||
		Mask("unknown", "") != "" {
		t.Fatal("Mask dispatch")
	}
}

// FuzzMask checks that no mask panics, that the output is valid UTF-8 and
// that it never reveals more characters than documented.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"", "1", "张三丰", "330102199001011234", "0571-87654321", "6222 0212 3456 7890 123", "\xff\xfe", "-", "0-", "00-1234567"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, fn := range map[string]struct {
			f         func(string) string
			reveal    int // at most this many characters are shown
			minHidden int // and at least this many are hidden
		}{
			"id":    {MaskIDNumber, 10, 8},
			"phone": {MaskPhone, 8, 3}, // "0571-" and 4 digits, or 3 + 4
			"card":  {MaskBankCard, 8, 4},
			"name":  {MaskName, 1, 1},
		} {
			out := fn.f(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q is not valid UTF-8", name, s, out)
			}
			if strings.TrimSpace(s) == "" && out != "" {
				t.Fatalf("%s(%q) = %q, want empty", name, s, out)
			}
			revealed := 0
			for _, r := range out {
				if r != '*' && r != ' ' && r != '-' {
					revealed++
				}
			}
			if revealed > fn.reveal {
				t.Fatalf("%s(%q) = %q reveals %d characters", name, s, out, revealed)
			}
			n := 0 // non-space runes of the input
			for _, r := range s {
				if !unicode.IsSpace(r) {
					n++
				}
			}
			if revealed > max(0, n-fn.minHidden) {
				t.Fatalf("%s(%q) = %q reveals %d of %d characters", name, s, out, revealed, n)
			}
		}
	})
}

// Embedded white space must not let more of a value show (found by FuzzMask).
func TestMaskIgnoresEmbeddedSpace(t *testing.T) {
	if got := MaskIDNumber("000000000 00000000"); got != "*****************" {
		t.Errorf("MaskIDNumber = %q", got)
	}
	if got := MaskIDNumber("330102 19900101 1234"); got != "330102********1234" {
		t.Errorf("MaskIDNumber = %q", got)
	}
	if got := MaskPhone("138 1234 5678"); got != "138****5678" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := MaskPhone("138 1234 567"); got != "**********" {
		t.Errorf("MaskPhone = %q", got)
	}
}
