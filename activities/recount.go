package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// RecountPageInput is one batch of RecountDeadlines' fan-out: the open
// leads after AfterID that year's calendar may move.
type RecountPageInput struct {
	Year    int   `json:"year"`
	AfterID int64 `json:"after_id"`
	// Limit is the batch size (default RecountBatch).
	Limit int `json:"limit,omitempty"`
}

// RecountPage is what a batch did: how many leads it signalled, the last
// lead id (the next batch starts after it), and whether more may follow.
type RecountPage struct {
	Signalled int   `json:"signalled"`
	LastID    int64 `json:"last_id"`
	More      bool  `json:"more"`
}

// RecountBatch is the default number of leads signalled per activity.
const RecountBatch = 200

// SignalCalendarChanged signals one batch of the open leads whose
// deadlines a change of year's calendar may move (query LeadsForRecount:
// a deadline due on or after that year's first day, or one counted
// without an official calendar) — each recounts its own deadlines and
// takes a step only if one moved. Signalling twice is harmless (the
// second recount finds nothing to change), so a retried batch does no
// harm.
func (a *Activities) SignalCalendarChanged(ctx context.Context, in RecountPageInput) (RecountPage, error) {
	if a.Cases == nil {
		return RecountPage{}, errors.New("calendar recount: no case client configured")
	}
	limit := in.Limit
	if limit <= 0 {
		limit = RecountBatch
	}
	ids, err := db.Q(a.DB).LeadsForRecount(ctx, dbq.LeadsForRecountParams{AfterID: in.AfterID, Year: int32(in.Year),
		Lim: int32(limit)})
	if err != nil {
		return RecountPage{}, fmt.Errorf("calendar recount %d: %w", in.Year, err)
	}
	out := RecountPage{LastID: in.AfterID, More: len(ids) == limit}
	for _, id := range ids {
		if err := a.Cases.CalendarChanged(ctx, id, in.Year); err != nil {
			return out, fmt.Errorf("calendar recount %d: lead %d: %w", in.Year, id, err)
		}
		out.Signalled++
		out.LastID = id
	}
	return out, nil
}
