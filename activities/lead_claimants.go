package activities

import (
	"context"
	"fmt"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbq"
)

// projectClaimants writes the claimants' part of a lead's step (inside
// ProjectLead's transaction): the lines' state when the step changed
// them (or took them in: the first step), the lead's claim as their sum
// and count, and the lead a merged lead joined.
func projectClaimants(ctx context.Context, q *dbq.Queries, st cases.LeadState, ev cases.Event) error {
	if st.MergedInto != 0 {
		if err := q.LeadMergedInto(ctx, dbq.LeadMergedIntoParams{ID: st.LeadID, MergedInto: &st.MergedInto}); err != nil {
			return fmt.Errorf("lead %d merged: %w", st.LeadID, err)
		}
	}
	_, changed := ev.Changes["claimants"]
	if len(st.Claimants) == 0 || (!changed && ev.Seq != 1) {
		return nil
	}
	n := len(st.Claimants)
	seq := int32(ev.Seq)
	p := dbq.LeadClaimantsProjectParams{LeadID: st.LeadID, Seq: &seq, At: ev.At, Ids: make([]int64, n),
		Statuses: make([]string, n), Apps: make([]bool, n), Owed: make([]int64, n), Recovered: make([]int64, n),
		MovedFrom: make([]int64, n)}
	for i, c := range st.Claimants {
		p.Ids[i], p.Statuses[i], p.Apps[i], p.Owed[i], p.MovedFrom[i] = c.ID, c.Status, c.App, c.AmountOwedFen, c.MovedFrom
		p.Recovered[i] = -1
		if c.AmountRecoveredFen != nil {
			p.Recovered[i] = *c.AmountRecoveredFen
		}
	}
	if err := q.LeadClaimantsProject(ctx, p); err != nil {
		return fmt.Errorf("lead %d claimants: %w", st.LeadID, err)
	}
	if err := q.LeadClaimedTotals(ctx, st.LeadID); err != nil {
		return fmt.Errorf("lead %d claim: %w", st.LeadID, err)
	}
	return nil
}
