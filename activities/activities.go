package activities

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/notify"
)

// Activities carries what the activities need. Register one value with the
// worker; workflows only use a nil *Activities to name its methods.
type Activities struct {
	// DB is the application database. It may be nil while no activity
	// writes (Echo does not).
	DB *pgxpool.Pool
	// Logger receives the activities' own records; nil means slog.Default().
	Logger *slog.Logger
	// AuditArchiveDir is where AuditRetention writes the system-log months
	// it archives (config AuditArchiveDir); AuditRetention refuses to run
	// without it.
	AuditArchiveDir string
	// AuditRetentionMonths is how many whole months of system log are kept
	// (config AuditRetentionMonths); 0 means audit.DefaultRetentionMonths.
	AuditRetentionMonths int
	// Cases starts the workflows of stalled cases (StartStalledCases);
	// nil where no sweep runs.
	Cases CaseStarter
	// SMS sends the text messages of notifications (DeliverSMS); nil
	// where no delivery runs.
	SMS *notify.Deliverer
}

func (a *Activities) logger() *slog.Logger {
	if a == nil || a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}
