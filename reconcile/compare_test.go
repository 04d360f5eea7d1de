package reconcile

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbq"
)

func ptr[T any](v T) *T { return &v }

// a lead in verification at Town1, with one open task, and its faithful
// projection.
func verifying() (cases.LeadState, dbq.ReconcileLeadPageRow, []dbq.ReconcileOpenTasksRow, []int32) {
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, cases.Zone)
	accept := time.Date(2026, 11, 10, 0, 0, 0, 0, cases.Zone)
	st := cases.LeadState{LeadID: 7, Seq: 4, Status: cases.Verifying, TownCode: "330101", ProjectID: 3, WorkerID: 2,
		RectifyEnterpriseID: 5, AcceptDue: &accept, HandleDue: &due, RectifyDue: ptr(due.AddDate(0, 0, -10)),
		Supervision: cases.SupervisionNone, AmountPaidFen: ptr(int64(120000)),
		Tasks: []cases.Task{{Key: "verify:4", Kind: cases.TaskVerify, Actor: cases.ActorTown, TownCode: "330101", OpenedSeq: 4, DueAt: &due}}}
	row := dbq.ReconcileLeadPageRow{ID: 7, Seq: 4, Status: "verifying", TownCode: ptr("330101"), RectifyEnterpriseID: ptr(int64(5)),
		AcceptDue: ptr(accept.UTC()), HandleDue: ptr(due.UTC()), RectifyDue: ptr(due.AddDate(0, 0, -10).UTC()),
		Supervision: "none", AmountPaidFen: ptr(int64(120000))}
	tasks := []dbq.ReconcileOpenTasksRow{{LeadID: 7, Key: "verify:4", Kind: "verify", Actor: "town", TownCode: ptr("330101"),
		DueAt: ptr(due.UTC())}}
	return st, row, tasks, []int32{1, 2, 3, 4}
}

func TestCompareSame(t *testing.T) {
	t.Parallel()
	st, row, tasks, seqs := verifying()
	assert.Empty(t, compare(st, row, tasks, seqs))

	// Postgres keeps microseconds of the workflow's nanoseconds
	closed := time.Date(2026, 11, 20, 15, 4, 5, 123456789, cases.Zone)
	st.ClosedAt = &closed
	row.ClosedAt = ptr(closed.Truncate(time.Microsecond))
	assert.Empty(t, compare(st, row, tasks, seqs))
	row.ClosedAt = ptr(closed.Round(time.Microsecond))
	assert.Empty(t, compare(st, row, tasks, seqs))
}

func TestCompareEveryField(t *testing.T) {
	t.Parallel()
	st, row, tasks, seqs := verifying()
	at := time.Date(2026, 11, 20, 15, 4, 5, 0, cases.Zone)
	st.Major = true
	st.Overdue = true
	st.HandleDueEstimated = true
	st.Extended = true
	st.Reopened = 1
	st.LinkedReports = 2
	st.ClosureCode = cases.PaidInFull
	st.AmountRecoveredFen = ptr(int64(5))
	st.WorkersCovered = ptr(3)
	st.ResultSummary = "已支付\n全部"
	row.Status = "closed"
	row.Seq = 5
	row.TownCode = nil
	row.RectifyEnterpriseID = nil
	row.AcceptDue = nil
	row.HandleDue = ptr(row.HandleDue.Add(time.Microsecond))
	row.ConfirmDue = &at
	row.Supervision = "listed"
	row.AmountPaidFen = nil
	row.WorkersCovered = ptr(int32(4))
	row.ResultSummary = ptr("")
	row.ClosedAt = &at

	got := compare(st, row, tasks, seqs)
	assert.Equal(t, []Finding{
		{7, "status", "verifying", "closed"},
		{7, "seq", "4", "5"},
		{7, "town_code", "330101", "null"},
		{7, "rectify_enterprise_id", "5", "null"},
		{7, "major", "true", "false"},
		{7, "accept_due", "2026-11-10T00:00:00+08:00", "null"},
		{7, "handle_due", "2026-12-01T00:00:00+08:00", "2026-12-01T00:00:00.000001+08:00"},
		{7, "confirm_due", "null", "2026-11-20T15:04:05+08:00"},
		{7, "handle_due_estimated", "true", "false"},
		{7, "overdue", "true", "false"},
		{7, "supervision", "none", "listed"},
		{7, "extended", "true", "false"},
		{7, "reopened", "1", "0"},
		{7, "linked_reports", "2", "0"},
		{7, "closure_code", "paid_in_full", "null"},
		{7, "amount_paid_fen", "120000", "null"},
		{7, "amount_recovered_fen", "5", "null"},
		{7, "workers_covered", "3", "4"},
		{7, "result_summary", "已支付\n全部", `""`},
		{7, "closed_at", "null", "2026-11-20T15:04:05+08:00"},
	}, got)
}

func TestCompareNullsAreStrict(t *testing.T) {
	t.Parallel()
	st, row, tasks, seqs := verifying()
	st.TownCode, st.RectifyEnterpriseID, st.Tasks[0].TownCode = "", 0, ""
	row.TownCode, row.RectifyEnterpriseID, tasks[0].TownCode = ptr(""), ptr(int64(0)), nil
	// the projection writes "" and 0 as NULL: an empty string or a zero
	// in the table is not what it wrote
	assert.Equal(t, []Finding{
		{7, "town_code", "null", `""`},
		{7, "rectify_enterprise_id", "null", "0"},
	}, compare(st, row, tasks, seqs))
}

func TestCompareTasks(t *testing.T) {
	t.Parallel()
	st, row, tasks, seqs := verifying()
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, cases.Zone)
	st.Tasks = append(st.Tasks, cases.Task{Key: "supervise:4", Kind: cases.TaskSupervise, Actor: cases.ActorCity})
	tasks[0].Kind = "investigate"
	tasks[0].Actor = "city"
	tasks[0].TownCode = ptr("330102")
	tasks[0].EnterpriseID = ptr(int64(5))
	tasks[0].ProjectID = ptr(int64(3))
	tasks[0].WorkerID = ptr(int64(2))
	tasks[0].DueAt = nil
	tasks[0].RemindedAt = &at
	tasks[0].Overdue = true
	tasks = append(tasks, dbq.ReconcileOpenTasksRow{LeadID: 7, Key: "rectify:3", Kind: "rectify", Actor: "enterprise"})
	assert.Equal(t, []Finding{
		{7, "case_tasks[rectify:3]", "absent", "open"},
		{7, "case_tasks[supervise:4]", "open", "absent"},
		{7, "case_tasks[verify:4].kind", "verify", "investigate"},
		{7, "case_tasks[verify:4].actor", "town", "city"},
		{7, "case_tasks[verify:4].town_code", "330101", "330102"},
		{7, "case_tasks[verify:4].enterprise_id", "null", "5"},
		{7, "case_tasks[verify:4].project_id", "null", "3"},
		{7, "case_tasks[verify:4].worker_id", "null", "2"},
		{7, "case_tasks[verify:4].due_at", "2026-12-01T00:00:00+08:00", "null"},
		{7, "case_tasks[verify:4].reminded_at", "null", "2026-11-20T09:00:00+08:00"},
		{7, "case_tasks[verify:4].overdue", "false", "true"},
	}, compare(st, row, tasks, seqs))
}

func TestCompareEvents(t *testing.T) {
	t.Parallel()
	st, row, tasks, _ := verifying()
	for _, c := range []struct {
		seqs []int32
		want string
	}{
		{[]int32{1, 2, 3, 4}, ""},
		{[]int32{1, 3, 4}, "seq 1, 3..4 (missing 2)"},
		{nil, "seq none (missing 1..4)"},
		{[]int32{1, 2, 3, 4, 5, 9}, "seq 1..5, 9 (extra 5, 9)"},
		{[]int32{0, 2, 3, 4}, "seq 0, 2..4 (missing 1; extra 0)"},
	} {
		got := compare(st, row, tasks, c.seqs)
		if c.want == "" {
			assert.Empty(t, got, "%v", c.seqs)
			continue
		}
		assert.Equal(t, []Finding{{7, "lead_events", "seq 1..4", c.want}}, got, "%v", c.seqs)
	}
	st.Seq, row.Seq = 0, 0
	assert.Empty(t, compare(st, row, tasks, nil), "no step, no event")
	assert.Equal(t, []Finding{{7, "lead_events", "seq none", "seq 1 (extra 1)"}}, compare(st, row, tasks, []int32{1}))
}

func TestStatusName(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "running", statusName(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING))
	assert.Equal(t, "timed out", statusName(enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT))
	assert.Equal(t, "LeadWorkflow", leadWorkflowType)
}
