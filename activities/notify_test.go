package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/notify"
)

// TestProjectionNotifies: a lead's step records the notifications of the
// tasks it opens with the step itself, once however often the projection
// runs (a retried activity), and a task assigned to an officer reminds
// that officer only.
func TestProjectionNotifies(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	f := casetest.New(t, pool)
	acts := &activities.Activities{DB: pool}
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, cases.Zone)
	due := at.AddDate(0, 0, 7)
	lead, town, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 100000, At: at, By: f.WorkerActor})
	accept := cases.Task{Key: "accept:1", Kind: cases.TaskAccept, Actor: cases.ActorTown, TownCode: town, OpenedSeq: 1, OpenedAt: at, DueAt: &due}
	step1 := cases.Projection{
		State: cases.LeadState{LeadID: lead, Seq: 1, Status: cases.Dispatched, TownCode: town, ProjectID: f.Project1, WorkerID: f.Worker,
			AcceptDue: &due, Supervision: cases.SupervisionNone, Tasks: []cases.Task{accept}},
		Event: cases.Event{Seq: 1, At: at, Action: "intake", Actor: f.WorkerActor, From: cases.Received, To: cases.Dispatched},
	}
	count := func(where string, args ...any) int {
		t.Helper()
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE case_kind = 'lead' AND case_id = $1 AND `+where,
			append([]any{lead}, args...)...).Scan(&n))
		return n
	}
	for range 2 {
		require.NoError(t, acts.ProjectLead(ctx, step1))
	}
	assert.Equal(t, 2, count("seq = 1"), "both officers of the town, once")
	assert.Equal(t, 1, count("seq = 1 AND account_id = $2", f.Officer1.AccountID))
	assert.Equal(t, 1, count("seq = 1 AND account_id = $2", f.Officer1b.AccountID))
	assert.Zero(t, count("account_id = $2", f.Officer2.AccountID), "not another town's")

	// Recording the same step again (a projection retried after its
	// commit was lost, whatever the seq check says) adds nothing.
	for range 2 {
		require.NoError(t, db.InTx(ctx, pool, func(q *dbq.Queries, _ pgx.Tx) error {
			return notify.Record(ctx, q, notify.Step{CaseKind: "lead", CaseID: lead, Seq: 1, At: at, From: "received",
				To: "dispatched", Tasks: step1.State.Tasks, WorkerID: f.Worker})
		}))
	}
	assert.Equal(t, 2, count("seq = 1"))

	// The first officer claims the task; the reminder goes to them only.
	_, err := pool.Exec(ctx, `UPDATE case_tasks SET assignee_id = $1 WHERE lead_id = $2 AND key = 'accept:1'`, f.Officer1.AccountID, lead)
	require.NoError(t, err)
	remindAt := due.AddDate(0, 0, -1)
	reminded := accept
	reminded.RemindedAt = &remindAt
	step2 := step1
	step2.State.Seq, step2.State.Tasks = 2, []cases.Task{reminded}
	step2.Event = cases.Event{Seq: 2, At: remindAt, Action: "remind", Actor: cases.System, From: cases.Dispatched, To: cases.Dispatched}
	for range 2 {
		require.NoError(t, acts.ProjectLead(ctx, step2))
	}
	assert.Equal(t, 1, count("seq = 2"))
	assert.Equal(t, 1, count("seq = 2 AND account_id = $2 AND kind = 'reminder' AND task_kind = 'accept'", f.Officer1.AccountID))
	// A later step (the officer accepts) reminds nobody again.
	step3 := step2
	step3.State.Seq, step3.State.Status = 3, cases.Investigating
	step3.Event = cases.Event{Seq: 3, At: remindAt.Add(time.Hour), Action: "recount", Actor: cases.System, From: cases.Dispatched,
		To: cases.Dispatched}
	require.NoError(t, acts.ProjectLead(ctx, step3))
	assert.Zero(t, count("seq = 3"))

	var title, body string
	require.NoError(t, pool.QueryRow(ctx, `SELECT title, body FROM notifications WHERE case_id = $1 AND seq = 1 LIMIT 1`, lead).Scan(&title, &body))
	assert.Equal(t, "新线索待签收", title)
	assert.Contains(t, body, "请于12月9日前签收或退回")
}
