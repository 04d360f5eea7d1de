// Recorder of the lead workflow's committed histories, which
// workflows/replay_test.go replays on every build. Re-record them after a
// deliberate change of the lead workflow (one that is safe for the runs in
// flight: guarded by workflow.GetVersion, or with none open) with
//
//	go test ./worker -run TestRecordLeadHistories -record -count=1 -v
//
// (Postgres as for every test: make test-db). Each path runs as its own
// lead on an in-memory embedded Temporal server, driven by client updates,
// and its history is written to workflows/testdata/histories/<path>.json
// in the JSON form client.HistoryFromJSON reads (the CLI's form). Without
// -record the test is skipped.
package worker_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/workflows"
)

var record = flag.Bool("record", false, "record the lead workflow histories into workflows/testdata/histories")

// only names the paths to record (comma-separated; default all): a new
// path is recorded without rewriting the histories of the others.
var only = flag.String("paths", "", "with -record: the paths to record, comma-separated (default all)")

// historiesDir is where the histories go, seen from this package.
const historiesDir = "../workflows/testdata/histories"

// recorderIdentity names the client and the workers in the histories, so
// that a re-recording differs from the last one only where it must (run
// IDs, times).
const recorderIdentity = "anxin-history-recorder"

// A day of the escalation path's calendar lasts this long (see
// shortCalendar).
const shortDay = 2 * time.Second

// shortCalendarQueue is the task queue of the worker whose calendar counts
// in seconds.
const shortCalendarQueue = workflows.TaskQueue + "-short-calendar"

// shortPolicy is the escalation paths' policy, in shortDay units. The
// city's supervise limit is longer than the escalations path takes (its
// supervise task stays open and quiet until the lead closes, whatever
// the timing); triage and review climb in the city-deadlines path.
var shortPolicy = cases.Policy{Kind: "lead", AcceptDays: 2, HandleDays: 60, ExtendDays: 1, RectifyDays: 2, ConfirmDays: 2,
	RemindDays: 1, ListedAfterDays: 2, MajorWorkers: 10, MajorAmountFen: 50_000_000, TriageDays: 2, ReviewDays: 2,
	SuperviseDays: 60}

// shortCalendar is the real activities except for the two local ones that
// set the clock: CasePolicy answers shortPolicy and WorkingDeadline counts
// a "working day" as shortDay of real time. A deadline ladder that takes
// weeks then climbs in seconds on a real server, which cannot skip time
// (and the SDK's time-skipping test environment keeps no history to
// record). Local activity results are markers in the history, which a
// replay reads back without running the activity, so the history is one
// the production workflow code makes — only its deadlines are short.
type shortCalendar struct{ *activities.Activities }

// CasePolicy answers shortPolicy.
func (shortCalendar) CasePolicy(context.Context, string) (cases.Policy, error) {
	return shortPolicy, nil
}

// WorkingDeadline counts in shortDay units, the way the calendar counts
// working days: due after Days, a reminder RemindDays before, listed
// ListedAfter after.
func (shortCalendar) WorkingDeadline(_ context.Context, in activities.DeadlineInput) (cases.Deadline, error) {
	from, r := in.From, in.Rule
	if in.Extend != nil {
		from = in.Extend.Due
	}
	d := cases.Deadline{Due: from.Add(time.Duration(r.Days) * shortDay), Covered: true}
	if r.RemindDays > 0 && r.Days > r.RemindDays {
		d.RemindAt = d.Due.Add(-time.Duration(r.RemindDays) * shortDay)
	}
	if r.ListedAfter > 0 {
		d.ListedAt = d.Due.Add(time.Duration(r.ListedAfter) * shortDay)
	}
	return d, nil
}

// recorder drives leads on one server, worker and database.
type recorder struct {
	c client.Client
	f *casetest.Fixture
}

// leadPath is one lead being driven through a path.
type leadPath struct {
	t   *testing.T
	r   *recorder
	in  workflows.LeadInput
	wid string
	run client.WorkflowRun
	n   int
}

func TestRecordLeadHistories(t *testing.T) {
	if !*record {
		t.Skip("records the lead histories only with -record: go test ./worker -run TestRecordLeadHistories -record")
	}
	c, f := caseRecorder(t, workflows.LeadWorkflow)
	r := &recorder{c: c, f: f}

	// The leads are recorded in a fixed order, so that their IDs (in the
	// histories) are the same on every recording; then the paths run at
	// once.
	type path struct {
		name  string
		lead  casetest.Lead
		queue string
		drive func(p *leadPath)
		want  []string // the actions of lead_events, in order
		lines int      // claimants (lines): the first the lead's worker, with the app
	}
	paths := []path{
		{name: "full", lead: casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 1_200_000, Workers: 1},
			drive: driveFull,
			want:  []string{"intake", "accept", "orderRectification", "submitEvidence", "reportResult", "confirm"}},
		{name: "triage", lead: casetest.Lead{Source: cases.SourceHotline, WorkerID: f.Worker, Amount: 800_000, Workers: 1, By: f.City},
			drive: driveTriage,
			want: []string{"intake", "dispatch", "return", "dispatch", "transfer", "accept", "reportResult", "dispute",
				"reportResult", "confirm"}},
		{name: "major", lead: casetest.Lead{ProjectID: f.Project2, WorkerID: f.Worker, Amount: 3_000_000, Workers: 12},
			drive: driveMajor,
			want: []string{"intake", "accept", "reportResult", "confirm", "sendBack", "reportResult", "confirm",
				"approve"}},
		{name: "extend", lead: casetest.Lead{ProjectID: f.Project1, WorkerID: f.OtherWorker, By: f.OtherActor, Amount: 600_000, Workers: 2},
			drive: driveExtend,
			want: []string{"intake", "accept", "linkReport", "extend", "supervise", "orderRectification", "submitEvidence",
				"rejectEvidence", "submitEvidence", "reportResult", "confirm"}},
		{name: "escalations", lead: casetest.Lead{ProjectID: f.Project2, WorkerID: f.OtherWorker, By: f.OtherActor, Amount: 900_000, Workers: 1},
			queue: shortCalendarQueue, drive: driveEscalations,
			want: []string{"intake", "remind", "overdue", "list", "accept", "orderRectification", "remind", "overdue",
				"reportResult", "remind", "confirm"}},
		{name: "recount", lead: casetest.Lead{Source: cases.SourceWalkIn, ProjectID: f.Project1, Amount: 700_000, Workers: 1,
			By: f.Officer1},
			drive: driveRecount,
			want:  []string{"intake", "accept", "recount", "reportResult"}},
		{name: "city-deadlines", lead: casetest.Lead{Source: cases.SourceHotline, WorkerID: f.Worker, Amount: 3_000_000, Workers: 12,
			By: f.City},
			queue: shortCalendarQueue, drive: driveCityDeadlines,
			want: []string{"intake", "remind", "overdue", "dispatch", "accept", "reportResult", "confirm", "remind", "overdue",
				"approve"}},
		{name: "claimants", lead: casetest.Lead{ProjectID: f.Project1, Amount: 300_000, Workers: 3}, lines: 3,
			drive: driveClaimants,
			want: []string{"intake", "accept", "reportResult", "confirm", "dispute", "reportResult", "confirm",
				"recordUnreachable"}},
		{name: "claimants-silence", lead: casetest.Lead{ProjectID: f.Project2, Amount: 200_000, Workers: 2}, lines: 2,
			queue: shortCalendarQueue, drive: driveClaimantsSilence,
			want: []string{"intake", "accept", "reportResult", "remind", "confirm", "recordUnreachable"}},
	}
	leads := make([]*leadPath, len(paths))
	for i, p := range paths {
		leads[i] = r.newLead(t, p.lead)
		leads[i].lines(t, p.lines)
	}
	for i, p := range paths {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), p.name) {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			l := leads[i]
			l.t = t
			l.start(p.queue)
			p.drive(l)
			final := l.finish()
			assert.Equal(t, cases.Closed, final.Status)
			assert.Equal(t, p.want, l.actions(), "the path took the steps it is named for")
			if t.Failed() {
				t.Fatalf("%s: not recorded", p.name)
			}
			l.write(p.name)
		})
	}
}

// newLead records the lead row and its workflow's input.
func (r *recorder) newLead(t *testing.T, l casetest.Lead) *leadPath {
	if l.By.AccountID == 0 {
		l.By = r.f.WorkerActor
	}
	if l.Source == "" {
		l.Source = cases.SourceWorkerApp
	}
	l.At = time.Now().Truncate(time.Second)
	id, town, contractor := r.f.Record(t, l)
	in := workflows.LeadInput{LeadID: id, Source: l.Source, ReceivedAt: l.At, By: l.By, WorkerID: l.WorkerID,
		ProjectID: l.ProjectID, TownCode: town, ContractorID: contractor, AmountClaimedFen: l.Amount,
		WorkersClaimed: max(l.Workers, 1)}
	return &leadPath{t: t, r: r, in: in, wid: workflows.LeadWorkflowID(id)}
}

func (p *leadPath) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), time.Minute)
}

// start starts the workflow (on queue, default the usual one) as the
// API does — Update-with-Start of workflows.UpdateStarted, answered once
// the intake step is projected — and waits until it is idle.
func (p *leadPath) start(queue string) {
	opts := workflows.StartOptions(p.wid)
	if queue != "" {
		opts.TaskQueue = queue
	}
	ctx, cancel := p.ctx()
	defer cancel()
	op := p.r.c.NewWithStartWorkflowOperation(opts, workflows.LeadWorkflow, p.in)
	h, err := p.r.c.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateID: "started", WorkflowID: p.wid, UpdateName: workflows.UpdateStarted,
			WaitForStage: client.WorkflowUpdateStageCompleted}})
	require.NoError(p.t, err)
	var st cases.LeadState
	require.NoError(p.t, h.Get(ctx, &st))
	require.GreaterOrEqual(p.t, st.Seq, 1, "answered after the intake step")
	run, err := op.Get(ctx)
	require.NoError(p.t, err)
	p.run = run
	p.await("intake", func(st cases.LeadState) bool { return st.Seq >= 1 })
}

// act sends update name, once the workflow is idle, and waits for its
// answer, the new state.
func (p *leadPath) act(name string, in workflows.ActionInput) cases.LeadState {
	p.t.Helper()
	p.await("idle before "+name, func(cases.LeadState) bool { return true })
	p.n++
	ctx, cancel := p.ctx()
	defer cancel()
	h, err := p.r.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{UpdateID: fmt.Sprintf("%s-%d", name, p.n),
		WorkflowID: p.wid, RunID: p.run.GetRunID(), UpdateName: name, Args: []any{in},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(p.t, err, name)
	var st cases.LeadState
	require.NoError(p.t, h.Get(ctx, &st), name)
	return st
}

// await polls until the status query's answer satisfies ok and the
// workflow is idle: no workflow task and no activity pending, so that it
// waits for a timer or an update. A step shows in the state before its
// projection (an activity) has run; an update sent then would land in the
// middle of the step, where a later recording might not put it, and the
// histories would change shape from one recording to the next.
func (p *leadPath) await(what string, ok func(cases.LeadState) bool) cases.LeadState {
	p.t.Helper()
	ctx, cancel := p.ctx()
	defer cancel()
	for {
		v, err := p.r.c.QueryWorkflow(ctx, p.wid, p.run.GetRunID(), workflows.StatusQuery)
		require.NoError(p.t, err, what)
		var st cases.LeadState
		require.NoError(p.t, v.Get(&st))
		if ok(st) {
			d, err := p.r.c.DescribeWorkflowExecution(ctx, p.wid, p.run.GetRunID())
			require.NoError(p.t, err, what)
			if len(d.GetPendingActivities()) == 0 && d.GetPendingWorkflowTask() == nil {
				return st
			}
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s: never happened (state %+v)", what, st)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// finish waits for the workflow's end and returns its result.
func (p *leadPath) finish() cases.LeadState {
	ctx, cancel := p.ctx()
	defer cancel()
	var st cases.LeadState
	require.NoError(p.t, p.run.Get(ctx, &st))
	return st
}

// actions are the actions of the lead's projected events, in order.
func (p *leadPath) actions() []string {
	rows, err := p.r.f.Pool.Query(context.Background(), `SELECT action FROM lead_events WHERE lead_id = $1 ORDER BY seq`, p.in.LeadID)
	require.NoError(p.t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		require.NoError(p.t, rows.Scan(&a))
		out = append(out, a)
	}
	require.NoError(p.t, rows.Err())
	return out
}

// write saves the workflow's history as <name>.json.
func (p *leadPath) write(name string) {
	ctx, cancel := p.ctx()
	defer cancel()
	it := p.r.c.GetWorkflowHistory(ctx, p.wid, p.run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(p.t, err)
		h.Events = append(h.Events, ev)
	}
	require.NotEmpty(p.t, h.Events)
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(h)
	require.NoError(p.t, err)
	file := filepath.Join(historiesDir, name+".json")
	require.NoError(p.t, os.WriteFile(file, append(b, '\n'), 0o644))
	p.t.Logf("%s: %d events written to %s", name, len(h.Events), file)
}

// lines records n claimants of 100,000 fen each on the lead (the first
// the fixture's worker, with the app; the others by name) and puts them
// in its workflow's input.
func (p *leadPath) lines(t *testing.T, n int) {
	q := dbq.New(p.r.f.Pool)
	for i := 0; i < n; i++ {
		row := dbq.LeadClaimantInsertParams{LeadID: p.in.LeadID, Name: fmt.Sprintf("工人%d", i+1), AmountOwedFen: 100_000}
		if i == 0 {
			row.WorkerID, row.App = &p.r.f.Worker, true
		}
		id, err := q.LeadClaimantInsert(context.Background(), row)
		require.NoError(t, err)
		c := cases.Claimant{ID: id, AmountOwedFen: 100_000, App: row.App, Status: cases.ClaimantOpen}
		if row.WorkerID != nil {
			c.WorkerID = *row.WorkerID
		}
		p.in.Claimants = append(p.in.Claimants, c)
	}
}

// paid is a paid_in_part result giving each line its claim.
func (p *leadPath) paid() workflows.ActionInput {
	in := workflows.ActionInput{Actor: p.r.f.Officer1, ClosureCode: cases.PaidInPart, Note: "部分支付，余款双方达成协议"}
	if p.in.ProjectID == p.r.f.Project2 {
		in.Actor = p.r.f.Officer2
	}
	for _, c := range p.in.Claimants {
		in.ClaimantAmounts = append(in.ClaimantAmounts, workflows.ClaimantAmount{ClaimantID: c.ID, AmountRecoveredFen: c.AmountOwedFen})
	}
	return in
}

// claimants: a group complaint of three; the worker confirms their line
// in the app, the town records a dispute for the second; the next result
// is asked of the two not confirmed; the second confirms by phone, the
// third is unreachable; the lead closes.
func driveClaimants(p *leadPath) {
	f := p.r.f
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	p.act(workflows.ActReport, p.paid())
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	p.act(workflows.ActDispute, workflows.ActionInput{Actor: f.Officer1, ClaimantID: p.in.Claimants[1].ID, Note: "电话回访：未收到"})
	st := p.act(workflows.ActReport, p.paid())
	require.Equal(p.t, cases.ClaimantConfirmed, st.Claimants[0].Status, "the confirmed line is not asked again")
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.Officer1, ClaimantID: p.in.Claimants[1].ID, Note: "电话回访确认"})
	p.act(workflows.ActUnreachable, workflows.ActionInput{Actor: f.Officer1, ClaimantID: p.in.Claimants[2].ID,
		Note: "两次致电无人接听"})
}

// claimants-silence: the confirmation period passes: the worker with the
// app is taken to confirm, the other's call-back is overdue; the town
// records them unreachable.
func driveClaimantsSilence(p *leadPath) {
	f := p.r.f
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	p.act(workflows.ActReport, p.paid())
	p.await("silence confirms the app user", func(st cases.LeadState) bool {
		return st.Claimants[0].Status == cases.ClaimantConfirmed &&
			slices.ContainsFunc(st.Tasks, func(t cases.Task) bool { return t.Kind == cases.TaskCallback && t.Overdue })
	})
	p.act(workflows.ActUnreachable, workflows.ActionInput{Actor: f.Officer2, ClaimantID: p.in.Claimants[1].ID,
		Note: "回访三次均未接通"})
}

func fenOf(v int64) *int64 { return &v }
func countOf(v int) *int   { return &v }

// full: accept, order rectification, evidence, paid in full, confirmed.
func driveFull(p *leadPath) {
	f := p.r.f
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	p.act(workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期足额支付拖欠工资", DueDays: 5})
	p.act(workflows.ActSubmit, workflows.ActionInput{Actor: f.Enterprise1, EvidenceIDs: []int64{1},
		AmountPaidFen: fenOf(1_200_000), Note: "已通过专用账户支付"})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: fenOf(1_200_000), WorkersCovered: countOf(1), Note: "经核实已全额支付"})
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor, Note: "已收到"})
}

// triage: unknown project; the city dispatches, the town returns it, the
// city dispatches again and transfers it to the other town, which accepts
// and reports it unfounded; the worker disputes, the town reports it
// withdrawn, the worker confirms.
func driveTriage(p *leadPath) {
	f := p.r.f
	p.act(workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town1})
	p.act(workflows.ActReturn, workflows.ActionInput{Actor: f.Officer1, Note: "项目不在本镇街辖区"})
	p.act(workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town1, Note: "经核实项目在上城街道"})
	p.act(workflows.ActTransfer, workflows.ActionInput{Actor: f.City, TownCode: f.Town2, Note: "项目实际位于下城街道"})
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer2, ClosureCode: cases.NotFounded, Note: "经查工资已按月发放"})
	p.act(workflows.ActDispute, workflows.ActionInput{Actor: f.WorkerActor, Note: "十月工资仍未收到"})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer2, ClosureCode: cases.Withdrawn, Note: "工人已撤回投诉"})
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
}

// major: twelve workers make it major; the city sends the first result
// back and approves the second.
func driveMajor(p *leadPath) {
	f := p.r.f
	p.await("major", func(st cases.LeadState) bool { return st.Major })
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer2, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: fenOf(3_000_000), WorkersCovered: countOf(12), Note: "经核实已全额支付"})
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	p.act(workflows.ActSendBack, workflows.ActionInput{Actor: f.City, Note: "支付凭证不全，请补充"})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer2, ClosureCode: cases.PaidInPart,
		AmountRecoveredFen: fenOf(2_400_000), WorkersCovered: countOf(12), Note: "已支付八成，余款签订还款协议"})
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.Officer2, Note: "电话确认"})
	p.act(workflows.ActApprove, workflows.ActionInput{Actor: f.City})
}

// extend: a linked report, an extension, supervision, and evidence
// rejected once.
func driveExtend(p *leadPath) {
	f := p.r.f
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1b})
	p.act(workflows.ActLinkReport, workflows.ActionInput{Actor: f.WorkerActor, Note: "同班组工友反映同一欠薪",
		AmountClaimedFen: 300_000, WorkersClaimed: 1})
	p.act(workflows.ActExtend, workflows.ActionInput{Actor: f.Officer1, Note: "涉及分包层级多，需延期核查"})
	p.act(workflows.ActSupervise, workflows.ActionInput{Actor: f.City, Level: cases.Supervised, Note: "请加快办理"})
	p.act(workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期支付拖欠工资"})
	p.act(workflows.ActSubmit, workflows.ActionInput{Actor: f.Manager1, EvidenceIDs: []int64{1}, AmountPaidFen: fenOf(300_000)})
	p.act(workflows.ActReject, workflows.ActionInput{Actor: f.Officer1, Note: "凭证金额不足", DueDays: 3})
	p.act(workflows.ActSubmit, workflows.ActionInput{Actor: f.Enterprise1, EvidenceIDs: []int64{2, 3},
		AmountPaidFen: fenOf(900_000), Note: "已补足"})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: fenOf(900_000), WorkersCovered: countOf(2), Note: "经核实已全额支付"})
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.OtherActor})
}

// escalations (short calendar): acceptance is reminded, overdue (the city
// gets a supervise task) and listed; the enterprise's rectification is
// reminded and overdue; the worker's silence confirms the result.
func driveEscalations(p *leadPath) {
	f := p.r.f
	st := p.await("accept listed", func(st cases.LeadState) bool { return st.Supervision == cases.Listed })
	require.True(p.t, slices.ContainsFunc(st.Tasks, func(t cases.Task) bool { return t.Kind == cases.TaskSupervise }),
		"the overdue acceptance asked the city to supervise")
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer2})
	p.act(workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer2, Note: "限期足额支付拖欠工资"})
	p.await("rectification overdue", func(st cases.LeadState) bool {
		return slices.ContainsFunc(st.Tasks, func(t cases.Task) bool { return t.Actor == cases.ActorEnterprise && t.Overdue })
	})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer2, ClosureCode: cases.Arbitration,
		Note: "企业拒不整改，引导工人申请劳动仲裁"})
	// the worker says nothing: the confirm deadline reminds, then confirms
}

// recount: the town accepts while the year the handling limit runs into
// has no holiday arrangement (estimated); the city enters that year with
// holidays before the due day, the lead is signalled
// (workflows.SignalCalendarChanged, as RecountDeadlines does) and
// recounts; then the result (a walk-in without a worker record: nobody
// to confirm, it closes).
func driveRecount(p *leadPath) {
	f := p.r.f
	st := p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	require.NotNil(p.t, st.HandleDue)
	require.True(p.t, st.HandleDueEstimated, "recorded while the year of %s is not entered", st.HandleDue)
	last := st.HandleDue.Add(-time.Nanosecond).In(cases.Zone)
	year := last.Year()
	q := db.Q(f.Pool)
	ctx, cancel := p.ctx()
	defer cancel()
	require.NoError(p.t, q.CalendarYearUpsert(ctx, dbq.CalendarYearUpsertParams{Year: int32(year), Source: "历史记录用节假日安排"}))
	for d, n := last, 0; n < 5 && d.Year() == year; d = d.AddDate(0, 0, -1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
			require.NoError(p.t, q.CalendarDayInsert(ctx, dbq.CalendarDayInsertParams{Day: day, Name: "春节"}))
			n++
		}
	}
	p.await("idle before the signal", func(cases.LeadState) bool { return true })
	require.NoError(p.t, p.r.c.SignalWorkflow(ctx, p.wid, p.run.GetRunID(), workflows.SignalCalendarChanged,
		workflows.CalendarChanged{Year: year}))
	after := p.await("recounted", func(s cases.LeadState) bool { return s.Seq > st.Seq })
	require.True(p.t, after.HandleDue.After(*st.HandleDue), "moved past the holidays")
	require.False(p.t, after.HandleDueEstimated)
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: fenOf(700_000), WorkersCovered: countOf(1), Note: "经核实已全额支付"})
}

// city-deadlines (short calendar): a major lead of an unknown project;
// the city's triage is reminded and overdue before it dispatches; the
// town accepts and reports, the worker confirms; the city's review is
// reminded and overdue before it approves.
func driveCityDeadlines(p *leadPath) {
	f := p.r.f
	cityOverdue := func(kind string) func(st cases.LeadState) bool {
		return func(st cases.LeadState) bool {
			return slices.ContainsFunc(st.Tasks, func(t cases.Task) bool { return t.Kind == kind && t.Overdue })
		}
	}
	st := p.await("triage overdue", cityOverdue(cases.TaskTriage))
	require.False(p.t, st.Overdue, "the city's lateness is its task's")
	p.act(workflows.ActDispatch, workflows.ActionInput{Actor: f.City, TownCode: f.Town1})
	p.act(workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	p.act(workflows.ActReport, workflows.ActionInput{Actor: f.Officer1, ClosureCode: cases.PaidInFull,
		AmountRecoveredFen: fenOf(3_000_000), WorkersCovered: countOf(12), Note: "经核实已全额支付"})
	p.act(workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	p.await("review overdue", cityOverdue(cases.TaskReview))
	p.act(workflows.ActApprove, workflows.ActionInput{Actor: f.City})
}
