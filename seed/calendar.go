package seed

import (
	"fmt"
	"time"
)

// date is a civil date counted in days since 1800-01-01. The zero value
// stands for "no date" (SQL NULL): no generated date is that early.
type date int32

// epochOffset is the number of days from 1800-01-01 to 1970-01-01.
var epochOffset = int32(-time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400)

func dateOf(y int, m time.Month, d int) date {
	return date(int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()/86400) + epochOffset)
}

// dateFromTime returns the calendar date of t in t's location.
func dateFromTime(t time.Time) date {
	y, m, d := t.Date()
	return dateOf(y, m, d)
}

// time returns midnight UTC of d, the form pgx encodes as a SQL date.
func (d date) time() time.Time { return time.Unix(int64(int32(d)-epochOffset)*86400, 0).UTC() }

func (d date) day() int { return d.time().Day() }

// weekday: 1970-01-01 was a Thursday.
func (d date) weekday() time.Weekday { return time.Weekday(((int(int32(d)-epochOffset)+4)%7 + 7) % 7) }

func (d date) String() string {
	if d == 0 {
		return ""
	}
	return d.time().Format("2006-01-02")
}

// val is d as a COPY value: nil for no date.
func (d date) val() any {
	if d == 0 {
		return nil
	}
	return d.time()
}

// at returns the instant hour:min on d in China Standard Time.
func (d date) at(hour, min int) time.Time {
	y, m, dd := d.time().Date()
	return time.Date(y, m, dd, hour, min, 0, 0, cst)
}

var cst = time.FixedZone("CST", 8*3600)

// addMonths moves d by n calendar months, clamping the day to the length of
// the target month (so 31 January + 1 month is 28 or 29 February).
func (d date) addMonths(n int) date {
	dd := d.day()
	t := monthOf(d) + month(n)
	if last := t.last().day(); dd > last {
		dd = last
	}
	return t.first() + date(dd-1)
}

func minDate(a, b date) date {
	if a < b {
		return a
	}
	return b
}

func maxDate(a, b date) date {
	if a > b {
		return a
	}
	return b
}

// month is a calendar month counted as year*12 + (month-1).
type month int32

func monthOf(d date) month {
	y, m, _ := d.time().Date()
	return month(y*12 + int(m) - 1)
}

func (m month) first() date { return dateOf(int(m)/12, time.Month(int(m)%12+1), 1) }
func (m month) last() date  { return (m + 1).first() - 1 }
func (m month) String() string {
	return fmt.Sprintf("%04d-%02d", int(m)/12, int(m)%12+1)
}
