package platform

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/worker"
)

// dialTemporal connects to the external Temporal frontend of cfg.
func dialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  cfg.TemporalAddress,
		Namespace: cfg.TemporalNamespace,
		Logger:    log,
	})
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}

// DialTemporal is dialTemporal for the commands that talk to the
// workflows without running a role (anxin cases check).
func DialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger) (client.Client, error) {
	return dialTemporal(ctx, cfg, log)
}

// RunAPI serves the API alone (no worker), against an external Temporal,
// until ctx ends. Migrations are applied at start (they are idempotent and
// serialised by an advisory lock).
func RunAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	keys, err := LoadKeys(cfg)
	if err != nil {
		return err
	}
	tc, err := dialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	app, stop, err := newAPI(ctx, cfg, pool, keys, tc, log, false)
	if err != nil {
		return err
	}
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(cfg.Addr) }()
	log.Info("api listening", "addr", cfg.Addr)
	select {
	case <-ctx.Done():
		return app.ShutdownWithTimeout(10 * time.Second)
	case err := <-errc:
		return err
	}
}

// RunWorker runs a Temporal worker alone, against an external Temporal,
// until ctx ends.
func RunWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pool, err := OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	tc, err := dialTemporal(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	log.Info("worker running", "temporal", cfg.TemporalAddress)
	if err := ensureSchedules(ctx, tc); err != nil {
		return err
	}
	keys, err := LoadKeys(cfg)
	if err != nil {
		return err
	}
	acts, err := newActivities(cfg, pool, keys, tc, log)
	if err != nil {
		return err
	}
	return worker.Run(ctx, tc, acts, worker.Options{})
}
