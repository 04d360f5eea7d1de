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

// DispatchFinding is one difference between a dispatch's workflow and
// its projection: Field is a column of dispatches, towns[code].column,
// tasks, events or workflow.
type DispatchFinding struct {
	DispatchID int64  `json:"dispatch_id"`
	Field      string `json:"field"`
	Workflow   string `json:"workflow"`
	Projection string `json:"projection"`
}

// DispatchReport is the outcome of Dispatches.
type DispatchReport struct {
	Checked, Consistent, Differing int
	Findings                       []DispatchFinding
}

func (r DispatchReport) String() string {
	return fmt.Sprintf("%s checked: %d consistent, %d differing", plural(r.Checked, "dispatch"), r.Consistent, r.Differing)
}

// Dispatches checks every open dispatch (every one with opts.All)
// recorded more than opts.Grace ago against its workflow: status, step,
// each town's part (status, deadline, overdue, returns), the open tasks
// and the event steps. A difference is checked again opts.Rechecks times,
// Settle apart, before it is reported (a step is in the workflow a moment
// before its projection commits).
func Dispatches(ctx context.Context, pool *pgxpool.Pool, c client.Client, opts Options) (DispatchReport, error) {
	opts = opts.withDefaults()
	cc := &caseclient.Client{Temporal: c}
	q := db.Q(pool)
	rows, err := q.ReconcileDispatches(ctx, dbq.ReconcileDispatchesParams{IncludeClosed: opts.All, Before: time.Now().Add(-opts.Grace)})
	if err != nil {
		return DispatchReport{}, err
	}
	rep := DispatchReport{Findings: []DispatchFinding{}}
	for _, r := range rows {
		var fs []DispatchFinding
		for attempt := 0; ; attempt++ {
			if fs, err = checkDispatch(ctx, q, cc, r.ID); err != nil {
				return rep, err
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

// checkDispatch compares dispatch id's workflow with its projection.
func checkDispatch(ctx context.Context, q *dbq.Queries, cc *caseclient.Client, id int64) ([]DispatchFinding, error) {
	var out []DispatchFinding
	add := func(field, wf, proj string) {
		out = append(out, DispatchFinding{DispatchID: id, Field: field, Workflow: wf, Projection: proj})
	}
	d, err := q.ReconcileDispatch(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("dispatch %d: %w", id, err)
	}
	status, exists, err := cc.Describe(ctx, caseclient.Dispatch, id)
	if err != nil {
		return nil, fmt.Errorf("describe dispatch %d: %w", id, err)
	}
	if !exists {
		add(FieldWorkflow, "not found", d.Status)
		return out, nil
	}
	var st cases.DispatchState
	if err := cc.Status(ctx, caseclient.Dispatch, id, &st); err != nil {
		var qf *serviceerror.QueryFailed
		var de *caseclient.DecodeError
		if errors.As(err, &qf) || errors.As(err, &de) {
			add(FieldWorkflow, "query failed: "+err.Error(), d.Status)
			return out, nil
		}
		return nil, fmt.Errorf("query dispatch %d: %w", id, err)
	}
	open := st.Status == cases.DispatchOpen || st.Status == cases.DispatchReceived
	if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && open {
		add(FieldWorkflow, statusName(status)+" while "+string(st.Status), d.Status)
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
		return nil, err
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
		return nil, err
	}
	want := make([]string, len(st.Tasks))
	for i, t := range st.Tasks {
		want[i] = t.Key
	}
	slices.Sort(want)
	if !slices.Equal(want, keys) {
		add("case_tasks", strings.Join(want, ","), strings.Join(keys, ","))
	}
	seqs, err := q.ReconcileDispatchSeqs(ctx, id)
	if err != nil {
		return nil, err
	}
	for i, s := range seqs {
		if int(s) != i+1 {
			add("dispatch_events", fmt.Sprintf("steps 1..%d", st.Seq), fmt.Sprint(seqs))
			return out, nil
		}
	}
	if len(seqs) != st.Seq {
		add("dispatch_events", fmt.Sprintf("steps 1..%d", st.Seq), fmt.Sprint(seqs))
	}
	return out, nil
}
