package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/cases"
)

// A dispatch's deadlines (each town's report, the city's review of a
// report, the city's supervise task about a late town) are recounted when a year's calendar changes by the lead's rule
// (lead_recount.go): the running ones not overdue that pass through the
// year or were estimated, from where they started with the same rule; one
// `recount` step (no town: it may move several) when something changed,
// whose changes show the parts' old → new due dates; the tasks due with a
// moved deadline move, their due_estimated refreshed.

// listenCalendar handles SignalCalendarChanged for the life of the run.
func (d *dispatch) listenCalendar(ctx workflow.Context) {
	listenCalendar(ctx, d.mu, d.recount, func(year int, err error) {
		d.failed = fmt.Errorf("dispatch %d recount for %d: %w", d.in.DispatchID, year, err)
		d.gen++ // the timer loop returns it
	})
}

// recount recounts the dispatch's running deadlines after year's calendar
// changed; the caller holds the lock.
func (d *dispatch) recount(ctx workflow.Context, year int) error {
	if d.st.Status != cases.DispatchOpen {
		return nil
	}
	changed, err := recountDeadlines(ctx, year, d.deadlines(), nil)
	if err != nil || len(changed) == 0 {
		return err
	}
	return d.step(ctx, "recount", cases.System, "", "", func(ev *cases.DispatchEvent) error {
		ev.Rule = calendarRecountRule(year)
		now := workflow.Now(ctx)
		for _, m := range changed {
			d.move(m.d, m.dl, now)
		}
		return nil
	})
}

// move sets deadline dl of a town's part to its recount: the part's due
// date (report) or review date with its due_estimated (the supervise
// deadline is its task's alone), the town's or city's task due with it,
// and the reminder if it is to be given again.
func (d *dispatch) move(dl *deadline, to cases.Deadline, now time.Time) {
	old, remindAgain := dl.moveTo(to, now)
	due := to.Due
	for i := range d.parts {
		p := &d.st.Parts[i]
		kind := cases.TaskDispatchReport
		switch dl {
		case &d.parts[i].due:
			p.DueAt, p.DueEstimated = timePtr(due), to.Estimated()
			if remindAgain {
				p.RemindedAt = nil
			}
		case &d.parts[i].review:
			p.ReviewDue, p.ReviewDueEstimated = timePtr(due), to.Estimated()
			kind = cases.TaskDispatchReview
		case &d.parts[i].supervise:
			kind = cases.TaskSupervise
		default:
			continue
		}
		for j := range d.st.Tasks {
			t := &d.st.Tasks[j]
			if t.TownCode != p.TownCode || t.Kind != kind || t.DueAt == nil || !t.DueAt.Equal(old) {
				continue
			}
			t.DueAt, t.DueEstimated = timePtr(due), to.Estimated()
			if remindAgain {
				t.RemindedAt = nil
			}
		}
	}
}
