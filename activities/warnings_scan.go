package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
)

// ScanInput is the input of ScanWarnings: the day the rules are
// evaluated as of.
type ScanInput struct {
	AsOf time.Time `json:"as_of"`
}

// ScanWarnings runs the warning scan (every current, enabled rule) and
// keeps the warnings equal to its hits; a rerun opens nothing twice.
func (a *Activities) ScanWarnings(ctx context.Context, in ScanInput) (string, error) {
	if a.Cases == nil {
		return "", errors.New("scan warnings: no case starter configured")
	}
	out, err := a.Cases.ScanWarnings(ctx, in.AsOf)
	if err == nil {
		activity.GetLogger(ctx).Info("warning scan", "as_of", in.AsOf, "result", out)
	}
	return out, err
}
