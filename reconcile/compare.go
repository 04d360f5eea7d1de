package reconcile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbq"
)

// Fields of a Finding that are not a column of leads.
const (
	// FieldWorkflow: the workflow is missing, not started, stopped while
	// its lead is open, or does not answer its status query.
	FieldWorkflow = "workflow"
	// FieldRow: a lead workflow (or a lead asked for) has no row in leads.
	FieldRow = "leads"
	// FieldEvents: lead_events does not hold exactly the steps 1..seq.
	FieldEvents = "lead_events"
)

// TaskField names a task of a lead (key) in a Finding, or one of its
// columns when column is not empty: case_tasks[key] or
// case_tasks[key].column.
func TaskField(key, column string) string {
	f := "case_tasks[" + key + "]"
	if column != "" {
		f += "." + column
	}
	return f
}

// Values of a Finding's sides.
const (
	null   = "null"   // NULL in the projection; nil, zero or empty in the workflow's state (what the projection writes as NULL)
	open   = "open"   // a task is open
	absent = "absent" // a task is not open
)

// compare lists the differences between st, the state lead row.ID's
// workflow answered, and its projection: the row, its open tasks and the
// seqs of its events (ascending).
func compare(st cases.LeadState, row dbq.ReconcileLeadPageRow, tasks []dbq.ReconcileOpenTasksRow, seqs []int32) []Finding {
	var out []Finding
	add := func(field, wf, proj string) {
		out = append(out, Finding{LeadID: row.ID, Field: field, Workflow: wf, Projection: proj})
	}
	str := func(field, wf string, proj *string) {
		if (wf == "" && proj != nil) || (wf != "" && (proj == nil || *proj != wf)) {
			add(field, nullStr(wf), fmtStr(proj))
		}
	}
	id := func(field string, wf int64, proj *int64) {
		if (wf == 0 && proj != nil) || (wf != 0 && (proj == nil || *proj != wf)) {
			add(field, nullID(wf), fmtInt(proj))
		}
	}
	num := func(field string, wf, proj int64) {
		if wf != proj {
			add(field, strconv.FormatInt(wf, 10), strconv.FormatInt(proj, 10))
		}
	}
	optNum := func(field string, wf, proj *int64) {
		if (wf == nil) != (proj == nil) || (wf != nil && *wf != *proj) {
			add(field, fmtInt(wf), fmtInt(proj))
		}
	}
	flag := func(field string, wf, proj bool) {
		if wf != proj {
			add(field, strconv.FormatBool(wf), strconv.FormatBool(proj))
		}
	}
	instant := func(field string, wf, proj *time.Time) {
		if !sameInstant(wf, proj) {
			add(field, fmtTime(wf), fmtTime(proj))
		}
	}

	if string(st.Status) != row.Status {
		add("status", string(st.Status), row.Status)
	}
	num("seq", int64(st.Seq), int64(row.Seq))
	str("town_code", st.TownCode, row.TownCode)
	id("rectify_enterprise_id", st.RectifyEnterpriseID, row.RectifyEnterpriseID)
	flag("major", st.Major, row.Major)
	instant("accept_due", st.AcceptDue, row.AcceptDue)
	instant("handle_due", st.HandleDue, row.HandleDue)
	instant("rectify_due", st.RectifyDue, row.RectifyDue)
	instant("confirm_due", st.ConfirmDue, row.ConfirmDue)
	flag("accept_due_estimated", st.AcceptDueEstimated, row.AcceptDueEstimated)
	flag("handle_due_estimated", st.HandleDueEstimated, row.HandleDueEstimated)
	flag("rectify_due_estimated", st.RectifyDueEstimated, row.RectifyDueEstimated)
	flag("confirm_due_estimated", st.ConfirmDueEstimated, row.ConfirmDueEstimated)
	flag("overdue", st.Overdue, row.Overdue)
	if string(st.Supervision) != row.Supervision {
		add("supervision", string(st.Supervision), row.Supervision)
	}
	flag("extended", st.Extended, row.Extended)
	num("reopened", int64(st.Reopened), int64(row.Reopened))
	num("linked_reports", int64(st.LinkedReports), int64(row.LinkedReports))
	str("closure_code", string(st.ClosureCode), row.ClosureCode)
	optNum("amount_paid_fen", st.AmountPaidFen, row.AmountPaidFen)
	optNum("amount_recovered_fen", st.AmountRecoveredFen, row.AmountRecoveredFen)
	var wc, pc *int64
	if st.WorkersCovered != nil {
		v := int64(*st.WorkersCovered)
		wc = &v
	}
	if row.WorkersCovered != nil {
		v := int64(*row.WorkersCovered)
		pc = &v
	}
	optNum("workers_covered", wc, pc)
	str("result_summary", st.ResultSummary, row.ResultSummary)
	instant("closed_at", st.ClosedAt, row.ClosedAt)

	// open tasks, by key
	byKey := make(map[string]dbq.ReconcileOpenTasksRow, len(tasks))
	keys := make([]string, 0, len(tasks)+len(st.Tasks))
	for _, t := range tasks {
		byKey[t.Key] = t
		keys = append(keys, t.Key)
	}
	want := make(map[string]cases.Task, len(st.Tasks))
	for _, t := range st.Tasks {
		want[t.Key] = t
		if _, ok := byKey[t.Key]; !ok {
			keys = append(keys, t.Key)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, inWF := want[k]
		p, inDB := byKey[k]
		switch {
		case !inDB:
			add(TaskField(k, ""), open, absent)
			continue
		case !inWF:
			add(TaskField(k, ""), absent, open)
			continue
		}
		if w.Kind != p.Kind {
			add(TaskField(k, "kind"), w.Kind, p.Kind)
		}
		if w.Actor != p.Actor {
			add(TaskField(k, "actor"), w.Actor, p.Actor)
		}
		str(TaskField(k, "town_code"), w.TownCode, p.TownCode)
		id(TaskField(k, "enterprise_id"), w.EnterpriseID, p.EnterpriseID)
		id(TaskField(k, "project_id"), w.ProjectID, p.ProjectID)
		id(TaskField(k, "worker_id"), w.WorkerID, p.WorkerID)
		instant(TaskField(k, "due_at"), w.DueAt, p.DueAt)
		flag(TaskField(k, "due_estimated"), w.DueEstimated, p.DueEstimated)
		instant(TaskField(k, "reminded_at"), w.RemindedAt, p.RemindedAt)
		flag(TaskField(k, "overdue"), w.Overdue, p.Overdue)
	}

	// events: exactly the steps 1..seq
	if missing, extra := eventGaps(st.Seq, seqs); len(missing) > 0 || len(extra) > 0 {
		got := "seq " + ranges(seqs)
		var notes []string
		if len(missing) > 0 {
			notes = append(notes, "missing "+ranges(missing))
		}
		if len(extra) > 0 {
			notes = append(notes, "extra "+ranges(extra))
		}
		add(FieldEvents, "seq "+ranges(seqRange(st.Seq)), got+" ("+strings.Join(notes, "; ")+")")
	}
	return out
}

// eventGaps compares the seqs held (ascending, distinct: lead_events has a
// unique index on them) with 1..n.
func eventGaps(n int, seqs []int32) (missing, extra []int32) {
	have := make(map[int32]bool, len(seqs))
	for _, s := range seqs {
		have[s] = true
		if s < 1 || int(s) > n {
			extra = append(extra, s)
		}
	}
	for s := int32(1); int(s) <= n; s++ {
		if !have[s] {
			missing = append(missing, s)
		}
	}
	return missing, extra
}

func seqRange(n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = int32(i + 1)
	}
	return out
}

// ranges writes ascending numbers as runs: "1..3, 5, 7..9"; none is
// "none".
func ranges(s []int32) string {
	if len(s) == 0 {
		return "none"
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(int(s[i])))
		if j > i {
			b.WriteString(".." + strconv.Itoa(int(s[j])))
		}
		i = j + 1
	}
	return b.String()
}

// sameInstant: both NULL, or the same instant. Postgres keeps
// microseconds and the workflow's clock has nanoseconds, so instants less
// than a microsecond apart are the same.
func sameInstant(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	d := a.Sub(*b)
	return d > -time.Microsecond && d < time.Microsecond
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return null
	}
	return t.In(cases.Zone).Format(time.RFC3339Nano)
}

// nullStr is how the projection writes a string of the state: NULL when
// empty.
func nullStr(s string) string {
	if s == "" {
		return null
	}
	return s
}

func fmtStr(s *string) string {
	switch {
	case s == nil:
		return null
	case *s == "":
		return `""`
	}
	return *s
}

// nullID is how the projection writes an id of the state: NULL when 0.
func nullID(v int64) string {
	if v == 0 {
		return null
	}
	return strconv.FormatInt(v, 10)
}

func fmtInt(v *int64) string {
	if v == nil {
		return null
	}
	return strconv.FormatInt(*v, 10)
}

// String is the finding on one line.
func (f Finding) String() string {
	return fmt.Sprintf("lead %d: %s: workflow %s, projection %s", f.LeadID, f.Field, f.Workflow, f.Projection)
}
