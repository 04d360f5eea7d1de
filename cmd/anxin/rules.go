package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/rules"
)

const rulesUsage = `Usage: anxin rules <command> [flags]

The warning rules (预警规则) and their evaluation; reads only.

Commands:
  scan  [--as-of YYYY-MM-DD] [--project ID] [--enterprise ID] [--show N]
        evaluate every current, enabled rule over the database and print each rule's hits
        and time (the full scan the daily schedule runs; docs/BENCHMARKS.md); --show prints
        the first N hits of each rule with their explanation
`

// rulesCmd runs "anxin rules <command>".
func rulesCmd(ctx context.Context, cfg config.Config, args []string) error {
	sub, args, fs, ok, err := subcommand("rules", rulesUsage, &cfg, args, "database-url", "log-level")
	if !ok {
		return err
	}
	switch sub {
	case "scan":
		asOf := fs.String("as-of", "", "the day to evaluate for (default: today in China)")
		var f rules.Filter
		fs.Int64Var(&f.ProjectID, "project", 0, "only this project `ID`")
		fs.Int64Var(&f.EnterpriseID, "enterprise", 0, "only this enterprise `ID`")
		show := fs.Int("show", 0, "print the first `N` hits of each rule")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		day := time.Now().In(time.FixedZone("CST", 8*3600))
		if *asOf != "" {
			if day, err = time.Parse("2006-01-02", *asOf); err != nil {
				return fmt.Errorf("--as-of: %w", err)
			}
		}
		return rulesScan(ctx, cfg, day, f, *show, os.Stdout)
	}
	fmt.Fprint(os.Stderr, rulesUsage)
	return fmt.Errorf("rules: unknown command %q", sub)
}

func rulesScan(ctx context.Context, cfg config.Config, asOf time.Time, f rules.Filter, show int, w io.Writer) error {
	pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer pool.Close()
	t0 := time.Now()
	res, err := rules.Scan(ctx, db.Q(pool), asOf, f)
	if err != nil {
		return err
	}
	total := time.Since(t0)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "rule\tversion\thits\ttook\n")
	n := 0
	for _, r := range res {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", r.Rule.Code, r.Rule.Version, len(r.Hits), r.Took.Round(time.Millisecond))
		n += len(r.Hits)
	}
	fmt.Fprintf(tw, "all\t\t%d\t%s\n", n, total.Round(time.Millisecond))
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range res {
		for i, h := range r.Hits {
			if i >= show {
				break
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", h.Key(), h.Level, h.Figures, h.Explanation)
		}
	}
	return nil
}
