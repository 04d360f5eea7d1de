package workflows_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/workflows"
)

// dispatchStarter is the case starter of the lead tests
// (activities.CaseStarter): it records the dispatches started and fails
// the first `fail` starts.
type dispatchStarter struct {
	mu      sync.Mutex
	fail    int
	started []startCall
}

type startCall struct {
	id    int64
	towns []string
	by    cases.Actor
}

func (s *dispatchStarter) StartDispatch(_ context.Context, d dbq.Dispatch, towns []string, by cases.Actor) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started = append(s.started, startCall{id: d.ID, towns: towns, by: by})
	if s.fail > 0 {
		s.fail--
		return errors.New("temporal unavailable")
	}
	return nil
}

func (s *dispatchStarter) calls() []startCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]startCall{}, s.started...)
}

func (s *dispatchStarter) StartStalled(context.Context, time.Time) (int, error) { return 0, nil }

func (s *dispatchStarter) CalendarChanged(context.Context, string, int64, int) error { return nil }

func (s *dispatchStarter) ScanWarnings(context.Context, time.Time, rules.Filter) (string, error) {
	return "", nil
}

type leadDispatch struct {
	ID                  int64
	LeadSeq             *int32
	Title, Instructions string
	Level, Status       string
	DueDays             int32
	CreatedBy           int64
	Towns               []string
}

func leadDispatches(t *testing.T, pool *pgxpool.Pool, lead int64) []leadDispatch {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT d.id, d.lead_seq, d.title, d.instructions, d.level, d.status, d.due_days,
		d.created_by, ARRAY(SELECT t.town_code FROM dispatch_towns t WHERE t.dispatch_id = d.id ORDER BY t.town_code)
		FROM dispatches d WHERE d.lead_id = $1 ORDER BY d.id`, lead)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (leadDispatch, error) {
		var d leadDispatch
		err := r.Scan(&d.ID, &d.LeadSeq, &d.Title, &d.Instructions, &d.Level, &d.Status, &d.DueDays, &d.CreatedBy, &d.Towns)
		return d, err
	})
	require.NoError(t, err)
	return out
}

// 督办 on a lead is its dispatch, recorded by the lead's own step: one
// dispatch to the lead's town linked to the lead and its step, with the
// note as instructions and the default 5 working days, created by the
// supervising account (the system log names it too), started through
// the case starter — once, though the start failed and the activity was
// retried. A second supervision while it is open records none; once it
// closed, the next supervision records a new one.
func TestLeadSupervisionRecordsDispatch(t *testing.T) {
	start := cst(2026, 6, 1, 9) // Monday
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 100_000})
	r.starter.fail = 1
	first := r.act(cst(2026, 6, 2, 9), workflows.ActSupervise, workflows.ActionInput{Actor: f.City, Level: cases.Supervised,
		Note: "请加快办理"})
	second := r.act(cst(2026, 6, 2, 10), workflows.ActSupervise, workflows.ActionInput{Actor: f.City, Level: cases.Listed,
		Note: "挂牌督办", DueDays: 3})
	r.env.RegisterDelayedCallback(func() {
		_, err := f.Pool.Exec(context.Background(), `UPDATE dispatches SET status = 'closed' WHERE lead_id = $1`, r.in.LeadID)
		require.NoError(t, err)
	}, cst(2026, 6, 2, 11).Sub(start))
	third := r.act(cst(2026, 6, 2, 12), workflows.ActSupervise, workflows.ActionInput{Actor: f.City, Level: cases.Listed,
		Note: "再次督办", DueDays: 3})
	r.stopAt(cst(2026, 6, 3, 0))
	r.run()

	st := ok(t, first)
	ds := leadDispatches(t, f.Pool, r.in.LeadID)
	require.Len(t, ds, 2, "the first and the third supervision each recorded one")
	d := ds[0]
	assert.Equal(t, d.ID, st.SupervisionDispatchID, "the state names the dispatch its step recorded")
	if assert.NotNil(t, d.LeadSeq) {
		assert.EqualValues(t, st.Seq, *d.LeadSeq, "keyed by the supervise step")
	}
	assert.Equal(t, "督办：欠薪线索 #"+strconv.FormatInt(r.in.LeadID, 10), d.Title)
	assert.Equal(t, "请加快办理", d.Instructions)
	assert.Equal(t, "supervised", d.Level)
	assert.EqualValues(t, cases.DefaultSuperviseDays, d.DueDays)
	assert.Equal(t, f.City.AccountID, d.CreatedBy)
	assert.Equal(t, []string{f.Town1}, d.Towns)

	calls := r.starter.calls()
	require.Len(t, calls, 3, "the first start failed and was retried; the third supervision's start")
	assert.Equal(t, d.ID, calls[0].id)
	assert.Equal(t, d.ID, calls[1].id, "the retry started the dispatch its first attempt recorded")
	assert.Equal(t, []string{f.Town1}, calls[1].towns)
	assert.Equal(t, f.City.AccountID, calls[1].by.AccountID)

	st2 := ok(t, second)
	assert.Equal(t, cases.Listed, st2.Supervision)
	assert.Equal(t, d.ID, st2.SupervisionDispatchID, "one open: the second supervision recorded none")

	st3 := ok(t, third)
	d3 := ds[1]
	assert.Equal(t, d3.ID, st3.SupervisionDispatchID)
	assert.Equal(t, calls[2].id, d3.ID)
	assert.Equal(t, "listed", d3.Level)
	assert.EqualValues(t, 3, d3.DueDays)
	assert.Equal(t, "再次督办", d3.Instructions)
	if assert.NotNil(t, d3.LeadSeq) {
		assert.EqualValues(t, st3.Seq, *d3.LeadSeq)
	}

	evs := events(t, r)
	assert.Equal(t, []string{"intake", "supervise", "supervise", "supervise"}, actions(evs))

	// the system log names the supervising account as the recorder
	var who *int64
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT account_id FROM audit_log
		WHERE object_type = 'dispatches' AND object_id = $1 ORDER BY id LIMIT 1`, strconv.FormatInt(d.ID, 10)).Scan(&who))
	if assert.NotNil(t, who) {
		assert.Equal(t, f.City.AccountID, *who)
	}
}

// The activity itself is idempotent per lead step: run again for the
// same step it answers the dispatch recorded and records nothing; a
// record of the same step by another attempt (racing, committed first)
// answers that one.
func TestRecordLeadDispatchIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := casetest.New(t, dbtest.New(t))
	id, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 1000, By: f.WorkerActor,
		At: cst(2026, 6, 1, 9)})
	starter := &dispatchStarter{}
	a := &activities.Activities{DB: f.Pool, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Cases: starter}
	in := activities.LeadDispatchInput{LeadID: id, LeadSeq: 2, TownCode: f.Town1, Note: "请加快办理", Level: "supervised", By: f.City}
	d1, err := a.RecordLeadDispatch(ctx, in)
	require.NoError(t, err)
	require.NotZero(t, d1)
	d2, err := a.RecordLeadDispatch(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, d1, d2, "a retry answers the dispatch its step recorded")
	assert.Len(t, starter.calls(), 2, "and starts it again (idempotent)")

	seq := int32(2)
	require.NoError(t, db.InTx(ctx, f.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
		d, err := activities.RecordDispatch(ctx, q, activities.DispatchRecord{Title: "督办：重复", Instructions: "重复记录",
			Towns: []string{f.Town1}, DueDays: 5, LeadID: &id, LeadSeq: &seq, Level: "supervised", CreatedBy: f.City.AccountID})
		assert.Equal(t, d1, d.ID, "the step's dispatch, not a second one")
		return err
	}))

	in.LeadSeq = 3
	d3, err := a.RecordLeadDispatch(ctx, in)
	require.NoError(t, err)
	assert.Zero(t, d3, "another step while the first is open records none")
	assert.Len(t, leadDispatches(t, f.Pool, id), 1)
	assert.Len(t, starter.calls(), 2)
}
