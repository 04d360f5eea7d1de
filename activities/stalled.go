package activities

import (
	"context"
	"errors"
	"time"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/rules"
)

// CaseStarter starts the workflows of recorded cases that never took
// their first step, and signals open cases that a year's calendar changed
// (caseclient.Sweeper). It is an interface because the activities cannot
// import the workflows it starts.
type CaseStarter interface {
	StartStalled(ctx context.Context, before time.Time) (int, error)
	// StartDispatch starts the workflow of recorded dispatch d, assigned
	// to towns by by (nothing if it runs already), and waits for its
	// first step (RecordLeadDispatch).
	StartDispatch(ctx context.Context, d dbq.Dispatch, towns []string, by cases.Actor) error
	// CalendarChanged signals case id of kind (RecountLeads,
	// RecountDispatches, RecountWarnings) that year's holiday arrangement
	// changed; a case closed meanwhile is no error.
	CalendarChanged(ctx context.Context, kind string, id int64, year int) error
	// ScanWarnings evaluates the warning rules as of asOf (those of f, for
	// f's subject; all of them, everywhere, for a zero f) and opens,
	// raises and resolves the warnings to match (caseclient.ScanWarnings);
	// it answers what it did.
	ScanWarnings(ctx context.Context, asOf time.Time, f rules.Filter) (string, error)
}

// StalledInput is the input of StartStalledCases: cases recorded before
// Before are stalled.
type StalledInput struct {
	Before time.Time `json:"before"`
}

// StartStalledCases starts the workflow of every case recorded before
// in.Before whose first step is not in, and answers how many it started.
// Starting is idempotent, so a retry does no harm.
func (a *Activities) StartStalledCases(ctx context.Context, in StalledInput) (int, error) {
	if a.Cases == nil {
		return 0, errors.New("start stalled cases: no case starter configured")
	}
	return a.Cases.StartStalled(ctx, in.Before)
}
