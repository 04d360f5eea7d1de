package cases

import (
	"fmt"
	"time"
)

// Zone is the time zone deadlines are counted in: China Standard Time, a
// fixed UTC+8 without daylight saving (so no tzdata is needed).
var Zone = time.FixedZone("CST", 8*60*60)

// Day is a calendar date in Zone.
type Day struct{ Y, M, D int }

// DayOf is the date of t in Zone.
func DayOf(t time.Time) Day {
	y, m, d := t.In(Zone).Date()
	return Day{y, int(m), d}
}

// Start is midnight at the beginning of the day in Zone.
func (d Day) Start() time.Time { return time.Date(d.Y, time.Month(d.M), d.D, 0, 0, 0, 0, Zone) }

// End is the first instant after the day: a deadline "by the end of d".
func (d Day) End() time.Time { return d.Start().AddDate(0, 0, 1) }

// Next is the following calendar day.
func (d Day) Next() Day { return DayOf(d.Start().AddDate(0, 0, 1).Add(time.Hour)) }

func (d Day) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Y, d.M, d.D) }

// Calendar decides which days are working days: Monday to Friday, except
// the public holidays (法定节假日, including the weekdays given off in
// exchange), plus the weekend days declared working days (调休上班). Years
// lists the years whose official arrangement the calendar holds; a day in
// another year is counted by the weekday rule alone, and Covered tells the
// caller so that it can say so.
type Calendar struct {
	Holidays map[Day]bool
	Workdays map[Day]bool
	Years    map[int]bool
}

// CalendarDay is one exception of the calendar as stored.
type CalendarDay struct {
	Day     time.Time // the date (any time on it in Zone)
	Workday bool      // true: a weekend day worked (调休上班); false: a holiday
	Name    string
}

// NewCalendar builds a calendar from its stored exceptions and the years
// they cover.
func NewCalendar(days []CalendarDay, years []int) Calendar {
	c := Calendar{Holidays: map[Day]bool{}, Workdays: map[Day]bool{}, Years: map[int]bool{}}
	for _, d := range days {
		if d.Workday {
			c.Workdays[DayOf(d.Day)] = true
		} else {
			c.Holidays[DayOf(d.Day)] = true
		}
	}
	for _, y := range years {
		c.Years[y] = true
	}
	return c
}

// IsWorkday reports whether d is a working day.
func (c Calendar) IsWorkday(d Day) bool {
	if c.Workdays[d] {
		return true
	}
	if c.Holidays[d] {
		return false
	}
	wd := d.Start().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays is the n-th working day after the day of from (the day of
// from itself never counts: "within 5 working days" of a report made on a
// Monday ends with the following Monday). n ≤ 0 returns the day of from.
// covered is false when a day passed over lies in a year the calendar
// holds no official arrangement for.
func (c Calendar) AddWorkdays(from time.Time, n int) (day Day, covered bool) {
	day, covered = DayOf(from), true
	for n > 0 {
		day = day.Next()
		if !c.Years[day.Y] {
			covered = false
		}
		if c.IsWorkday(day) {
			n--
		}
	}
	return day, covered
}

// Deadline is when a time limit counted in working days ends, and the two
// moments of its escalation ladder (in UTC, like every API timestamp; the
// days are counted in China Standard Time).
type Deadline struct {
	// Due is the end of the last working day allowed.
	Due time.Time `json:"due"`
	// RemindAt is the start of the last RemindDays working days (zero
	// when the limit is not longer than the reminder period).
	RemindAt time.Time `json:"remind_at,omitzero"`
	// ListedAt is the end of the ListedAfter-th working day after Due
	// (zero when the rule has no listed supervision).
	ListedAt time.Time `json:"listed_at,omitzero"`
	// Covered is false when the count passed through a year the calendar
	// has no official arrangement for (weekends alone were skipped).
	Covered bool `json:"covered"`
}

// Estimated reports whether the deadline was counted without the
// official arrangement of a year it passes through (its due date, reminder
// or listing): weekdays alone were skipped, so a holiday may be missing.
// It is derived from Covered, which the local activity WorkingDeadline
// answers and the history records.
func (d Deadline) Estimated() bool { return !d.Due.IsZero() && !d.Covered }

// Passes reports whether counting the deadline from from passed through
// (or into) year: from's year ≤ year ≤ the year of its last rung.
func (d Deadline) Passes(from time.Time, year int) bool {
	last := d.Due
	if d.ListedAt.After(last) {
		last = d.ListedAt
	}
	return DayOf(from).Y <= year && year <= DayOf(last.Add(-time.Nanosecond)).Y
}

// DeadlineRule is how one deadline is counted.
type DeadlineRule struct {
	Days        int // working days allowed
	RemindDays  int // remind this many working days before the end (0: no reminder)
	ListedAfter int // list for supervision this many working days after the end (0: never)
}

// Deadline counts rule from the moment from.
func (c Calendar) Deadline(from time.Time, rule DeadlineRule) Deadline {
	due, covered := c.AddWorkdays(from, rule.Days)
	d := Deadline{Due: due.End().UTC(), Covered: covered}
	if rule.RemindDays > 0 && rule.Days > rule.RemindDays {
		r, ok := c.AddWorkdays(from, rule.Days-rule.RemindDays)
		d.RemindAt = r.End().UTC()
		d.Covered = d.Covered && ok
	}
	if rule.ListedAfter > 0 {
		l, ok := c.AddWorkdays(due.Start(), rule.ListedAfter)
		d.ListedAt = l.End().UTC()
		d.Covered = d.Covered && ok
	}
	return d
}

// Extend moves a deadline by days more working days, keeping its
// reminder and listing periods.
func (c Calendar) Extend(d Deadline, rule DeadlineRule, days int) Deadline {
	// Counting from the start of the old due day's last moment: the old
	// due is the end of day X, so the new one is X + days working days.
	last := DayOf(d.Due.Add(-time.Nanosecond))
	rule.Days = days
	return c.Deadline(last.Start(), rule)
}
