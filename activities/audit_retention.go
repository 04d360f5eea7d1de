package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/anxin-city/anxin/audit"
)

// AuditRetentionInput is the input of AuditRetention.
type AuditRetentionInput struct {
	// Now is the time the run is for (the workflow's clock); the cut-off
	// is computed from it, so a retried activity archives the same months.
	Now time.Time
}

// AuditMonth is one archived month of the system log.
type AuditMonth struct {
	Month   string // YYYY-MM
	Rows    int64
	FirstID int64
	LastID  int64
	File    string // "" for a month without entries
	SHA256  string
}

// AuditRetentionResult is what AuditRetention did.
type AuditRetentionResult struct {
	Cutoff   time.Time // months ending at or before it were archived
	Archived []AuditMonth
}

// AuditRetention archives and drops the system-log months older than the
// retention (audit.ArchiveAndDrop): each is exported to AuditArchiveDir,
// verified from disk, recorded and only then dropped. It is idempotent:
// months already dropped are gone, so a retry continues with the rest. It
// heartbeats while it works.
func (a *Activities) AuditRetention(ctx context.Context, in AuditRetentionInput) (AuditRetentionResult, error) {
	var res AuditRetentionResult
	if a.DB == nil {
		return res, temporal.NewNonRetryableApplicationError("audit retention: no database", "Config", nil)
	}
	if a.AuditArchiveDir == "" {
		return res, temporal.NewNonRetryableApplicationError("audit retention: no archive directory configured (ANXIN_AUDIT_ARCHIVE_DIR)", "Config", nil)
	}
	months := a.AuditRetentionMonths
	if months == 0 {
		months = audit.DefaultRetentionMonths
	}
	if months < audit.MinRetentionMonths {
		return res, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("audit retention: %d months is below the minimum of %d", months, audit.MinRetentionMonths), "Config", nil)
	}
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	res.Cutoff = audit.RetentionCutoff(now, months)

	// Heartbeat while the months are exported (a big month takes minutes).
	stop := make(chan struct{})
	defer close(stop)
	if activity.IsActivity(ctx) {
		go func() {
			t := time.NewTicker(10 * time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					activity.RecordHeartbeat(ctx)
				}
			}
		}()
	}
	done, err := audit.ArchiveAndDrop(ctx, a.DB, a.AuditArchiveDir, res.Cutoff)
	for _, m := range done {
		res.Archived = append(res.Archived, AuditMonth{Month: m.Month.Format("2006-01"), Rows: m.Rows,
			FirstID: m.FirstID, LastID: m.LastID, File: m.File, SHA256: m.SHA256})
		if m.Rows > 0 {
			a.logger().InfoContext(ctx, "system log month archived", "month", m.Month.Format("2006-01"),
				"rows", m.Rows, "file", m.File, "sha256", m.SHA256)
		}
	}
	if err != nil {
		if errors.Is(err, audit.ErrNotPrefix) {
			return res, temporal.NewNonRetryableApplicationError(err.Error(), "ChainNotPrefix", err)
		}
		return res, err
	}
	return res, nil
}
