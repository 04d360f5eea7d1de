// The daily warning scan at city scale (docs/BENCHMARKS.md, "Warning
// rules"): how long every rule takes over the city seed, and how long the
// scan then takes to open the warning workflows it raises, on the
// embedded Temporal server (in memory) with a worker projecting into the
// seeded database. It needs a database seeded with `anxin seed --scale
// city` and deletes that database's warnings first:
//
//	ANXIN_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/anxin_rules_bench?sslmode=disable \
//	  go test ./worker -run '^$' -bench WarningScanAtScale -benchtime 1x -timeout 30m
//
// ANXIN_BENCH_AS_OF is the day evaluated (default 2026-11-15, the seed's
// reference day of the planted anomalies).
package worker_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/rules"
)

func BenchmarkWarningScanAtScale(b *testing.B) {
	url := os.Getenv("ANXIN_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("ANXIN_BENCH_DATABASE_URL (a database seeded with anxin seed --scale city) is not set")
	}
	asOf, err := time.Parse("2006-01-02", cmp.Or(os.Getenv("ANXIN_BENCH_AS_OF"), "2026-11-15"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	var name string
	if err := pool.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		b.Fatal(err)
	}
	if !strings.Contains(name, "bench") {
		b.Fatalf("database %s: the benchmark deletes its warnings, so it runs only on a database named *bench*", name)
	}
	for _, sql := range []string{`DELETE FROM case_tasks WHERE warning_id IS NOT NULL`, `DELETE FROM warning_events`,
		`DELETE FROM evidence_files WHERE warning_id IS NOT NULL`, `UPDATE warnings SET lead_id = NULL`, `DELETE FROM warnings`} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := scaleTemporal(b, pool, logger)
	cc := &caseclient.Client{Temporal: c, Timeout: time.Minute, Logger: logger}

	b.ResetTimer()
	t0 := time.Now()
	results, err := rules.Scan(ctx, db.Q(pool), asOf, rules.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	evaluate := time.Since(t0)
	hits := 0
	for _, r := range results {
		hits += len(r.Hits)
	}
	t1 := time.Now()
	first, err := cc.ScanWarnings(ctx, pool, asOf, rules.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	scan := time.Since(t1)
	t2 := time.Now()
	again, err := cc.ScanWarnings(ctx, pool, asOf, rules.Filter{})
	if err != nil {
		b.Fatal(err)
	}
	rerun := time.Since(t2)
	b.StopTimer()

	var received, open int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'received'),
		count(*) FILTER (WHERE status NOT IN ('received', 'closed', 'converted')) FROM warnings`).Scan(&received, &open); err != nil {
		b.Fatal(err)
	}
	if first.Opened != hits || received != 0 || open != hits || again.Opened != 0 {
		b.Fatalf("hits %d: first scan %s, rerun %s; %d warnings open, %d not started", hits, first, again, open, received)
	}
	fmt.Fprintf(os.Stderr, "warning scan at city scale (as of %s), embedded Temporal in memory, %d steps at a time:\n",
		asOf.Format("2006-01-02"), caseclient.ScanParallel)
	fmt.Fprintf(os.Stderr, "  rules only (rules.Scan):        %6.1f s, %d hits\n", evaluate.Seconds(), hits)
	fmt.Fprintf(os.Stderr, "  first scan:                     %6.1f s (rules %.1f s, then records and workflow starts %.2f s: %.0f warnings/s): %s\n",
		scan.Seconds(), first.Evaluated.Seconds(), first.Stepped.Seconds(), float64(first.Opened)/first.Stepped.Seconds(), first)
	fmt.Fprintf(os.Stderr, "  rerun (nothing to open):        %6.1f s (rules %.1f s, then %.2f s): %s\n",
		rerun.Seconds(), again.Evaluated.Seconds(), again.Stepped.Seconds(), again)
	b.ReportMetric(evaluate.Seconds(), "rules-s")
	b.ReportMetric(scan.Seconds(), "scan-s")
	b.ReportMetric(rerun.Seconds(), "rerun-s")
	b.ReportMetric(first.Stepped.Seconds(), "open-s")
}
