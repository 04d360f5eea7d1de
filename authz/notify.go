package authz

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Channel is the Postgres NOTIFY channel of grant changes.
const Channel = "anxin_authz"

// notification is the JSON payload on Channel.
type notification struct {
	From      string `json:"from"` // ProcessID of the sender
	Op        string `json:"op"`
	AccountID int64  `json:"account_id,omitempty"`
	Role      string `json:"role,omitempty"`
	Domain    string `json:"domain,omitempty"`
}

// Notify tells the other processes, when tx commits, that accountID was
// granted (OpGrant) or lost (OpRevoke) role in domain, or (OpReload, the
// other arguments ignored) that they should reload everything. Postgres
// delivers it only on commit, so a rolled-back change is never announced.
// It does not change this process's Authorizer: call Grant or Revoke after
// the commit.
func (a *Authorizer) Notify(ctx context.Context, tx pgx.Tx, op string, accountID int64, role, domain string) error {
	c := change{op: op, accountID: accountID, role: role, domain: domain}
	if err := c.validate(); err != nil {
		return err
	}
	n := notification{From: a.id, Op: op}
	if op != OpReload {
		n.AccountID, n.Role, n.Domain = accountID, role, domain
	}
	payload, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("authz: notify: %w", err)
	}
	if err := db.QTx(tx).AuthzNotify(ctx, dbq.AuthzNotifyParams{Channel: Channel, Payload: string(payload)}); err != nil {
		return fmt.Errorf("authz: notify: %w", err)
	}
	return nil
}

// Reconnection delays of Listen: doubled after each failure up to the max.
const (
	listenMinBackoff = 250 * time.Millisecond
	listenMaxBackoff = 30 * time.Second
)

// Listen applies the notifications of the other processes until ctx ends,
// on a connection taken out of pool for good. Each time it has subscribed
// (the first time and after every reconnection) it reloads the whole
// policy, since whatever was committed before the subscription took effect
// was not heard. Errors are logged and retried with a growing delay; it
// returns only when ctx ends.
func (a *Authorizer) Listen(ctx context.Context, pool *pgxpool.Pool) {
	backoff := listenMinBackoff
	for ctx.Err() == nil {
		err := a.listenOnce(ctx, pool, &backoff)
		if ctx.Err() != nil {
			return
		}
		a.log.Warn("authz listener lost its connection; reconnecting", "err", err, "after", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, listenMaxBackoff)
	}
}

func (a *Authorizer) listenOnce(ctx context.Context, pool *pgxpool.Pool, backoff *time.Duration) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire: %w", err)
	}
	// The connection is ours from now on: it leaves the pool's count and is
	// closed here, never returned with a LISTEN on it.
	conn := pc.Hijack()
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if err := listen(ctx, conn); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if err := a.Reload(ctx); err != nil {
		return fmt.Errorf("reload after subscribing: %w", err)
	}
	*backoff = listenMinBackoff
	a.log.Debug("authz listener subscribed", "channel", Channel, "process", a.id)
	if a.listening != nil {
		a.listening()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		if err := a.handle(ctx, n.Payload); err != nil {
			return err
		}
	}
}

// handle applies one payload. Its own notifications are skipped (Grant and
// Revoke applied them already). A payload it does not understand makes it
// reload: that is always right, only slower.
func (a *Authorizer) handle(ctx context.Context, payload string) error {
	var n notification
	err := json.Unmarshal([]byte(payload), &n)
	if err == nil && n.From == a.id {
		return nil
	}
	c := change{op: n.Op, accountID: n.AccountID, role: n.Role, domain: n.Domain}
	if err == nil {
		err = c.validate()
	}
	if err != nil {
		a.log.Warn("authz notification not understood; reloading", "payload", payload, "err", err)
		c.op = OpReload
	}
	if c.op == OpReload {
		if err := a.Reload(ctx); err != nil {
			return fmt.Errorf("reload on notification: %w", err)
		}
		return nil
	}
	if err := a.apply(c); err != nil {
		// The in-memory enforcer refused one change: start again from the
		// database rather than drift.
		a.log.Error("authz notification not applied; reloading", "payload", payload, "err", err)
		if err := a.Reload(ctx); err != nil {
			return fmt.Errorf("reload on notification: %w", err)
		}
		return nil
	}
	a.log.Debug("authz notification applied", "op", c.op, "account", c.accountID, "role", c.role, "domain", c.domain, "from", n.From)
	return nil
}
