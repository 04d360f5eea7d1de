// Package platform wires the whole system together — database, PII keys,
// the embedded Temporal server, the worker and the API — exactly as
// `anxin dev`, `anxin api` and `anxin worker` run it. The end-to-end tests
// start the system through the same functions.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/seed"
	"github.com/anxin-city/anxin/worker"
)

// Version is set at build time (-ldflags "-X .../platform.Version=...").
var Version = "dev"

// OpenDatabase connects to cfg.DatabaseURL, creating the database first
// when the server answers but the database does not exist yet, and
// applies pending migrations.
func OpenDatabase(ctx context.Context, cfg config.Config, log *slog.Logger) (*pgxpool.Pool, error) {
	pool, err := db.Open(ctx, cfg.DatabaseURL)
	var pgErr *pgconn.PgError
	if err != nil && errors.As(err, &pgErr) && pgErr.Code == "3D000" {
		if cerr := createDatabase(ctx, cfg.DatabaseURL, log); cerr != nil {
			return nil, cerr
		}
		pool, err = db.Open(ctx, cfg.DatabaseURL)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, pool, log); err != nil {
		pool.Close()
		return nil, err
	}
	if n, err := db.EnsurePartitions(ctx, pool, time.Now()); err != nil {
		log.Warn("attendance partitions ahead", "err", err)
	} else if n > 0 {
		log.Info("attendance partitions created", "count", n)
	}
	return pool, nil
}

func createDatabase(ctx context.Context, dbURL string, log *slog.Logger) error {
	u, err := url.Parse(dbURL)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	u.Path = "/postgres"
	conn, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return fmt.Errorf("connect to create database %s: %w", name, err)
	}
	defer conn.Close(ctx)
	log.Info("creating database", "name", name)
	// Raw: CREATE DATABASE names the database as an identifier, on the
	// maintenance database before the schema sqlc knows exists.
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}

// LoadKeys loads the PII master key (generated into the data dir in dev).
func LoadKeys(cfg config.Config) (*pii.Keyring, error) {
	key, err := pii.LoadKey(cfg.PIIKey, cfg.DataDir, cfg.Dev)
	if err != nil {
		return nil, fmt.Errorf("personal-data key: %w (set ANXIN_PII_KEY to base64 of 32 random bytes)", err)
	}
	return pii.New(key)
}

// System is a running one-machine system (anxin dev).
type System struct {
	Pool     *pgxpool.Pool
	Keys     *pii.Keyring
	Temporal *devtemporal.Server
	Client   client.Client
	App      *fiber.App
	// Addr is the address the API listens on (resolved when the
	// configured port was 0).
	Addr string
	// DemoAccounts are the well-known accounts of the demo city (password
	// seed.DemoPassword), admitted because dev mode is on.
	DemoAccounts []seed.DemoAccount

	cancel  context.CancelFunc
	stopAPI func()
	done    chan error
	log     *slog.Logger
}

// StartDev starts everything `anxin dev` runs: database (migrated, demo
// city loaded when empty), embedded Temporal persisted under the data dir,
// a worker and the API. It returns once the API accepts connections.
func StartDev(ctx context.Context, cfg config.Config, log *slog.Logger) (*System, error) {
	cfg.Dev = true
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	s := &System{log: log, done: make(chan error, 2)}
	ok := false
	defer func() {
		if !ok {
			s.close()
		}
	}()
	var err error
	if s.Pool, err = OpenDatabase(ctx, cfg, log); err != nil {
		return nil, err
	}
	if s.Keys, err = LoadKeys(cfg); err != nil {
		return nil, err
	}
	empty, err := seed.IsEmpty(ctx, s.Pool)
	if err != nil {
		return nil, err
	}
	if empty {
		log.Info("empty database: loading the demo city")
		if _, err := seed.Run(ctx, s.Pool, seed.Options{Scale: "demo", Seed: 1, Keys: s.Keys, Now: time.Now(), Logger: log}); err != nil {
			return nil, fmt.Errorf("seed demo city: %w", err)
		}
	}
	start := time.Now()
	if s.Temporal, err = devtemporal.Start(ctx, devtemporal.Options{
		DataDir: cfg.DataDir, FrontendPort: cfg.TemporalPort, Namespace: cfg.TemporalNamespace, Logger: log,
	}); err != nil {
		return nil, fmt.Errorf("embedded temporal: %w", err)
	}
	log.Info("embedded temporal started", "frontend", s.Temporal.FrontendHostPort(), "took", time.Since(start).Round(time.Millisecond))
	if s.Client, err = s.Temporal.NewClient(ctx); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	acts, err := newActivities(cfg, s.Pool, s.Keys, s.Client, log)
	if err != nil {
		return nil, err
	}
	go func() { s.done <- worker.Run(runCtx, s.Client, acts, worker.Options{}) }()

	if err := ensureSchedules(ctx, s.Client); err != nil {
		return nil, err
	}
	if s.DemoAccounts, err = seed.EnsureDemoAccounts(ctx, s.Pool, s.Keys); err != nil {
		return nil, err
	}
	var stopAPI func()
	if s.App, stopAPI, err = newAPI(runCtx, cfg, s.Pool, s.Keys, s.Client, log, true); err != nil {
		return nil, err
	}
	s.stopAPI = stopAPI
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Addr, err)
	}
	s.Addr = ln.Addr().String()
	go func() { s.done <- s.App.Listener(ln) }()
	ok = true
	return s, nil
}

// Wait blocks until ctx ends or a component fails, then stops everything.
func (s *System) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.done:
	}
	s.close()
	return err
}

// Stop stops everything (API first, so no request reaches a stopped worker).
func (s *System) Stop() { s.close() }

// DemoBanner is the list of demo accounts `anxin dev` prints. A worker's
// login name is their mobile number, personal data: it is printed masked
// (150****7584), as the API and the system log show it to anyone but the
// worker; the demo account administrator can read it unmasked (logged).
func (s *System) DemoBanner() []string {
	var out []string
	worker := false
	for _, a := range s.DemoAccounts {
		login := a.Username
		if a.Role == "worker" {
			login, worker = pii.MaskPhone(login), true
		}
		out = append(out, fmt.Sprintf("  %-16s %-16s %s", login, a.Role, a.Bound))
	}
	if worker {
		out = append(out, "  (a worker signs in with their mobile number, masked here; demo.admin reads it with GET /api/v1/accounts/{id}/login)")
	}
	return out
}

func (s *System) close() {
	if s.App != nil {
		_ = s.App.ShutdownWithTimeout(10 * time.Second)
	}
	if s.stopAPI != nil {
		s.stopAPI()
	}
	if s.cancel != nil {
		s.cancel()
	}
	if s.Client != nil {
		s.Client.Close()
	}
	if s.Temporal != nil {
		if err := s.Temporal.Stop(); err != nil {
			s.log.Warn("stop embedded temporal", "err", err)
		}
	}
	if s.Pool != nil {
		s.Pool.Close()
	}
	s.App, s.stopAPI, s.cancel, s.Client, s.Temporal, s.Pool = nil, nil, nil, nil, nil, nil
}
