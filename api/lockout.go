package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/pii"
)

// The sign-in lockout. Wrong passwords are counted per login name and
// client address (login_throttle), whether or not an account has the
// name, under an HMAC of the normalised name: an unknown name is answered
// exactly like a known one — the same statuses (401, then 429 with the
// same Retry-After), the same work (a password hash is checked either
// way, the same rows are read and written) — so the lockout tells nobody
// which names exist. And a stranger cannot lock the owner out: five wrong
// passwords from one client lock the name for that client only (15
// minutes, doubling with each further five, at most 24 hours); the owner
// signing in from another address goes on as before. Against many
// clients at once (a botnet spreading its guesses) there is a ceiling: when
// the failures of one name from all clients reach Deps.LoginCeiling within
// an hour, clients that never opened a session of the account are refused
// for the rest of the hour, while the addresses the owner signed in from
// are still admitted. An account administrator lifts every lock of an
// account with POST /accounts/:id/unlock (a password reset does too).

// knownClientPeriod is how far back a session from an address makes it
// known to the account (admitted past the ceiling).
const knownClientPeriod = 30 * 24 * time.Hour

// throttle is one sign-in attempt's place in the counts.
type throttle struct {
	key    []byte // HMAC of the normalised login name
	client string // clientKey of the address
	ip     string // the address
}

// throttleFor is the throttle of an attempt on login name (normalised).
func (s *Server) throttleFor(c *fiber.Ctx, name string) throttle {
	ip := clientIP(c)
	return throttle{key: s.loginKey(name), client: clientKey(ip), ip: ip}
}

// loginKey is the key a login name's failures are counted under.
func (s *Server) loginKey(name string) []byte { return s.deps.PII.Hash(pii.KindLogin, name) }

// lockReason says why an attempt is refused before its password is
// checked: "locked" (this client), "locked_all" (the ceiling of all
// clients, and this one unknown to the account), "" (not refused).
type lockReason string

// take locks this client's count of the name for the rest of the
// transaction and reports whether the attempt is refused, and until when.
// account is the account of the name (nil: none, which makes no
// difference but for the ceiling, where no client is known to it).
func (t throttle) take(ctx context.Context, q *dbq.Queries, now time.Time, account *int64) (lockReason, *time.Time, error) {
	row, err := q.LoginThrottleTake(ctx, dbq.LoginThrottleTakeParams{NameKey: t.key, Client: t.client, Now: now})
	if err != nil {
		return "", nil, err
	}
	if row.LockedUntil != nil && row.LockedUntil.After(now) {
		return "locked", row.LockedUntil, nil
	}
	all, err := q.LoginThrottleAllLocked(ctx, dbq.LoginThrottleAllLockedParams{NameKey: t.key, Now: now})
	if err != nil || len(all) == 0 {
		return "", nil, err
	}
	known, err := q.LoginKnownClient(ctx, dbq.LoginKnownClientParams{AccountID: account, Ip: &t.ip, Since: now.Add(-knownClientPeriod)})
	if err != nil || known {
		return "", nil, err
	}
	return "locked_all", &all[0], nil
}

// fail counts a wrong password (for this client, and for all) and returns
// the lock it set for this client, if any.
func (t throttle) fail(ctx context.Context, q *dbq.Queries, now time.Time, ceiling int) (*time.Time, error) {
	row, err := q.LoginThrottleFail(ctx, dbq.LoginThrottleFailParams{NameKey: t.key, Client: t.client, Now: now})
	if err != nil {
		return nil, err
	}
	if _, err := q.LoginThrottleFailAll(ctx, dbq.LoginThrottleFailAllParams{NameKey: t.key, Now: now, Ceiling: int32(ceiling)}); err != nil {
		return nil, err
	}
	if row.LockedUntil != nil && row.LockedUntil.After(now) {
		return row.LockedUntil, nil
	}
	return nil, nil
}

// clear forgets this client's failures after a right password.
func (t throttle) clear(ctx context.Context, q *dbq.Queries) error {
	return q.LoginThrottleClear(ctx, dbq.LoginThrottleClearParams{NameKey: t.key, Client: t.client})
}

// unlock deletes every count of a login name (an administrator's unlock,
// a password reset) and returns how many there were.
func (s *Server) unlock(ctx context.Context, q *dbq.Queries, name string) (int64, error) {
	key := s.loginKey(name)
	n, err := q.LoginThrottleUnlock(ctx, key)
	if err != nil {
		return 0, err
	}
	m, err := q.LoginThrottleUnlockAll(ctx, key)
	return n + m, err
}

// lockedUntil returns, per login name, the end of its latest running lock
// for any client (for the administrators' view of accounts).
func (s *Server) lockedUntil(ctx context.Context, q *dbq.Queries, names []string) (map[string]time.Time, error) {
	if len(names) == 0 {
		return nil, nil
	}
	keys := make([][]byte, len(names))
	byKey := make(map[string]string, len(names))
	for i, n := range names {
		keys[i] = s.loginKey(n)
		byKey[string(keys[i])] = n
	}
	rows, err := q.LoginLocks(ctx, dbq.LoginLocksParams{NameKeys: keys, Now: s.deps.Now()})
	if err != nil {
		return nil, err
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		out[byKey[string(r.NameKey)]] = r.LockedUntil
	}
	return out, nil
}
