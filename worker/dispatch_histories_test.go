package worker_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/worker/workertest"
	"github.com/anxin-city/anxin/workflows"
)

// Recorder of the dispatch workflow's histories (dispatch-*.json beside
// the lead's), replayed by workflows/replay_test.go on every build:
//
//	go test ./worker -run TestRecordDispatchHistories -record -count=1 -v

// casePath is one case of a kind with state S driven through a path by
// client updates (the dispatch and warning recorders; the lead's keeps
// its own, older, shape).
type casePath[S any] struct {
	t        *testing.T
	c        client.Client
	f        *casetest.Fixture
	workflow any
	input    any
	wid      string
	events   string // the case's events table and id column, for actions()
	id       int64
	seq      func(S) int
	run      client.WorkflowRun
	n        int
	name     string
}

type dispatchPath = casePath[cases.DispatchState]

func TestRecordDispatchHistories(t *testing.T) {
	if !*record {
		t.Skip("records the dispatch histories only with -record: go test ./worker -run TestRecordDispatchHistories -record")
	}
	c, f := caseRecorder(t, workflows.DispatchWorkflow)
	pool := f.Pool

	type path struct {
		name    string
		towns   []string
		dueDays int
		queue   string
		drive   func(p *dispatchPath)
		status  cases.DispatchStatus
		want    []string
	}
	paths := []path{
		{name: "dispatch-full", towns: []string{f.Town1, f.Town2}, dueDays: 10, drive: driveDispatchFull, status: cases.DispatchClosed,
			want: []string{"create", "report", "report", "acceptReport", "returnReport", "report", "acceptReport"}},
		{name: "dispatch-escalations", towns: []string{f.Town1}, dueDays: 2, queue: shortCalendarQueue,
			drive: driveDispatchEscalations, status: cases.DispatchCancelled,
			want: []string{"create", "remind", "overdue", "report", "remind", "overdue", "cancel"}},
		{name: "dispatch-recount", towns: []string{f.Town1}, dueDays: 20, drive: driveDispatchRecount, status: cases.DispatchClosed,
			want: []string{"create", "recount", "report", "acceptReport"}},
		{name: "dispatch-supervise", towns: []string{f.Town1}, dueDays: 2, queue: shortCalendarQueue,
			drive: driveDispatchSupervise, status: cases.DispatchClosed,
			want: []string{"create", "remind", "overdue", "remind", "overdue", "report", "acceptReport"}},
	}
	ds := make([]*dispatchPath, len(paths))
	for i, p := range paths {
		var id int64
		require.NoError(t, pool.QueryRow(context.Background(), `INSERT INTO dispatches (title, instructions, due_days, created_by)
			VALUES ('专项检查', '请排查辖区在建项目工资支付情况', $1, $2) RETURNING id`, p.dueDays, f.City.AccountID).Scan(&id))
		for _, town := range p.towns {
			_, err := pool.Exec(context.Background(), `INSERT INTO dispatch_towns (dispatch_id, town_code) VALUES ($1, $2)`, id, town)
			require.NoError(t, err)
		}
		ds[i] = &dispatchPath{c: c, f: f, name: p.name, wid: workflows.DispatchWorkflowID(id), id: id,
			workflow: workflows.DispatchWorkflow, events: "dispatch_events WHERE dispatch_id",
			input: workflows.DispatchInput{DispatchID: id, By: f.City, Towns: p.towns, DueDays: p.dueDays},
			seq:   func(st cases.DispatchState) int { return st.Seq }}
	}
	for i, p := range paths {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), p.name) {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			d := ds[i]
			d.t = t
			d.start(p.queue)
			p.drive(d)
			assert.Equal(t, p.status, d.finish().Status)
			assert.Equal(t, p.want, d.actions(), "the path took the steps it is named for")
			if t.Failed() {
				t.Fatalf("%s: not recorded", p.name)
			}
			d.write()
		})
	}
}

// start starts the workflow as the API does (Update-with-Start).
func (p *casePath[S]) start(queue string) {
	opts := workflows.StartOptions(p.wid)
	if queue != "" {
		opts.TaskQueue = queue
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	op := p.c.NewWithStartWorkflowOperation(opts, p.workflow, p.input)
	h, err := p.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateID: "started", WorkflowID: p.wid, UpdateName: workflows.UpdateStarted,
			WaitForStage: client.WorkflowUpdateStageCompleted}})
	require.NoError(p.t, err)
	var st S
	require.NoError(p.t, h.Get(ctx, &st))
	run, err := op.Get(ctx)
	require.NoError(p.t, err)
	p.run = run
	p.await("created", func(st S) bool { return p.seq(st) >= 1 })
}

// act sends update name once the workflow is idle and waits for its answer.
func (p *casePath[S]) act(name string, in any) {
	p.t.Helper()
	p.await("idle before "+name, func(S) bool { return true })
	p.n++
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	h, err := p.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{UpdateID: fmt.Sprintf("%s-%d", name, p.n),
		WorkflowID: p.wid, RunID: p.run.GetRunID(), UpdateName: name, Args: []any{in},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(p.t, err, name)
	var st S
	require.NoError(p.t, h.Get(ctx, &st), name)
}

// await polls until the state satisfies ok and the workflow is idle (see
// leadPath.await).
func (p *casePath[S]) await(what string, ok func(S) bool) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		v, err := p.c.QueryWorkflow(ctx, p.wid, p.run.GetRunID(), workflows.StatusQuery)
		require.NoError(p.t, err, what)
		var st S
		require.NoError(p.t, v.Get(&st))
		if ok(st) {
			d, err := p.c.DescribeWorkflowExecution(ctx, p.wid, p.run.GetRunID())
			require.NoError(p.t, err, what)
			if len(d.GetPendingActivities()) == 0 && d.GetPendingWorkflowTask() == nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s: never happened (state %+v)", what, st)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// finish waits for the workflow's end and answers its final state.
func (p *casePath[S]) finish() S {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var st S
	require.NoError(p.t, p.run.Get(ctx, &st))
	return st
}

// actions are the actions of the case's projected steps, in order.
func (p *casePath[S]) actions() []string {
	rows, err := p.f.Pool.Query(context.Background(), "SELECT action FROM "+p.events+" = $1 AND seq IS NOT NULL ORDER BY seq", p.id)
	require.NoError(p.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		require.NoError(p.t, rows.Scan(&a))
		out = append(out, a)
	}
	return out
}

func (p *casePath[S]) write() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it := p.c.GetWorkflowHistory(ctx, p.wid, p.run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(p.t, err)
		h.Events = append(h.Events, ev)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(p.t, err)
	file := filepath.Join(historiesDir, p.name+".json")
	require.NoError(p.t, os.WriteFile(file, append(b, '\n'), 0o644))
	p.t.Logf("%s: %d events written to %s", p.name, len(h.Events), file)
}

// caseRecorder is an in-memory server, a worker on the usual task queue
// and one on the short-calendar queue (registering workflow), both with
// the activities on a fresh database with the casetest fixture.
func caseRecorder(t *testing.T, workflow any) (client.Client, *casetest.Fixture) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := devtemporal.Start(ctx, devtemporal.Options{Logger: logger})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Stop()) })
	c, err := client.DialContext(ctx, client.Options{HostPort: s.FrontendHostPort(), Namespace: s.Namespace(),
		Identity: recorderIdentity, Logger: sdklog.NewStructuredLogger(logger)})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	pool := dbtest.New(t)
	f := casetest.New(t, pool)
	// the lead's supervise step starts its dispatch's workflow through the
	// case client (activities.RecordLeadDispatch)
	acts := &activities.Activities{DB: pool, Logger: logger,
		Cases: caseclient.Sweeper{Client: &caseclient.Client{Temporal: c, Logger: logger}, Pool: pool}}
	workertest.Run(t, c, acts, worker.Options{Identity: recorderIdentity})
	short := sdkworker.New(c, shortCalendarQueue, sdkworker.Options{Identity: recorderIdentity})
	short.RegisterWorkflow(workflow)
	short.RegisterActivity(&shortCalendar{acts})
	require.NoError(t, short.Start())
	t.Cleanup(short.Stop)
	require.NoError(t, os.MkdirAll(historiesDir, 0o755))
	return c, f
}

// dispatch-full: both towns report; the city accepts one, returns the
// other, which reports again and is accepted.
func driveDispatchFull(p *dispatchPath) {
	f := p.f
	p.act(workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查12个在建项目，未发现欠薪"})
	p.act(workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "已排查"})
	p.act(workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: f.Town1})
	p.act(workflows.DispatchReturn, workflows.DispatchActionInput{Actor: f.City, TownCode: f.Town2, DueDays: 3, Note: "请附检查清单"})
	p.act(workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "补充检查清单"})
	p.act(workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: f.Town2})
}

// dispatch-escalations (short calendar): the town's deadline reminds and
// passes (the city supervises); the late report's review reminds and
// passes; the city withdraws the dispatch.
func driveDispatchEscalations(p *dispatchPath) {
	f := p.f
	p.await("report overdue", func(st cases.DispatchState) bool {
		return slices.ContainsFunc(st.Tasks, func(t cases.Task) bool { return t.Kind == cases.TaskSupervise })
	})
	p.act(workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已处理"})
	p.await("review overdue", func(st cases.DispatchState) bool {
		return slices.ContainsFunc(st.Tasks, func(t cases.Task) bool { return t.Kind == cases.TaskDispatchReview && t.Overdue })
	})
	p.act(workflows.DispatchCancel, workflows.DispatchActionInput{Actor: f.City, Note: "事项已另行处理"})
}

// dispatch-supervise (short calendar; version marker
// dispatch-supervise-deadline 1): the town's deadline reminds and passes;
// the city's supervise task opens with its own deadline, which reminds
// and passes too; the late report closes it; the city accepts.
func driveDispatchSupervise(p *dispatchPath) {
	f := p.f
	p.await("supervise overdue", func(st cases.DispatchState) bool {
		return slices.ContainsFunc(st.Tasks, func(t cases.Task) bool {
			return t.Kind == cases.TaskSupervise && t.DueAt != nil && t.Overdue
		})
	})
	p.act(workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已处理，补报办理情况"})
	p.act(workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: f.Town1})
}

// dispatch-recount: the city enters holidays on the last weekdays before
// the town's due day (in that day's year) and the dispatch is signalled
// (workflows.SignalCalendarChanged, as RecountDeadlines does; version
// marker calendar-recount 1): one `recount` step moves the deadline
// later; the town reports and the city accepts.
func driveDispatchRecount(p *dispatchPath) {
	f := p.f
	var st cases.DispatchState
	p.await("created", func(s cases.DispatchState) bool { st = s; return len(s.Parts) == 1 && s.Parts[0].DueAt != nil })
	due := *st.Parts[0].DueAt
	p.signalCalendar(holidaysBefore(p.t, f.Pool, st.Tasks[0].OpenedAt, due))
	p.await("recounted", func(s cases.DispatchState) bool { return s.Seq > st.Seq && s.Parts[0].DueAt.After(due) })
	p.act(workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查辖区在建项目"})
	p.act(workflows.DispatchAccept, workflows.DispatchActionInput{Actor: f.City, TownCode: f.Town1})
}

// holidaysBefore enters up to five holidays on the last weekdays before
// due (after from's day, in the year of due's last day) as the city does
// with PUT /calendar/{year}, and answers that year.
func holidaysBefore(t *testing.T, pool *pgxpool.Pool, from, due time.Time) int {
	t.Helper()
	last := due.Add(-time.Nanosecond).In(cases.Zone)
	year := last.Year()
	f := from.In(cases.Zone)
	first := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, cases.Zone)
	ctx := context.Background()
	q := db.Q(pool)
	require.NoError(t, q.CalendarYearUpsert(ctx, dbq.CalendarYearUpsertParams{Year: int32(year), Source: "历史记录用节假日安排"}))
	n := 0
	for d := last; n < 5 && d.Year() == year && d.After(first.AddDate(0, 0, 1)); d = d.AddDate(0, 0, -1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
		_, err := pool.Exec(ctx, `INSERT INTO work_calendar (day, workday, name) VALUES ($1, false, '历史记录用假日')
			ON CONFLICT (day) DO NOTHING`, day)
		require.NoError(t, err)
		n++
	}
	require.Positive(t, n, "a holiday to enter between %s and %s", from, due)
	return year
}

// signalCalendar signals that year's calendar changed once the case is
// idle, as RecountDeadlines does.
func (p *casePath[S]) signalCalendar(year int) {
	p.t.Helper()
	p.await("idle before the signal", func(S) bool { return true })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(p.t, p.c.SignalWorkflow(ctx, p.wid, p.run.GetRunID(), workflows.SignalCalendarChanged,
		workflows.CalendarChanged{Year: year}))
}
