// Package workertest starts, for one test, what a case workflow needs to
// run for real: an embedded Temporal server in memory, a client of it,
// and a worker (every workflow, the activities on the test's database).
// Everything stops when the test ends.
package workertest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/worker"
)

// Server starts an in-memory embedded server and a client of it.
func Server(t testing.TB, log *slog.Logger) (*devtemporal.Server, client.Client) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv, err := devtemporal.Start(ctx, devtemporal.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	c, err := srv.NewClient(ctx)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return srv, c
}

// Run runs worker.Run with acts on c until the test ends, and requires
// that it stopped cleanly.
func Run(t testing.TB, c client.Client, acts *activities.Activities, opts worker.Options) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- worker.Run(ctx, c, acts, opts) }()
	t.Cleanup(func() {
		stop()
		require.NoError(t, <-done, "worker.Run after its context ends")
	})
}

// Start is Server and Run with the activities on pool: a client whose
// workflows run and project into the test's database, and whose sweep of
// stalled cases starts them through the same client.
func Start(t testing.TB, pool *pgxpool.Pool) client.Client {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, c := Server(t, log)
	Run(t, c, &activities.Activities{DB: pool, Logger: log,
		Cases: caseclient.Sweeper{Client: &caseclient.Client{Temporal: c, Logger: log}, Pool: pool}}, worker.Options{})
	return c
}
