package reconcile

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/workflows"
)

// Defaults of Options.
const (
	DefaultGrace        = 2 * time.Minute
	DefaultConcurrency  = 8
	DefaultPageSize     = 500
	DefaultQueryTimeout = 10 * time.Second
	DefaultRechecks     = 2
	DefaultSettle       = time.Second
)

// Options choose the leads to check and tune the check; the zero value
// checks the open leads (status <> 'closed') with the defaults.
type Options struct {
	// All includes the closed leads. A closed lead's workflow answers its
	// status query as long as the namespace retains it; after that it is
	// reported as not found.
	All bool
	// LeadIDs, when not empty, are the only leads checked, whatever their
	// status; an id without a row in leads is a finding.
	LeadIDs []int64
	// Grace is how long a lead may stay 'received' without a workflow
	// (the API records the row, then starts the workflow) before that is
	// reported as "not started"; younger ones are skipped. Default
	// DefaultGrace.
	Grace time.Duration
	// Concurrency is how many leads are checked at once; default
	// DefaultConcurrency.
	Concurrency int
	// PageSize is how many rows of leads are read at a time; default
	// DefaultPageSize.
	PageSize int
	// QueryTimeout bounds each call to Temporal (one that times out is
	// tried again, three times in all); default DefaultQueryTimeout.
	QueryTimeout time.Duration
	// Rechecks is how many times a lead that differs is checked again,
	// Settle apart, before its differences are reported (a step is in the
	// workflow a moment before its projection commits). 0 means
	// DefaultRechecks, a negative number none. Settle defaults to
	// DefaultSettle.
	Rechecks int
	Settle   time.Duration
	// Progress, when set, is called every PageSize checks with the number
	// of checks made so far (from the goroutine that made the last one).
	Progress func(checked int)
}

func (o Options) withDefaults() Options {
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = DefaultQueryTimeout
	}
	switch {
	case o.Rechecks == 0:
		o.Rechecks = DefaultRechecks
	case o.Rechecks < 0:
		o.Rechecks = 0
	}
	if o.Settle <= 0 {
		o.Settle = DefaultSettle
	}
	return o
}

// Finding is one difference between a lead's workflow and its projection.
// Field is a column of leads (status, seq, accept_due, …), a task or a
// column of it (TaskField), FieldEvents, FieldWorkflow or FieldRow;
// Workflow and Projection are the two sides' values as text ("null" for
// NULL, and for what the projection writes as NULL: an empty string, a
// zero id, a nil pointer).
type Finding struct {
	LeadID     int64  `json:"lead_id"`
	Field      string `json:"field"`
	Workflow   string `json:"workflow"`
	Projection string `json:"projection"`
}

// Report is the outcome of Leads.
type Report struct {
	// Checked leads are Consistent or Differing (one finding or more).
	Checked, Consistent, Differing int
	// Skipped are the leads received less than Options.Grace ago whose
	// workflow has not started yet.
	Skipped int
	// Findings are ordered by lead, then as the fields of a lead are
	// compared (workflow, the columns of leads, tasks by key, events).
	Findings []Finding
	// Warnings say what could not be checked: the running lead workflows
	// are not listed when the visibility store cannot answer the query.
	Warnings []string
	Elapsed  time.Duration
}

// String is the summary of r on one line.
func (r Report) String() string {
	s := fmt.Sprintf("%s checked in %s: %d consistent, %d differing (%s)",
		plural(r.Checked, "lead"), r.Elapsed.Round(time.Millisecond), r.Consistent, r.Differing, plural(len(r.Findings), "finding"))
	if r.Skipped > 0 {
		s += fmt.Sprintf("; %d skipped (received within the grace period, workflow not started yet)", r.Skipped)
	}
	return s
}

// Leads compares the state of each lead's workflow (its answer to
// workflows.StatusQuery) with the lead's projection in pool, and reports
// every difference.
//
// Without Options.LeadIDs it checks every open row of leads (every row
// with All), in id order, and then every running lead workflow whose row
// it did not check (a row closed while its workflow runs, or no row at
// all). Leads that differ are checked again (Options.Rechecks) and
// reported only when they still differ.
//
// A lead whose workflow cannot be found is a finding ("not started" for
// a row still 'received', older than Options.Grace); so is a workflow that
// stopped (terminated, failed, timed out) while its lead is open, and one
// whose query fails. Any other error of Postgres or Temporal (one that
// says nothing about a lead: Temporal unreachable, no worker answering
// queries) ends the check with that error.
func Leads(ctx context.Context, pool *pgxpool.Pool, c client.Client, opts Options) (Report, error) {
	began := time.Now()
	k := &checker{pool: pool, cc: &caseclient.Client{Temporal: c}, opts: opts.withDefaults(), results: map[int64]outcome{}}
	ids := slices.Clone(opts.LeadIDs)
	slices.Sort(ids)
	ids = slices.Compact(ids)

	if len(ids) > 0 {
		if err := k.checkIDs(ctx, ids); err != nil {
			return Report{}, err
		}
	} else {
		if _, err := k.scan(ctx, nil, opts.All); err != nil {
			return Report{}, err
		}
		running, err := k.runningLeads(ctx)
		var ia *serviceerror.InvalidArgument
		var ui *serviceerror.Unimplemented
		switch {
		case errors.As(err, &ia) || errors.As(err, &ui):
			// a visibility store without list queries
			k.warnings = append(k.warnings, "running lead workflows not listed, so not checked unless their row is: "+err.Error())
		case err != nil:
			return Report{}, err
		}
		var unseen []int64
		for _, id := range running {
			if _, ok := k.results[id]; !ok {
				unseen = append(unseen, id)
			}
		}
		if err := k.checkIDs(ctx, unseen); err != nil {
			return Report{}, err
		}
	}

	for range k.opts.Rechecks {
		var differing []int64
		for id, o := range k.results {
			if len(o.findings) > 0 {
				differing = append(differing, id)
			}
		}
		if len(differing) == 0 {
			break
		}
		slices.Sort(differing)
		select {
		case <-time.After(k.opts.Settle):
		case <-ctx.Done():
			return Report{}, ctx.Err()
		}
		if err := k.checkIDs(ctx, differing); err != nil {
			return Report{}, err
		}
	}
	r := k.report()
	r.Elapsed = time.Since(began)
	return r, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

type checker struct {
	pool *pgxpool.Pool
	cc   *caseclient.Client
	opts Options

	mu      sync.Mutex
	results map[int64]outcome // by lead id; the last check of each lead
	done    int               // checks made, for Progress

	warnings []string
}

type outcome struct {
	findings []Finding
	skipped  bool
}

func (k *checker) report() Report {
	ids := make([]int64, 0, len(k.results))
	for id := range k.results {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	r := Report{Findings: []Finding{}, Warnings: k.warnings}
	for _, id := range ids {
		o := k.results[id]
		switch {
		case o.skipped:
			r.Skipped++
			continue
		case len(o.findings) == 0:
			r.Consistent++
		default:
			r.Differing++
			r.Findings = append(r.Findings, o.findings...)
		}
		r.Checked++
	}
	return r
}

// checkIDs checks the leads of ids, whatever their status, and reports
// those without a row.
func (k *checker) checkIDs(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	seen, err := k.scan(ctx, ids, true)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		o, err := k.noRow(ctx, id)
		if err != nil {
			return err
		}
		k.results[id] = o
	}
	return nil
}

// scan checks the rows of leads, in id order: open ones unless
// includeClosed, only those of ids unless ids is empty. One goroutine
// reads them a page at a time while Concurrency others check them. It
// returns the ids of the rows it checked.
func (k *checker) scan(ctx context.Context, ids []int64, includeClosed bool) (map[int64]bool, error) {
	pctx := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	fail := func(err error) { once.Do(func() { firstErr = err; cancel() }) }
	leads := make(chan lead, k.opts.Concurrency)
	for range k.opts.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range leads {
				if ctx.Err() != nil {
					continue
				}
				o, err := k.checkLead(ctx, l.row, l.tasks, l.seqs)
				if err != nil {
					fail(err)
					continue
				}
				k.mu.Lock()
				k.results[l.row.ID] = o
				k.done++
				if k.opts.Progress != nil && k.done%k.opts.PageSize == 0 {
					k.opts.Progress(k.done)
				}
				k.mu.Unlock()
			}
		}()
	}
	seen, err := k.read(ctx, ids, includeClosed, func(l lead) bool {
		select {
		case leads <- l:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(leads)
	wg.Wait()
	switch {
	case pctx.Err() != nil:
		return nil, pctx.Err()
	case firstErr != nil:
		return nil, firstErr
	case err != nil:
		return nil, err
	}
	return seen, nil
}

// lead is a row of leads with its open tasks and the seqs of its events.
type lead struct {
	row   dbq.ReconcileLeadPageRow
	tasks []dbq.ReconcileOpenTasksRow
	seqs  []int32
}

// read hands the rows of leads that scan checks to check, a page at a
// time, until check returns false. It returns the ids of the rows it
// handed over.
func (k *checker) read(ctx context.Context, ids []int64, includeClosed bool, check func(lead) bool) (map[int64]bool, error) {
	if ids == nil {
		ids = []int64{} // NULL would match nothing
	}
	seen := map[int64]bool{}
	var after int64
	for {
		var (
			rows  []dbq.ReconcileLeadPageRow
			tasks []dbq.ReconcileOpenTasksRow
			seqs  []dbq.ReconcileEventSeqsRow
		)
		// one snapshot for the rows, their tasks and their events
		err := db.InTxOptions(ctx, k.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly},
			func(q *dbq.Queries, _ pgx.Tx) error {
				var err error
				rows, err = q.ReconcileLeadPage(ctx, dbq.ReconcileLeadPageParams{AfterID: after, IncludeClosed: includeClosed,
					Ids: ids, Lim: int32(k.opts.PageSize)})
				if err != nil || len(rows) == 0 {
					return err
				}
				page := make([]int64, len(rows))
				for i, r := range rows {
					page[i] = r.ID
				}
				if tasks, err = q.ReconcileOpenTasks(ctx, page); err != nil {
					return err
				}
				seqs, err = q.ReconcileEventSeqs(ctx, page)
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("read the lead projection after id %d: %w", after, err)
		}
		taskBy := map[int64][]dbq.ReconcileOpenTasksRow{}
		for _, t := range tasks {
			taskBy[t.LeadID] = append(taskBy[t.LeadID], t)
		}
		seqBy := map[int64][]int32{}
		for _, s := range seqs {
			seqBy[s.LeadID] = s.Seqs
		}
		for _, r := range rows {
			if !check(lead{row: r, tasks: taskBy[r.ID], seqs: seqBy[r.ID]}) {
				return seen, nil
			}
			seen[r.ID] = true
		}
		if len(rows) < k.opts.PageSize {
			return seen, nil
		}
		after = rows[len(rows)-1].ID
	}
}

// checkLead checks one lead against its workflow.
func (k *checker) checkLead(ctx context.Context, row dbq.ReconcileLeadPageRow, tasks []dbq.ReconcileOpenTasksRow,
	seqs []int32) (outcome, error) {
	found := func(wf, proj string) (outcome, error) {
		return outcome{findings: []Finding{{LeadID: row.ID, Field: FieldWorkflow, Workflow: wf, Projection: proj}}}, nil
	}
	status, exists, err := k.describe(ctx, row.ID)
	if err != nil {
		return outcome{}, err
	}
	if !exists {
		if row.Status == string(cases.Received) && row.Seq == 0 {
			if time.Since(row.CreatedAt) < k.opts.Grace {
				return outcome{skipped: true}, nil
			}
			return found("not started", "received at "+fmtTime(&row.CreatedAt))
		}
		return found("not found", fmt.Sprintf("%s (seq %d)", row.Status, row.Seq))
	}
	st, failed, err := k.query(ctx, row.ID)
	if err != nil {
		return outcome{}, err
	}
	if failed != "" {
		return found(failed, fmt.Sprintf("%s (seq %d)", row.Status, row.Seq))
	}
	var fs []Finding
	if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING && st.Status.Open() {
		// nothing will move this lead again: no deadline, no update
		fs = append(fs, Finding{LeadID: row.ID, Field: FieldWorkflow, Workflow: statusName(status) + " while " + string(st.Status),
			Projection: row.Status})
	}
	return outcome{findings: append(fs, compare(st, row, tasks, seqs)...)}, nil
}

// noRow is the outcome of a lead asked for, or a running lead workflow,
// without a row in leads.
func (k *checker) noRow(ctx context.Context, id int64) (outcome, error) {
	status, exists, err := k.describe(ctx, id)
	if err != nil {
		return outcome{}, err
	}
	wf := "not found"
	if exists {
		wf = statusName(status)
	}
	return outcome{findings: []Finding{{LeadID: id, Field: FieldRow, Workflow: wf, Projection: "no row"}}}, nil
}

// describe tells whether lead id's workflow exists (its latest run) and
// its status.
func (k *checker) describe(ctx context.Context, id int64) (enumspb.WorkflowExecutionStatus, bool, error) {
	var (
		status enumspb.WorkflowExecutionStatus
		exists bool
	)
	err := k.retry(ctx, func(ctx context.Context) (err error) {
		status, exists, err = k.cc.Describe(ctx, caseclient.Lead, id)
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		return 0, false, fmt.Errorf("describe workflow %s: %w", workflows.LeadWorkflowID(id), err)
	}
	return status, exists, nil
}

// query asks lead id's workflow for its state. A query that fails
// because of the workflow (its code fails, it is not ready, it went away,
// its answer does not decode) is failed, a finding; any other error is
// err.
func (k *checker) query(ctx context.Context, id int64) (st cases.LeadState, failed string, err error) {
	err = k.retry(ctx, func(ctx context.Context) error {
		return k.cc.Status(ctx, caseclient.Lead, id, &st)
	})
	var (
		qf *serviceerror.QueryFailed
		nr *serviceerror.WorkflowNotReady
		nf *serviceerror.NotFound
		de *caseclient.DecodeError
	)
	wid := workflows.LeadWorkflowID(id)
	switch {
	case errors.As(err, &qf):
		return st, "query failed: " + qf.Message, nil
	case errors.As(err, &nr):
		return st, "not ready: " + nr.Message, nil
	case errors.As(err, &nf):
		return st, "not found", nil
	case errors.As(err, &de):
		return st, de.Error(), nil
	case err != nil:
		if ctx.Err() != nil {
			return st, "", ctx.Err()
		}
		var dx *serviceerror.DeadlineExceeded
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &dx) {
			return st, "", fmt.Errorf("query workflow %s: %w (is a worker polling task queue %s?)", wid, err, workflows.TaskQueue)
		}
		return st, "", fmt.Errorf("query workflow %s: %w", wid, err)
	}
	return st, "", nil
}

// callAttempts is how many times a call to Temporal that timed out is
// made. A query goes first to the worker that has the workflow cached
// (its sticky task queue); when that worker does not pick it up within
// the sticky schedule-to-start timeout (5 s) the server resets
// stickiness and sends it to the task queue, so the next attempt is
// quick. Seen with the embedded server about once in 300 queries.
const callAttempts = 3

// retry makes call, each attempt bounded by QueryTimeout, again while it
// times out (and ctx does not).
func (k *checker) retry(ctx context.Context, call func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, k.opts.QueryTimeout)
		err := call(actx)
		cancel()
		var de *serviceerror.DeadlineExceeded
		timedOut := errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de)
		if err == nil || !timedOut || ctx.Err() != nil || attempt == callAttempts {
			return err
		}
	}
}

// runningLeads lists the ids of the running lead workflows.
func (k *checker) runningLeads(ctx context.Context) ([]int64, error) {
	var (
		ids   []int64
		token []byte
	)
	for {
		var page []int64
		err := k.retry(ctx, func(ctx context.Context) (err error) {
			page, token, err = k.cc.RunningPage(ctx, caseclient.Lead, leadWorkflowType, token)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list running lead workflows: %w", err)
		}
		ids = append(ids, page...)
		if len(token) == 0 {
			break
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// leadWorkflowType is the name LeadWorkflow is registered under (the
// function's name, as the SDK derives it).
var leadWorkflowType = func() string {
	name := runtime.FuncForPC(reflect.ValueOf(workflows.LeadWorkflow).Pointer()).Name()
	return name[strings.LastIndex(name, ".")+1:]
}()

// statusName is a workflow execution status in lower case words:
// running, completed, terminated, timed out, …
func statusName(s enumspb.WorkflowExecutionStatus) string {
	var b strings.Builder
	for i, r := range s.String() { // "TimedOut"
		if i > 0 && unicode.IsUpper(r) {
			b.WriteByte(' ')
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}
