package reconcile_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
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
	exec(`UPDATE dispatch_towns SET due_estimated = NOT due_estimated, review_due_estimated = NOT review_due_estimated
		WHERE dispatch_id = $1 AND town_code = $2`, id, f.Town1)
	exec(`UPDATE case_tasks SET closed_at = now() WHERE dispatch_id = $1 AND kind = 'dispatch_review'`, id)
	exec(`DELETE FROM dispatch_events WHERE dispatch_id = $1 AND seq = 2`, id)
	rep, err = reconcile.Dispatches(c, e.pool, e.c, opts)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Differing)
	assert.ElementsMatch(t, []string{"towns[" + f.Town2 + "].overdue", "towns[" + f.Town2 + "].returned", "case_tasks",
		"dispatch_events", "towns[" + f.Town1 + "].due_estimated", "towns[" + f.Town1 + "].review_due_estimated"}, fields(rep, id))
	for _, fd := range rep.Findings {
		if fd.Field == "towns["+f.Town1+"].due_estimated" {
			assert.NotEqual(t, fd.Workflow, fd.Projection, "the workflow's mark and the tampered one")
		}
	}
}

func fields(rep reconcile.CaseReport, id int64) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.ID == id {
			out = append(out, f.Field)
		}
	}
	return out
}

// A warning run through its workflow is consistent with its projection;
// each tampering of the projection is named, and a warning recorded by a
// scan that could not start it is found.
func TestWarningsCheck(t *testing.T) {
	e := setup(t)
	c := ctx(t)
	f := e.f
	insert := func(period string) int64 {
		var id int64
		require.NoError(t, e.pool.QueryRow(c, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind,
			project_id, enterprise_id, town_code, period, explanation, key, created_at)
			VALUES ('payroll_unpaid', 1, 'orange', 'project', $1, $2, $3, $4, '工资未发放', 'payroll_unpaid/' || $4,
			now() - interval '10 minutes') RETURNING id`, f.Project1, f.Contractor1, f.Town1, period).Scan(&id))
		return id
	}
	id, stalled := insert("2026-07"), insert("2026-08")
	cc := &caseclient.Client{Temporal: e.c, Timeout: 20 * time.Second}
	_, err := cc.StartWarning(c, workflows.WarningInput{WarningID: id, By: cases.System, Rule: "payroll_unpaid", Level: "orange",
		ProjectID: f.Project1, EnterpriseID: f.Contractor1, TownCode: f.Town1})
	require.NoError(t, err)
	_, err = cc.ActWarning(c, id, workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "已补发7月工资"})
	require.NoError(t, err)

	opts := reconcile.Options{Rechecks: -1}
	rep, err := reconcile.Warnings(c, e.pool, e.c, opts)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Checked)
	assert.Equal(t, []reconcile.CaseFinding{{Kind: "warning", ID: stalled, Field: reconcile.FieldWorkflow,
		Workflow: "not found", Projection: "received"}}, rep.Findings)

	exec := func(sql string, args ...any) {
		_, err := e.pool.Exec(context.Background(), sql, args...)
		require.NoError(t, err)
	}
	exec(`UPDATE warnings SET level = 'red', overdue = true, due_at = due_at + interval '1 day',
		due_estimated = NOT due_estimated WHERE id = $1`, id)
	exec(`UPDATE case_tasks SET closed_at = now() WHERE warning_id = $1`, id)
	exec(`DELETE FROM warning_events WHERE warning_id = $1 AND seq = 1`, id)
	rep, err = reconcile.Warnings(c, e.pool, e.c, opts)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Differing)
	assert.ElementsMatch(t, []string{"level", "overdue", "due_at", "due_estimated", "case_tasks", "warning_events"},
		fields(rep, id))
	assert.Equal(t, "2 warnings checked: 0 consistent, 2 differing", rep.String())
}
