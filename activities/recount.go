package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// The case kinds a calendar change's fan-out signals, by the name
// caseclient knows them by.
const (
	RecountLeads      = "lead"
	RecountDispatches = "dispatch"
	RecountWarnings   = "warning"
)

// RecountPageInput is one batch of RecountDeadlines' fan-out: the open
// cases of Kind after AfterID that year's calendar may move.
type RecountPageInput struct {
	Year    int   `json:"year"`
	AfterID int64 `json:"after_id"`
	// Limit is the batch size (default RecountBatch).
	Limit int `json:"limit,omitempty"`
	// Kind is RecountLeads (also when empty: the fan-out before it
	// signalled leads alone), RecountDispatches or RecountWarnings.
	Kind string `json:"kind,omitempty"`
}

// RecountPage is what a batch did: how many cases it signalled, the last
// case id (the next batch starts after it), and whether more may follow.
type RecountPage struct {
	Signalled int   `json:"signalled"`
	LastID    int64 `json:"last_id"`
	More      bool  `json:"more"`
}

// RecountBatch is the default number of cases signalled per activity.
const RecountBatch = 200

// SignalCalendarChanged signals one batch of the open cases of in.Kind
// whose deadlines a change of year's calendar may move (queries
// LeadsForRecount, DispatchesForRecount, WarningsForRecount: a deadline
// due on or after that year's first day, or one counted without an
// official calendar) — each recounts its own deadlines and takes a step
// only if one moved. Signalling twice is harmless (the second recount
// finds nothing to change), so a retried batch does no harm.
func (a *Activities) SignalCalendarChanged(ctx context.Context, in RecountPageInput) (RecountPage, error) {
	if a.Cases == nil {
		return RecountPage{}, errors.New("calendar recount: no case client configured")
	}
	limit := in.Limit
	if limit <= 0 {
		limit = RecountBatch
	}
	kind := in.Kind
	if kind == "" {
		kind = RecountLeads
	}
	q := db.Q(a.DB)
	var ids []int64
	var err error
	switch kind {
	case RecountLeads:
		ids, err = q.LeadsForRecount(ctx, dbq.LeadsForRecountParams{AfterID: in.AfterID, Year: int32(in.Year), Lim: int32(limit)})
	case RecountDispatches:
		ids, err = q.DispatchesForRecount(ctx, dbq.DispatchesForRecountParams{AfterID: in.AfterID, Year: int32(in.Year),
			Lim: int32(limit)})
	case RecountWarnings:
		ids, err = q.WarningsForRecount(ctx, dbq.WarningsForRecountParams{AfterID: in.AfterID, Year: int32(in.Year),
			Lim: int32(limit)})
	default:
		return RecountPage{}, fmt.Errorf("calendar recount %d: unknown case kind %q", in.Year, kind)
	}
	if err != nil {
		return RecountPage{}, fmt.Errorf("calendar recount %d (%s): %w", in.Year, kind, err)
	}
	out := RecountPage{LastID: in.AfterID, More: len(ids) == limit}
	for _, id := range ids {
		if err := a.Cases.CalendarChanged(ctx, kind, id, in.Year); err != nil {
			return out, fmt.Errorf("calendar recount %d: %s %d: %w", in.Year, kind, id, err)
		}
		out.Signalled++
		out.LastID = id
	}
	return out, nil
}
