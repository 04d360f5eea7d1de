package seed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/pii"
)

// Scale names accepted by Options.Scale.
const (
	ScaleDemo  = "demo"  // 3 towns, ~30 enterprises, 12 projects, ~300 workers, 3 months: loads in about a second
	ScaleSmall = "small" // about 1/50 of city with every feature: for tests
	ScaleCity  = "city"  // 12 towns, 3,000 enterprises, 2,000 projects, 250,000 workers, 12 months
)

// Scales lists the accepted scale names, smallest first.
var Scales = []string{ScaleDemo, ScaleSmall, ScaleCity}

// Well-known rows of every scale, stable across seeds, for READMEs and
// smoke tests.
const (
	DemoTownCode    = "330101"
	DemoTownName    = "城东街道"
	DemoProjectCode = "DEMO-0001" // in the demo scale; PRJ-00001 in the others
)

// DefaultNow is the "today" the data is generated relative to when
// Options.Now is zero.
var DefaultNow = time.Date(2026, 11, 15, 0, 0, 0, 0, cst)

// MinimumWageFen is the local monthly minimum wage the below-minimum
// anomaly is planted against: 2,490 yuan.
const MinimumWageFen = 249000

// ErrNotEmpty is returned by Run when the database already holds data.
var ErrNotEmpty = errors.New("seed: the database is not empty; seed only a freshly migrated database")

// Options configure Run.
type Options struct {
	// Scale is "demo" (the default), "small" or "city".
	Scale string
	// Seed of the random generator; 0 means 1.
	Seed int64
	// Keys encrypts and hashes personal data. Required.
	Keys *pii.Keyring
	// ManifestPath is where the manifest JSON is written; "" writes none.
	ManifestPath string
	// Now is the "today" the data is generated relative to; the zero value
	// means DefaultNow (2026-11-15). Only its calendar date matters.
	Now time.Time
	// Logger receives progress; nil logs nothing.
	Logger *slog.Logger
}

// IsEmpty reports whether the database has no towns, that is, has never
// been seeded nor had data entered.
func IsEmpty(ctx context.Context, pool *pgxpool.Pool) (bool, error) {
	var exists bool
	if err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM towns)").Scan(&exists); err != nil {
		return false, fmt.Errorf("seed: check for towns: %w", err)
	}
	return !exists, nil
}

// Run generates the city described by opts and loads it into the database
// behind pool, which must be migrated and empty (ErrNotEmpty otherwise).
// The load is one transaction: on error nothing is left behind. It returns
// the manifest, and writes it to opts.ManifestPath when that is set.
func Run(ctx context.Context, pool *pgxpool.Pool, opts Options) (*Manifest, error) {
	start := time.Now()
	if opts.Keys == nil {
		return nil, errors.New("seed: Options.Keys is required to encrypt personal data")
	}
	if opts.Scale == "" {
		opts.Scale = ScaleDemo
	}
	sc, ok := scaleSpecs[opts.Scale]
	if !ok {
		return nil, fmt.Errorf("seed: unknown scale %q (want one of %v)", opts.Scale, Scales)
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Now.IsZero() {
		opts.Now = DefaultNow
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}

	g := newGen(sc, opts.Seed, dateFromTime(opts.Now), opts.Keys, log)
	t0 := time.Now()
	if err := g.generate(); err != nil {
		return nil, err
	}
	g.timing("generate", 0, time.Since(t0))
	log.Info("seed: generated", "scale", sc.name, "took", time.Since(t0).Round(time.Millisecond))

	if err := g.load(ctx, pool); err != nil {
		return nil, err
	}
	m := g.manifest
	m.Elapsed = time.Since(start)
	if opts.ManifestPath != "" {
		if err := m.write(opts.ManifestPath); err != nil {
			return m, err
		}
	}
	log.Info("seed: done", "scale", sc.name, "took", m.Elapsed.Round(time.Millisecond))
	return m, nil
}
