// Package authz decides what an account may do (功能权限 in 分权分域): casbin
// RBAC with domains, its model and policy loaded from Postgres.
//
//   - The model is the row 'default' of authz_model: request (sub, dom, obj,
//     act), g = _, _, _, and the matcher
//     r.obj == p.obj && r.act == p.act && keyMatch(r.dom, p.dom) && g(r.sub, p.sub, r.dom).
//   - The permission rules (p) are the rows of authz_policy: role, domain
//     pattern (city, town:*, ent:*, proj:*, worker:*), object, action.
//   - The role grants (g) are the active accounts, one rule each:
//     (user:<id>, role, domain), domain being the account's generated column
//     (city, town:<code>, ent:<id>, proj:<id>, worker:<id>).
//
// An account is allowed an (object, action) in a domain when its own grant
// is in exactly that domain and its role has a rule for the object and
// action whose pattern matches the domain; a user asking for any other
// domain is refused.
//
// Keeping processes in step: whoever changes an account's grant (creation,
// deactivation, reactivation, role or binding change) calls Notify inside
// the transaction that changes the row and, after Commit, Grant or Revoke on
// its own Authorizer. Every other API process hears the notification on
// commit through Listen and applies it; a rolled-back transaction sends
// nothing. A Listen that lost its connection reloads everything once it is
// back, so notifications sent meanwhile are not lost.
package authz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Authorizer answers Allow from an in-memory casbin enforcer. It is safe
// for concurrent use: Allow takes a read lock, Grant and Revoke the write
// lock; Reload builds a whole new policy without holding it and swaps it
// in, so requests are not held up for the load (≈ 0.4 s at city size).
// How the policy answers in ≈ 6 µs: policy.go.
type Authorizer struct {
	log     *slog.Logger
	adapter *Adapter
	// id tells this process's notifications from the others'.
	id string

	reloadMu sync.Mutex // one reload at a time

	mu  sync.RWMutex
	pol *policy
	// calls counts Allow, to empty casbin's g() memo now and then.
	calls atomic.Uint64
	// While a reload runs, the changes applied to the old policy are kept
	// here and replayed on the new one before it is swapped in.
	reloading bool
	pending   []change

	// Test hooks: listening is called each time Listen has (re)subscribed
	// and reloaded; loaded between a reload's read and its swap.
	listening func()
	loaded    func()
}

// Ops of Notify.
const (
	OpGrant  = "grant"  // the account now holds role in domain
	OpRevoke = "revoke" // the account no longer holds role in domain
	OpReload = "reload" // reload everything (after bulk changes)
)

type change struct {
	op        string
	accountID int64
	role      string
	domain    string
}

// New loads the model and the whole policy from the database and returns
// an Authorizer ready to answer. logger may be nil.
func New(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) (*Authorizer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &Authorizer{log: logger, adapter: NewAdapter(pool), id: newProcessID()}
	p, err := a.build(ctx)
	if err != nil {
		return nil, err
	}
	a.pol = p
	return a, nil
}

// ProcessID is the id this Authorizer puts into its notifications (and by
// which it skips its own).
func (a *Authorizer) ProcessID() string { return a.id }

// build reads the model and policy from one snapshot into a new policy.
func (a *Authorizer) build(ctx context.Context) (*policy, error) {
	start := time.Now()
	res, err := a.adapter.load(ctx, nil, true)
	if err != nil {
		return nil, err
	}
	p, err := newPolicy(res.model, res.modelText, a.adapter)
	if err != nil {
		return nil, err
	}
	a.log.Info("authz policy loaded", "p_rules", res.counts.p, "accounts", res.counts.g,
		"split", len(p.byPair), "took", time.Since(start))
	return p, nil
}

// memoForgetEvery bounds casbin's memo of g() results: it keeps one entry
// per (user, role, domain) asked about until the policy changes, which in
// a quiet week could grow to every account times every permission it
// used. Emptying it every 2^18 calls bounds it to about that many entries
// (tens of MiB) for the cost of recompiling each matcher once.
const memoForgetEvery = 1 << 18

// Allow says whether the account may do act on obj in domain. Its role
// grant must be in exactly that domain: a town officer of town:A asking
// for town:B is refused.
func (a *Authorizer) Allow(accountID int64, domain, obj, act string) (bool, error) {
	sub := Subject(accountID)
	a.mu.RLock()
	ok, err := a.pol.enforce(sub, domain, obj, act)
	a.mu.RUnlock()
	if a.calls.Add(1)%memoForgetEvery == 0 {
		a.mu.Lock()
		a.pol.forgetMemos()
		a.mu.Unlock()
	}
	if err != nil {
		return false, fmt.Errorf("authz: enforce: %w", err)
	}
	return ok, nil
}

// Grant records in memory that the account holds role in domain (call it
// after committing the change, with Notify inside the transaction so the
// other processes learn of it). Granting an existing grant does nothing.
func (a *Authorizer) Grant(accountID int64, role, domain string) error {
	return a.apply(change{op: OpGrant, accountID: accountID, role: role, domain: domain})
}

// Revoke removes the account's grant of role in domain from memory.
// Revoking a grant that is not there does nothing.
func (a *Authorizer) Revoke(accountID int64, role, domain string) error {
	return a.apply(change{op: OpRevoke, accountID: accountID, role: role, domain: domain})
}

func (c change) validate() error {
	switch c.op {
	case OpGrant, OpRevoke:
		if c.accountID <= 0 || c.role == "" || c.domain == "" {
			return fmt.Errorf("authz: %s needs an account id, a role and a domain (got %d, %q, %q)", c.op, c.accountID, c.role, c.domain)
		}
	case OpReload:
	default:
		return fmt.Errorf("authz: unknown op %q", c.op)
	}
	return nil
}

func (a *Authorizer) apply(c change) error {
	if err := c.validate(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.reloading {
		a.pending = append(a.pending, c)
	}
	a.pol.apply(c)
	return nil
}

// Reload reads the model and the whole policy again and swaps them in.
// Allow keeps answering from the previous policy meanwhile; Grant and
// Revoke made during the reload are applied to both.
func (a *Authorizer) Reload(ctx context.Context) error {
	a.reloadMu.Lock()
	defer a.reloadMu.Unlock()

	a.mu.Lock()
	a.reloading, a.pending = true, nil
	a.mu.Unlock()

	p, err := a.build(ctx)
	if a.loaded != nil {
		a.loaded()
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	pending := a.pending
	a.reloading, a.pending = false, nil
	if err != nil {
		return err
	}
	// Changes made while the snapshot was read, in their order: each one
	// sets or clears one grant, so replaying them over the snapshot ends at
	// the latest state of every grant they touch.
	for _, c := range pending {
		p.apply(c)
	}
	a.pol = p
	return nil
}

// Policy returns the permission rules (role, domain pattern, object,
// action), in authz_policy order.
func (a *Authorizer) Policy() [][]string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	rules, err := a.pol.all.GetPolicy()
	if err != nil { // only when the model has no p, which New refuses
		return nil
	}
	out := make([][]string, len(rules))
	for i, r := range rules {
		out[i] = append([]string(nil), r...)
	}
	return out
}

func newProcessID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
