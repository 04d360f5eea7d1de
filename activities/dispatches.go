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
				EvidenceIds: append([]int64{}, pt.EvidenceIDs...)}); err != nil {
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
		return nil
	})
}
