package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
)

// A lead's deadlines are counted when they start, on the calendar as it is
// then (the local activity WorkingDeadline; its answer is in the history).
// When the city enters or corrects a year's holiday arrangement (PUT
// /calendar/{year}), the API starts RecountDeadlines, which signals
// SignalCalendarChanged to every open lead whose deadlines may pass
// through that year; the lead recounts them here.
//
// The rule:
//   - only running deadlines not yet overdue are recounted (an overdue
//     deadline has escalated: it is never moved back into the future, and
//     no escalation step already taken is undone);
//   - a deadline is recounted when its count passed through the year (from
//     its start to its last rung) or was estimated (counted through any
//     year without an official arrangement);
//   - it is recounted from where it started, with the same rule (a handling
//     limit extended once: with the extension's days added), by the same
//     local activity;
//   - when a due date, reminder, listing or the estimated flag changes, the
//     lead takes one step `recount` (the system's, with the rule
//     calendar_recount) whose changes show old → new due dates; the tasks
//     due with a moved deadline move with it. A reminder already given is
//     given again when the new reminder moment is still ahead; a due date
//     the new calendar puts in the past makes the deadline overdue at once
//     (the usual escalation, right after the recount step);
//   - nothing changed: no step.
//
// The handling is versioned (GetVersion "calendar-recount"): a run of
// the code before it never received the signal, and a replay of such a
// history never reaches it.

// CalendarChanged is the signal SignalCalendarChanged: the year whose
// holiday arrangement the city entered or corrected.
type CalendarChanged struct {
	Year int `json:"year"`
}

// calendarRecountVersion is the GetVersion change ID of the recount.
const calendarRecountVersion = "calendar-recount"

// listenCalendar handles SignalCalendarChanged for the life of the run.
func (l *lead) listenCalendar(ctx workflow.Context) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalCalendarChanged)
		for {
			var sig CalendarChanged
			ch.Receive(ctx, &sig)
			if workflow.GetVersion(ctx, calendarRecountVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				continue
			}
			if err := l.mu.Lock(ctx); err != nil {
				return // cancelled
			}
			err := l.recount(ctx, sig.Year)
			l.mu.Unlock()
			if err != nil {
				l.failed = fmt.Errorf("lead %d recount for %d: %w", l.in.LeadID, sig.Year, err)
				l.gen++ // the timer loop returns it
				return
			}
		}
	})
}

// moved is a deadline's recount.
type moved struct {
	d  *deadline
	dl cases.Deadline
}

// recount recounts the lead's running deadlines after year's calendar
// changed (the rule above); the caller holds the lock.
func (l *lead) recount(ctx workflow.Context, year int) error {
	if l.st.Status == cases.Closed || l.st.Status == cases.Received {
		return nil
	}
	var changed []moved
	for _, d := range l.deadlines() {
		if !d.Active || d.Overdue || d.From.IsZero() {
			continue
		}
		if !d.Estimated() && !d.Passes(d.From, year) {
			continue
		}
		rule := d.Rule
		if d.Name == "handle" && l.st.Extended {
			// extended once from its due day: the same as counting the
			// extension's days on top from the start
			rule.Days += l.policy.ExtendDays
		}
		dl, err := l.count(ctx, activities.DeadlineInput{From: d.From, Rule: rule})
		if err != nil {
			return err
		}
		if !sameDeadline(dl, d.Deadline) {
			changed = append(changed, moved{d, dl})
		}
	}
	if len(changed) == 0 {
		return nil
	}
	return l.step(ctx, "recount", cases.System, "", func(ev *cases.Event) error {
		ev.Rule = fmt.Sprintf("calendar_recount: %d年节假日安排已录入，期限重新计算", year)
		now := workflow.Now(ctx)
		for _, m := range changed {
			l.move(m.d, m.dl, now)
		}
		return nil
	})
}

// move sets deadline d to its recount dl: the lead's due date, the tasks
// due with it, and the reminder if it is to be given again.
func (l *lead) move(d *deadline, dl cases.Deadline, now time.Time) {
	old := d.Due
	d.Deadline = dl
	remindAgain := d.Reminded && !dl.RemindAt.IsZero() && now.Before(dl.RemindAt)
	if remindAgain {
		d.Reminded = false
	}
	due := dl.Due
	switch d.Name {
	case "accept":
		l.st.AcceptDue = &due
	case "handle":
		l.st.HandleDue = &due
	case "rectify":
		l.st.RectifyDue = &due
	case "confirm":
		l.st.ConfirmDue = &due
	}
	for i := range l.st.Tasks {
		t := &l.st.Tasks[i]
		if t.DueAt == nil || !t.DueAt.Equal(old) || !slices.Contains(l.deadlinesOf(t.Actor), d) ||
			(t.Actor == cases.ActorCity && t.Kind != d.Name) {
			continue
		}
		t.DueAt = timePtr(due)
		if remindAgain {
			t.RemindedAt = nil
		}
	}
}

func sameDeadline(a, b cases.Deadline) bool {
	return a.Due.Equal(b.Due) && a.RemindAt.Equal(b.RemindAt) && a.ListedAt.Equal(b.ListedAt) && a.Covered == b.Covered
}
