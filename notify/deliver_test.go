package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/notify"
	"github.com/anxin-city/anxin/pii"
)

const workerPhone = "13800000001"

type outboxRow struct {
	status, lastError, provider string
	attempts                    int
	messageID                   *string
	sentAt                      *time.Time
	phoneEnc                    []byte
}

func TestDeliverSMS(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	f := casetest.New(t, pool)
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(t, err)
	enc, err := keys.Encrypt(pii.KindPhone, workerPhone)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE workers SET phone_enc = $1 WHERE id = $2`, enc, f.Worker)
	require.NoError(t, err)
	lead, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.Worker, Amount: 100000, At: time.Now(), By: f.WorkerActor})

	// a result for the worker: one in-app notification (their account)
	// and one text (their phone), recorded once however often it is asked
	// the deliverers' clock: past every message recorded so far
	var now time.Time
	closed := func(seq int) {
		t.Helper()
		defer func() {
			if n := time.Now().Add(time.Second); n.After(now) {
				now = n
			}
		}()
		for range 2 {
			require.NoError(t, db.InTx(ctx, pool, func(q *dbq.Queries, _ pgx.Tx) error {
				return notify.Record(ctx, q, notify.Step{CaseKind: "lead", CaseID: lead, Seq: seq, Action: "confirm", At: time.Now(),
					From: "confirming", To: "closed", WorkerID: f.Worker, ClosureCode: "paid_in_full"})
			}))
		}
	}
	row := func(seq int) outboxRow {
		t.Helper()
		var r outboxRow
		require.NoError(t, pool.QueryRow(ctx, `SELECT o.status, o.last_error, o.provider, o.attempts, o.provider_message_id, o.sent_at,
			o.phone_enc FROM sms_outbox o JOIN notifications n ON n.id = o.notification_id
			WHERE n.case_kind = 'lead' AND n.case_id = $1 AND n.seq = $2`, lead, seq).
			Scan(&r.status, &r.lastError, &r.provider, &r.attempts, &r.messageID, &r.sentAt, &r.phoneEnc))
		return r
	}
	delivered := func(seq int) notify.WorkerDelivery {
		t.Helper()
		d, err := notify.Delivered(ctx, dbq.New(pool), "lead", lead, seq, notify.KindResult, "", f.Worker)
		require.NoError(t, err)
		return d
	}

	closed(1)
	var inApp, texts int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE account_id = $2), count(*) FILTER (WHERE recipient = $3)
		FROM notifications WHERE case_id = $1 AND seq = 1`, lead, f.WorkerActor.AccountID, "sms:worker:"+itoa(f.Worker)).Scan(&inApp, &texts))
	assert.Equal(t, 1, inApp, "the worker's account")
	assert.Equal(t, 1, texts, "the worker's phone")
	r := row(1)
	assert.Equal(t, notify.SMSPending, r.status)
	assert.NotContains(t, string(r.phoneEnc), workerPhone, "the phone is stored encrypted")
	plain, err := keys.Decrypt(pii.KindPhone, r.phoneEnc)
	require.NoError(t, err)
	assert.Equal(t, workerPhone, plain)
	d := delivered(1)
	require.NotNil(t, d.At, "in the worker's app at once")
	assert.NotNil(t, d.InAppAt)
	assert.Nil(t, d.SMSSentAt)
	assert.Equal(t, notify.SMSPending, d.SMSStatus)

	// the outbox provider: pending → sent
	clock := func() time.Time { return now }
	out := &notify.Deliverer{DB: pool, Keys: keys, Provider: &notify.Outbox{}, ProviderName: notify.ProviderOutbox, Now: clock}
	got, err := out.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.Delivery{Sent: 1}, got)
	r = row(1)
	assert.Equal(t, notify.SMSSent, r.status)
	assert.Equal(t, 1, r.attempts)
	assert.Equal(t, notify.ProviderOutbox, r.provider)
	require.NotNil(t, r.messageID)
	d = delivered(1)
	require.NotNil(t, d.SMSSentAt)
	assert.Equal(t, notify.SMSSent, d.SMSStatus)
	got, err = out.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.Delivery{}, got, "nothing is sent twice")

	// an HTTP provider failing twice, then accepting: three attempts, sent
	var calls atomic.Int32
	var last map[string]string
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body bytes.Buffer
		_, _ = body.ReadFrom(req.Body)
		_ = json.Unmarshal(body.Bytes(), &last)
		auth = req.Header.Get("Authorization")
		if calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte(`{"id": "m-42"}`))
	}))
	defer srv.Close()
	httpSMS := &notify.Deliverer{DB: pool, Keys: keys, Provider: &notify.HTTP{URL: srv.URL, Token: "s3cret"}, ProviderName: "http",
		Now: clock, Backoff: time.Minute}
	closed(2)
	got, err = httpSMS.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.Delivery{Retried: 1}, got)
	r = row(2)
	assert.Equal(t, notify.SMSPending, r.status)
	assert.Equal(t, 1, r.attempts)
	assert.Contains(t, r.lastError, "HTTP 503")
	got, err = httpSMS.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.Delivery{}, got, "not due before its backoff")
	now = now.Add(time.Minute)
	_, err = httpSMS.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, row(2).attempts)
	assert.Equal(t, time.Minute, httpSMS.RetryDelay(1))
	assert.Equal(t, 2*time.Minute, httpSMS.RetryDelay(2), "doubled")
	now = now.Add(2 * time.Minute)
	got, err = httpSMS.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.Delivery{Sent: 1}, got)
	r = row(2)
	assert.Equal(t, notify.SMSSent, r.status)
	assert.Equal(t, 3, r.attempts)
	assert.Equal(t, "", r.lastError)
	require.NotNil(t, r.messageID)
	assert.Equal(t, "m-42", *r.messageID)
	assert.Equal(t, workerPhone, last["phone"])
	assert.Equal(t, "【安薪】您反映的欠薪问题（欠薪线索 #"+itoa(lead)+"）已办结：已全额支付。", last["text"])
	assert.Equal(t, "Bearer s3cret", auth)

	// failing always: given up after MaxAttempts, failed
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "gateway down", http.StatusBadGateway)
	}))
	defer down.Close()
	failing := &notify.Deliverer{DB: pool, Keys: keys, Provider: &notify.HTTP{URL: down.URL}, ProviderName: "http", Now: clock,
		MaxAttempts: 3}
	closed(3)
	var total notify.Delivery
	for range 3 {
		got, err := failing.Run(ctx)
		require.NoError(t, err)
		total.Retried += got.Retried
		total.Failed += got.Failed
		now = now.Add(time.Hour)
	}
	assert.Equal(t, notify.Delivery{Retried: 2, Failed: 1}, total)
	r = row(3)
	assert.Equal(t, notify.SMSFailed, r.status)
	assert.Equal(t, 3, r.attempts)
	assert.Contains(t, r.lastError, "HTTP 502")
	d = delivered(3)
	assert.Nil(t, d.SMSSentAt)
	assert.Equal(t, notify.SMSFailed, d.SMSStatus)

	// no answer in time is a failure too
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-req.Context().Done():
		}
	}))
	defer slow.Close()
	timeout := &notify.Deliverer{DB: pool, Keys: keys, Provider: &notify.HTTP{URL: slow.URL, Timeout: 100 * time.Millisecond},
		ProviderName: "http", Now: clock}
	closed(4)
	got, err = timeout.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, notify.Delivery{Retried: 1}, got)
	assert.Contains(t, row(4).lastError, "no answer within")
}

// TestRecordWithoutPhone: a worker without a phone is told in the app
// only; a lead's reporter without a worker record is texted at the
// phone given at intake.
func TestRecordWithoutPhone(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	f := casetest.New(t, pool)
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(t, err)
	withWorker, _, _ := f.Record(t, casetest.Lead{ProjectID: f.Project1, WorkerID: f.OtherWorker, Amount: 1, At: time.Now(), By: f.OtherActor})
	hotline, _, _ := f.Record(t, casetest.Lead{Source: cases.SourceHotline, ProjectID: f.Project1, Amount: 1, At: time.Now(), By: f.Officer1})
	enc, err := keys.Encrypt(pii.KindPhone, "13900000009")
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE leads SET reporter_phone_enc = $1 WHERE id = $2`, enc, hotline)
	require.NoError(t, err)
	for _, s := range []notify.Step{
		{CaseKind: "lead", CaseID: withWorker, Seq: 4, At: time.Now(), From: "confirming", To: "closed", WorkerID: f.OtherWorker},
		{CaseKind: "lead", CaseID: hotline, Seq: 4, At: time.Now(), From: "investigating", To: "closed"},
	} {
		require.NoError(t, db.InTx(ctx, pool, func(q *dbq.Queries, _ pgx.Tx) error { return notify.Record(ctx, q, s) }))
	}
	var recipients []string
	rows, err := pool.Query(ctx, `SELECT n.case_id || ' ' || n.recipient || ' ' || (o.id IS NOT NULL) FROM notifications n
		LEFT JOIN sms_outbox o ON o.notification_id = n.id ORDER BY n.case_id, n.recipient`)
	require.NoError(t, err)
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		recipients = append(recipients, s)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{
		itoa(withWorker) + " account:" + itoa(f.OtherActor.AccountID) + " false",
		itoa(hotline) + " sms:reporter true",
	}, recipients)
}

func itoa(v int64) string { return jsonNum(v) }

func jsonNum(v int64) string { b, _ := json.Marshal(v); return string(b) }
