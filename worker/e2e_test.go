package worker_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

type bundle struct {
	server *devtemporal.Server
	client client.Client
	logger *slog.Logger
}

// setup starts an in-memory embedded server, a client and a worker run by
// worker.Run, and stops them in reverse order when the test ends.
func setup(t *testing.T) bundle {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, c := workertest.Server(t, logger)
	workertest.Run(t, c, &activities.Activities{Logger: logger}, worker.Options{})
	return bundle{server: s, client: c, logger: logger}
}

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)

	t.Run("PingRoundTrip", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		before := time.Now()

		run, err := b.client.ExecuteWorkflow(ctx, workflows.StartOptions("ping:round-trip"), workflows.Ping, workflows.PingInput{Message: "欠薪线索"})
		require.NoError(t, err)
		var res workflows.PingResult
		require.NoError(t, run.Get(ctx, &res))
		require.Equal(t, "欠薪线索", res.Message)
		require.WithinRange(t, res.EchoedAt, before, time.Now(), "echoed by a real activity execution")

		val, err := b.client.QueryWorkflow(ctx, run.GetID(), run.GetRunID(), workflows.StatusQuery)
		require.NoError(t, err)
		var st workflows.PingStatus
		require.NoError(t, val.Get(&st))
		require.Equal(t, workflows.PingDone, st.Stage)
		require.NotNil(t, st.Result)
		require.Equal(t, res.Message, st.Result.Message)
		require.True(t, res.EchoedAt.Equal(st.Result.EchoedAt))
	})

	t.Run("StartingTwiceReturnsTheSameRun", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		opts := workflows.StartOptions("ping:twice")

		first, err := b.client.ExecuteWorkflow(ctx, opts, workflows.Ping, workflows.PingInput{Message: "first"})
		require.NoError(t, err)
		var res1 workflows.PingResult
		require.NoError(t, first.Get(ctx, &res1))

		// The first run has completed; the reuse policy refuses a second
		// one and the client hands back the existing run, not an error.
		second, err := b.client.ExecuteWorkflow(ctx, opts, workflows.Ping, workflows.PingInput{Message: "second"})
		require.NoError(t, err)
		require.Equal(t, first.GetRunID(), second.GetRunID())
		var res2 workflows.PingResult
		require.NoError(t, second.Get(ctx, &res2))
		require.Equal(t, "first", res2.Message, "no second execution happened")
	})

	t.Run("RunFailsOnUnknownNamespace", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := client.DialContext(ctx, client.Options{
			HostPort:  b.server.FrontendHostPort(),
			Namespace: "no-such-namespace",
			Logger:    sdklog.NewStructuredLogger(b.logger),
		})
		require.NoError(t, err)
		defer c.Close()
		err = worker.Run(ctx, c, &activities.Activities{}, worker.Options{})
		require.ErrorContains(t, err, "no-such-namespace")
	})
}
