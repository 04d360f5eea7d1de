package api_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/worker"
)

// setupCases is setup with the case workflows running for real: an
// embedded Temporal server (in memory) and a worker whose activities write
// to this test's database. Stopped when the test ends.
func setupCases(t *testing.T) *harness {
	t.Helper()
	t.Parallel()
	return setupWith(t, withCases(t))
}

func withCases(t *testing.T) func(*api.Deps) {
	return func(d *api.Deps) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv, err := devtemporal.Start(ctx, devtemporal.Options{Logger: log})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, srv.Stop()) })
		c, err := srv.NewClient(ctx)
		require.NoError(t, err)
		t.Cleanup(c.Close)
		runCtx, stop := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- worker.Run(runCtx, c, &activities.Activities{DB: d.Pool, Logger: log}, worker.Options{})
		}()
		t.Cleanup(func() {
			stop()
			require.NoError(t, <-done)
		})
		d.Temporal = c
		d.CaseTimeout = 20 * time.Second
		if d.EvidenceDir == "" {
			d.EvidenceDir = t.TempDir()
		}
	}
}
