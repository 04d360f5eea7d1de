package caseclient_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

// The case client against a real embedded Temporal server and a worker
// projecting into a real test database.

func ctxFor(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// setup is a test database with the case fixture, Temporal with a worker
// projecting into it, and a case client of that Temporal.
func setup(t *testing.T) (context.Context, *pgxpool.Pool, *casetest.Fixture, client.Client, *caseclient.Client) {
	t.Parallel()
	pool := dbtest.New(t)
	f := casetest.New(t, pool)
	tc := workertest.Start(t, pool)
	cc := &caseclient.Client{Temporal: tc, Timeout: 20 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return ctxFor(t), pool, f, tc, cc
}

func TestStartAndAct(t *testing.T) {
	ctx, pool, f, tc, cc := setup(t)

	id, town, contractor := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 10_000,
		At: time.Now(), By: f.WorkerActor})
	row, err := dbq.New(pool).LeadGetRaw(ctx, id)
	require.NoError(t, err)
	in := caseclient.LeadInput(row, town, contractor, f.WorkerActor)

	// the answer of a start is the state after the first step, projected
	st, err := cc.StartLead(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, cases.Dispatched, st.Status)
	assert.Equal(t, 1, st.Seq)
	var seq int32
	require.NoError(t, pool.QueryRow(ctx, `SELECT seq FROM leads WHERE id = $1`, id).Scan(&seq))
	assert.EqualValues(t, 1, seq, "projected before the answer")

	// starting again changes nothing and answers the same
	again, err := cc.StartLead(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, st.Seq, again.Seq)
	var events int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM lead_events WHERE lead_id = $1`, id).Scan(&events))
	assert.Equal(t, 1, events)

	// refusals come back as errors a client is answered with
	_, err = cc.ActLead(ctx, id, workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	assertErr(t, err, http.StatusForbidden, workflows.RefusedActor, "")
	_, err = cc.ActLead(ctx, id, workflows.ActReturn, workflows.ActionInput{Actor: f.Officer1})
	assertErr(t, err, http.StatusUnprocessableEntity, workflows.RefusedInput, "note")
	_, err = cc.ActLead(ctx, id, workflows.ActApprove, workflows.ActionInput{Actor: f.City})
	assertErr(t, err, http.StatusConflict, workflows.RefusedState, "")

	st, err = cc.ActLead(ctx, id, workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	require.NoError(t, err)
	assert.Equal(t, cases.Investigating, st.Status)
	var status cases.LeadState
	require.NoError(t, cc.Status(ctx, caseclient.Lead, id, &status))
	assert.Equal(t, st.Seq, status.Seq)

	// a workflow that is gone answers as a closed case
	require.NoError(t, tc.TerminateWorkflow(ctx, workflows.LeadWorkflowID(id), "", "test"))
	_, err = cc.ActLead(ctx, id, workflows.ActExtend, workflows.ActionInput{Actor: f.Officer1, Note: "延期理由"})
	assertErr(t, err, http.StatusConflict, "lead_closed", "")
	_, exists, err := cc.Describe(ctx, caseclient.Lead, id)
	require.NoError(t, err)
	assert.True(t, exists)
	_, exists, err = cc.Describe(ctx, caseclient.Lead, 999_999)
	require.NoError(t, err)
	assert.False(t, exists)
}

// The worker side's sweep starts a lead recorded (long enough ago) whose
// workflow never started, and nothing twice.
func TestStartStalledLeads(t *testing.T) {
	ctx, pool, f, _, cc := setup(t)
	id, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, Amount: 1, At: time.Now(), By: f.Officer1})
	young, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project2, Amount: 1, At: time.Now(), By: f.Officer2})
	_, err := pool.Exec(ctx, `UPDATE leads SET created_at = now() - interval '5 minutes' WHERE id = $1`, id)
	require.NoError(t, err)

	n, err := cc.StartStalledLeads(ctx, pool, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	var status, by string
	require.NoError(t, pool.QueryRow(ctx, `SELECT l.status, e.actor_name FROM leads l JOIN lead_events e ON e.lead_id = l.id
		WHERE l.id = $1`, id).Scan(&status, &by))
	assert.Equal(t, "dispatched", status)
	assert.Equal(t, f.Officer1.Name, by, "the step names who recorded the lead")
	require.NoError(t, pool.QueryRow(ctx, `SELECT status FROM leads WHERE id = $1`, young).Scan(&status))
	assert.Equal(t, "received", status, "a lead being started right now is left alone")
	n, err = cc.StartStalledLeads(ctx, pool, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n)

	// a dispatch recorded, its workflow never started: the sweep (both
	// kinds) starts it, once
	var d int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO dispatches (title, instructions, due_days, created_by, created_at)
		VALUES ('专项检查', '请排查', 5, $1, now() - interval '5 minutes') RETURNING id`, f.City.AccountID).Scan(&d))
	_, err = pool.Exec(ctx, `INSERT INTO dispatch_towns (dispatch_id, town_code) VALUES ($1, $2)`, d, f.Town1)
	require.NoError(t, err)
	sweep := caseclient.Sweeper{Client: cc, Pool: pool}
	n, err = sweep.StartStalled(ctx, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT status FROM dispatches WHERE id = $1`, d).Scan(&status))
	assert.Equal(t, "open", status)
	var due *time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT due_at FROM dispatch_towns WHERE dispatch_id = $1`, d).Scan(&due))
	assert.NotNil(t, due)
	n, err = sweep.StartStalled(ctx, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n)

	// warnings a scan recorded and could not start: the enterprise's
	// answer is asked for, group arrears go to the city at once
	var w, group int64
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		enterprise_id, town_code, period, key, created_at) VALUES ('payroll_unpaid', 1, 'orange', 'project', $1, $2, $3,
		'2026-07', 'payroll_unpaid/x', now() - interval '5 minutes') RETURNING id`, f.Project1, f.Contractor1, f.Town1).Scan(&w))
	require.NoError(t, pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		enterprise_id, town_code, period, key, created_at) VALUES ('group_arrears', 1, 'red', 'project', $1, $2, $3,
		'2026-07', 'group_arrears/x', now() - interval '5 minutes') RETURNING id`, f.Project1, f.Contractor1, f.Town1).Scan(&group))
	n, err = sweep.StartStalled(ctx, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	var due2 *time.Time
	require.NoError(t, pool.QueryRow(ctx, `SELECT status, due_at FROM warnings WHERE id = $1`, w).Scan(&status, &due2))
	assert.Equal(t, "answering", status)
	assert.NotNil(t, due2)
	require.NoError(t, pool.QueryRow(ctx, `SELECT status FROM warnings WHERE id = $1`, group).Scan(&status))
	assert.Equal(t, "escalated_city", status)
	n, err = sweep.StartStalled(ctx, time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestWithoutTemporal(t *testing.T) {
	cc := &caseclient.Client{}
	_, err := cc.StartLead(context.Background(), workflows.LeadInput{LeadID: 1})
	assert.ErrorIs(t, err, caseclient.ErrUnavailable)
	_, err = cc.ActLead(context.Background(), 1, workflows.ActAccept, workflows.ActionInput{})
	assert.ErrorIs(t, err, caseclient.ErrUnavailable)
	err = cc.Signal(context.Background(), caseclient.Lead, 1, workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2027})
	assert.ErrorIs(t, err, caseclient.ErrUnavailable)
	_, err = cc.StartRecount(context.Background(), 2027)
	assert.ErrorIs(t, err, caseclient.ErrUnavailable)
}

// A signal reaches a running case; a case without a running workflow
// answers <kind>_closed, which the calendar's fan-out passes over.
func TestSignal(t *testing.T) {
	ctx, pool, f, _, cc := setup(t)
	id, town, contractor := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 10_000,
		At: time.Now(), By: f.WorkerActor})
	row, err := dbq.New(pool).LeadGetRaw(ctx, id)
	require.NoError(t, err)
	_, err = cc.StartLead(ctx, caseclient.LeadInput(row, town, contractor, f.WorkerActor))
	require.NoError(t, err)

	// a year its deadlines do not touch: signalled, nothing changes
	require.NoError(t, cc.Signal(ctx, caseclient.Lead, id, workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2099}))
	var st cases.LeadState
	require.NoError(t, cc.Status(ctx, caseclient.Lead, id, &st))
	assert.Equal(t, 1, st.Seq, "no step")

	err = cc.Signal(ctx, caseclient.Lead, id+1000, workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2099})
	assertErr(t, err, http.StatusConflict, "lead_closed", "")
	sw := caseclient.Sweeper{Client: cc, Pool: pool}
	assert.NoError(t, sw.CalendarChanged(ctx, "lead", id+1000, 2099), "a closed lead needs nothing")
	assert.NoError(t, sw.CalendarChanged(ctx, "lead", id, 2099))
	// dispatches and warnings are signalled the same way
	err = cc.Signal(ctx, caseclient.Dispatch, id+1000, workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: 2099})
	assertErr(t, err, http.StatusConflict, "dispatch_closed", "")
	assert.NoError(t, sw.CalendarChanged(ctx, "dispatch", id+1000, 2099), "a closed dispatch needs nothing")
	assert.NoError(t, sw.CalendarChanged(ctx, "warning", id+1000, 2099), "a closed warning needs nothing")
	assert.Error(t, sw.CalendarChanged(ctx, "deposit", id, 2099), "an unknown kind")
}

func assertErr(t *testing.T, err error, status int, code, field string) {
	t.Helper()
	var e *caseclient.Error
	require.True(t, errors.As(err, &e), "%v", err)
	assert.Equal(t, status, e.Status)
	assert.Equal(t, code, e.Code)
	assert.Equal(t, field, e.Field)
	assert.NotEmpty(t, e.Message)
}

func TestRefusedAndKindIDs(t *testing.T) {
	for _, c := range []struct {
		r      workflows.Refusal
		status int
		field  string
	}{
		{workflows.Refusal{Code: workflows.RefusedActor, Field: "x", Message: "m"}, 403, ""},
		{workflows.Refusal{Code: workflows.RefusedInput, Field: "note", Message: "m"}, 422, "note"},
		{workflows.Refusal{Code: workflows.RefusedState, Message: "m"}, 409, ""},
		{workflows.Refusal{Code: workflows.RefusedAgain, Message: "m"}, 409, ""},
		{workflows.Refusal{Code: workflows.RefusedClosed, Message: "m"}, 409, ""},
		{workflows.Refusal{Code: workflows.RefusedEarly, Message: "m"}, 409, ""},
	} {
		e := caseclient.Refused(caseclient.Lead, c.r)
		assert.Equal(t, c.status, e.Status, c.r.Code)
		assert.Equal(t, c.field, e.Field, c.r.Code)
		assert.Equal(t, c.r.Code, e.Code)
	}
	for _, c := range []struct {
		wid string
		id  int64
		ok  bool
	}{
		{"lead:12", 12, true}, {"lead:0012", 0, false}, {"lead:", 0, false}, {"lead:1x", 0, false},
		{"warning:12", 0, false}, {"lead:-3", -3, true},
	} {
		id, ok := caseclient.Lead.ID(c.wid)
		assert.Equal(t, c.ok, ok, c.wid)
		if ok {
			assert.Equal(t, c.id, id, c.wid)
		}
	}
}
