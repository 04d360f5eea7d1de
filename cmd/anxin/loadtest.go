package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/loadtest"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/seed"
)

// loadtestCmd measures the registry reads of a running API (anxin dev or
// anxin api) with IDs sampled from its database.
func loadtestCmd(ctx context.Context, cfg config.Config, fs *flag.FlagSet, args []string) error {
	cfg.Flags(fs, "database-url", "data-dir", "log-level")
	base := fs.String("base", "http://127.0.0.1:8080", "base URL of the running API (loopback)")
	n := fs.Int("requests", 300, "requests per scenario")
	conc := fs.Int("concurrency", 4, "concurrent clients")
	only := fs.String("only", "", "run only the scenarios whose name contains this")
	user := fs.String("username", "demo.supervisor", "account to sign in with (every request carries its token)")
	password := fs.String("password", seed.DemoPassword, "its password")
	if err := parse(fs, args, &cfg); err != nil {
		return err
	}
	cfg.Dev = true
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	keys, err := platform.LoadKeys(cfg)
	if err != nil {
		return err
	}
	scenarios, err := loadtest.RegistryScenarios(ctx, pool, keys)
	if err != nil {
		return err
	}
	if *only != "" {
		var keep []loadtest.Scenario
		for _, sc := range scenarios {
			if strings.Contains(sc.Name, *only) {
				keep = append(keep, sc)
			}
		}
		scenarios = keep
	}
	token, err := loadtest.Login(ctx, *base, *user, *password)
	if err != nil {
		return err
	}
	start := time.Now()
	results, err := loadtest.Run(ctx, loadtest.Options{BaseURL: *base, Requests: *n, Concurrency: *conc, Seed: 1,
		Header: http.Header{"Authorization": {"Bearer " + token}}}, scenarios)
	fmt.Printf("%d scenarios × %d requests, %d concurrent clients, against %s\n", len(scenarios), *n, *conc, *base)
	for _, r := range results {
		fmt.Println(r)
		if r.FirstError != "" {
			fmt.Println("    first error:", r.FirstError)
		}
	}
	fmt.Printf("total %s\n", time.Since(start).Round(time.Millisecond))
	return err
}
