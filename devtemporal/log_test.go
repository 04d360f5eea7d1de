package devtemporal

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/server/common/log/tag"
)

func TestServerLogger(t *testing.T) {
	t.Parallel()
	setup := func() (serverLogger, *bytes.Buffer) {
		var buf bytes.Buffer
		l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
		return newServerLogger(l, slog.LevelWarn), &buf
	}

	t.Run("DropsStartNoiseWhenStartSucceeds", func(t *testing.T) {
		t.Parallel()
		sl, buf := setup()
		sl.Warn("frontend not healthy yet")
		sl.gate.open()
		require.Empty(t, buf.String())

		sl.Info("chatty")
		sl.Error("shard lost", tag.Error(errors.New("boom")))
		require.NotContains(t, buf.String(), "chatty")
		require.Contains(t, buf.String(), `msg="shard lost" component=temporal-server error=boom`)
	})

	t.Run("WritesWhatWasHeldWhenStartFails", func(t *testing.T) {
		t.Parallel()
		sl, buf := setup()
		sl.Debug("below the level")
		sl.Warn("frontend not healthy yet", tag.NewStringTag("service", "worker"))
		require.Empty(t, buf.String())
		sl.gate.flush(sl.l)
		require.Contains(t, buf.String(), `level=WARN msg="frontend not healthy yet" component=temporal-server service=worker`)
		require.NotContains(t, buf.String(), "below the level")
	})
}
