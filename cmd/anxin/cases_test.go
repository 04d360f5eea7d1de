package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/reconcile"
)

// `anxin cases check` against a test database and an embedded Temporal
// server with no lead workflow: leads recorded without one are findings
// (the check itself is tested in package reconcile).
func TestCasesCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	require.ErrorContains(t, run(ctx, "cases", nil), "which command")
	require.ErrorContains(t, run(ctx, "cases", []string{"frobnicate"}), "unknown command")
	require.ErrorContains(t, run(ctx, "cases", []string{"check", "--lead", "7,x"}), "not a positive number")
	require.ErrorContains(t, run(ctx, "cases", []string{"check", "extra"}), "unexpected arguments")

	pool, url := dbtest.NewWithURL(t)
	s, err := devtemporal.Start(ctx, devtemporal.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Stop()) })
	args := []string{"check", "--database-url", url, "--temporal-address", s.FrontendHostPort(),
		"--temporal-namespace", s.Namespace(), "--log-level", "error"}
	require.NoError(t, run(ctx, "cases", args), "no lead, nothing differs")

	f := casetest.New(t, pool)
	old, _, _ := f.Record(t, casetest.Lead{At: time.Now().Add(-time.Hour)})
	_, err = pool.Exec(ctx, `UPDATE leads SET created_at = now() - interval '1 hour' WHERE id = $1`, old)
	require.NoError(t, err)
	young, _, _ := f.Record(t, casetest.Lead{At: time.Now()})
	require.ErrorIs(t, run(ctx, "cases", args), errInconsistent, "a lead whose workflow never started")
	require.NoError(t, run(ctx, "cases", append(args, "--grace", "2h")))
	require.NoError(t, run(ctx, "cases", append(args, "--lead", strconv.FormatInt(young, 10))), "young: skipped")
	require.ErrorIs(t, run(ctx, "cases", append(args, "--lead", strconv.FormatInt(young, 10)+",999")), errInconsistent,
		"no such lead")

	cfg := config.FromEnv()
	cfg.DatabaseURL, cfg.TemporalAddress, cfg.TemporalNamespace, cfg.LogLevel = url, s.FrontendHostPort(), s.Namespace(), "error"
	var out bytes.Buffer
	err = casesCheck(ctx, cfg, reconcile.Options{LeadIDs: []int64{999, old, young}}, &out)
	require.ErrorIs(t, err, errInconsistent)
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 5, out.String())
	assert.Equal(t, "checking 3 leads named against their workflows at "+s.FrontendHostPort()+" (namespace "+s.Namespace()+")", lines[0])
	assert.Regexp(t, `^2 leads checked in \S+: 0 consistent, 2 differing \(2 findings\); 1 skipped \(received within the grace period, workflow not started yet\)$`, lines[1])
	assert.Equal(t, []string{"LEAD", "FIELD", "WORKFLOW", "PROJECTION"}, strings.Fields(lines[2]))
	assert.Equal(t, []string{strconv.FormatInt(old, 10), "workflow", "not", "started", "received", "at"}, strings.Fields(lines[3])[:6])
	assert.Equal(t, []string{"999", "leads", "not", "found", "no", "row"}, strings.Fields(lines[4]))
}
