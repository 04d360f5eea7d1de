package ident

import (
	"strings"
	"testing"
	"time"
)

// mkID appends the correct check character to 17 digits.
func mkID(t testing.TB, first17 string) string {
	t.Helper()
	c, err := ResidentIDCheckChar(first17)
	if err != nil {
		t.Fatalf("ResidentIDCheckChar(%q): %v", first17, err)
	}
	return first17 + string(c)
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseResidentID(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		birth    time.Time
		gender   Gender
		province string
		code     string
	}{
		{"standard example with X", "11010519491231002X", "11010519491231002X", date(1949, 12, 31), GenderFemale, "北京市", ""},
		{"lower-case x", "11010519491231002x", "11010519491231002X", date(1949, 12, 31), GenderFemale, "北京市", ""},
		{"full-width x", "11010519491231002ｘ", "11010519491231002X", date(1949, 12, 31), GenderFemale, "北京市", ""},
		{"male", "330102199001011234", "330102199001011234", date(1990, 1, 1), GenderMale, "浙江省", ""},
		{"spaces", " 330102 19900101 1234 ", "330102199001011234", date(1990, 1, 1), GenderMale, "浙江省", ""},
		{"full-width digits", "３３０１０２１９９００１０１１２３４", "330102199001011234", date(1990, 1, 1), GenderMale, "浙江省", ""},
		{"leap day", mkID(t, "11010120000229001"), mkID(t, "11010120000229001"), date(2000, 2, 29), GenderMale, "北京市", ""},
		{"1900-01-01", mkID(t, "11010119000101002"), mkID(t, "11010119000101002"), date(1900, 1, 1), GenderFemale, "北京市", ""},
		{"born today", mkID(t, "44030120260501003"), mkID(t, "44030120260501003"), date(2026, 5, 1), GenderMale, "广东省", ""},
		{"Hong Kong", mkID(t, "81000019800101001"), mkID(t, "81000019800101001"), date(1980, 1, 1), GenderMale, "香港特别行政区", ""},
		{"Macao", mkID(t, "82000019800101002"), mkID(t, "82000019800101002"), date(1980, 1, 1), GenderFemale, "澳门特别行政区", ""},
		{"Taiwan", mkID(t, "71000019800101001"), mkID(t, "71000019800101001"), date(1980, 1, 1), GenderMale, "台湾省", ""},
		{"Xinjiang", mkID(t, "65010219800101001"), mkID(t, "65010219800101001"), date(1980, 1, 1), GenderMale, "新疆维吾尔自治区", ""},

		{"empty", "", "", time.Time{}, "", "", CodeEmpty},
		{"blank", " \t", "", time.Time{}, "", "", CodeEmpty},
		{"17 digits", "33010219900101123", "", time.Time{}, "", "", CodeInvalidLength},
		{"19 digits", "3301021990010112345", "", time.Time{}, "", "", CodeInvalidLength},
		{"15-digit legacy", "330102900101123", "", time.Time{}, "", "", CodeInvalidLength},
		{"letter inside", "3301021990O1011234", "", time.Time{}, "", "", CodeInvalidCharacter},
		{"X inside", "33010219900101X234", "", time.Time{}, "", "", CodeInvalidCharacter},
		{"bad last char", "33010219900101123Y", "", time.Time{}, "", "", CodeInvalidCharacter},
		{"dash", "330102-19900101-12", "", time.Time{}, "", "", CodeInvalidCharacter},
		{"chinese", "33010219900101123号", "", time.Time{}, "", "", CodeInvalidCharacter},
		{"bad check", "330102199001011235", "", time.Time{}, "", "", CodeInvalidCheckDigit},
		{"X instead of digit", "33010219900101123X", "", time.Time{}, "", "", CodeInvalidCheckDigit},
		{"standard example 1880", "440524188001010014", "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"month 13", mkID(t, "33010219901301123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"month 00", mkID(t, "33010219900001123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"day 00", mkID(t, "33010219900100123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"Feb 30", mkID(t, "33010219900230123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"Feb 29 common year", mkID(t, "33010219000229123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"Apr 31", mkID(t, "33010219900431123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"1899-12-31", mkID(t, "33010218991231123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"year 0000", mkID(t, "33010200000101123"), "", time.Time{}, "", "", CodeInvalidBirthDate},
		{"tomorrow", mkID(t, "33010220260502123"), "", time.Time{}, "", "", CodeFutureBirthDate},
		{"far future", mkID(t, "33010229991231123"), "", time.Time{}, "", "", CodeFutureBirthDate},
		{"province 00", mkID(t, "00010219900101123"), "", time.Time{}, "", "", CodeUnknownProvince},
		{"province 10", mkID(t, "10010219900101123"), "", time.Time{}, "", "", CodeUnknownProvince},
		{"province 83", mkID(t, "83010219900101123"), "", time.Time{}, "", "", CodeUnknownProvince},
		{"province 91", mkID(t, "91010219900101123"), "", time.Time{}, "", "", CodeUnknownProvince},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseResidentID(tt.in, now)
			if code := errCode(t, err); code != tt.code {
				t.Fatalf("ParseResidentID(%q) error code = %q (%v), want %q", tt.in, code, err, tt.code)
			}
			if err != nil {
				if got != (ResidentID{}) {
					t.Fatalf("non-zero result with error: %+v", got)
				}
				return
			}
			if got.Number != tt.want {
				t.Errorf("Number = %q, want %q", got.Number, tt.want)
			}
			if !got.BirthDate.Equal(tt.birth) || got.BirthDate.Location() != time.UTC {
				t.Errorf("BirthDate = %v, want %v", got.BirthDate, tt.birth)
			}
			if got.Gender != tt.gender {
				t.Errorf("Gender = %q, want %q", got.Gender, tt.gender)
			}
			if got.ProvinceName != tt.province || got.ProvinceCode != tt.want[:2] {
				t.Errorf("Province = %q %q, want %q %q", got.ProvinceCode, got.ProvinceName, tt.want[:2], tt.province)
			}
			if code, name := got.Province(); code != got.ProvinceCode || name != got.ProvinceName {
				t.Errorf("Province() = %q %q", code, name)
			}
			if got.RegionCode != tt.want[:6] {
				t.Errorf("RegionCode = %q", got.RegionCode)
			}
		})
	}
}

func TestResidentIDErrorOrder(t *testing.T) {
	// Province is reported before a bad check digit, birth date before check digit.
	if _, err := ParseResidentID("000102199001011234", now); errCode(t, err) != CodeUnknownProvince {
		t.Errorf("got %v", err)
	}
	if _, err := ParseResidentID("330102199013011234", now); errCode(t, err) != CodeInvalidBirthDate {
		t.Errorf("got %v", err)
	}
	if _, err := ParseResidentID("3301021990O101123中", now); !strings.Contains(err.Error(), "第11位") {
		t.Errorf("want position 11: %v", err)
	}
}

func TestResidentIDFutureUsesNowsCalendarDate(t *testing.T) {
	id := mkID(t, "33010220260502123")
	shanghai := time.FixedZone("CST", 8*3600)
	late := time.Date(2026, 5, 1, 23, 30, 0, 0, time.UTC) // already 2 May in Shanghai
	if _, err := ParseResidentID(id, late); errCode(t, err) != CodeFutureBirthDate {
		t.Fatalf("UTC: got %v", err)
	}
	if _, err := ParseResidentID(id, late.In(shanghai)); err != nil {
		t.Fatalf("Shanghai: %v", err)
	}
}

func TestResidentIDZeroNow(t *testing.T) {
	if _, err := ParseResidentID("330102199001011234", time.Time{}); err != nil {
		t.Fatalf("zero now should mean time.Now(): %v", err)
	}
	future := mkID(t, "330102"+time.Now().AddDate(0, 0, 2).Format("20060102")+"123")
	if _, err := ParseResidentID(future, time.Time{}); errCode(t, err) != CodeFutureBirthDate {
		t.Fatalf("got %v", err)
	}
}

func TestResidentIDCheckChar(t *testing.T) {
	tests := []struct {
		in   string
		want byte
		code string
	}{
		{"11010519491231002", 'X', ""},
		{"44052418800101001", '4', ""},
		{"33010219900101123", '4', ""},
		{"11010120000229001", '8', ""},
		{"32010219851231567", '1', ""},
		{" 3301 0219 9001 0112 3 ", '4', ""},
		{"", 0, CodeEmpty},
		{"3301021990010112", 0, CodeInvalidLength},
		{"330102199001011234", 0, CodeInvalidLength},
		{"3301021990010112X", 0, CodeInvalidCharacter},
	}
	for _, tt := range tests {
		got, err := ResidentIDCheckChar(tt.in)
		if code := errCode(t, err); code != tt.code || got != tt.want {
			t.Errorf("ResidentIDCheckChar(%q) = %q, %q; want %q, %q", tt.in, got, code, tt.want, tt.code)
		}
	}
}

func TestResidentIDAge(t *testing.T) {
	id, err := ParseResidentID("330102199001011234", now)
	if err != nil {
		t.Fatal(err)
	}
	leap, err := ParseResidentID(mkID(t, "11010120000229001"), now)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		r    ResidentID
		at   time.Time
		want int
	}{
		{id, now, 36},
		{id, date(2025, 12, 31), 35},
		{id, date(2026, 1, 1), 36},
		{id, date(1990, 1, 1), 0},
		{id, date(1989, 12, 31), 0}, // before birth
		{leap, date(2001, 2, 28), 0},
		{leap, date(2001, 3, 1), 1},
		{leap, date(2004, 2, 28), 3},
		{leap, date(2004, 2, 29), 4},
		// The calendar date is taken in at's location.
		{id, time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC).In(time.FixedZone("CST", 8*3600)), 36},
	}
	for i, tt := range tests {
		if got := tt.r.Age(tt.at); got != tt.want {
			t.Errorf("%d: Age(%v) = %d, want %d", i, tt.at, got, tt.want)
		}
	}
}

func TestProvinceTable(t *testing.T) {
	all := ProvinceCodes()
	if len(all) != 34 {
		t.Fatalf("%d province-level divisions, want 34", len(all))
	}
	all["11"] = "changed"
	if name, ok := ProvinceName("11"); !ok || name != "北京市" {
		t.Fatalf("ProvinceCodes must return a copy; ProvinceName(11) = %q %v", name, ok)
	}
	if _, ok := ProvinceName("99"); ok {
		t.Fatal("99 is not a province")
	}
	// Every province code yields a parsable ID number.
	for code, name := range ProvinceCodes() {
		r, err := ParseResidentID(mkID(t, code+"010219900101123"), now)
		if err != nil || r.ProvinceName != name {
			t.Errorf("province %s: %+v, %v", code, r, err)
		}
	}
}

// Every single-digit substitution of a valid number must be rejected: the
// weights 2^(18-i) mod 11 are all non-zero modulo the prime 11.
func TestResidentIDDetectsAllSingleSubstitutions(t *testing.T) {
	valid := "11010519491231002X"
	for pos := 0; pos < 18; pos++ {
		for _, c := range "0123456789X" {
			if byte(c) == valid[pos] || (c == 'X' && pos != 17) {
				continue
			}
			s := valid[:pos] + string(c) + valid[pos+1:]
			if _, err := ParseResidentID(s, now); err == nil {
				t.Fatalf("substitution %q accepted", s)
			}
		}
	}
}

func FuzzParseResidentID(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "330102199001011234", " 330102 19900101 1234 ",
		"３３０１０２１９９００１０１１２３４", "440524188001010014", "330102199013011234",
		"330102900101123", "", "X", "\xff", "000000000000000000", "99999999999999999X",
		"330102202605011236", "11010120000229001８",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseResidentID(s, now)
		if err != nil {
			errCode(t, err)
			if r != (ResidentID{}) {
				t.Fatalf("non-zero value %+v returned with error", r)
			}
			return
		}
		n := r.Number
		if len(n) != 18 || !allDigits(n[:17]) || !(isDigit(rune(n[17])) || n[17] == 'X') {
			t.Fatalf("canonical number %q malformed", n)
		}
		// Round trip.
		r2, err := ParseResidentID(n, now)
		if err != nil || r2 != r {
			t.Fatalf("round trip of %q: %+v, %v", n, r2, err)
		}
		if strings.HasSuffix(n, "X") {
			if r3, err := ParseResidentID(strings.ToLower(n), now); err != nil || r3 != r {
				t.Fatalf("lower-case x of %q: %+v, %v", n, r3, err)
			}
		}
		// Check character agrees with the generator and a literal reference.
		c, err := ResidentIDCheckChar(n[:17])
		if err != nil || c != n[17] || refIDCheck(n[:17]) != n[17] {
			t.Fatalf("check char of %q: %q, %v", n, c, err)
		}
		// Derived facts agree with the digits.
		if r.BirthDate.Format("20060102") != n[6:14] || r.BirthDate.Location() != time.UTC ||
			r.BirthDate.Year() < 1900 || r.BirthDate.After(now) {
			t.Fatalf("birth date %v for %q", r.BirthDate, n)
		}
		if h, m, sec := r.BirthDate.Clock(); h != 0 || m != 0 || sec != 0 || r.BirthDate.Nanosecond() != 0 {
			t.Fatalf("birth date %v is not midnight", r.BirthDate)
		}
		wantG := GenderFemale
		if (n[16]-'0')%2 == 1 {
			wantG = GenderMale
		}
		if r.Gender != wantG {
			t.Fatalf("gender %q for %q", r.Gender, n)
		}
		if name, ok := ProvinceName(n[:2]); !ok || name != r.ProvinceName || r.ProvinceCode != n[:2] || r.RegionCode != n[:6] {
			t.Fatalf("native place %+v for %q", r, n)
		}
		if a := r.Age(now); a < 0 || a > now.Year()-1900 {
			t.Fatalf("age %d for %q", a, n)
		}
		// Any single substitution is rejected.
		for pos := 0; pos < 17; pos++ {
			alt := '0' + (n[pos]-'0'+1+byte(pos)%9)%10
			if _, err := ParseResidentID(n[:pos]+string(alt)+n[pos+1:], now); err == nil {
				t.Fatalf("substitution at %d of %q accepted", pos, n)
			}
		}
	})
}

// refIDCheck is a literal transcription of GB 11643-1999 / ISO 7064 MOD 11-2:
// W_i = 2^(18-i) mod 11, a_18 = (12 - Σ a_i·W_i mod 11) mod 11, 10 -> X.
func refIDCheck(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(first17[i]-'0') * w
	}
	v := (12 - sum%11) % 11
	if v == 10 {
		return 'X'
	}
	return byte('0' + v)
}
