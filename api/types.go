package api

import (
	"encoding/json"
	"time"
)

// Date is a calendar date, rendered and parsed as "YYYY-MM-DD".
type Date struct{ time.Time }

const (
	dateLayout  = "2006-01-02"
	monthLayout = "2006-01"
)

// ParseDate parses YYYY-MM-DD strictly.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, err
	}
	return Date{t}, nil
}

func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Format(dateLayout)) }

// UnmarshalJSON accepts only a "YYYY-MM-DD" string. Anything else is a
// *json.UnmarshalTypeError of type Date: encoding/json fills in the JSON
// field it was decoding (Field), and jsonError answers invalid_date on it.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: dateType}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "string " + string(b), Type: dateType}
	}
	d.Time = t
	return nil
}

// datePtr converts an optional database date to an optional API date.
func datePtr(t *time.Time) *Date {
	if t == nil {
		return nil
	}
	return &Date{*t}
}

// timePtr converts an optional API date to an optional database date.
func timePtr(d *Date) *time.Time {
	if d == nil {
		return nil
	}
	t := d.Time
	return &t
}

func monthString(t time.Time) string { return t.Format(monthLayout) }

func lastOfMonth(first time.Time) time.Time { return first.AddDate(0, 1, -1) }

// set copies *src to *dst when src is given (a field sent in a PATCH).
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// deref is *p, or the zero value when p is nil.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// sameID reports whether two optional ids are equal.
func sameID(a, b *int64) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}
