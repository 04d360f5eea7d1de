package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"go.temporal.io/sdk/temporal"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/notify"
)

// ProjectDispatch writes one step of a dispatch workflow: the dispatch
// row, each town's part, the step's event and the dispatch's open tasks,
// in one transaction under the step's actor. It is idempotent: a step
// already in (dispatches.seq ≥ its seq) changes nothing.
func (a *Activities) ProjectDispatch(ctx context.Context, p cases.DispatchProjection) error {
	return db.InTx(ctx, a.DB, func(q *dbq.Queries, tx pgx.Tx) error {
		ev, st := p.Event, p.State
		if err := audit.SetActor(ctx, tx, auditActor(ev.Actor)); err != nil {
			return err
		}
		n, err := q.DispatchProjectState(ctx, dbq.DispatchProjectStateParams{ID: st.DispatchID, Seq: int32(st.Seq),
			Status: string(st.Status), ClosedAt: st.ClosedAt, At: ev.At})
		if err != nil {
			return fmt.Errorf("dispatch %d step %d: %w", st.DispatchID, st.Seq, err)
		}
		if n == 0 {
			if _, err := q.DispatchSeq(ctx, st.DispatchID); errors.Is(err, db.ErrNotFound) {
				return temporal.NewNonRetryableApplicationError(fmt.Sprintf("dispatch %d is not in the database", st.DispatchID),
					"dispatch_missing", nil)
			} else if err != nil {
				return err
			}
			return nil // this step is in already
		}
		for _, pt := range st.Parts {
			if err := q.DispatchTownProject(ctx, dbq.DispatchTownProjectParams{DispatchID: st.DispatchID, TownCode: pt.TownCode,
				Status: string(pt.Status), DueAt: pt.DueAt, RemindedAt: pt.RemindedAt, Overdue: pt.Overdue,
				Returned: int32(pt.Returned), Report: pt.Report, ReportedAt: pt.ReportedAt, AcceptedAt: pt.AcceptedAt,
				EvidenceIds: append([]int64{}, pt.EvidenceIDs...), DueEstimated: pt.DueEstimated, ReviewDue: pt.ReviewDue,
				ReviewDueEstimated: pt.ReviewDueEstimated}); err != nil {
				return fmt.Errorf("dispatch %d town %s: %w", st.DispatchID, pt.TownCode, err)
			}
		}
		changes, err := json.Marshal(ev.Changes)
		if err != nil {
			return err
		}
		seq := int32(ev.Seq)
		e := dbq.DispatchEventInsertParams{DispatchID: st.DispatchID, Seq: &seq, At: ev.At, Action: ev.Action,
			ActorName: ev.Actor.Name, ActorRole: ev.Actor.Role, ActorDomain: ev.Actor.Domain, Ip: ev.Actor.IP,
			TownCode: nonEmpty(ev.TownCode), FromStatus: nonEmpty(string(ev.From)), ToStatus: string(ev.To), Changes: changes,
			Note: ev.Note, Rule: ev.Rule}
		if !ev.Actor.IsSystem() {
			e.ActorID = &ev.Actor.AccountID
		}
		if err := q.DispatchEventInsert(ctx, e); err != nil {
			return fmt.Errorf("dispatch %d event %d: %w", st.DispatchID, ev.Seq, err)
		}
		reminded, err := notify.Reminders(ctx, q, "dispatch", st.DispatchID)
		if err != nil {
			return err
		}
		keys := make([]string, len(st.Tasks))
		for i, t := range st.Tasks {
			keys[i] = t.Key
		}
		if err := q.DispatchTaskCloseOthers(ctx, dbq.DispatchTaskCloseOthersParams{Seq: &seq, At: &ev.At,
			DispatchID: &st.DispatchID, Keys: keys}); err != nil {
			return fmt.Errorf("dispatch %d tasks: %w", st.DispatchID, err)
		}
		for _, t := range st.Tasks {
			if err := q.DispatchTaskUpsert(ctx, dbq.DispatchTaskUpsertParams{DispatchID: &st.DispatchID, Key: t.Key,
				Kind: t.Kind, Actor: t.Actor, TownCode: nonEmpty(t.TownCode), OpenedSeq: int32(t.OpenedSeq),
				OpenedAt: t.OpenedAt, DueAt: t.DueAt, DueEstimated: t.DueEstimated, RemindedAt: t.RemindedAt,
				Overdue: t.Overdue}); err != nil {
				return fmt.Errorf("dispatch %d task %s: %w", st.DispatchID, t.Key, err)
			}
		}
		return notify.Record(ctx, q, notify.Step{CaseKind: "dispatch", CaseID: st.DispatchID, Seq: ev.Seq, Action: ev.Action,
			At: ev.At, From: string(ev.From), To: string(ev.To), Tasks: st.Tasks, Reminded: reminded})
	})
}

// DispatchRecord is a checked dispatch to record: its towns sorted,
// distinct and active.
type DispatchRecord struct {
	Title        string
	Instructions string
	Towns        []string
	DueDays      int
	LeadID       *int64
	// LeadSeq is the lead step that recorded it (the lead's supervision);
	// nil for a dispatch the city made itself.
	LeadSeq   *int32
	Level     string
	CreatedBy int64
}

// RecordDispatch records dispatch r and its towns' parts with q, in the
// caller's transaction and under its actor (the system log names them):
// the one recording of a dispatch, for the API (POST /dispatches) and the
// lead workflow's supervision (RecordLeadDispatch). The workflow is
// started after the commit. A lead step's dispatch recorded already
// (r.LeadSeq; a concurrent attempt committed first) is not recorded
// again: it answers that one.
func RecordDispatch(ctx context.Context, q *dbq.Queries, r DispatchRecord) (dbq.Dispatch, error) {
	d, err := q.DispatchInsert(ctx, dbq.DispatchInsertParams{Title: r.Title, Instructions: r.Instructions, LeadID: r.LeadID,
		LeadSeq: r.LeadSeq, Level: r.Level, DueDays: int32(r.DueDays), CreatedBy: r.CreatedBy})
	if errors.Is(err, pgx.ErrNoRows) && r.LeadSeq != nil {
		return q.DispatchOfLeadStep(ctx, dbq.DispatchOfLeadStepParams{LeadID: r.LeadID, LeadSeq: r.LeadSeq})
	}
	if err != nil {
		return d, err
	}
	for _, t := range r.Towns {
		if err := q.DispatchTownInsert(ctx, dbq.DispatchTownInsertParams{DispatchID: d.ID, TownCode: t}); err != nil {
			return d, err
		}
	}
	return d, nil
}

// LeadDispatchInput is a supervision (督办) of a lead: step LeadSeq of
// lead LeadID, taken by By (the city) with the note as the instructions,
// to the lead's town.
type LeadDispatchInput struct {
	LeadID   int64       `json:"lead_id"`
	LeadSeq  int         `json:"lead_seq"`
	TownCode string      `json:"town_code"`
	Note     string      `json:"note"`
	DueDays  int         `json:"due_days,omitempty"` // 0: cases.DefaultSuperviseDays
	Level    string      `json:"level"`
	By       cases.Actor `json:"by"`
}

// SuperviseDispatchTitle is the title of the dispatch a supervision of
// lead id becomes.
func SuperviseDispatchTitle(id int64) string { return fmt.Sprintf("督办：欠薪线索 #%d", id) }

// RecordLeadDispatch makes a supervision of a lead a dispatch to the
// lead's town linked to the lead, and starts its workflow; it answers the
// dispatch's id, or 0 when a dispatch of the lead is open already (then
// the supervision needs none). It is idempotent: the dispatch is keyed by
// the lead step (dispatches.lead_seq), so a retry finds the one an
// earlier attempt recorded and only starts it (starting is idempotent
// too). A start that fails after the commit is returned for a retry; the
// stalled-case sweep would start it anyway.
func (a *Activities) RecordLeadDispatch(ctx context.Context, in LeadDispatchInput) (int64, error) {
	if a.Cases == nil {
		return 0, errors.New("record lead dispatch: no case starter configured")
	}
	seq := int32(in.LeadSeq)
	key := dbq.DispatchOfLeadStepParams{LeadID: &in.LeadID, LeadSeq: &seq}
	var d dbq.Dispatch
	none := false
	err := db.InTx(ctx, a.DB, func(q *dbq.Queries, tx pgx.Tx) error {
		if err := audit.SetActor(ctx, tx, auditActor(in.By)); err != nil {
			return err
		}
		var err error
		if d, err = q.DispatchOfLeadStep(ctx, key); err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return err // recorded by an earlier attempt
		}
		open, err := q.DispatchOpenOfLead(ctx, &in.LeadID)
		if err != nil || open {
			none = open
			return err
		}
		days := in.DueDays
		if days == 0 {
			days = cases.DefaultSuperviseDays
		}
		d, err = RecordDispatch(ctx, q, DispatchRecord{Title: SuperviseDispatchTitle(in.LeadID), Instructions: in.Note,
			Towns: []string{in.TownCode}, DueDays: days, LeadID: &in.LeadID, LeadSeq: &seq, Level: in.Level,
			CreatedBy: in.By.AccountID})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("lead %d step %d: supervision dispatch: %w", in.LeadID, in.LeadSeq, err)
	}
	if none {
		return 0, nil
	}
	if d.Status == string(cases.DispatchReceived) {
		if err := a.Cases.StartDispatch(ctx, d, []string{in.TownCode}, in.By); err != nil {
			return 0, fmt.Errorf("lead %d step %d: start dispatch %d: %w", in.LeadID, in.LeadSeq, d.ID, err)
		}
	}
	return d.ID, nil
}
