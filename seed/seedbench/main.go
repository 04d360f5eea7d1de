// Command seedbench measures seed.Run: it creates a scratch database,
// migrates it, seeds it at the given scale, prints the time per phase and
// per table, the row counts and the database size, and drops the database
// again (unless -keep).
//
//	go run ./seed/seedbench -scale city
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/seed"
)

func main() {
	var (
		scale    = flag.String("scale", seed.ScaleCity, "scale: "+strings.Join(seed.Scales, ", "))
		seedN    = flag.Int64("seed", 1, "random seed")
		admin    = flag.String("admin", envOr("ANXIN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "URL of a maintenance database on the server")
		name     = flag.String("db", "anxin_seedbench", "scratch database to create (dropped first if it exists)")
		keep     = flag.Bool("keep", false, "keep the database afterwards")
		manifest = flag.String("manifest", "", "write the manifest JSON here")
	)
	flag.Parse()
	if err := run(*scale, *seedN, *admin, *name, *keep, *manifest); err != nil {
		fmt.Fprintln(os.Stderr, "seedbench:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(scale string, seedN int64, adminURL, name string, keep bool, manifest string) error {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return err
	}
	if !keep {
		defer func() {
			if _, err := admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
				fmt.Fprintln(os.Stderr, "seedbench: drop:", err)
			}
		}()
	}
	cfg := admin.Config()
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	if cfg.Password != "" {
		url = fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Password, cfg.Host, cfg.Port, name)
	}
	pool, err := db.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool, nil); err != nil {
		return err
	}
	keys, err := pii.New(pii.GenerateKey())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	t0 := time.Now()
	m, err := seed.Run(ctx, pool, seed.Options{Scale: scale, Seed: seedN, Keys: keys, Logger: log, ManifestPath: manifest})
	if err != nil {
		return err
	}
	total := time.Since(t0)

	// Per-table time: sum the COPY steps of each table.
	type agg struct {
		rows int64
		took time.Duration
	}
	perTable := map[string]*agg{}
	var order []string
	other := map[string]time.Duration{}
	var otherOrder []string
	for _, t := range m.Timings {
		if tbl, ok := strings.CutPrefix(t.Step, "copy "); ok {
			if perTable[tbl] == nil {
				perTable[tbl] = &agg{}
				order = append(order, tbl)
			}
			perTable[tbl].rows += t.Rows
			perTable[tbl].took += t.Took
			continue
		}
		key := t.Step
		if strings.HasPrefix(key, "restore ") && key != "restore sequences and commit" {
			key = "restore indexes and foreign keys"
		}
		if _, ok := other[key]; !ok {
			otherOrder = append(otherOrder, key)
		}
		other[key] += t.Took
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "scale %s, seed %d, now %s\t\t\t\n", m.Scale, m.Seed, m.Now)
	fmt.Fprintf(w, "table\trows\tcopy time\trows/s\t\n")
	for _, tbl := range order {
		a := perTable[tbl]
		fmt.Fprintf(w, "%s\t%d\t%s\t%.0f\t\n", tbl, a.rows, a.took.Round(time.Millisecond), float64(a.rows)/a.took.Seconds())
	}
	fmt.Fprintf(w, "\t\t\t\t\n")
	for _, k := range otherOrder {
		fmt.Fprintf(w, "%s\t\t%s\t\t\n", k, other[k].Round(time.Millisecond))
	}
	fmt.Fprintf(w, "total (seed.Run)\t\t%s\t\t\n", total.Round(time.Millisecond))
	w.Flush()

	// The slowest index and foreign-key restores.
	var restores []seed.Timing
	for _, t := range m.Timings {
		if strings.HasPrefix(t.Step, "restore ") && t.Step != "restore sequences and commit" {
			restores = append(restores, t)
		}
	}
	sort.Slice(restores, func(i, j int) bool { return restores[i].Took > restores[j].Took })
	fmt.Println("\nslowest restores:")
	for _, t := range restores[:min(8, len(restores))] {
		fmt.Printf("  %-50s %s\n", strings.TrimPrefix(t.Step, "restore "), t.Took.Round(time.Millisecond))
	}

	var size int64
	if err := pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&size); err != nil {
		return err
	}
	fmt.Printf("\ndatabase size: %.1f MiB\n", float64(size)/(1<<20))
	rows, err := pool.Query(ctx, `
SELECT c.relname, pg_total_relation_size(c.oid) + coalesce((
         SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i WHERE i.inhparent = c.oid), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 2 DESC LIMIT 8`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var rel string
		var sz int64
		if err := rows.Scan(&rel, &sz); err != nil {
			return err
		}
		fmt.Printf("  %-28s %8.1f MiB\n", rel, float64(sz)/(1<<20))
	}
	return rows.Err()
}
