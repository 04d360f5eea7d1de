package cases_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/registry"
)

// The codes here are the registry's (whose enums are tested against the
// schema's CHECK constraints).
func TestCodesMatchTheRegistry(t *testing.T) {
	t.Parallel()
	var statuses, sources, closures, supervisions []string
	for _, s := range cases.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, s := range cases.Sources {
		sources = append(sources, string(s))
	}
	for _, c := range []cases.ClosureCode{cases.PaidInFull, cases.PaidInPart, cases.Arbitration, cases.Court, cases.Police,
		cases.NotFounded, cases.Duplicate, cases.Withdrawn, cases.OutsideJuris, cases.OtherClosure} {
		closures = append(closures, string(c))
		assert.True(t, cases.ValidClosure(c))
	}
	// merged is taken by a merge, never reported
	closures = append(closures, string(cases.Merged))
	assert.False(t, cases.ValidClosure(cases.Merged))
	assert.False(t, cases.ValidClosure("settled"))
	for _, s := range []cases.Supervision{cases.SupervisionNone, cases.Supervised, cases.Listed} {
		supervisions = append(supervisions, string(s))
	}
	assert.Equal(t, registry.LeadStatuses.Codes, statuses)
	assert.Equal(t, registry.LeadSources.Codes, sources)
	assert.Equal(t, registry.ClosureCodes.Codes, closures)
	assert.Equal(t, registry.Supervisions.Codes, supervisions)
	assert.Equal(t, registry.TaskKinds.Codes, cases.TaskKinds)
	assert.Equal(t, registry.TaskActors.Codes, []string{cases.ActorCity, cases.ActorTown, cases.ActorEnterprise, cases.ActorWorker})
}

// cal2026 is the official 2026 arrangement, as migration 00007 stores it.
func cal2026() cases.Calendar {
	var days []cases.CalendarDay
	holiday := func(from, to string, name string) {
		f, _ := time.ParseInLocation(time.DateOnly, from, cases.Zone)
		t, _ := time.ParseInLocation(time.DateOnly, to, cases.Zone)
		for d := f; !d.After(t); d = d.AddDate(0, 0, 1) {
			days = append(days, cases.CalendarDay{Day: d, Name: name})
		}
	}
	holiday("2026-01-01", "2026-01-03", "元旦")
	holiday("2026-02-15", "2026-02-23", "春节")
	holiday("2026-04-04", "2026-04-06", "清明节")
	holiday("2026-05-01", "2026-05-05", "劳动节")
	holiday("2026-06-19", "2026-06-21", "端午节")
	holiday("2026-09-25", "2026-09-27", "中秋节")
	holiday("2026-10-01", "2026-10-07", "国庆节")
	for _, w := range []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"} {
		d, _ := time.ParseInLocation(time.DateOnly, w, cases.Zone)
		days = append(days, cases.CalendarDay{Day: d, Workday: true, Name: "调休上班"})
	}
	return cases.NewCalendar(days, []int{2026})
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, cases.Zone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddWorkdays(t *testing.T) {
	t.Parallel()
	c := cal2026()
	for _, tc := range []struct {
		from    string
		n       int
		want    string
		covered bool
	}{
		{"2026-11-02 09:00", 5, "2026-11-09", true},   // Monday → next Monday
		{"2026-11-06 23:59", 1, "2026-11-09", true},   // Friday night → Monday
		{"2026-02-13 16:00", 1, "2026-02-14", true},   // Saturday 14 Feb is worked
		{"2026-02-13 16:00", 5, "2026-02-27", true},   // across the Spring Festival
		{"2026-09-21 09:00", 60, "2026-12-21", true},  // across Mid-Autumn and National Day
		{"2026-09-30 12:00", 1, "2026-10-08", true},   // National Day
		{"2026-10-09 12:00", 1, "2026-10-10", true},   // Saturday 10 Oct is worked
		{"2026-04-03 12:00", 1, "2026-04-07", true},   // Qingming Monday off
		{"2026-12-21 00:00", 10, "2027-01-04", false}, // 2027 not in the calendar: weekdays only
		{"2026-06-01 09:00", 0, "2026-06-01", true},
	} {
		got, covered := c.AddWorkdays(at(tc.from), tc.n)
		assert.Equal(t, tc.want, got.String(), "%s + %d", tc.from, tc.n)
		assert.Equal(t, tc.covered, covered, "%s + %d covered", tc.from, tc.n)
	}
}

func TestIsWorkday(t *testing.T) {
	t.Parallel()
	c := cal2026()
	for day, want := range map[string]bool{
		"2026-01-01": false, "2026-01-04": true, "2026-02-16": false, "2026-02-28": true,
		"2026-05-09": true, "2026-05-10": false, "2026-10-07": false, "2026-10-08": true,
		"2026-11-26": true, "2026-11-28": false,
	} {
		assert.Equal(t, want, c.IsWorkday(cases.DayOf(at(day+" 12:00"))), day)
	}
}

func TestDeadline(t *testing.T) {
	t.Parallel()
	c := cal2026()
	d := c.Deadline(at("2026-11-02 09:00"), cases.DeadlineRule{Days: 5, RemindDays: 1, ListedAfter: 10})
	assert.Equal(t, at("2026-11-10 00:00").UTC(), d.Due, "the end of the 5th working day")
	assert.Equal(t, at("2026-11-07 00:00").UTC(), d.RemindAt, "the end of the 4th working day")
	assert.Equal(t, at("2026-11-24 00:00").UTC(), d.ListedAt, "10 working days after the due day")
	assert.True(t, d.Covered)

	short := c.Deadline(at("2026-11-02 09:00"), cases.DeadlineRule{Days: 1, RemindDays: 1})
	assert.True(t, short.RemindAt.IsZero(), "no reminder when the limit is not longer than it")
	assert.True(t, short.ListedAt.IsZero())

	ext := c.Extend(c.Deadline(at("2026-07-01 09:00"), cases.DeadlineRule{Days: 60}), cases.DeadlineRule{}, 30)
	assert.Equal(t, at("2026-11-11 00:00").UTC(), ext.Due, "22 Sep + 30 working days")
}
