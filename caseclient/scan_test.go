package caseclient_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/seed"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

// The warning scan over the demo city: every hit opens one warning and
// starts its workflow (the general contractor answers); a rerun opens
// nothing twice; an open warning whose condition is no longer hit is
// resolved with the scan's record of why.
func TestScanWarnings(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := dbtest.New(t)
	keys, err := pii.New(make([]byte, pii.KeySize))
	require.NoError(t, err)
	_, err = seed.Run(ctx, pool, seed.Options{Scale: seed.ScaleDemo, Keys: keys})
	require.NoError(t, err)
	tc := workertest.Start(t, pool)
	cc := &caseclient.Client{Temporal: tc, Timeout: 30 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	asOf := seed.DefaultNow

	first, err := cc.ScanWarnings(ctx, pool, asOf, rules.Filter{})
	require.NoError(t, err)
	t.Log(first)
	require.Positive(t, first.Hits, "the demo city has planted problems (DEMO-0002)")
	assert.Equal(t, first.Hits, first.Opened)
	var warnings, received, clean int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'received'),
		count(*) FILTER (WHERE project_id = 1) FROM warnings`).Scan(&warnings, &received, &clean))
	assert.Equal(t, first.Opened, warnings)
	assert.Zero(t, received, "every warning's workflow started")
	assert.Zero(t, clean, "DEMO-0001 raises nothing")
	var tasks int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM case_tasks WHERE warning_id IS NOT NULL AND closed_at IS NULL`).Scan(&tasks))
	assert.Equal(t, warnings, tasks, "each warning has its holder's task")

	again, err := cc.ScanWarnings(ctx, pool, asOf, rules.Filter{})
	require.NoError(t, err)
	assert.Equal(t, caseclient.ScanResult{Hits: first.Hits}, counts(again), "a rerun opens, raises and resolves nothing")

	// a warning whose condition is gone: resolved by the next scan
	var id int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		town_code, period, key) SELECT 'notice_board_missing', 1, 'yellow', 'project', p.id, p.town_code, '', 'test:gone'
		FROM projects p WHERE p.id = 1 RETURNING id`).Scan(&id))
	_, err = cc.StartWarning(ctx, workflows.WarningInput{WarningID: id, By: cases.System, Rule: "notice_board_missing",
		Level: "yellow", ProjectID: 1})
	require.NoError(t, err)
	var other int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT project_id FROM warnings WHERE project_id <> 1 LIMIT 1`).Scan(&other))
	elsewhere, err := cc.ScanWarnings(ctx, pool, asOf, rules.Filter{ProjectID: other})
	require.NoError(t, err)
	assert.Positive(t, elsewhere.Hits)
	assert.Equal(t, caseclient.ScanResult{Hits: elsewhere.Hits}, counts(elsewhere),
		"a scan of another project re-checks only that project's warnings")
	third, err := cc.ScanWarnings(ctx, pool, asOf, rules.Filter{ProjectID: 1})
	require.NoError(t, err)
	assert.Equal(t, caseclient.ScanResult{Resolved: 1}, counts(third), "the on-demand scan of the project resolves its cleared warning")
	var status, resolution string
	require.NoError(t, pool.QueryRow(ctx, `SELECT status, resolution FROM warnings WHERE id = $1`, id).Scan(&status, &resolution))
	assert.Equal(t, "closed", status)
	assert.Contains(t, resolution, "预警条件已消除")
}

// counts is what a scan did, without how long it took.
func counts(r caseclient.ScanResult) caseclient.ScanResult {
	r.Evaluated, r.Stepped = 0, 0
	return r
}
