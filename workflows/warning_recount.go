package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/cases"
)

// A warning's deadline (that of whoever holds it now) is recounted when a
// year's calendar changes by the lead's rule (lead_recount.go): when it
// is running, not overdue, and passes through the year or was estimated,
// from where it started with the same rule; one `recount` step when it
// changed, whose changes show the old → new due_at; the holder's task
// moves with it, its due_estimated (and the warning's) refreshed. A due date the new calendar
// puts in the past escalates at once (to the town, to the city, or
// overdue with the city), right after the recount step.

// listenCalendar handles SignalCalendarChanged for the life of the run.
func (w *warning) listenCalendar(ctx workflow.Context) {
	listenCalendar(ctx, w.mu, w.recount, func(year int, err error) {
		w.failed = fmt.Errorf("warning %d recount for %d: %w", w.in.WarningID, year, err)
		w.gen++ // the timer loop returns it
	})
}

// recount recounts the warning's running deadline after year's calendar
// changed; the caller holds the lock.
func (w *warning) recount(ctx workflow.Context, year int) error {
	if !w.st.Status.Open() {
		return nil
	}
	changed, err := recountDeadlines(ctx, year, []*deadline{&w.due}, nil)
	if err != nil || len(changed) == 0 {
		return err
	}
	return w.step(ctx, "recount", cases.System, "", func(ev *cases.Event) error {
		ev.Rule = calendarRecountRule(year)
		to := changed[0].dl
		old, remindAgain := w.due.moveTo(to, workflow.Now(ctx))
		w.st.DueAt, w.st.DueEstimated = timePtr(to.Due), to.Estimated()
		for i := range w.st.Tasks {
			t := &w.st.Tasks[i]
			if t.DueAt == nil || !t.DueAt.Equal(old) {
				continue
			}
			t.DueAt, t.DueEstimated = timePtr(to.Due), to.Estimated()
			if remindAgain {
				t.RemindedAt = nil
			}
		}
		return nil
	})
}
