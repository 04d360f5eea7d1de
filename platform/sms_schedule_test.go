package platform_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/notify"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/worker"
	"github.com/anxin-city/anxin/worker/workertest"
)

// The sms-delivery schedule, triggered, sends the outbox's due texts
// through the worker's provider (here the outbox provider).
func TestSMSDeliverySchedule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pool := dbtest.New(t)
	f := casetest.New(t, pool)
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(t, err)
	enc, err := keys.Encrypt(pii.KindPhone, "13800000001")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE workers SET phone_enc = $1 WHERE id = $2`, enc, f.Worker)
	require.NoError(t, err)
	lead, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 1, At: time.Now(), By: f.WorkerActor})
	require.NoError(t, db.InTx(ctx, pool, func(q *dbq.Queries, _ pgx.Tx) error {
		return notify.Record(ctx, q, notify.Step{CaseKind: "lead", CaseID: lead, Seq: 3, At: time.Now(), From: "confirming",
			To: "closed", WorkerID: f.Worker, ClosureCode: "paid_in_full"})
	}))

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	_, c := workertest.Server(t, log)
	workertest.Run(t, c, &activities.Activities{DB: pool, Logger: log,
		SMS: &notify.Deliverer{DB: pool, Keys: keys, Provider: &notify.Outbox{}, ProviderName: notify.ProviderOutbox}}, worker.Options{})
	require.NoError(t, platform.EnsureSMSDeliverySchedule(ctx, c, platform.DefaultSMSDeliveryEvery))
	h := c.ScheduleClient().GetHandle(ctx, platform.SMSDeliveryScheduleID)
	desc, err := h.Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, time.Minute, desc.Schedule.Spec.Intervals[0].Every)
	var got activities.SMSDelivery
	require.NoError(t, c.GetWorkflow(ctx, trigger(ctx, t, h), "").Get(ctx, &got))
	require.Equal(t, activities.SMSDelivery{Sent: 1}, got)
	var status string
	require.NoError(t, pool.QueryRow(ctx, `SELECT status FROM sms_outbox`).Scan(&status))
	require.Equal(t, notify.SMSSent, status)
}
