package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/reconcile"
	"github.com/anxin-city/anxin/workflows"
)

// A dispatch run through its workflow is consistent with its projection;
// each tampering of the projection is named.
func TestDispatchesCheck(t *testing.T) {
	e := setup(t)
	c := ctx(t)
	f := e.f
	var id int64
	require.NoError(t, e.pool.QueryRow(c, `INSERT INTO dispatches (title, instructions, due_days, created_by, created_at)
		VALUES ('专项检查', '请排查', 5, $1, now() - interval '10 minutes') RETURNING id`, f.City.AccountID).Scan(&id))
	for _, town := range []string{f.Town1, f.Town2} {
		_, err := e.pool.Exec(c, `INSERT INTO dispatch_towns (dispatch_id, town_code) VALUES ($1, $2)`, id, town)
		require.NoError(t, err)
	}
	cc := &caseclient.Client{Temporal: e.c, Timeout: 20 * time.Second}
	_, err := cc.StartDispatch(c, workflows.DispatchInput{DispatchID: id, By: f.City, Towns: []string{f.Town1, f.Town2}, DueDays: 5})
	require.NoError(t, err)
	_, err = cc.ActDispatch(c, id, workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查"})
	require.NoError(t, err)

	opts := reconcile.Options{Rechecks: -1}
	rep, err := reconcile.Dispatches(c, e.pool, e.c, opts)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Checked)
	assert.Empty(t, rep.Findings)

	exec := func(sql string, args ...any) {
		_, err := e.pool.Exec(context.Background(), sql, args...)
		require.NoError(t, err)
	}
	exec(`UPDATE dispatch_towns SET overdue = true, returned = 2 WHERE dispatch_id = $1 AND town_code = $2`, id, f.Town2)
	exec(`UPDATE case_tasks SET closed_at = now() WHERE dispatch_id = $1 AND kind = 'dispatch_review'`, id)
	exec(`DELETE FROM dispatch_events WHERE dispatch_id = $1 AND seq = 2`, id)
	rep, err = reconcile.Dispatches(c, e.pool, e.c, opts)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Differing)
	var fields []string
	for _, f := range rep.Findings {
		fields = append(fields, f.Field)
	}
	assert.ElementsMatch(t, []string{"towns[" + f.Town2 + "].overdue", "towns[" + f.Town2 + "].returned", "case_tasks",
		"dispatch_events"}, fields)
}
