package authz_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/authz"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbtest"
)

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}

func newAuthorizer(t testing.TB, pool *pgxpool.Pool) *authz.Authorizer {
	t.Helper()
	a, err := authz.New(context.Background(), pool, testLogger())
	require.NoError(t, err)
	return a
}

func allow(t testing.TB, a *authz.Authorizer, id int64, domain, obj, act string) bool {
	t.Helper()
	ok, err := a.Allow(id, domain, obj, act)
	require.NoError(t, err)
	return ok
}

func TestPolicyLoadsFromDatabase(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	a := newAuthorizer(t, pool)

	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM authz_policy").Scan(&n))
	policy := a.Policy()
	require.Len(t, policy, n)
	assert.Contains(t, policy, []string{"town_officer", "town:*", "projects", "read"})
	assert.Contains(t, policy, []string{"city_admin", "city", "accounts", "write"})
	assert.Equal(t, []string{"city_supervisor", "city", "towns", "read"}, policy[0], "authz_policy order")

	// A rule added to authz_policy (as a migration would) is there after
	// a reload, and Policy hands out copies.
	_, err := pool.Exec(ctx, "INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES ('p','city_auditor','city','accounts','read')")
	require.NoError(t, err)
	policy[0][0] = "changed"
	require.NoError(t, a.Reload(ctx))
	policy = a.Policy()
	assert.Len(t, policy, n+1)
	assert.Contains(t, policy, []string{"city_auditor", "city", "accounts", "read"})
	assert.Equal(t, "city_supervisor", policy[0][0])
}

// The adapter works as an ordinary casbin adapter and refuses writes.
func TestAdapter(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	f := newFixture(t, pool)
	officer, dom := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})
	_, err := pool.Exec(ctx, "UPDATE accounts SET active = false, deactivated_reason = 'left' WHERE id = $1", officer)
	require.NoError(t, err)
	officer2, _ := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})

	ad := authz.NewAdapter(pool)
	m, err := ad.LoadModel(ctx)
	require.NoError(t, err)
	e, err := casbin.NewEnforcer(m, ad)
	require.NoError(t, err)
	g, err := e.GetGroupingPolicy()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{authz.Subject(officer2), "town_officer", dom}}, g, "only the active account")
	ok, err := e.Enforce(authz.Subject(officer2), dom, "projects", "read")
	require.NoError(t, err)
	assert.True(t, ok)

	_, err = e.AddGroupingPolicy("user:1", "city_admin", "city")
	assert.ErrorIs(t, err, authz.ErrReadOnly)
	assert.ErrorIs(t, e.SavePolicy(), authz.ErrReadOnly)
	assert.ErrorIs(t, ad.AddPolicy("p", "p", []string{"a", "b", "c", "d"}), authz.ErrReadOnly)
	assert.ErrorIs(t, ad.RemovePolicy("g", "g", []string{"a", "b", "c"}), authz.ErrReadOnly)
	assert.ErrorIs(t, ad.RemoveFilteredPolicy("g", "g", 0, "a"), authz.ErrReadOnly)
	assert.ErrorContains(t, ad.SavePolicyCtx(ctx, m), "managed by migrations")
}

func TestDomains(t *testing.T) {
	pool := dbtest.New(t)
	f := newFixture(t, pool)
	officerA, townA := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})
	townB := "town:" + f.TownB
	supervisor, city := mkAccount(t, pool, "city_supervisor", binding{})
	admin, _ := mkAccount(t, pool, "city_admin", binding{})
	entUser, ent := mkAccount(t, pool, "enterprise_user", binding{Enterprise: f.Enterprise})
	pm, proj := mkAccount(t, pool, "project_manager", binding{Project: f.Project})
	worker, wdom := mkAccount(t, pool, "worker", binding{Worker: f.Worker})
	require.Equal(t, "town:"+f.TownA, townA)
	require.Equal(t, "city", city)
	a := newAuthorizer(t, pool)

	for _, c := range []struct {
		name          string
		id            int64
		dom, obj, act string
		want          bool
	}{
		{"town officer reads projects of its town", officerA, townA, "projects", "read", true},
		{"town officer registers enterprises in its town", officerA, townA, "enterprises", "register", true},
		{"town officer asks for another town", officerA, townB, "projects", "read", false},
		{"town officer asks for the city", officerA, "city", "projects", "read", false},
		{"town officer asks for a wildcard domain", officerA, "town:*", "projects", "read", false},
		{"town officer writes towns", officerA, townA, "towns", "write", false},
		{"town officer manages accounts", officerA, townA, "accounts", "write", false},
		{"unknown object", officerA, townA, "nothing", "read", false},
		{"city supervisor writes towns", supervisor, "city", "towns", "write", true},
		{"city supervisor in a town domain", supervisor, townA, "projects", "read", false},
		{"city admin manages accounts", admin, "city", "accounts", "write", true},
		{"city admin reads payroll", admin, "city", "payroll", "read", false},
		{"enterprise user creates projects", entUser, ent, "projects", "create", true},
		{"enterprise user in another enterprise", entUser, "ent:999999", "projects", "read", false},
		{"enterprise user reads pii", entUser, ent, "pii", "read", false},
		{"project manager writes payroll", pm, proj, "payroll", "write", true},
		{"project manager creates projects", pm, proj, "projects", "create", false},
		{"worker confirms an employment", worker, wdom, "employments", "confirm", true},
		{"worker writes payroll", worker, wdom, "payroll", "write", false},
		{"worker asks for another worker", worker, "worker:999999", "employments", "read", false},
		{"no such account", 999999, townA, "projects", "read", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, allow(t, a, c.id, c.dom, c.obj, c.act))
		})
	}
}

func TestDeactivatedAccountAfterReload(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	f := newFixture(t, pool)
	officer, dom := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})
	a := newAuthorizer(t, pool)
	require.True(t, allow(t, a, officer, dom, "projects", "read"))

	_, err := pool.Exec(ctx, "UPDATE accounts SET active = false, deactivated_reason = 'left' WHERE id = $1", officer)
	require.NoError(t, err)
	assert.True(t, allow(t, a, officer, dom, "projects", "read"), "memory is unchanged until told")
	require.NoError(t, a.Reload(ctx))
	assert.False(t, allow(t, a, officer, dom, "projects", "read"))
	// A fresh Authorizer does not load it either.
	assert.False(t, allow(t, newAuthorizer(t, pool), officer, dom, "projects", "read"))

	// Reactivated: back after a reload.
	_, err = pool.Exec(ctx, "UPDATE accounts SET active = true, deactivated_reason = NULL WHERE id = $1", officer)
	require.NoError(t, err)
	require.NoError(t, a.Reload(ctx))
	assert.True(t, allow(t, a, officer, dom, "projects", "read"))
}

func TestGrantRevoke(t *testing.T) {
	pool := dbtest.New(t)
	f := newFixture(t, pool)
	officer, dom := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})
	a := newAuthorizer(t, pool)

	require.NoError(t, a.Revoke(officer, "town_officer", dom))
	assert.False(t, allow(t, a, officer, dom, "projects", "read"), "revoked at once")
	require.NoError(t, a.Revoke(officer, "town_officer", dom), "revoking twice is harmless")

	// Moved to town B.
	townB := "town:" + f.TownB
	require.NoError(t, a.Grant(officer, "town_officer", townB))
	assert.True(t, allow(t, a, officer, townB, "projects", "read"), "granted at once")
	assert.False(t, allow(t, a, officer, dom, "projects", "read"))
	require.NoError(t, a.Grant(officer, "town_officer", townB), "granting twice is harmless")

	// A new account, not yet in the database's snapshot of this process.
	require.NoError(t, a.Grant(424242, "city_admin", "city"))
	assert.True(t, allow(t, a, 424242, "city", "accounts", "write"))

	assert.Error(t, a.Grant(0, "city_admin", "city"))
	assert.Error(t, a.Grant(1, "", "city"))
	assert.Error(t, a.Revoke(1, "city_admin", ""))
}

// Grants and revocations made while a reload reads the database (their
// transactions committed after its snapshot) survive the swap, in order.
func TestGrantDuringReload(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	f := newFixture(t, pool)
	gone, goneDom := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})
	a := newAuthorizer(t, pool)
	var added int64
	var addedDom string
	a.OnReloadRead(func() {
		a.OnReloadRead(nil)
		added, addedDom = mkAccount(t, pool, "city_admin", binding{})
		require.NoError(t, a.Grant(added, "city_admin", addedDom))
		require.NoError(t, a.Revoke(gone, "town_officer", goneDom))
		require.NoError(t, a.Grant(gone, "town_officer", goneDom))
		require.NoError(t, a.Revoke(gone, "town_officer", goneDom))
	})
	require.NoError(t, a.Reload(ctx))
	assert.True(t, allow(t, a, added, addedDom, "accounts", "write"), "grant made during the reload")
	assert.False(t, allow(t, a, gone, goneDom, "projects", "read"), "last of the changes made during the reload")
}

// process is one API process: its own pool and Authorizer, listening.
type process struct {
	pool *pgxpool.Pool
	a    *authz.Authorizer
	// subscribed counts Listen's (re)subscriptions.
	subscribed atomic.Int32
}

func startProcess(t *testing.T, url string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool, err := db.Open(ctx, url)
	require.NoError(t, err)
	p := &process{pool: pool, a: newAuthorizer(t, pool)}
	p.a.OnListening(func() { p.subscribed.Add(1) })
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		p.a.Listen(ctx, pool)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
		pool.Close()
	})
	require.Eventually(t, func() bool { return p.subscribed.Load() >= 1 }, 10*time.Second, 5*time.Millisecond, "listening")
	return p
}

// grantInTx inserts an account and announces it in one transaction, then
// commits or rolls back.
func grantInTx(t *testing.T, from *process, role string, b binding, commit bool) (int64, string) {
	t.Helper()
	ctx := context.Background()
	tx, err := from.pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback(ctx) }()
	id, dom := mkAccount(t, tx, role, b)
	require.NoError(t, from.a.Notify(ctx, tx, authz.OpGrant, id, role, dom))
	if commit {
		require.NoError(t, tx.Commit(ctx))
		require.NoError(t, from.a.Grant(id, role, dom))
	} else {
		require.NoError(t, tx.Rollback(ctx))
	}
	return id, dom
}

func eventuallyAllowed(t *testing.T, a *authz.Authorizer, id int64, dom, obj, act string, want bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		ok, err := a.Allow(id, dom, obj, act)
		return err == nil && ok == want
	}, 10*time.Second, 5*time.Millisecond, "account %d in %s: want %v", id, dom, want)
}

func TestNotifyReachesOtherProcess(t *testing.T) {
	ctx := context.Background()
	pool, url := dbtest.NewWithURL(t)
	f := newFixture(t, pool)
	pa := startProcess(t, url)
	pb := startProcess(t, url)

	// Committed: B learns of it.
	officer, dom := grantInTx(t, pa, "town_officer", binding{Town: f.TownA}, true)
	assert.True(t, allow(t, pa.a, officer, dom, "projects", "read"), "A applied its own Grant")
	eventuallyAllowed(t, pb.a, officer, dom, "projects", "read", true)

	// Rolled back: nothing is sent. The committed grant that follows it
	// arrives, so the rolled-back one would have arrived before it.
	ghost, ghostDom := grantInTx(t, pa, "city_admin", binding{}, false)
	later, laterDom := grantInTx(t, pa, "enterprise_user", binding{Enterprise: f.Enterprise}, true)
	eventuallyAllowed(t, pb.a, later, laterDom, "projects", "create", true)
	assert.False(t, allow(t, pb.a, ghost, ghostDom, "accounts", "write"), "a rolled-back notification is never delivered")
	assert.False(t, allow(t, pa.a, ghost, ghostDom, "accounts", "write"))

	// Revocation (deactivation) travels the same way, from B to A.
	tx, err := pb.pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "UPDATE accounts SET active = false, deactivated_reason = 'left' WHERE id = $1", officer)
	require.NoError(t, err)
	require.NoError(t, pb.a.Notify(ctx, tx, authz.OpRevoke, officer, "town_officer", dom))
	require.NoError(t, tx.Commit(ctx))
	require.NoError(t, pb.a.Revoke(officer, "town_officer", dom))
	eventuallyAllowed(t, pa.a, officer, dom, "projects", "read", false)

	// A reload request makes the others read the database again.
	_, err = pool.Exec(ctx, "UPDATE accounts SET active = false, deactivated_reason = 'left' WHERE id = $1", later)
	require.NoError(t, err)
	require.NoError(t, pgx.BeginFunc(ctx, pa.pool, func(tx pgx.Tx) error {
		return pa.a.Notify(ctx, tx, authz.OpReload, 0, "", "")
	}))
	eventuallyAllowed(t, pb.a, later, laterDom, "projects", "create", false)

	assert.Error(t, pa.a.Notify(ctx, nil, "promote", 1, "city_admin", "city"), "unknown op refused before the database")
}

// A process skips its own notifications: the caller applies them with
// Grant and Revoke.
func TestListenSkipsOwnNotifications(t *testing.T) {
	pool, url := dbtest.NewWithURL(t)
	f := newFixture(t, pool)
	pa := startProcess(t, url)
	pb := startProcess(t, url)

	ctx := context.Background()
	tx, err := pa.pool.Begin(ctx)
	require.NoError(t, err)
	own, ownDom := mkAccount(t, tx, "town_officer", binding{Town: f.TownA})
	require.NoError(t, pa.a.Notify(ctx, tx, authz.OpGrant, own, "town_officer", ownDom))
	require.NoError(t, tx.Commit(ctx)) // and, on purpose, no pa.a.Grant

	// B's notification, sent after A's, reaching A proves A has read past its own.
	other, otherDom := grantInTx(t, pb, "city_admin", binding{}, true)
	eventuallyAllowed(t, pa.a, other, otherDom, "accounts", "write", true)
	assert.False(t, allow(t, pa.a, own, ownDom, "projects", "read"), "own notification skipped")
	eventuallyAllowed(t, pb.a, own, ownDom, "projects", "read", true)
}

// After losing its connection the listener reconnects and reloads, so
// what it missed meanwhile is not lost.
func TestListenReconnectsAndReloads(t *testing.T) {
	ctx := context.Background()
	pool, url := dbtest.NewWithURL(t)
	f := newFixture(t, pool)
	pb := startProcess(t, url)

	// A change B never hears of (no notification at all, as if sent while
	// it was away).
	missed, dom := mkAccount(t, pool, "town_officer", binding{Town: f.TownB})
	assert.False(t, allow(t, pb.a, missed, dom, "projects", "read"))

	var killed bool
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		 WHERE datname = current_database() AND query = 'LISTEN "anxin_authz"'`).Scan(&killed))
	require.True(t, killed)
	require.Eventually(t, func() bool { return pb.subscribed.Load() >= 2 }, 15*time.Second, 10*time.Millisecond, "resubscribed")
	assert.True(t, allow(t, pb.a, missed, dom, "projects", "read"), "reloaded after reconnecting")

	// And it listens again.
	pa := startProcess(t, url)
	later, laterDom := grantInTx(t, pa, "city_admin", binding{}, true)
	eventuallyAllowed(t, pb.a, later, laterDom, "accounts", "write", true)
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	f := newFixture(t, pool)
	officer, dom := mkAccount(t, pool, "town_officer", binding{Town: f.TownA})
	a := newAuthorizer(t, pool)
	stop := make(chan struct{})
	errc := make(chan error, 4)
	for range 3 {
		go func() {
			for {
				select {
				case <-stop:
					errc <- nil
					return
				default:
				}
				ok, err := a.Allow(officer, dom, "projects", "read")
				if err != nil || !ok {
					errc <- fmt.Errorf("allow = %v, %v", ok, err)
					return
				}
				_ = a.Policy()
			}
		}()
	}
	go func() {
		var err error
		for i := int64(1); i < 300 && err == nil; i++ {
			err = a.Grant(10000+i, "city_admin", "city")
			if err == nil && i%100 == 0 {
				err = a.Reload(ctx)
			}
			if err == nil {
				err = a.Revoke(10000+i, "city_admin", "city")
			}
		}
		close(stop)
		errc <- err
	}()
	for range 4 {
		require.NoError(t, <-errc)
	}
}
