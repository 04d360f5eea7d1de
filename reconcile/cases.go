package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// CaseFinding is one difference between a dispatch's or a warning's
// workflow and its projection: Field is a column of the case's table
// (dispatches, warnings), towns[code].column (a dispatch's town),
// case_tasks, the events table or workflow.
type CaseFinding struct {
	Kind       string `json:"kind"`
	ID         int64  `json:"id"`
	Field      string `json:"field"`
	Workflow   string `json:"workflow"`
	Projection string `json:"projection"`
}

// CaseReport is the outcome of Dispatches or Warnings.
type CaseReport struct {
	Kind                           string
	Checked, Consistent, Differing int
	Findings                       []CaseFinding
}

func (r CaseReport) String() string {
	what := strconv.Itoa(r.Checked) + " " + r.Kind
	switch {
	case r.Checked == 1:
	case r.Kind == caseclient.Dispatch.Name:
		what += "es"
	default:
		what += "s"
	}
	return fmt.Sprintf("%s checked: %d consistent, %d differing", what, r.Consistent, r.Differing)
}

// Dispatches checks every open dispatch (every one with opts.All)
// recorded more than opts.Grace ago against its workflow: status, step,
// each town's part (status, deadlines and their estimated marks, overdue,
// returns), the open tasks
// and the event steps.
func Dispatches(ctx context.Context, pool *pgxpool.Pool, c client.Client, opts Options) (CaseReport, error) {
	return checkCases(ctx, pool, c, opts, caseclient.Dispatch, func(q *dbq.Queries, all bool, before time.Time) ([]int64, error) {
		return q.ReconcileDispatches(ctx, dbq.ReconcileDispatchesParams{IncludeClosed: all, Before: before})
	}, checkDispatch)
}

// Warnings checks every open warning (every one with opts.All) recorded
// more than opts.Grace ago against its workflow: status, step, level, the
// holder's deadline, its estimated mark and whether it passed, the lead it became, the open
// tasks and the event steps. A warning the scan recorded but could not
// start (status received) is a finding once older than the grace period:
// the stalled-case sweep starts it.
func Warnings(ctx context.Context, pool *pgxpool.Pool, c client.Client, opts Options) (CaseReport, error) {
	return checkCases(ctx, pool, c, opts, caseclient.Warning, func(q *dbq.Queries, all bool, before time.Time) ([]int64, error) {
		return q.ReconcileWarnings(ctx, dbq.ReconcileWarningsParams{IncludeClosed: all, Before: before})
	}, checkWarning)
}

// caseCheck compares one case's workflow with its projection, adding a
// finding per difference.
type caseCheck func(ctx context.Context, q *dbq.Queries, cc *caseclient.Client, id int64, add adder) error

type adder func(field, workflow, projection string)

// checkCases checks the cases ids lists: a case that differs is checked
// again opts.Rechecks times, Settle apart, before it is reported (a step
// is in the workflow a moment before its projection commits).
func checkCases(ctx context.Context, pool *pgxpool.Pool, c client.Client, opts Options, kind caseclient.Kind,
	ids func(q *dbq.Queries, all bool, before time.Time) ([]int64, error), check caseCheck) (CaseReport, error) {
	opts = opts.withDefaults()
	cc := &caseclient.Client{Temporal: c}
	q := db.Q(pool)
	list, err := ids(q, opts.All, time.Now().Add(-opts.Grace))
	if err != nil {
		return CaseReport{}, err
	}
	rep := CaseReport{Kind: kind.Name, Findings: []CaseFinding{}}
	for _, id := range list {
		var fs []CaseFinding
		for attempt := 0; ; attempt++ {
			fs = fs[:0]
			add := func(field, wf, proj string) {
				fs = append(fs, CaseFinding{Kind: kind.Name, ID: id, Field: field, Workflow: wf, Projection: proj})
			}
			if err := check(ctx, q, cc, id, add); err != nil {
				return rep, fmt.Errorf("%s %d: %w", kind.Name, id, err)
			}
			if len(fs) == 0 || attempt >= opts.Rechecks {
				break
			}
			select {
			case <-time.After(opts.Settle):
			case <-ctx.Done():
				return rep, ctx.Err()
			}
		}
		rep.Checked++
		if len(fs) == 0 {
			rep.Consistent++
			continue
		}
		rep.Differing++
		rep.Findings = append(rep.Findings, fs...)
	}
	return rep, nil
}

// caseState reads the state of case id's workflow into st; ok false when
// there is none to compare (a finding is added: not found, or its query
// failed). stopped is the workflow's status when it is not running.
func caseState(ctx context.Context, cc *caseclient.Client, kind caseclient.Kind, id int64, projected string, st any,
	add adder) (stopped string, ok bool, err error) {
	status, exists, err := cc.Describe(ctx, kind, id)
	if err != nil {
		return "", false, fmt.Errorf("describe: %w", err)
	}
	if !exists {
		add(FieldWorkflow, "not found", projected)
		return "", false, nil
	}
	if err := cc.Status(ctx, kind, id, st); err != nil {
		var qf *serviceerror.QueryFailed
		var de *caseclient.DecodeError
		if errors.As(err, &qf) || errors.As(err, &de) {
			add(FieldWorkflow, "query failed: "+err.Error(), projected)
			return "", false, nil
		}
		return "", false, fmt.Errorf("query: %w", err)
	}
	if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		stopped = statusName(status)
	}
	return stopped, true, nil
}

// compareSteps adds a finding when the case's projected tasks (open keys,
// sorted) or event steps (seqs, ascending) are not the workflow's.
func compareSteps(add adder, events string, tasks []cases.Task, keys []string, seq int, seqs []int32) {
	want := make([]string, len(tasks))
	for i, t := range tasks {
		want[i] = t.Key
	}
	slices.Sort(want)
	if !slices.Equal(want, keys) {
		add("case_tasks", strings.Join(want, ","), strings.Join(keys, ","))
	}
	if missing, extra := eventGaps(seq, seqs); len(missing) > 0 || len(extra) > 0 {
		add(events, fmt.Sprintf("steps 1..%d", seq), fmt.Sprint(seqs))
	}
}

// checkDispatch compares dispatch id's workflow with its projection.
func checkDispatch(ctx context.Context, q *dbq.Queries, cc *caseclient.Client, id int64, add adder) error {
	d, err := q.ReconcileDispatch(ctx, id)
	if err != nil {
		return err
	}
	var st cases.DispatchState
	stopped, ok, err := caseState(ctx, cc, caseclient.Dispatch, id, d.Status, &st, add)
	if !ok || err != nil {
		return err
	}
	if open := st.Status == cases.DispatchOpen || st.Status == cases.DispatchReceived; stopped != "" && open {
		add(FieldWorkflow, stopped+" while "+string(st.Status), d.Status)
	}
	if string(st.Status) != d.Status {
		add("status", string(st.Status), d.Status)
	}
	if int32(st.Seq) != d.Seq {
		add("seq", strconv.Itoa(st.Seq), strconv.Itoa(int(d.Seq)))
	}
	if !sameInstant(st.ClosedAt, d.ClosedAt) {
		add("closed_at", fmtTime(st.ClosedAt), fmtTime(d.ClosedAt))
	}
	towns, err := q.ReconcileDispatchTowns(ctx, id)
	if err != nil {
		return err
	}
	for _, t := range towns {
		p, ok := st.Part(t.TownCode)
		f := func(col string) string { return "towns[" + t.TownCode + "]." + col }
		if !ok {
			add("towns["+t.TownCode+"]", "absent", "present")
			continue
		}
		if string(p.Status) != t.Status {
			add(f("status"), string(p.Status), t.Status)
		}
		if !sameInstant(p.DueAt, t.DueAt) {
			add(f("due_at"), fmtTime(p.DueAt), fmtTime(t.DueAt))
		}
		if p.DueEstimated != t.DueEstimated {
			add(f("due_estimated"), strconv.FormatBool(p.DueEstimated), strconv.FormatBool(t.DueEstimated))
		}
		if !sameInstant(p.ReviewDue, t.ReviewDue) {
			add(f("review_due"), fmtTime(p.ReviewDue), fmtTime(t.ReviewDue))
		}
		if p.ReviewDueEstimated != t.ReviewDueEstimated {
			add(f("review_due_estimated"), strconv.FormatBool(p.ReviewDueEstimated), strconv.FormatBool(t.ReviewDueEstimated))
		}
		if p.Overdue != t.Overdue {
			add(f("overdue"), strconv.FormatBool(p.Overdue), strconv.FormatBool(t.Overdue))
		}
		if int32(p.Returned) != t.Returned {
			add(f("returned"), strconv.Itoa(p.Returned), strconv.Itoa(int(t.Returned)))
		}
	}
	if len(towns) != len(st.Parts) {
		add("towns", strconv.Itoa(len(st.Parts)), strconv.Itoa(len(towns)))
	}
	keys, err := q.ReconcileDispatchTasks(ctx, &id)
	if err != nil {
		return err
	}
	seqs, err := q.ReconcileDispatchSeqs(ctx, id)
	if err != nil {
		return err
	}
	compareSteps(add, "dispatch_events", st.Tasks, keys, st.Seq, seqs)
	return nil
}

// checkWarning compares warning id's workflow with its projection.
func checkWarning(ctx context.Context, q *dbq.Queries, cc *caseclient.Client, id int64, add adder) error {
	w, err := q.ReconcileWarning(ctx, id)
	if err != nil {
		return err
	}
	var st cases.WarningState
	stopped, ok, err := caseState(ctx, cc, caseclient.Warning, id, w.Status, &st, add)
	if !ok || err != nil {
		return err
	}
	if stopped != "" && (st.Status.Open() || st.Status == cases.WarningReceived) {
		add(FieldWorkflow, stopped+" while "+string(st.Status), w.Status)
	}
	if string(st.Status) != w.Status {
		add("status", string(st.Status), w.Status)
	}
	if int32(st.Seq) != w.Seq {
		add("seq", strconv.Itoa(st.Seq), strconv.Itoa(int(w.Seq)))
	}
	if st.Level != w.Level {
		add("level", st.Level, w.Level)
	}
	if !sameInstant(st.DueAt, w.DueAt) {
		add("due_at", fmtTime(st.DueAt), fmtTime(w.DueAt))
	}
	if st.DueEstimated != w.DueEstimated {
		add("due_estimated", strconv.FormatBool(st.DueEstimated), strconv.FormatBool(w.DueEstimated))
	}
	if st.Overdue != w.Overdue {
		add("overdue", strconv.FormatBool(st.Overdue), strconv.FormatBool(w.Overdue))
	}
	if nullID(st.LeadID) != fmtInt(w.LeadID) {
		add("lead_id", nullID(st.LeadID), fmtInt(w.LeadID))
	}
	if !sameInstant(st.ClosedAt, w.ClosedAt) {
		add("closed_at", fmtTime(st.ClosedAt), fmtTime(w.ClosedAt))
	}
	keys, err := q.ReconcileWarningTasks(ctx, &id)
	if err != nil {
		return err
	}
	seqs, err := q.ReconcileWarningSeqs(ctx, id)
	if err != nil {
		return err
	}
	compareSteps(add, "warning_events", st.Tasks, keys, st.Seq, seqs)
	return nil
}
