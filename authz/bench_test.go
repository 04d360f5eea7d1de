package authz_test

// Benchmarks of the authorizer at city scale: 250,000 accounts COPYed into
// a test database, loaded through the real adapter. Benchmarks run only
// with -bench, so `go test ./...` does not pay for the setup:
//
//	go test ./authz -run '^$' -bench . -benchtime 200000x -cpu 1,2
//
// ANXIN_BENCH_ACCOUNTS changes the account count (default 250000).

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	defaultrolemanager "github.com/casbin/casbin/v2/rbac/default-role-manager"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/authz"
	"github.com/anxin-city/anxin/db/dbtest"
)

// The city of the benchmark: the shape of `anxin seed --scale city`.
const (
	benchTowns       = 12
	benchEnterprises = 3000
	benchProjects    = 2000
	officersPerTown  = 5
	usersPerEnt      = 4
	managersPerProj  = 3
)

type benchAccount struct {
	id     int64
	role   string
	domain string
	kind   string // domain kind: city, town, ent, proj, worker
}

// benchCity COPYs the registry rows and accounts: 3 city accounts, 60 town
// officers, 12,000 enterprise users, 6,000 project managers and workers
// for the rest (each bound to its own worker row, as the schema requires);
// every 50th worker account is deactivated. It returns the active accounts.
func benchCity(b *testing.B, pool *pgxpool.Pool, total int) []benchAccount {
	ctx := context.Background()
	start := time.Now()
	tx, err := pool.Begin(ctx)
	require.NoError(b, err)
	defer func() { _ = tx.Rollback(ctx) }()

	towns := make([]string, benchTowns)
	for i := range towns {
		towns[i] = strconv.Itoa(330101 + i)
		_, err := tx.Exec(ctx, "INSERT INTO towns (code, name) VALUES ($1, $2)", towns[i], "镇"+towns[i])
		require.NoError(b, err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"enterprises"}, []string{"credit_code", "name", "type", "town_code"},
		pgx.CopyFromSlice(benchEnterprises, func(i int) ([]any, error) {
			return []any{fmt.Sprintf("91330100%010d", i), fmt.Sprintf("企业%d", i), "general_contractor", towns[i%benchTowns]}, nil
		}))
	require.NoError(b, err)
	ents, err := collectIDs(ctx, tx, "SELECT id FROM enterprises ORDER BY id")
	require.NoError(b, err)
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"projects"},
		[]string{"code", "name", "town_code", "industry", "builder_id", "contractor_id", "contract_value_fen", "start_date", "planned_end_date", "status"},
		pgx.CopyFromSlice(benchProjects, func(i int) ([]any, error) {
			e := ents[i%len(ents)]
			return []any{fmt.Sprintf("P-%06d", i), fmt.Sprintf("项目%d", i), towns[i%benchTowns], "housing", e, e,
				int64(100000000), day, day.AddDate(2, 0, 0), "in_construction"}, nil
		}))
	require.NoError(b, err)
	projs, err := collectIDs(ctx, tx, "SELECT id FROM projects ORDER BY id")
	require.NoError(b, err)

	staff := 3 + benchTowns*officersPerTown + benchEnterprises*usersPerEnt + benchProjects*managersPerProj
	nWorkers := max(total-staff, 0)
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"workers"},
		[]string{"name", "id_number_enc", "id_number_hash", "gender", "birth_date", "native_province", "native_region"},
		pgx.CopyFromSlice(nWorkers, func(i int) ([]any, error) {
			h := binary.BigEndian.AppendUint64(nil, uint64(i))
			return []any{"工人", []byte{0}, h, "male", day.AddDate(-30, 0, 0), "33", "330102"}, nil
		}))
	require.NoError(b, err)
	workers, err := collectIDs(ctx, tx, "SELECT id FROM workers ORDER BY id")
	require.NoError(b, err)

	type acc struct {
		role              string
		town              any
		ent, proj, worker any
		active            bool
		reason            any
	}
	accs := make([]acc, 0, total)
	for _, r := range []string{"city_supervisor", "city_admin", "city_auditor"} {
		accs = append(accs, acc{role: r, active: true})
	}
	for _, t := range towns {
		for range officersPerTown {
			accs = append(accs, acc{role: "town_officer", town: t, active: true})
		}
	}
	for _, e := range ents {
		for range usersPerEnt {
			accs = append(accs, acc{role: "enterprise_user", ent: e, active: true})
		}
	}
	for _, p := range projs {
		for range managersPerProj {
			accs = append(accs, acc{role: "project_manager", proj: p, active: true})
		}
	}
	for i, w := range workers {
		a := acc{role: "worker", worker: w, active: i%50 != 49}
		if !a.active {
			a.reason = "left"
		}
		accs = append(accs, a)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"accounts"},
		[]string{"username", "display_name", "role", "town_code", "enterprise_id", "project_id", "worker_id", "password_hash", "active", "deactivated_reason"},
		pgx.CopyFromSlice(len(accs), func(i int) ([]any, error) {
			a := accs[i]
			return []any{fmt.Sprintf("u%07d", i), "用户", a.role, a.town, a.ent, a.proj, a.worker, "x", a.active, a.reason}, nil
		}))
	require.NoError(b, err)
	require.NoError(b, tx.Commit(ctx))
	_, err = pool.Exec(ctx, "VACUUM ANALYZE accounts")
	require.NoError(b, err)

	rows, err := pool.Query(ctx, "SELECT id, role, domain FROM accounts WHERE active")
	require.NoError(b, err)
	var out []benchAccount
	for rows.Next() {
		var a benchAccount
		require.NoError(b, rows.Scan(&a.id, &a.role, &a.domain))
		a.kind = a.domain
		if i := indexByte(a.domain, ':'); i >= 0 {
			a.kind = a.domain[:i]
		}
		out = append(out, a)
	}
	require.NoError(b, rows.Err())
	b.Logf("bench city: %d accounts (%d active; %d workers) in %s", len(accs), len(out), nWorkers, time.Since(start).Round(time.Millisecond))
	return out
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func collectIDs(ctx context.Context, tx pgx.Tx, sql string) ([]int64, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

type benchRequest struct {
	id               int64
	domain, obj, act string
	want             bool
}

// benchRequests draws n requests from random active accounts: half allowed
// (an object and action of the account's role, in its own domain), a
// quarter refused for the domain (another domain of the same kind: another
// town, enterprise, …), a quarter refused for the action (a pair its role
// lacks in its own domain).
func benchRequests(policy [][]string, accounts []benchAccount, n int, seed uint64) []benchRequest {
	rng := rand.New(rand.NewPCG(seed, seed))
	type oa struct{ obj, act string }
	byRole := map[string][]oa{}
	all := map[oa]bool{}
	for _, p := range policy {
		byRole[p[0]] = append(byRole[p[0]], oa{p[2], p[3]})
		all[oa{p[2], p[3]}] = true
	}
	var allPairs []oa
	for k := range all {
		allPairs = append(allPairs, k)
	}
	slices.SortFunc(allPairs, func(a, b oa) int { return cmpStr(a.obj+a.act, b.obj+b.act) })
	byKind := map[string][]string{}
	seen := map[string]bool{}
	for _, a := range accounts {
		if !seen[a.domain] {
			seen[a.domain] = true
			byKind[a.kind] = append(byKind[a.kind], a.domain)
		}
	}
	out := make([]benchRequest, n)
	for i := range out {
		a := accounts[rng.IntN(len(accounts))]
		own := byRole[a.role]
		r := benchRequest{id: a.id, domain: a.domain}
		switch x := rng.IntN(4); {
		case x < 2 || a.kind == "city" && x == 2: // allowed
			p := own[rng.IntN(len(own))]
			r.obj, r.act, r.want = p.obj, p.act, true
		case x == 2: // right action, wrong domain
			p := own[rng.IntN(len(own))]
			r.obj, r.act = p.obj, p.act
			doms := byKind[a.kind]
			for r.domain == a.domain && len(doms) > 1 {
				r.domain = doms[rng.IntN(len(doms))]
			}
			if r.domain == a.domain { // the only domain of its kind
				r.domain = "town:000000"
			}
		default: // own domain, an action the role lacks
			for {
				p := allPairs[rng.IntN(len(allPairs))]
				if !slices.Contains(own, p) {
					r.obj, r.act = p.obj, p.act
					break
				}
			}
		}
		out[i] = r
	}
	return out
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// allowFunc is what is measured: the Authorizer, or a bare SyncedEnforcer
// for comparison.
type allowFunc func(id int64, domain, obj, act string) (bool, error)

func benchAllow(b *testing.B, reqs []benchRequest, allow allowFunc, forget func()) {
	b.Helper()
	if forget != nil {
		forget()
	}
	durs := make([]time.Duration, 0, min(b.N, len(reqs)))
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := &reqs[i%len(reqs)]
		t0 := time.Now()
		ok, err := allow(r.id, r.domain, r.obj, r.act)
		d := time.Since(t0)
		if err != nil || ok != r.want {
			b.Fatalf("Allow(%d, %s, %s, %s) = %v, %v; want %v", r.id, r.domain, r.obj, r.act, ok, err, r.want)
		}
		if len(durs) < cap(durs) {
			durs = append(durs, d)
		}
	}
	b.StopTimer()
	reportPercentiles(b, durs)
}

func benchAllowParallel(b *testing.B, reqs []benchRequest, allow allowFunc, forget func()) {
	b.Helper()
	if forget != nil {
		forget()
	}
	var mu sync.Mutex
	var all []time.Duration
	var next, fail = make(chan int, 64), make(chan string, 1)
	for g := 0; g < 64; g++ {
		next <- g * (len(reqs) / 64)
	}
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := <-next // each goroutine walks its own stretch of requests
		durs := make([]time.Duration, 0, 1<<16)
		for pb.Next() {
			r := &reqs[i%len(reqs)]
			i++
			t0 := time.Now()
			ok, err := allow(r.id, r.domain, r.obj, r.act)
			d := time.Since(t0)
			if err != nil || ok != r.want {
				select {
				case fail <- fmt.Sprintf("Allow(%d, %s, %s, %s) = %v, %v; want %v", r.id, r.domain, r.obj, r.act, ok, err, r.want):
				default:
				}
				return
			}
			durs = append(durs, d)
		}
		mu.Lock()
		all = append(all, durs...)
		mu.Unlock()
	})
	b.StopTimer()
	select {
	case msg := <-fail:
		b.Fatal(msg)
	default:
	}
	reportPercentiles(b, all)
}

func reportPercentiles(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	pct := func(p float64) float64 {
		return float64(durs[min(len(durs)-1, int(p*float64(len(durs))))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.95), "p95-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

func benchAccountCount(b *testing.B) int {
	if s := os.Getenv("ANXIN_BENCH_ACCOUNTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		return n
	}
	return 250_000
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkAuthz: load of the city's policy, then Allow on it — cold
// (casbin's per-matcher memo of g() results emptied before each run, and
// every request of a run different) and warm (1,000 requests over and
// over) — through the Authorizer and, as the baseline, a plain casbin
// SyncedEnforcer on the same adapter and model (whole policy in one
// enforcer, casbin's own domain role manager, without the domain patterns
// that make its load quadratic).
func BenchmarkAuthz(b *testing.B) {
	ctx := context.Background()
	pool := dbtest.New(b)
	accounts := benchCity(b, pool, benchAccountCount(b))

	var a *authz.Authorizer
	// Loads are slow (about a second): at most three whatever -benchtime
	// says; ns/op and ms/load are per load.
	b.Run("Load", func(b *testing.B) {
		a = nil
		before := heapInUse()
		var took time.Duration
		loads := min(b.N, 3)
		for range loads {
			a = nil
			runtime.GC()
			t0 := time.Now()
			var err error
			a, err = authz.New(ctx, pool, nil)
			took += time.Since(t0)
			require.NoError(b, err)
		}
		b.StopTimer()
		b.ReportMetric(float64(took.Nanoseconds())/float64(loads), "ns/op")
		b.ReportMetric(float64(took.Milliseconds())/float64(loads), "ms/load")
		b.ReportMetric(float64(heapInUse()-before)/(1<<20), "heap-MiB")
		runtime.KeepAlive(a)
	})
	if a == nil {
		var err error
		a, err = authz.New(ctx, pool, nil)
		require.NoError(b, err)
	}

	reqs := benchRequests(a.Policy(), accounts, 1<<19, 1)
	warm := reqs[:1000]
	authorizer := func(id int64, domain, obj, act string) (bool, error) { return a.Allow(id, domain, obj, act) }

	ad := authz.NewAdapter(pool)
	m, err := ad.LoadModel(ctx)
	require.NoError(b, err)
	// The same role manager as the Authorizer's (see newEnforcer): casbin's
	// default one here would make the load quadratic in the domains.
	se, err := casbin.NewSyncedEnforcer(m)
	require.NoError(b, err)
	se.SetRoleManager(defaultrolemanager.NewRoleManager(10))
	se.SetAdapter(ad)
	require.NoError(b, se.LoadPolicy())
	synced := func(id int64, domain, obj, act string) (bool, error) {
		return se.Enforce(authz.Subject(id), domain, obj, act)
	}
	forgetSynced := func() { se.SetRoleManager(se.GetRoleManager()) }

	b.Run("Allow/cold", func(b *testing.B) { benchAllow(b, reqs, authorizer, a.ForgetMemo) })
	b.Run("Allow/cold/parallel", func(b *testing.B) { benchAllowParallel(b, reqs, authorizer, a.ForgetMemo) })
	b.Run("Allow/warm", func(b *testing.B) { benchAllow(b, warm, authorizer, nil) })
	b.Run("Allow/warm/parallel", func(b *testing.B) { benchAllowParallel(b, warm, authorizer, nil) })
	b.Run("PlainSyncedEnforcer/cold", func(b *testing.B) { benchAllow(b, reqs, synced, forgetSynced) })
	b.Run("PlainSyncedEnforcer/cold/parallel", func(b *testing.B) { benchAllowParallel(b, reqs, synced, forgetSynced) })
}
