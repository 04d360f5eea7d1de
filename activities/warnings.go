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

// ProjectWarning writes one step of a warning workflow: the warning row,
// the step's event and the warning's open tasks, in one transaction under
// the step's actor. It is idempotent: a step already in (warnings.seq ≥
// its seq) changes nothing.
func (a *Activities) ProjectWarning(ctx context.Context, p cases.WarningProjection) error {
	return db.InTx(ctx, a.DB, func(q *dbq.Queries, tx pgx.Tx) error {
		ev, st := p.Event, p.State
		if err := audit.SetActor(ctx, tx, auditActor(ev.Actor)); err != nil {
			return err
		}
		var lead *int64
		if st.LeadID != 0 {
			lead = &st.LeadID
		}
		evidence := st.EvidenceIDs
		if evidence == nil {
			evidence = []int64{}
		}
		n, err := q.WarningProjectState(ctx, dbq.WarningProjectStateParams{ID: st.WarningID, Seq: int32(st.Seq),
			Status: string(st.Status), Level: st.Level, Answer: st.Answer, EvidenceIds: evidence, AnsweredAt: st.AnsweredAt,
			DueAt: st.DueAt, Overdue: st.Overdue, DueEstimated: st.DueEstimated, LeadID: lead, Resolution: st.Resolution, ClosedAt: st.ClosedAt, At: ev.At})
		if err != nil {
			return fmt.Errorf("warning %d step %d: %w", st.WarningID, st.Seq, err)
		}
		if n == 0 {
			if _, err := q.WarningSeq(ctx, st.WarningID); errors.Is(err, db.ErrNotFound) {
				return temporal.NewNonRetryableApplicationError(fmt.Sprintf("warning %d is not in the database", st.WarningID),
					"warning_missing", nil)
			} else if err != nil {
				return err
			}
			return nil // this step is in already
		}
		changes, err := json.Marshal(ev.Changes)
		if err != nil {
			return err
		}
		seq := int32(ev.Seq)
		e := dbq.WarningEventInsertParams{WarningID: st.WarningID, Seq: &seq, At: ev.At, Action: ev.Action,
			ActorName: ev.Actor.Name, ActorRole: ev.Actor.Role, ActorDomain: ev.Actor.Domain, Ip: ev.Actor.IP,
			FromStatus: nonEmpty(string(ev.From)), ToStatus: string(ev.To), Changes: changes, Note: ev.Note, Rule: ev.Rule}
		if !ev.Actor.IsSystem() {
			e.ActorID = &ev.Actor.AccountID
		}
		if err := q.WarningEventInsert(ctx, e); err != nil {
			return fmt.Errorf("warning %d event %d: %w", st.WarningID, ev.Seq, err)
		}
		reminded, err := notify.Reminders(ctx, q, "warning", st.WarningID)
		if err != nil {
			return err
		}
		keys := make([]string, len(st.Tasks))
		for i, t := range st.Tasks {
			keys[i] = t.Key
		}
		if err := q.WarningTaskCloseOthers(ctx, dbq.WarningTaskCloseOthersParams{Seq: &seq, At: &ev.At,
			WarningID: &st.WarningID, Keys: keys}); err != nil {
			return fmt.Errorf("warning %d tasks: %w", st.WarningID, err)
		}
		for _, t := range st.Tasks {
			if err := q.WarningTaskUpsert(ctx, dbq.WarningTaskUpsertParams{WarningID: &st.WarningID, Key: t.Key,
				Kind: t.Kind, Actor: t.Actor, TownCode: nonEmpty(t.TownCode), EnterpriseID: nonZero(t.EnterpriseID),
				ProjectID: nonZero(t.ProjectID), OpenedSeq: int32(t.OpenedSeq), OpenedAt: t.OpenedAt, DueAt: t.DueAt, DueEstimated: t.DueEstimated,
				RemindedAt: t.RemindedAt, Overdue: t.Overdue}); err != nil {
				return fmt.Errorf("warning %d task %s: %w", st.WarningID, t.Key, err)
			}
		}
		return notify.Record(ctx, q, notify.Step{CaseKind: "warning", CaseID: st.WarningID, Seq: ev.Seq, Action: ev.Action,
			At: ev.At, From: string(ev.From), To: string(ev.To), Tasks: st.Tasks, Reminded: reminded, EnterpriseID: st.EnterpriseID,
			ProjectID: st.ProjectID})
	})
}
