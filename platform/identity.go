package platform

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/authz"
	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/notify"
	"github.com/anxin-city/anxin/pii"
)

// newAPI builds the API with what it stands on: the authorizer (casbin
// policy loaded from Postgres, kept current by notifications from other
// processes until ctx ends) and the group-commit writer of the access log.
// The returned stop flushes the log; call it after the server stopped.
func newAPI(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, keys *pii.Keyring, tc client.Client,
	log *slog.Logger, dev bool) (*fiber.App, func(), error) {
	side := cfg.Side
	if dev {
		side = api.SideAll // one machine serves everyone
	}
	az, err := authz.New(ctx, pool, log)
	if err != nil {
		return nil, nil, fmt.Errorf("authorization policy: %w", err)
	}
	go az.Listen(ctx, pool)
	// Under load the writer gathers a batch for at most 10 ms, and less
	// when arrivals pause (≈ 2.5 ms per request at 1,000 requests/s; see
	// docs/BENCHMARKS.md, "System log").
	w := audit.NewWriterOptions(pool, log, audit.WriterOptions{MaxDelay: 10 * time.Millisecond})
	deps := api.Deps{Pool: pool, PII: keys, Temporal: tc, Logger: log, Version: Version,
		Authz: az, Audit: w, DevMode: dev, SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle,
		LoginRate: cfg.LoginRate, TrustedProxies: cfg.TrustedProxies, MetricsToken: cfg.MetricsToken, Side: side,
		EvidenceDir: filepath.Join(cfg.DataDir, "evidence")}
	app := api.New(deps)
	return app, w.Close, nil
}

// newActivities is the activities of a worker with their configuration.
// A worker also sweeps for stalled cases (recorded while Temporal was
// unreachable), starting their workflows through tc.
func newActivities(cfg config.Config, pool *pgxpool.Pool, keys *pii.Keyring, tc client.Client, log *slog.Logger) (*activities.Activities, error) {
	dir := cfg.AuditArchiveDir
	if dir == "" { // a configuration that did not pass Validate
		dir = filepath.Join(cfg.DataDir, "audit-archive")
	}
	sms, err := notify.NewProvider(cfg.SMSProvider, cfg.SMSURL, cfg.SMSToken)
	if err != nil {
		return nil, err
	}
	return &activities.Activities{DB: pool, Logger: log, AuditArchiveDir: dir, AuditRetentionMonths: cfg.AuditRetentionMonths,
		Cases: caseclient.Sweeper{Client: &caseclient.Client{Temporal: tc, Logger: log}, Pool: pool},
		SMS: &notify.Deliverer{DB: pool, Keys: keys, Provider: sms, ProviderName: cmp.Or(cfg.SMSProvider, notify.ProviderOutbox),
			Logger: log}}, nil
}
