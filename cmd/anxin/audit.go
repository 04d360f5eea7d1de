package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/platform"
)

const auditUsage = `Usage: anxin audit <command> [flags]

The system log (系统日志): export, import, verify, archive, generate.

Commands:
  export    --out FILE [--from YYYY-MM --to YYYY-MM]   gzip'd CSV with a header; '-' writes to stdout
  import    --in FILE                                   load an export (refused when its chain does not verify,
                                                        when its months are present, or when it does not link)
  verify    [--file FILE]                               check the hash chain in the database (or of an export);
                                                        exit status 1 when it is broken
  archive   [--audit-retention-months N --audit-archive-dir DIR]
                                                        export, verify and drop the months older than the retention
  generate  --rows N [--start YYYY-MM-DD]               append N invented entries (benchmarks only)
`

var errChainBroken = errors.New("the system log's hash chain is broken")

// auditCmd runs "anxin audit <command>".
func auditCmd(ctx context.Context, cfg config.Config, args []string) error {
	sub, args, fs, ok, err := subcommand("audit", auditUsage, &cfg, args, "database-url", "log-level")
	if !ok {
		return err
	}
	switch sub {
	case "export":
		out := fs.String("out", "", "file to write ('-': stdout)")
		from := fs.String("from", "", "first month, YYYY-MM (UTC; default: the oldest)")
		to := fs.String("to", "", "last month, YYYY-MM, included (default: the newest)")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		if *out == "" {
			return errors.New("audit export: --out is required")
		}
		lo, err := parseMonth(*from, 0)
		if err != nil {
			return fmt.Errorf("--from: %w", err)
		}
		hi, err := parseMonth(*to, 1)
		if err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		return auditExport(ctx, cfg, *out, lo, hi)
	case "import":
		in := fs.String("in", "", "export file to load")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		if *in == "" {
			return errors.New("audit import: --in is required")
		}
		return auditImport(ctx, cfg, *in)
	case "verify":
		file := fs.String("file", "", "verify this export file instead of the database")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		if *file != "" {
			return auditVerifyFile(*file)
		}
		return auditVerify(ctx, cfg)
	case "archive":
		cfg.Flags(fs, "data-dir", "audit-retention-months", "audit-archive-dir")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		return auditArchive(ctx, cfg)
	case "generate":
		rows := fs.Int("rows", 1_000_000, "entries to append")
		start := fs.String("start", "", "time of the first entry, YYYY-MM-DD (default a year ago); entries run up to now")
		if err := parse(fs, args, &cfg); err != nil {
			return err
		}
		var at time.Time
		if *start != "" {
			t, err := time.Parse("2006-01-02", *start)
			if err != nil {
				return fmt.Errorf("--start: want YYYY-MM-DD: %w", err)
			}
			at = t
		}
		return auditGenerate(ctx, cfg, *rows, at)
	}
	fmt.Fprint(os.Stderr, auditUsage)
	return fmt.Errorf("audit: unknown command %q", sub)
}

// parseMonth parses YYYY-MM as the first instant (UTC) of that month plus
// add months; "" is the zero time (unbounded).
func parseMonth(s string, add int) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, errors.New("want YYYY-MM")
	}
	return t.AddDate(0, add, 0), nil
}

func auditExport(ctx context.Context, cfg config.Config, out string, from, to time.Time) error {
	pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "-" {
		if f, err = os.OpenFile(out+".tmp", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640); err != nil {
			return err
		}
		defer os.Remove(out + ".tmp")
		w = f
	}
	info, err := audit.Export(ctx, pool, w, from, to)
	if f != nil {
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(out+".tmp", out)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "exported %d entries (ids %d..%d) to %s in %s: %d bytes, sha256 %s; last hash %s\n",
		info.Rows, info.FirstID, info.LastID, out, time.Since(start).Round(time.Millisecond), info.Bytes, info.SHA256, info.LastHash)
	return nil
}

func auditImport(ctx context.Context, cfg config.Config, in string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	info, err := audit.Import(ctx, pool, f)
	if err != nil {
		return err
	}
	how := "filled in an archived range"
	if info.Extended {
		how = "the chain head moved to its last entry"
	}
	fmt.Printf("imported %d entries (ids %d..%d) from %s in %s; %s; file sha256 %s\n",
		info.Rows, info.FirstID, info.LastID, in, time.Since(start).Round(time.Millisecond), how, info.SHA256)
	return nil
}

func auditVerify(ctx context.Context, cfg config.Config) error {
	pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer pool.Close()
	start := time.Now()
	rep, err := audit.Verify(ctx, pool, audit.VerifyOptions{Progress: func(n int64) {
		fmt.Fprintf(os.Stderr, "  %d rows checked (%s)\n", n, time.Since(start).Round(time.Second))
	}})
	if err != nil {
		return err
	}
	fmt.Println(rep.String())
	if rep.Broken != nil {
		fmt.Printf("first broken link: id %d: %s\n", rep.Broken.ID, rep.Broken.Detail)
		return errChainBroken
	}
	return nil
}

func auditVerifyFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	info, err := audit.VerifyFile(f)
	if errors.Is(err, audit.ErrFileBroken) {
		fmt.Println(err)
		return errChainBroken
	}
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d entries (ids %d..%d) verified in %s; links to %s, ends at %s; sha256 %s\n",
		path, info.Rows, info.FirstID, info.LastID, time.Since(start).Round(time.Millisecond), info.FirstPrevHash, info.LastHash, info.SHA256)
	return nil
}

func auditArchive(ctx context.Context, cfg config.Config) error {
	pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer pool.Close()
	cutoff := audit.RetentionCutoff(time.Now(), cfg.AuditRetentionMonths)
	done, err := audit.ArchiveAndDrop(ctx, pool, cfg.AuditArchiveDir, cutoff)
	for _, a := range done {
		if a.Rows == 0 {
			fmt.Printf("%s: no entries, partition dropped\n", a.Month.Format("2006-01"))
			continue
		}
		fmt.Printf("%s: %d entries (ids %d..%d) archived to %s (sha256 %s) and dropped\n",
			a.Month.Format("2006-01"), a.Rows, a.FirstID, a.LastID, a.File, a.SHA256)
	}
	if err != nil {
		return err
	}
	fmt.Printf("months before %s archived to %s\n", cutoff.Format("2006-01"), filepath.Clean(cfg.AuditArchiveDir))
	return nil
}

func auditGenerate(ctx context.Context, cfg config.Config, n int, start time.Time) error {
	pool, err := platform.OpenDatabase(ctx, cfg, cfg.Logger())
	if err != nil {
		return err
	}
	defer pool.Close()
	t0 := time.Now()
	if err := audit.Generate(ctx, pool, n, start); err != nil {
		return err
	}
	fmt.Printf("generated %d entries in %s\n", n, time.Since(t0).Round(time.Millisecond))
	return nil
}
