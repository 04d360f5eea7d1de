package api

import (
	"encoding/json"
	"time"
)

// Date is a calendar date, rendered and parsed as "YYYY-MM-DD".
type Date struct{ time.Time }

const dateLayout = "2006-01-02"

// ParseDate parses YYYY-MM-DD strictly.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, err
	}
	return Date{t}, nil
}

func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Format(dateLayout)) }

func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &fieldDecodeError{field: "date", code: "invalid_date", msg: "日期格式应为 YYYY-MM-DD"}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return &fieldDecodeError{field: "date", code: "invalid_date", msg: "日期格式应为 YYYY-MM-DD"}
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
