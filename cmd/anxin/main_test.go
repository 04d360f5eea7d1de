package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db/dbtest"
)

func TestCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	require.NoError(t, run(ctx, "version", nil))
	require.ErrorContains(t, run(ctx, "frobnicate", nil), "unknown command")
	require.ErrorContains(t, run(ctx, "migrate", []string{"extra"}), "unexpected arguments")
	require.ErrorContains(t, run(ctx, "dev", []string{"--log-level", "loud"}), "log level")
}

// TestMigrateAndSeed runs `anxin migrate` and `anxin seed --scale demo` on a
// fresh database, then a second seed, which must be refused.
func TestMigrateAndSeed(t *testing.T) {
	t.Parallel()
	_, url := dbtest.NewWithURL(t)
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, run(ctx, "migrate", []string{"--database-url", url}))
	manifest := filepath.Join(dir, "m.json")
	args := []string{"--database-url", url, "--data-dir", dir, "--scale", "demo", "--now", "2026-11-15", "--manifest", manifest}
	require.NoError(t, run(ctx, "seed", args))
	b, err := os.ReadFile(manifest)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, "demo", m["scale"])
	_, err = os.Stat(filepath.Join(dir, "pii.key"))
	require.NoError(t, err, "the dev key was generated into the data dir")
	require.Error(t, run(ctx, "seed", args), "a non-empty database is not seeded twice")
	require.ErrorContains(t, run(ctx, "seed", append(args[:len(args):len(args)], "--now", "15/11/2026")), "YYYY-MM-DD")
}
