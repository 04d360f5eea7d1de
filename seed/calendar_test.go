package seed

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	for _, tc := range []struct {
		y int
		m time.Month
		d int
	}{{1800, 1, 2}, {1961, 3, 1}, {1970, 1, 1}, {2000, 2, 29}, {2026, 11, 15}, {2027, 12, 31}} {
		d := dateOf(tc.y, tc.m, tc.d)
		if d == 0 {
			t.Fatalf("%v: zero date", tc)
		}
		tt := d.time()
		if tt.Year() != tc.y || tt.Month() != tc.m || tt.Day() != tc.d {
			t.Errorf("%v: round trip gives %v", tc, tt)
		}
		if d.weekday() != tt.Weekday() {
			t.Errorf("%v: weekday %v, want %v", tc, d.weekday(), tt.Weekday())
		}
		if monthOf(d).first().time().Day() != 1 || monthOf(d).last()+1 != (monthOf(d)+1).first() {
			t.Errorf("%v: month bounds", tc)
		}
	}
	if got := dateOf(2026, 1, 31).addMonths(1); got != dateOf(2026, 2, 28) {
		t.Errorf("31 Jan + 1 month = %v", got)
	}
	if got := dateOf(2026, 11, 15).addMonths(-12 * 18); got != dateOf(2008, 11, 15) {
		t.Errorf("18 years back = %v", got)
	}
}
