package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/reconcile"
)

const casesUsage = `Usage: anxin cases <command> [flags]

The case workflows and their projection in Postgres.

Commands:
  check   [--all] [--lead ID ...]   compare each open lead's workflow (its status query) with its projection
                                    (leads, case_tasks, lead_events) and list every difference; --all includes
                                    closed leads, --lead checks only the leads named (repeat it, or give
                                    ids separated by commas); a check without --lead then checks the open
                                    dispatches and warnings the same way (--all: every one); exit status 1
                                    when anything differs
`

var errInconsistent = errors.New("the case projection differs from the case workflows")

// casesCmd runs "anxin cases <command>".
func casesCmd(ctx context.Context, cfg config.Config, args []string) error {
	sub, args, fs, ok, err := subcommand("cases", casesUsage, &cfg, args, "database-url", "temporal-address", "temporal-namespace", "log-level")
	if !ok {
		return err
	}
	switch sub {
	case "check":
		var opts reconcile.Options
		fs.BoolVar(&opts.All, "all", false, "include closed leads (their workflows answer while the namespace retains them)")
		fs.Func("lead", "check only this lead `ID` (repeatable; ids separated by commas)", func(s string) error {
			for _, part := range strings.Split(s, ",") {
				id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
				if err != nil || id <= 0 {
					return fmt.Errorf("lead id %q is not a positive number", part)
				}
				opts.LeadIDs = append(opts.LeadIDs, id)
			}
			return nil
		})
		fs.DurationVar(&opts.Grace, "grace", reconcile.DefaultGrace,
			"how long a received lead may wait for its workflow before that is reported")
		fs.IntVar(&opts.Concurrency, "concurrency", reconcile.DefaultConcurrency, "leads checked at once")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		return casesCheck(ctx, cfg, opts, os.Stdout)
	}
	fmt.Fprint(os.Stderr, casesUsage)
	return fmt.Errorf("cases: unknown command %q", sub)
}

// casesCheck runs the consistency check and writes its report to w;
// errInconsistent when there is a finding.
func casesCheck(ctx context.Context, cfg config.Config, opts reconcile.Options, w io.Writer) error {
	log := cfg.Logger()
	pool, err := platform.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	tc, err := platform.DialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	scope := "open leads (--all for closed ones too)"
	switch {
	case len(opts.LeadIDs) > 0:
		scope = fmt.Sprintf("%d leads named", len(opts.LeadIDs))
	case opts.All:
		scope = "all leads"
	}
	fmt.Fprintf(w, "checking %s against their workflows at %s (namespace %s)\n", scope, cfg.TemporalAddress, cfg.TemporalNamespace)
	opts.Progress = func(n int) {
		if n >= reconcile.DefaultPageSize {
			fmt.Fprintf(os.Stderr, "  %d leads checked\n", n)
		}
	}
	rep, err := reconcile.Leads(ctx, pool, tc, opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, rep.String())
	for _, warn := range rep.Warnings {
		fmt.Fprintln(w, "warning:", warn)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(rep.Findings) > 0 {
		fmt.Fprintln(tw, "LEAD\tFIELD\tWORKFLOW\tPROJECTION")
		for _, f := range rep.Findings {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", f.LeadID, f.Field, oneLine(f.Workflow), oneLine(f.Projection))
		}
	}
	inconsistent := len(rep.Findings) > 0
	if len(opts.LeadIDs) == 0 { // dispatches and warnings are checked with the leads of a whole check
		for _, check := range []func(context.Context, *pgxpool.Pool, client.Client, reconcile.Options) (reconcile.CaseReport, error){
			reconcile.Dispatches, reconcile.Warnings} {
			crep, err := check(ctx, pool, tc, opts)
			if err != nil {
				return err
			}
			fmt.Fprintln(w, crep.String())
			if len(crep.Findings) > 0 {
				inconsistent = true
				fmt.Fprintln(tw, strings.ToUpper(crep.Kind)+"\tFIELD\tWORKFLOW\tPROJECTION")
				for _, f := range crep.Findings {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", f.ID, f.Field, oneLine(f.Workflow), oneLine(f.Projection))
				}
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !inconsistent {
		return nil
	}
	return errInconsistent
}

// oneLine keeps a value (a result summary) on its row of the table.
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}
