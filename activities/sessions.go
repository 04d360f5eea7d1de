package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/anxin-city/anxin/db"
)

// SessionRetention is how long an ended session row is kept. Sessions hold
// the IP and user agent of a sign-in; the system log keeps the sign-in
// itself (with its session id) for as long as it keeps everything else.
const SessionRetention = 30 * 24 * time.Hour

// PurgeSessionsInput is the input of PurgeSessions.
type PurgeSessionsInput struct {
	Now time.Time // the workflow's clock
}

// LoginCountRetention is how long a sign-in failure count nobody added to
// is kept: the API forgets it after a day anyway (a lock that runs longer
// keeps its row until it ends).
const LoginCountRetention = 24 * time.Hour

// PurgeSessions deletes the sessions that expired or were revoked more
// than SessionRetention before Now, and returns how many; and it deletes
// the sign-in failure counts void for LoginCountRetention (counts of names
// nobody has, too, which would otherwise pile up).
func (a *Activities) PurgeSessions(ctx context.Context, in PurgeSessionsInput) (int64, error) {
	if a.DB == nil {
		return 0, temporal.NewNonRetryableApplicationError("session purge: no database", "Config", nil)
	}
	q := db.Q(a.DB)
	if _, err := q.LoginThrottlePurge(ctx, in.Now.Add(-LoginCountRetention)); err != nil {
		return 0, err
	}
	return q.SessionPurge(ctx, in.Now.Add(-SessionRetention))
}
