// Lead workflows at scale (docs/BENCHMARKS.md, "Arrears lead workflows"):
// how fast leads start, how long an action takes and how fast the inbox
// reads are with many open cases, on the embedded Temporal server and a
// real test database. It is a benchmark, so plain `go test ./...` never
// runs it; run it with
//
//	go test ./worker -run '^$' -bench LeadAtScale -benchtime 1x -timeout 30m
//
// ANXIN_BENCH_LEADS sets the number of open leads (default 10000),
// ANXIN_BENCH_UPDATES the number of accept updates (default 500),
// ANXIN_BENCH_STARTERS and ANXIN_BENCH_UPDATERS the concurrent clients
// (default 16 and 8); ANXIN_BENCH_EXPLAIN=1 prints the plan of every
// inbox query (it is printed anyway for one whose p95 exceeds 100 ms).
// Postgres as for every test (make test-db).
package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/workflows"
)

const (
	scaleTowns       = 20  // towns of the benchmark's city (beside the fixture's two)
	scaleProjects    = 200 // projects, spread evenly over the towns
	scaleUnknownEach = 21  // every 21st lead names no project: triage at the city (21: not a multiple of the towns)
	scaleIntakes     = 100 // leads started one by one after the bulk, as the API does
	scaleInboxRuns   = 200 // runs of each inbox query
	// accept updates sent one after another (to leads the concurrent ones
	// leave alone): the latency of an action on an idle system
	scaleSerialUpdates = 50
)

func scaleEnv(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// scaleLead is one recorded lead and the input of its workflow.
type scaleLead struct {
	in      workflows.LeadInput
	wfID    string
	started time.Duration // the start's latency (to the first step projected)
	called  time.Time     // when the client last called (start or update)
}

// scaleCity is what the set-up made.
type scaleCity struct {
	towns    []string               // the benchmark's towns
	officers map[string]cases.Actor // a town officer per town
	leads    []*scaleLead           // recorded, not yet started
}

// BenchmarkLeadAtScale starts ANXIN_BENCH_LEADS lead workflows, sends
// accept updates with all of them open, and times the inbox queries.
func BenchmarkLeadAtScale(b *testing.B) {
	n := scaleEnv(b, "ANXIN_BENCH_LEADS", 10000)
	if n < 4*scaleSerialUpdates {
		b.Fatalf("ANXIN_BENCH_LEADS=%d: at least %d", n, 4*scaleSerialUpdates)
	}
	nUpdates := min(scaleEnv(b, "ANXIN_BENCH_UPDATES", 500), n/2)
	starters := scaleEnv(b, "ANXIN_BENCH_STARTERS", 16)
	updaters := scaleEnv(b, "ANXIN_BENCH_UPDATERS", 8)
	progress := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s lead-bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	ctx := context.Background()
	began := time.Now()

	pool := dbtest.New(b)
	f := casetest.New(b, pool)
	city := scaleSetup(b, pool, f, n+scaleIntakes)
	progress("set-up: %d leads recorded, %d towns, %d projects in %s", len(city.leads), scaleTowns, scaleProjects,
		time.Since(began).Round(time.Millisecond))

	tally := &logTally{counts: map[string]int{}}
	logger := slog.New(&tallyHandler{inner: slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}),
		tally: tally})
	c := scaleTemporal(b, pool, logger)

	bulk, intakes := city.leads[:n], city.leads[n:]
	var summary strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&summary, format+"\n", args...) }
	line("lead workflows at scale: %d leads (+%d started one by one), %d towns, embedded Temporal in memory, GOMAXPROCS %d",
		n, len(intakes), scaleTowns, runtime.GOMAXPROCS(0))

	b.ResetTimer()

	// ---- starts ----
	startsPerSec, dispatchedPerSec, startLat := scaleStarts(b, pool, c, bulk, starters, progress)
	line("starts: %d from %d goroutines: %.0f starts/s (Update-with-Start answered after the first step), %.0f dispatched/s (seq ≥ 1 in Postgres)",
		n, starters, startsPerSec, dispatchedPerSec)
	line("  start latency (to the first step projected): %s", startLat)
	b.ReportMetric(startsPerSec, "starts/s")
	b.ReportMetric(dispatchedPerSec, "dispatched/s")

	// ---- one lead at a time, as the API's intake does, with n open ----
	intakeLat := scaleIntake(b, pool, c, intakes)
	line("intake one at a time (%d open): Update-with-Start answered after the first step: %s", n, intakeLat)
	b.ReportMetric(ms(intakeLat.p50), "intake-p50-ms")
	b.ReportMetric(ms(intakeLat.p95), "intake-p95-ms")
	open := n + len(intakes)

	// ---- updates ----
	updLat, updPerSec, lastAccepted := scaleUpdates(b, c, city, bulk[:len(bulk)-scaleSerialUpdates*2], nUpdates,
		updaters, progress)
	line("accept updates: %d from %d goroutines with %d open: %.0f updates/s", nUpdates, updaters, open, updPerSec)
	line("  UpdateWorkflow (stage completed) latency: %s", updLat)
	b.ReportMetric(ms(updLat.p50), "update-p50-ms")
	b.ReportMetric(ms(updLat.p95), "update-p95-ms")
	b.ReportMetric(ms(updLat.p99), "update-p99-ms")
	b.ReportMetric(updPerSec, "updates/s")
	serialLat, _, lastSerial := scaleUpdates(b, c, city, bulk[len(bulk)-scaleSerialUpdates*2:], scaleSerialUpdates, 1, progress)
	line("accept updates one at a time: %s", serialLat)
	b.ReportMetric(ms(serialLat.p50), "update-serial-p50-ms")
	b.ReportMetric(ms(serialLat.p95), "update-serial-p95-ms")
	line("where the time of one step went (ms from the client's call; history event times):")
	line("  start in the burst: %s", scaleTimeline(b, c, bulk[len(bulk)/2], false))
	line("  start one at a time: %s", scaleTimeline(b, c, intakes[len(intakes)-1], false))
	line("  accept, %d at a time: %s", updaters, scaleTimeline(b, c, lastAccepted, true))
	line("  accept one at a time: %s", scaleTimeline(b, c, lastSerial, true))

	// ---- inbox ----
	b.StopTimer()
	scaleInboxData(b, pool)
	var counts []string
	rows, err := pool.Query(ctx, `SELECT actor || ' ' || kind, count(*) FROM case_tasks WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			b.Fatal(err)
		}
		counts = append(counts, fmt.Sprintf("%s %d", k, v))
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	line("open tasks: %s (every 4th town task assigned to the town's officer, every 10th task marked overdue by SQL; ANALYZE run)",
		strings.Join(counts, ", "))
	b.StartTimer()
	inbox := scaleInbox(b, pool, city)
	b.StopTimer()
	for _, r := range inbox {
		line("inbox %-32s p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms  (%d rows of %d on the page, %d runs)",
			r.name, ms(r.lat.p50), ms(r.lat.p95), ms(r.lat.p99), r.rows, r.total, r.lat.n)
		b.ReportMetric(ms(r.lat.p95), r.metric+"-p95-ms")
		b.ReportMetric(ms(r.lat.p50), r.metric+"-p50-ms")
	}
	for _, r := range inbox {
		if r.lat.p95 > 100*time.Millisecond || os.Getenv("ANXIN_BENCH_EXPLAIN") != "" {
			line("EXPLAIN (ANALYZE, BUFFERS) of %s:\n%s", r.name, r.plan)
		}
	}

	// ---- what the run left behind ----
	var status []string
	rows, err = pool.Query(ctx, `SELECT status, count(*) FROM leads GROUP BY status ORDER BY status`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var s string
		var v int64
		if err := rows.Scan(&s, &v); err != nil {
			b.Fatal(err)
		}
		status = append(status, fmt.Sprintf("%s %d", s, v))
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	line("leads by status: %s", strings.Join(status, ", "))
	line("worker and server log records at warn and above: %s", tally.String())
	line("peak RSS of the process (server, worker, benchmark): %s; whole run %s", peakRSS(),
		time.Since(began).Round(time.Second))
	b.ReportMetric(float64(tally.total()), "warn-log-records")
	// the testing package cuts a benchmark's log to ten lines
	fmt.Print(summary.String())
}

// scaleSetup adds towns, projects, workers and officers to the fixture
// and records leads leads (every scaleUnknownEach-th without a project),
// as the API's intake writes them, in one transaction with the system log
// off (as the seed does).
func scaleSetup(b *testing.B, pool *pgxpool.Pool, f *casetest.Fixture, leads int) *scaleCity {
	b.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit a no-op
	exec := func(sql string, args ...any) {
		if _, err := tx.Exec(ctx, sql, args...); err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
	}
	ids := func(sql string, args ...any) []int64 {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
		v, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
		return v
	}
	exec(`SET LOCAL anxin.audit_capture = 'off'`)
	exec(`INSERT INTO towns (code, name, sort_order)
		SELECT '3302' || lpad(i::text, 2, '0'), '基准镇街' || i, 100 + i FROM generate_series(1, $1) i`, scaleTowns)
	towns := make([]string, scaleTowns)
	for i := range towns {
		towns[i] = fmt.Sprintf("3302%02d", i+1)
	}
	// a general contractor per project, in the project's town
	exec(`INSERT INTO enterprises (credit_code, name, type, town_code)
		SELECT '9133020000' || lpad(i::text, 8, '0'), '基准建工' || i || '有限公司', 'general_contractor',
		       '3302' || lpad((((i - 1) % $2) + 1)::text, 2, '0')
		FROM generate_series(1, $1) i`, scaleProjects, scaleTowns)
	projects := ids(`INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id, contract_value_fen,
			start_date, planned_end_date, status)
		SELECT 'BENCH-' || lpad(i::text, 4, '0'), '基准项目' || i, '3302' || lpad((((i - 1) % $2) + 1)::text, 2, '0'),
		       'housing', $3, e.id, 100000000 + i * 1000, '2026-01-01', '2027-12-31', 'in_construction'
		FROM generate_series(1, $1) i
		JOIN enterprises e ON e.credit_code = '9133020000' || lpad(i::text, 8, '0')
		ORDER BY i RETURNING id`, scaleProjects, scaleTowns, f.Builder1)
	workers := ids(`INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region)
		SELECT '基准工人' || i, convert_to('enc-' || i, 'UTF8'), convert_to('bench-hash-' || i, 'UTF8'),
		       CASE WHEN i % 3 = 0 THEN 'female' ELSE 'male' END, date '1970-01-01' + (i % 10000), '51', '510100'
		FROM generate_series(1, $1) i ORDER BY i RETURNING id`, leads)
	officers := map[string]cases.Actor{}
	for i, town := range towns {
		name := fmt.Sprintf("基准镇街%d监察员", i+1)
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (username, display_name, role, town_code, password_hash)
			VALUES ($1, $2, 'town_officer', $3, 'x') RETURNING id`, "bench."+town, name, town).Scan(&id); err != nil {
			b.Fatal(err)
		}
		officers[town] = cases.Actor{AccountID: id, Name: name, Role: "town_officer", Domain: "town:" + town,
			IP: "127.0.0.1", TownCode: town}
	}
	// the leads: worker i reports project i mod 200 (or none), by hotline,
	// entered by the city's supervisor
	leadProject := make([]*int64, leads)
	for i := range leadProject {
		if (i+1)%scaleUnknownEach != 0 {
			leadProject[i] = &projects[i%len(projects)]
		}
	}
	receivedAt := time.Now().Truncate(time.Second)
	exec(`INSERT INTO leads (source, worker_id, reporter_name, project_id, amount_claimed_fen, workers_claimed,
			description, received_at, received_by)
		SELECT 'hotline', w, '基准工人', p, 300000 + (o % 97) * 10000, 1 + o % 5, '拖欠三个月工资', $3, $4
		FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS x(w, p, o) ORDER BY o`,
		workers, leadProject, receivedAt, f.City.AccountID)
	rows, err := tx.Query(ctx, `SELECT l.id, l.worker_id, l.project_id, coalesce(p.town_code, ''), coalesce(p.contractor_id, 0),
			l.amount_claimed_fen, l.workers_claimed, l.received_at
		FROM leads l LEFT JOIN projects p ON p.id = l.project_id ORDER BY l.id`)
	if err != nil {
		b.Fatal(err)
	}
	var out []*scaleLead
	for rows.Next() {
		var in workflows.LeadInput
		var worker, project *int64
		var claimed int32
		if err := rows.Scan(&in.LeadID, &worker, &project, &in.TownCode, &in.ContractorID, &in.AmountClaimedFen,
			&claimed, &in.ReceivedAt); err != nil {
			b.Fatal(err)
		}
		in.Source, in.By, in.WorkersClaimed = cases.SourceHotline, f.City, int(claimed)
		if worker != nil {
			in.WorkerID = *worker
		}
		if project != nil {
			in.ProjectID = *project
		}
		out = append(out, &scaleLead{in: in, wfID: workflows.LeadWorkflowID(in.LeadID)})
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	return &scaleCity{towns: towns, officers: officers, leads: out}
}

// scaleTemporal starts an in-memory embedded server, a client and a
// worker (worker.Run with the real activities and the default options),
// stopped in reverse order when the benchmark ends.
func scaleTemporal(b *testing.B, pool *pgxpool.Pool, logger *slog.Logger) client.Client {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := devtemporal.Start(ctx, devtemporal.Options{Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Stop(); err != nil {
			b.Error(err)
		}
	})
	c, err := s.NewClient(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- worker.Run(runCtx, c, &activities.Activities{DB: pool, Logger: logger}, worker.Options{})
	}()
	b.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	return c
}

// scaleStarts starts every lead's workflow from starters goroutines and
// waits until every lead's first step is in Postgres.
func scaleStarts(b *testing.B, pool *pgxpool.Pool, c client.Client, leads []*scaleLead, starters int,
	progress func(string, ...any)) (startsPerSec, dispatchedPerSec float64, lat latencies) {
	b.Helper()
	ctx := context.Background()
	var started, failed atomic.Int64
	var firstErr atomic.Value
	work := make(chan *scaleLead)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range starters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range work {
				sctx, cancel := context.WithTimeout(ctx, time.Minute)
				t := time.Now()
				l.called = t
				// as the API starts a lead: Update-with-Start, answered
				// once the first step is projected
				_, err := (&caseclient.Client{Temporal: c, Timeout: time.Minute}).StartLead(sctx, l.in)
				l.started = time.Since(t)
				cancel()
				if err != nil {
					failed.Add(1)
					if firstErr.CompareAndSwap(nil, fmt.Sprintf("lead %d: %v", l.in.LeadID, err)) {
						progress("lead %d failed: %v; its history: %s", l.in.LeadID, err, scaleTimeline(b, c, l, false))
					}
					continue
				}
				started.Add(1)
			}
		}()
	}
	// the first step of each lead, as the projection shows it
	var dispatched atomic.Int64
	allIn := make(chan time.Duration, 1)
	stopPoll := make(chan struct{})
	go func() {
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-stopPoll:
				return
			case <-tick.C:
			}
			var k int64
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM leads WHERE seq >= 1 AND id <= $1`,
				leads[len(leads)-1].in.LeadID).Scan(&k); err != nil {
				progress("poll: %v", err)
				continue
			}
			dispatched.Store(k)
			if k >= int64(len(leads)) {
				allIn <- time.Since(t0)
				return
			}
			if time.Since(last) >= 10*time.Second {
				last = time.Now()
				progress("%s: %d started, %d failed, %d dispatched", time.Since(t0).Round(time.Second),
					started.Load(), failed.Load(), k)
			}
		}
	}()
	for _, l := range leads {
		work <- l
	}
	close(work)
	wg.Wait()
	startTime := time.Since(t0)
	progress("all starts returned after %s (%d failed)", startTime.Round(time.Millisecond), failed.Load())
	if failed.Load() > 0 {
		close(stopPoll)
		b.Fatalf("%d starts failed, first: %v", failed.Load(), firstErr.Load())
	}
	var dispatchTime time.Duration
	select {
	case dispatchTime = <-allIn:
	case <-time.After(25 * time.Minute):
		close(stopPoll)
		b.Fatalf("after %s only %d of %d leads dispatched", time.Since(t0).Round(time.Second), dispatched.Load(), len(leads))
	}
	progress("all %d leads dispatched after %s", len(leads), dispatchTime.Round(time.Millisecond))
	var ds []time.Duration
	for _, l := range leads {
		ds = append(ds, l.started)
	}
	return float64(len(leads)) / startTime.Seconds(), float64(len(leads)) / dispatchTime.Seconds(), percentiles(ds)
}

// scaleIntake starts leads one after another the way the API's intake
// does, each until its first step is in Postgres.
func scaleIntake(b *testing.B, pool *pgxpool.Pool, c client.Client, leads []*scaleLead) latencies {
	b.Helper()
	ctx := context.Background()
	var ds []time.Duration
	for _, l := range leads {
		t := time.Now()
		l.called = t
		st, err := (&caseclient.Client{Temporal: c, Timeout: time.Minute}).StartLead(ctx, l.in)
		if err != nil {
			b.Fatalf("lead %d: %v", l.in.LeadID, err)
		}
		var seq int32
		if err := pool.QueryRow(ctx, `SELECT seq FROM leads WHERE id = $1`, l.in.LeadID).Scan(&seq); err != nil {
			b.Fatal(err)
		}
		if seq < 1 || st.Seq < 1 {
			b.Fatalf("lead %d: answered before its first step was projected (seq %d, state %d)", l.in.LeadID, seq, st.Seq)
		}
		ds = append(ds, time.Since(t))
	}
	return percentiles(ds)
}

// scaleUpdates accepts count leads spread over the towns, each as its
// town's officer, from updaters goroutines.
func scaleUpdates(b *testing.B, c client.Client, city *scaleCity, leads []*scaleLead, count, updaters int,
	progress func(string, ...any)) (latencies, float64, *scaleLead) {
	b.Helper()
	var withTown []*scaleLead
	for _, l := range leads {
		if l.in.TownCode != "" {
			withTown = append(withTown, l)
		}
	}
	step := max(len(withTown)/count, 1)
	var picked []*scaleLead
	for i := 0; i < len(withTown) && len(picked) < count; i += step {
		picked = append(picked, withTown[i])
	}
	ds := make([]time.Duration, len(picked))
	var failed atomic.Int64
	var firstErr atomic.Value
	work := make(chan int)
	var wg sync.WaitGroup
	t0 := time.Now()
	for range updaters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				l := picked[i]
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				t := time.Now()
				l.called = t
				st, err := (&caseclient.Client{Temporal: c, Timeout: time.Minute}).ActLead(ctx, l.in.LeadID, workflows.ActAccept,
					workflows.ActionInput{Actor: city.officers[l.in.TownCode], Note: "已签收"})
				ds[i] = time.Since(t)
				cancel()
				if err == nil && st.Status != cases.Investigating {
					err = fmt.Errorf("status %s after accept", st.Status)
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("lead %d: %v", l.in.LeadID, err))
				}
			}
		}()
	}
	for i := range picked {
		work <- i
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(t0)
	progress("%d accept updates in %s (%d failed)", len(picked), elapsed.Round(time.Millisecond), failed.Load())
	if failed.Load() > 0 {
		b.Fatalf("%d updates failed, first: %v", failed.Load(), firstErr.Load())
	}
	return percentiles(ds), float64(len(picked)) / elapsed.Seconds(), picked[len(picked)-1]
}

// scaleTimeline is where the time of one step of lead l went: its events
// from the start (or from the last update accepted) to the first
// projection activity's completion (or the update's), each with its
// offset in ms from the client's call.
func scaleTimeline(b *testing.B, c client.Client, l *scaleLead, fromUpdate bool) string {
	id := l.wfID
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			b.Fatalf("history of %s: %v", id, err)
		}
		events = append(events, e)
	}
	from := 0
	if fromUpdate {
		for i, e := range events {
			if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED {
				from = i
			}
		}
	}
	parts := []string{"call +0"}
	t0 := l.called
	for _, e := range events[from:] {
		name := strings.TrimPrefix(e.GetEventType().String(), "EVENT_TYPE_")
		parts = append(parts, fmt.Sprintf("%s +%.0f", name, ms(e.GetEventTime().AsTime().Sub(t0))))
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED ||
			(!fromUpdate && e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
			break
		}
	}
	return strings.Join(parts, ", ")
}

// scaleInboxData gives the inboxes what a working city has: every 4th
// open town task assigned to the town's officer, every 10th open task
// overdue; then ANALYZE (autovacuum would, a minute later).
func scaleInboxData(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	ctx := context.Background()
	for _, sql := range []string{
		`UPDATE case_tasks t SET assignee_id = a.id FROM accounts a
		 WHERE a.username = 'bench.' || t.town_code AND t.actor = 'town' AND t.closed_at IS NULL AND t.id % 4 = 0`,
		`UPDATE case_tasks SET overdue = true WHERE closed_at IS NULL AND id % 10 = 0`,
		`ANALYZE`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			b.Fatalf("%v\n%s", err, sql)
		}
	}
}

type inboxResult struct {
	name, metric string
	lat          latencies
	rows         int
	total        int64
	plan         string // EXPLAIN ANALYZE of the last run's statement
}

// capturing is the pool as dbq sees it, remembering the last statement
// it ran and its arguments, to EXPLAIN exactly what dbq sent.
type capturing struct {
	*pgxpool.Pool
	sql  string
	args []any
}

func (c *capturing) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.sql, c.args = sql, args
	return c.Pool.Query(ctx, sql, args...)
}

func (c *capturing) explain(ctx context.Context) (string, error) {
	rows, err := c.Pool.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+c.sql, c.args...)
	if err != nil {
		return "", err
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	return strings.Join(lines, "\n"), err
}

// scaleInbox times the inbox and lead-list queries as the API runs them
// (page of 20, default sort), scaleInboxRuns times each, cycling through
// the towns.
func scaleInbox(b *testing.B, pool *pgxpool.Pool, city *scaleCity) []inboxResult {
	b.Helper()
	conn := &capturing{Pool: pool}
	q := dbq.New(conn)
	yes := true
	type query struct {
		name, metric string
		run          func(ctx context.Context, town string) (int, int64, error)
	}
	tasks := func(p func(town string) dbq.CaseTaskListParams) func(context.Context, string) (int, int64, error) {
		return func(ctx context.Context, town string) (int, int64, error) {
			arg := p(town)
			arg.Sort, arg.Lim, arg.Now = "due_at", 20, time.Now()
			rows, err := q.CaseTaskList(ctx, arg)
			if err != nil || len(rows) == 0 {
				return 0, 0, err
			}
			return len(rows), rows[0].Total, nil
		}
	}
	leadList := func(p func(town string) dbq.LeadListParams) func(context.Context, string) (int, int64, error) {
		return func(ctx context.Context, town string) (int, int64, error) {
			arg := p(town)
			arg.Sort, arg.Lim = "id", 20
			rows, err := q.LeadList(ctx, arg)
			if err != nil || len(rows) == 0 {
				return 0, 0, err
			}
			return len(rows), rows[0].Total, nil
		}
	}
	queries := []query{
		{"CaseTaskList town (all)", "inbox-town", tasks(func(town string) dbq.CaseTaskListParams {
			sc := db.TownScope(town)
			return dbq.CaseTaskListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key()}
		})},
		{"CaseTaskList town, mine", "inbox-mine", tasks(func(town string) dbq.CaseTaskListParams {
			me := city.officers[town].AccountID
			sc := db.TownScope(town)
			return dbq.CaseTaskListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), AssigneeID: &me}
		})},
		{"CaseTaskList town, overdue", "inbox-overdue", tasks(func(town string) dbq.CaseTaskListParams {
			sc := db.TownScope(town)
			return dbq.CaseTaskListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Overdue: &yes}
		})},
		{"CaseTaskList city (its own)", "inbox-city", tasks(func(string) dbq.CaseTaskListParams {
			actor := cases.ActorCity // the API's default for the city
			return dbq.CaseTaskListParams{ScopeLevel: db.LevelCity, Actor: &actor}
		})},
		{"CaseTaskList city, every office", "inbox-city-all", tasks(func(string) dbq.CaseTaskListParams {
			return dbq.CaseTaskListParams{ScopeLevel: db.LevelCity} // actor=all
		})},
		{"LeadList town (sort id)", "leads-town", leadList(func(town string) dbq.LeadListParams {
			sc := db.TownScope(town)
			return dbq.LeadListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key()}
		})},
		{"LeadList city (sort id)", "leads-city", leadList(func(string) dbq.LeadListParams {
			return dbq.LeadListParams{ScopeLevel: db.LevelCity}
		})},
	}
	var out []inboxResult
	for _, qu := range queries {
		r := inboxResult{name: qu.name, metric: qu.metric}
		var ds []time.Duration
		for i := range scaleInboxRuns {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			t := time.Now()
			rows, total, err := qu.run(ctx, city.towns[i%len(city.towns)])
			ds = append(ds, time.Since(t))
			cancel()
			if err != nil {
				b.Fatalf("%s: %v", qu.name, err)
			}
			if i == 0 {
				r.rows, r.total = rows, total
			}
		}
		r.lat = percentiles(ds)
		plan, err := conn.explain(context.Background())
		if err != nil {
			b.Fatalf("explain %s: %v", qu.name, err)
		}
		r.plan = plan
		out = append(out, r)
	}
	return out
}

// ---- numbers ----

type latencies struct {
	n                       int
	p50, p95, p99, max, avg time.Duration
}

func percentiles(ds []time.Duration) latencies {
	if len(ds) == 0 {
		return latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[max(int(math.Ceil(p*float64(len(s))))-1, 0)] }
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return latencies{n: len(s), p50: at(0.50), p95: at(0.95), p99: at(0.99), max: s[len(s)-1], avg: sum / time.Duration(len(s))}
}

func (l latencies) String() string {
	return fmt.Sprintf("p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms, mean %.1f ms (n=%d)",
		ms(l.p50), ms(l.p95), ms(l.p99), ms(l.max), ms(l.avg), l.n)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// peakRSS is VmHWM of this process (Linux), or "?".
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// ---- log records ----

// logTally counts the log records at warn and above by component and
// message, so that the summary shows what the worker and the server
// complained about (a nondeterminism error would be among them).
type logTally struct {
	mu     sync.Mutex
	counts map[string]int
}

// add counts a record and answers how many of its kind there were.
func (t *logTally) add(key string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.counts[key]++
	return t.counts[key]
}

func (t *logTally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, v := range t.counts {
		n += v
	}
	return n
}

func (t *logTally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.counts) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(t.counts))
	for k := range t.counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%q ×%d", k, t.counts[k]))
	}
	return strings.Join(parts, "; ")
}

type tallyHandler struct {
	inner     slog.Handler
	tally     *logTally
	component string
}

func (h *tallyHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *tallyHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		comp := h.component
		if comp == "" {
			comp = "worker"
		}
		if h.tally.add(r.Level.String()+" "+comp+": "+r.Message) > 5 {
			return nil // counted; the first five of a kind are enough to read
		}
	}
	return h.inner.Handle(ctx, r)
}

func (h *tallyHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.inner = h.inner.WithAttrs(attrs)
	for _, a := range attrs {
		if a.Key == "component" {
			c.component = a.Value.String()
		}
	}
	return &c
}

func (h *tallyHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.inner = h.inner.WithGroup(name)
	return &c
}
