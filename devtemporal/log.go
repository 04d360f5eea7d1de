package devtemporal

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// serverLogger adapts the server's logger interface to slog. Records below
// minLevel are dropped before their tags are rendered: the server logs a
// great deal at info level (membership, shards, queues) that says nothing
// to someone running anxin. While the server starts, records are held back
// by a startGate.
type serverLogger struct {
	l        *slog.Logger
	minLevel slog.Leveler
	gate     *startGate
}

var _ log.Logger = serverLogger{}

func newServerLogger(l *slog.Logger, minLevel slog.Leveler) serverLogger {
	return serverLogger{
		l:        l.With("component", "temporal-server"),
		minLevel: minLevel,
		gate:     &startGate{holding: true},
	}
}

func (s serverLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if level < s.minLevel.Level() || !s.l.Enabled(ctx, level) {
		return
	}
	r := record(level, msg, tags)
	if s.gate.hold(r) {
		return
	}
	_ = s.l.Handler().Handle(ctx, r)
}

func record(level slog.Level, msg string, tags []tag.Tag) slog.Record {
	r := slog.NewRecord(time.Now(), level, msg, 0)
	for _, t := range tags {
		r.AddAttrs(slog.Any(t.Key(), t.Value()))
	}
	return r
}

func (s serverLogger) Debug(msg string, tags ...tag.Tag)  { s.log(slog.LevelDebug, msg, tags) }
func (s serverLogger) Info(msg string, tags ...tag.Tag)   { s.log(slog.LevelInfo, msg, tags) }
func (s serverLogger) Warn(msg string, tags ...tag.Tag)   { s.log(slog.LevelWarn, msg, tags) }
func (s serverLogger) Error(msg string, tags ...tag.Tag)  { s.log(slog.LevelError, msg, tags) }
func (s serverLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// Panic and Fatal keep the meaning the server gives them (its own zap
// logger panics and exits), and are always logged, at once.
func (s serverLogger) Panic(msg string, tags ...tag.Tag) {
	s.always(msg, tags)
	panic(msg)
}

func (s serverLogger) Fatal(msg string, tags ...tag.Tag) {
	s.always(msg, tags)
	os.Exit(1)
}

func (s serverLogger) always(msg string, tags []tag.Tag) {
	s.gate.flush(s.l)
	_ = s.l.Handler().Handle(context.Background(), record(slog.LevelError+4, msg, tags))
}

// startGate holds the server's records while it starts. Services coming up
// one after another warn about each other (the system workers find the
// frontend not yet healthy, a queue reader finds its shard not yet owned):
// noise when the start succeeds, which is dropped, and the story of what
// went wrong when it fails, which is written out.
type startGate struct {
	mu      sync.Mutex
	holding bool
	held    []slog.Record
	dropped int
}

const maxHeld = 200

// hold keeps r and reports true while the gate holds.
func (g *startGate) hold(r slog.Record) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.holding {
		return false
	}
	if len(g.held) == maxHeld {
		g.held = append(g.held[:0], g.held[1:]...)
		g.dropped++
	}
	g.held = append(g.held, r.Clone())
	return true
}

// open stops holding and drops what was held.
func (g *startGate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.holding, g.held = false, nil
}

// flush stops holding and writes what was held to l.
func (g *startGate) flush(l *slog.Logger) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.holding {
		return
	}
	ctx := context.Background()
	if g.dropped > 0 {
		l.WarnContext(ctx, fmt.Sprintf("%d earlier server records were not kept", g.dropped))
	}
	for _, r := range g.held {
		_ = l.Handler().Handle(ctx, r)
	}
	g.holding, g.held = false, nil
}
