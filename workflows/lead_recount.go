package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
)

// A case's deadlines are counted when they start, on the calendar as it
// is then (the local activity WorkingDeadline; its answer is in the
// history). When the city enters or corrects a year's holiday arrangement
// (PUT /calendar/{year}), the API starts RecountDeadlines, which signals
// SignalCalendarChanged to every open lead, dispatch and warning whose
// deadlines may pass through that year; each recounts them by the same
// rule: the lead here, the dispatch (each town's report and the city's
// review of it) in dispatch_recount.go, the warning (its holder's
// deadline) in warning_recount.go, sharing recountDeadlines and
// deadline.moveTo.
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
// The handling is versioned (GetVersion "calendar-recount", the same
// change ID in every kind): a run of the code before it never received
// the signal, and a replay of such a history never reaches it.

// CalendarChanged is the signal SignalCalendarChanged: the year whose
// holiday arrangement the city entered or corrected.
type CalendarChanged struct {
	Year int `json:"year"`
}

// calendarRecountVersion is the GetVersion change ID of the recount.
const calendarRecountVersion = "calendar-recount"

// listenCalendar handles SignalCalendarChanged for the life of the run.
func (l *lead) listenCalendar(ctx workflow.Context) {
	listenCalendar(ctx, l.mu, l.recount, func(year int, err error) {
		l.failed = fmt.Errorf("lead %d recount for %d: %w", l.in.LeadID, year, err)
		l.gen++ // the timer loop returns it
	})
}

// listenCalendar is the signal handler of every case kind: for each
// SignalCalendarChanged (once the run is on calendarRecountVersion), it
// takes the case's lock and runs recount; an error of recount is handed
// to fail, and the handler stops.
func listenCalendar(ctx workflow.Context, mu workflow.Mutex, recount func(workflow.Context, int) error,
	fail func(year int, err error)) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalCalendarChanged)
		for {
			var sig CalendarChanged
			ch.Receive(ctx, &sig)
			if workflow.GetVersion(ctx, calendarRecountVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
				continue
			}
			if err := mu.Lock(ctx); err != nil {
				return // cancelled
			}
			err := recount(ctx, sig.Year)
			mu.Unlock()
			if err != nil {
				fail(sig.Year, err)
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

// recountable reports whether deadline d is to be recounted after year's
// calendar changed: running, not overdue, counted from a known moment,
// and either estimated or passing through year.
func (d *deadline) recountable(year int) bool {
	if !d.Active || d.Overdue || d.From.IsZero() {
		return false
	}
	return d.Estimated() || d.Passes(d.From, year)
}

// recountDeadlines counts again, in their order, the deadlines of ds
// that year's calendar change may move (recountable), each from where it
// started with rule(d) (nil: its own Rule), and answers those whose count
// changed. Nothing of the case changes here: the caller moves them
// (deadline.moveTo) in its `recount` step.
func recountDeadlines(ctx workflow.Context, year int, ds []*deadline, rule func(d *deadline) cases.DeadlineRule) ([]moved, error) {
	var changed []moved
	for _, d := range ds {
		if !d.recountable(year) {
			continue
		}
		r := d.Rule
		if rule != nil {
			r = rule(d)
		}
		dl, err := countDeadline(ctx, activities.DeadlineInput{From: d.From, Rule: r})
		if err != nil {
			return nil, err
		}
		if !sameDeadline(dl, d.Deadline) {
			changed = append(changed, moved{d, dl})
		}
	}
	return changed, nil
}

// countDeadline counts a deadline by the local activity WorkingDeadline.
func countDeadline(ctx workflow.Context, in activities.DeadlineInput) (cases.Deadline, error) {
	var a *activities.Activities
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	var dl cases.Deadline
	err := workflow.ExecuteLocalActivity(lctx, a.WorkingDeadline, in).Get(ctx, &dl)
	return dl, err
}

// calendarRecountRule is the rule of a `recount` step.
func calendarRecountRule(year int) string {
	return fmt.Sprintf("calendar_recount: %d年节假日安排已录入，期限重新计算", year)
}

// moveTo sets d to its recount dl at now. It answers d's old due date
// (the tasks due then move with it) and whether the reminder is to be
// given again: it was given, and the new reminder moment is still ahead.
func (d *deadline) moveTo(dl cases.Deadline, now time.Time) (old time.Time, remindAgain bool) {
	old = d.Due
	d.Deadline = dl
	remindAgain = d.Reminded && !dl.RemindAt.IsZero() && now.Before(dl.RemindAt)
	if remindAgain {
		d.Reminded = false
	}
	return old, remindAgain
}

// recount recounts the lead's running deadlines after year's calendar
// changed (the rule above); the caller holds the lock.
func (l *lead) recount(ctx workflow.Context, year int) error {
	if l.st.Status == cases.Closed || l.st.Status == cases.Received {
		return nil
	}
	changed, err := recountDeadlines(ctx, year, l.deadlines(), func(d *deadline) cases.DeadlineRule {
		rule := d.Rule
		if d.Name == "handle" && l.st.Extended {
			// extended once from its due day: the same as counting the
			// extension's days on top from the start
			rule.Days += l.policy.ExtendDays
		}
		return rule
	})
	if err != nil || len(changed) == 0 {
		return err
	}
	return l.step(ctx, "recount", cases.System, "", func(ev *cases.Event) error {
		ev.Rule = calendarRecountRule(year)
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
	old, remindAgain := d.moveTo(dl, now)
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
