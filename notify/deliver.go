package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/pii"
)

// Defaults of a Deliverer.
const (
	DefaultBatch       = 50
	DefaultMaxAttempts = 6
	DefaultBackoff     = time.Minute // doubled after each failure: 1, 2, 4, 8, 16 min, then failed
	maxBackoff         = 6 * time.Hour
	// DefaultBudget bounds one delivery run (the schedule starts one a
	// minute and never two at once).
	DefaultBudget = 45 * time.Second
)

// Deliverer sends the due messages of sms_outbox through Provider. It
// runs on the worker side (activities.DeliverSMS, Temporal Schedule
// "sms-delivery" every minute); several may run at once: each takes its
// batch with FOR UPDATE SKIP LOCKED.
type Deliverer struct {
	DB       *pgxpool.Pool
	Keys     *pii.Keyring
	Provider SMS
	// ProviderName is recorded with each attempt (outbox, http).
	ProviderName string
	Logger       *slog.Logger
	// Now is the clock (default time.Now); tests move it to pass backoffs.
	Now         func() time.Time
	Batch       int
	MaxAttempts int
	Backoff     time.Duration // the first retry's delay; doubled each time
	Budget      time.Duration // a run stops taking batches after this long
}

// Delivery counts what one run did.
type Delivery struct {
	Sent    int `json:"sent"`
	Retried int `json:"retried"`
	Failed  int `json:"failed"`
}

// Deliveries counts every attempt by result (sent, retry, failed): the
// metric anxin_sms_deliveries_total, registered by whoever serves
// /metrics in this process (Collectors).
var Deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "anxin_sms_deliveries_total",
	Help: "SMS delivery attempts by result: sent, retry (failed, to be retried), failed (given up).",
}, []string{"result"})

// RetryDelay is the wait after the n-th failed attempt (n ≥ 1).
func (d *Deliverer) RetryDelay(n int) time.Duration {
	base := d.Backoff
	if base <= 0 {
		base = DefaultBackoff
	}
	wait := base
	for i := 1; i < n && wait < maxBackoff; i++ {
		wait *= 2
	}
	return min(wait, maxBackoff)
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Deliverer) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.Default()
	}
	return d.Logger
}

// Run sends due messages, batch after batch, until none is due or the
// budget is spent.
func (d *Deliverer) Run(ctx context.Context) (Delivery, error) {
	var total Delivery
	budget := d.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	start := time.Now()
	for time.Since(start) < budget {
		n, got, err := d.batch(ctx)
		total.Sent += got.Sent
		total.Retried += got.Retried
		total.Failed += got.Failed
		if err != nil || n == 0 {
			return total, err
		}
	}
	return total, nil
}

// batch sends one batch in one transaction (its rows locked while they
// are sent); n is how many rows it took.
func (d *Deliverer) batch(ctx context.Context) (int, Delivery, error) {
	if d.Provider == nil || d.Keys == nil {
		return 0, Delivery{}, errors.New("sms delivery: no provider or no personal-data key")
	}
	size := d.Batch
	if size <= 0 {
		size = DefaultBatch
	}
	maxAttempts := d.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = DefaultMaxAttempts
	}
	var got Delivery
	var n int
	err := db.InTx(ctx, d.DB, func(q *dbq.Queries, tx pgx.Tx) error {
		got = Delivery{}
		if err := audit.SetActor(ctx, tx, audit.Actor{Username: "system", Role: "system"}); err != nil {
			return err
		}
		rows, err := q.SmsOutboxDue(ctx, dbq.SmsOutboxDueParams{Now: d.now(), Lim: int32(size)})
		if err != nil {
			return err
		}
		n = len(rows)
		for _, r := range rows {
			id, permanent, sendErr := d.send(ctx, r)
			now := d.now()
			switch {
			case sendErr == nil:
				if err := q.SmsOutboxSent(ctx, dbq.SmsOutboxSentParams{ID: r.ID, At: &now, Provider: d.ProviderName,
					ProviderMessageID: nonEmpty(id)}); err != nil {
					return err
				}
				if err := q.NotificationDeliveredAt(ctx, dbq.NotificationDeliveredAtParams{ID: r.NotificationID, At: &now}); err != nil {
					return err
				}
				got.Sent++
			case permanent || int(r.Attempts)+1 >= maxAttempts:
				if err := q.SmsOutboxFailed(ctx, dbq.SmsOutboxFailedParams{ID: r.ID, At: &now, Provider: d.ProviderName,
					LastError: truncate(sendErr.Error(), 500)}); err != nil {
					return err
				}
				got.Failed++
				d.logger().Warn("sms given up", "outbox_id", r.ID, "attempts", r.Attempts+1, "err", sendErr)
			default:
				if err := q.SmsOutboxRetry(ctx, dbq.SmsOutboxRetryParams{ID: r.ID, Provider: d.ProviderName,
					NextAttemptAt: now.Add(d.RetryDelay(int(r.Attempts) + 1)), LastError: truncate(sendErr.Error(), 500)}); err != nil {
					return err
				}
				got.Retried++
			}
		}
		return nil
	})
	if err != nil {
		return n, Delivery{}, fmt.Errorf("sms delivery: %w", err)
	}
	Deliveries.WithLabelValues("sent").Add(float64(got.Sent))
	Deliveries.WithLabelValues("retry").Add(float64(got.Retried))
	Deliveries.WithLabelValues("failed").Add(float64(got.Failed))
	return n, got, nil
}

// send decrypts the phone and sends; permanent says a retry cannot help
// (the stored phone cannot be read, or is not a mobile number).
func (d *Deliverer) send(ctx context.Context, r dbq.SmsOutboxDueRow) (id string, permanent bool, err error) {
	phone, err := d.Keys.Decrypt(pii.KindPhone, r.PhoneEnc)
	if err != nil {
		return "", true, fmt.Errorf("phone cannot be decrypted: %w", err)
	}
	mobile, err := ident.ParseMobile(phone)
	if err != nil {
		return "", true, errors.New("not a mobile number: no text can reach it")
	}
	id, err = d.Provider.Send(ctx, mobile, r.Text)
	return id, false, err
}
