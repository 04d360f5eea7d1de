package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/notify"
)

// CasePolicy reads the time limits and thresholds of a case kind (a local
// activity at a workflow's start); without a row, the regulations'
// defaults.
func (a *Activities) CasePolicy(ctx context.Context, kind string) (cases.Policy, error) {
	p, err := db.Q(a.DB).CasePolicyGet(ctx, kind)
	if errors.Is(err, db.ErrNotFound) && kind == "lead" {
		return cases.DefaultLeadPolicy, nil
	}
	if err != nil {
		return cases.Policy{}, fmt.Errorf("case policy %s: %w", kind, err)
	}
	return cases.Policy{Kind: p.Kind, AcceptDays: int(p.AcceptDays), HandleDays: int(p.HandleDays),
		ExtendDays: int(p.ExtendDays), RectifyDays: int(p.RectifyDays), ConfirmDays: int(p.ConfirmDays),
		RemindDays: int(p.RemindDays), ListedAfterDays: int(p.ListedAfterDays), MajorWorkers: int(p.MajorWorkers),
		MajorAmountFen: p.MajorAmountFen, TriageDays: int(p.TriageDays), ReviewDays: int(p.ReviewDays),
		SuperviseDays: int(p.SuperviseDays)}, nil
}

// DeadlineInput asks for a deadline: Rule counted from From, or, when
// Extend is set, that deadline extended by Rule.Days.
type DeadlineInput struct {
	From   time.Time          `json:"from"`
	Extend *cases.Deadline    `json:"extend,omitempty"`
	Rule   cases.DeadlineRule `json:"rule"`
}

// WorkingDeadline counts a deadline in working days on the calendar of
// table work_calendar (a local activity: the workflow records the answer,
// so a calendar changed later does not change a replay).
func (a *Activities) WorkingDeadline(ctx context.Context, in DeadlineInput) (cases.Deadline, error) {
	from := in.From
	if in.Extend != nil {
		from = in.Extend.Due
	}
	cal, err := a.calendar(ctx, from)
	if err != nil {
		return cases.Deadline{}, err
	}
	var d cases.Deadline
	if in.Extend != nil {
		d = cal.Extend(*in.Extend, in.Rule, in.Rule.Days)
	} else {
		d = cal.Deadline(from, in.Rule)
	}
	if d.Estimated() {
		// the lead shows it (due_estimated) until the year is entered
		a.logger().Warn("deadline counted past the holiday calendar: weekends only", "from", from, "rule", in.Rule)
	}
	return d, nil
}

// calendar loads the calendar's exceptions from the day of from on, far
// enough for any limit the policies allow (365 working days and a listing
// period: three years).
func (a *Activities) calendar(ctx context.Context, from time.Time) (cases.Calendar, error) {
	q := db.Q(a.DB)
	start := cases.DayOf(from).Start()
	rows, err := q.CalendarDays(ctx, dbq.CalendarDaysParams{FromDay: start, ToDay: start.AddDate(3, 0, 0)})
	if err != nil {
		return cases.Calendar{}, fmt.Errorf("calendar: %w", err)
	}
	years, err := q.CalendarYears(ctx)
	if err != nil {
		return cases.Calendar{}, fmt.Errorf("calendar years: %w", err)
	}
	days := make([]cases.CalendarDay, len(rows))
	for i, r := range rows {
		// a date column comes back as midnight UTC: keep the date
		days[i] = cases.CalendarDay{Day: time.Date(r.Day.Year(), r.Day.Month(), r.Day.Day(), 12, 0, 0, 0, cases.Zone),
			Workday: r.Workday, Name: r.Name}
	}
	ys := make([]int, len(years))
	for i, y := range years {
		ys[i] = int(y.Year)
	}
	return cases.NewCalendar(days, ys), nil
}

// ProjectLead writes one step of a lead workflow: the lead row, the
// step's event and the lead's open tasks, in one transaction under the
// step's actor (so the system log names who). It is idempotent: a step
// already in (leads.seq ≥ its seq) changes nothing.
func (a *Activities) ProjectLead(ctx context.Context, p cases.Projection) error {
	return db.InTx(ctx, a.DB, func(q *dbq.Queries, tx pgx.Tx) error {
		return projectStep(ctx, q, tx, p)
	})
}

// projectStep is ProjectLead's transaction.
func projectStep(ctx context.Context, q *dbq.Queries, tx pgx.Tx, p cases.Projection) error {
	ev, st := p.Event, p.State
	if err := audit.SetActor(ctx, tx, auditActor(ev.Actor)); err != nil {
		return err
	}
	n, err := q.LeadProjectState(ctx, stateParams(st, ev.At))
	if err != nil {
		return fmt.Errorf("lead %d step %d: %w", st.LeadID, st.Seq, err)
	}
	if n == 0 {
		if _, err := q.LeadSeq(ctx, st.LeadID); errors.Is(err, db.ErrNotFound) {
			return temporal.NewNonRetryableApplicationError(fmt.Sprintf("lead %d is not in the database", st.LeadID), "lead_missing", nil)
		} else if err != nil {
			return err
		}
		return nil // this step is in already (the transaction changed nothing)
	}
	if err := projectClaimants(ctx, q, st, ev); err != nil {
		return err
	}
	changes, err := json.Marshal(ev.Changes)
	if err != nil {
		return err
	}
	seq := int32(ev.Seq)
	e := dbq.LeadEventInsertParams{LeadID: st.LeadID, Seq: &seq, At: ev.At, Action: ev.Action, ActorName: ev.Actor.Name,
		ActorRole: ev.Actor.Role, ActorDomain: ev.Actor.Domain, Ip: ev.Actor.IP, ToStatus: string(ev.To),
		Changes: changes, Note: ev.Note, Rule: ev.Rule}
	if !ev.Actor.IsSystem() {
		e.ActorID = &ev.Actor.AccountID
	}
	if ev.From != "" {
		from := string(ev.From)
		e.FromStatus = &from
	}
	if err := q.LeadEventInsert(ctx, e); err != nil {
		return fmt.Errorf("lead %d event %d: %w", st.LeadID, ev.Seq, err)
	}
	reminded, err := notify.Reminders(ctx, q, "lead", st.LeadID)
	if err != nil {
		return err
	}
	keys := make([]string, len(st.Tasks))
	for i, t := range st.Tasks {
		keys[i] = t.Key
	}
	if err := q.CaseTaskCloseOthers(ctx, dbq.CaseTaskCloseOthersParams{Seq: &seq, At: &ev.At, LeadID: st.LeadID, Keys: keys}); err != nil {
		return fmt.Errorf("lead %d tasks: %w", st.LeadID, err)
	}
	for _, t := range st.Tasks {
		if err := q.CaseTaskUpsert(ctx, taskParams(st.LeadID, t)); err != nil {
			return fmt.Errorf("lead %d task %s: %w", st.LeadID, t.Key, err)
		}
	}
	// whom the step tells (tasks opened and reminded, a result), with the step
	return notify.Record(ctx, q, notify.Step{CaseKind: "lead", CaseID: st.LeadID, Seq: ev.Seq, Action: ev.Action, At: ev.At,
		From: string(ev.From), To: string(ev.To), Tasks: st.Tasks, Reminded: reminded, WorkerID: st.WorkerID, EnterpriseID: st.RectifyEnterpriseID,
		ProjectID: st.ProjectID, ClosureCode: string(st.ClosureCode)})
}

func auditActor(a cases.Actor) audit.Actor {
	if a.IsSystem() {
		return audit.Actor{Username: "system", Role: "system"}
	}
	id := a.AccountID
	return audit.Actor{AccountID: &id, Username: a.Name, Role: a.Role, Domain: a.Domain, IP: a.IP}
}

func stateParams(s cases.LeadState, at time.Time) dbq.LeadProjectStateParams {
	p := dbq.LeadProjectStateParams{ID: s.LeadID, Seq: int32(s.Seq), Status: string(s.Status), Major: s.Major,
		AcceptDue: s.AcceptDue, HandleDue: s.HandleDue, RectifyDue: s.RectifyDue, ConfirmDue: s.ConfirmDue,
		AcceptDueEstimated: s.AcceptDueEstimated, HandleDueEstimated: s.HandleDueEstimated,
		RectifyDueEstimated: s.RectifyDueEstimated, ConfirmDueEstimated: s.ConfirmDueEstimated,
		Overdue: s.Overdue, Supervision: string(s.Supervision), Extended: s.Extended, Reopened: int32(s.Reopened),
		LinkedReports: int32(s.LinkedReports), AmountPaidFen: s.AmountPaidFen, AmountRecoveredFen: s.AmountRecoveredFen,
		ClosedAt: s.ClosedAt, At: at, TownCode: nonEmpty(s.TownCode), RectifyEnterpriseID: nonZero(s.RectifyEnterpriseID),
		ClosureCode: nonEmpty(string(s.ClosureCode)), ResultSummary: nonEmpty(s.ResultSummary)}
	if s.WorkersCovered != nil {
		w := int32(*s.WorkersCovered)
		p.WorkersCovered = &w
	}
	return p
}

func taskParams(lead int64, t cases.Task) dbq.CaseTaskUpsertParams {
	return dbq.CaseTaskUpsertParams{LeadID: lead, Key: t.Key, Kind: t.Kind, Actor: t.Actor, TownCode: nonEmpty(t.TownCode),
		EnterpriseID: nonZero(t.EnterpriseID), ProjectID: nonZero(t.ProjectID), WorkerID: nonZero(t.WorkerID),
		OpenedSeq: int32(t.OpenedSeq), OpenedAt: t.OpenedAt, DueAt: t.DueAt, DueEstimated: t.DueEstimated, RemindedAt: t.RemindedAt, Overdue: t.Overdue}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}
