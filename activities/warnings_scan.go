package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/anxin-city/anxin/rules"
)

// ScanInput is the input of ScanWarnings: the day the rules are
// evaluated as of; Filter narrows the scan to some rules of one subject
// (ScanWarningsOf), zero for the daily scan of every rule.
type ScanInput struct {
	AsOf   time.Time    `json:"as_of"`
	Filter rules.Filter `json:"filter,omitzero"`
}

// ScanWarnings runs the warning scan (every current, enabled rule) and
// keeps the warnings equal to its hits; a rerun opens nothing twice.
func (a *Activities) ScanWarnings(ctx context.Context, in ScanInput) (string, error) {
	if a.Cases == nil {
		return "", errors.New("scan warnings: no case starter configured")
	}
	out, err := a.Cases.ScanWarnings(ctx, in.AsOf, in.Filter)
	if err == nil {
		activity.GetLogger(ctx).Info("warning scan", "as_of", in.AsOf, "filter", in.Filter, "result", out)
	}
	return out, err
}
