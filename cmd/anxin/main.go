// Command anxin is the one binary of the Anxin platform.
//
//	anxin dev       everything on one machine: migrate, demo data, embedded Temporal, worker, API
//	anxin api       the HTTP API against an external Temporal
//	anxin worker    a Temporal worker against an external Temporal
//	anxin migrate   apply database migrations
//	anxin seed      load a synthetic city (--scale demo|city)
//	anxin loadtest  measure a running API's registry reads
//	anxin audit     the system log: export, import, verify, archive, generate
//	anxin cases     the case workflows: check their projection in Postgres
//	anxin rules     the warning rules: scan (evaluate every rule, timed)
//	anxin version   print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/seed"
)

const usage = `anxin — wage-arrears supervision platform (安薪)

Usage: anxin <command> [flags]

Commands:
  dev       run everything on one machine (migrate, demo city, embedded Temporal, worker, API)
  api       run the HTTP API (needs an external Temporal: --temporal-address)
  worker    run a Temporal worker (needs an external Temporal)
  migrate   apply pending database migrations
  seed      load a deterministic synthetic city: --scale demo|small|city
  loadtest  measure registry reads of a running API (--base URL) with IDs from its database
  audit     the system log: export, import, verify, archive, generate ('anxin audit help')
  cases     the case workflows: check [--all] [--lead ID ...] compares them with their projection
            in Postgres, exit status 1 on any difference ('anxin cases help')
  rules     the warning rules: scan [--as-of DAY] [--project ID] [--enterprise ID] evaluates
            every enabled rule and prints hits and time per rule ('anxin rules help')
  version   print the version

Run 'anxin <command> -h' for the flags of a command. Every flag has an
environment variable (ANXIN_*); see README.md.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1], os.Args[2:])
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "anxin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string, args []string) error {
	cfg := config.FromEnv()
	fs := flag.NewFlagSet("anxin "+cmd, flag.ContinueOnError)
	switch cmd {
	case "dev":
		cfg.Flags(fs, "database-url", "addr", "data-dir", "temporal-port", "log-level")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		return dev(ctx, cfg)
	case "api":
		cfg.Flags(fs, "database-url", "addr", "data-dir", "temporal-address", "temporal-namespace", "side", "log-level")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		return platform.RunAPI(ctx, cfg, cfg.Logger())
	case "worker":
		cfg.Flags(fs, "database-url", "data-dir", "temporal-address", "temporal-namespace", "log-level")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		return platform.RunWorker(ctx, cfg, cfg.Logger())
	case "migrate":
		cfg.Flags(fs, "database-url", "log-level")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
		if err != nil {
			return err
		}
		pool.Close()
		fmt.Println("migrations applied")
		return nil
	case "seed":
		return seedCmd(ctx, cfg, fs, args)
	case "loadtest":
		return loadtestCmd(ctx, cfg, fs, args)
	case "audit":
		return auditCmd(ctx, cfg, args)
	case "cases":
		return casesCmd(ctx, cfg, args)
	case "rules":
		return rulesCmd(ctx, cfg, args)
	case "version":
		fmt.Println("anxin", platform.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	fmt.Fprint(os.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func parse(fs *flag.FlagSet, args []string, cfg *config.Config) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return cfg.Validate()
}

func dev(ctx context.Context, cfg config.Config) error {
	cfg.Dev = true
	log := cfg.Logger()
	start := time.Now()
	sys, err := platform.StartDev(ctx, cfg, log)
	if err != nil {
		return err
	}
	host := sys.Addr
	if h, p, err := splitHostPort(host); err == nil && (h == "" || h == "::" || h == "0.0.0.0") {
		host = "localhost:" + p
	}
	fmt.Printf(`
安薪 Anxin is running (started in %s)
  API            http://%s/api/v1
  OpenAPI        http://%s/api/v1/openapi.json
  health         http://%s/healthz   readiness http://%s/readyz
  Temporal       %s (namespace %s, embedded, persisted in %s)
  database       %s
Demo accounts (password %s; dev mode only, refused by 'anxin api'):
`, time.Since(start).Round(time.Millisecond), host, host, host, host,
		sys.Temporal.FrontendHostPort(), sys.Temporal.Namespace(), filepath.Join(cfg.DataDir, "temporal"), redact(cfg.DatabaseURL),
		seed.DemoPassword)
	for _, line := range sys.DemoBanner() {
		fmt.Println(line)
	}
	fmt.Println("Press Ctrl-C to stop.")
	return sys.Wait(ctx)
}

func seedCmd(ctx context.Context, cfg config.Config, fs *flag.FlagSet, args []string) error {
	cfg.Flags(fs, "database-url", "data-dir", "log-level")
	scale := fs.String("scale", "demo", "demo, small or city")
	rng := fs.Int64("seed", 1, "random seed (same seed, same city)")
	manifest := fs.String("manifest", "", "write the manifest of planted anomalies here (default <data-dir>/seed-<scale>-manifest.json)")
	now := fs.String("now", "", "the day the data is generated up to, YYYY-MM-DD (default 2026-11-15, so runs are comparable)")
	dev := fs.Bool("dev", true, "dev mode: generate/reuse the personal-data key in the data dir when ANXIN_PII_KEY is unset")
	if err := parse(fs, args, &cfg); err != nil {
		return err
	}
	cfg.Dev = *dev
	var at time.Time
	if *now != "" {
		t, err := time.ParseInLocation("2006-01-02", *now, time.Local)
		if err != nil {
			return fmt.Errorf("--now: want YYYY-MM-DD: %w", err)
		}
		at = t
	}
	log := cfg.Logger()
	pool, err := platform.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	keys, err := platform.LoadKeys(cfg)
	if err != nil {
		return err
	}
	if *manifest == "" {
		*manifest = filepath.Join(cfg.DataDir, "seed-"+*scale+"-manifest.json")
	}
	if err := os.MkdirAll(filepath.Dir(*manifest), 0o755); err != nil {
		return err
	}
	start := time.Now()
	if _, err := seed.Run(ctx, pool, seed.Options{Scale: *scale, Seed: *rng, Keys: keys, ManifestPath: *manifest, Now: at, Logger: log}); err != nil {
		return err
	}
	fmt.Printf("seeded scale %s in %s; manifest %s\n", *scale, time.Since(start).Round(time.Second), *manifest)
	return nil
}
