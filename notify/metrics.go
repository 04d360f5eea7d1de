package notify

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/anxin-city/anxin/db"
)

var outboxDesc = prometheus.NewDesc("anxin_sms_outbox_messages",
	"Text messages in the outbox by status: pending (waiting or being retried) and failed (given up, see GET /api/v1/sms-outbox).",
	[]string{"status"}, nil)

// outboxCollector reads the outbox's pending and failed counts at each
// scrape (from the database, so every process serving /metrics shows
// them, wherever delivery runs).
type outboxCollector struct{ pool *pgxpool.Pool }

func (o outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (o outboxCollector) Collect(ch chan<- prometheus.Metric) {
	if o.pool == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rows, err := db.Q(o.pool).SmsOutboxCounts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxDesc, err)
		return
	}
	counts := map[string]int64{SMSPending: 0, SMSFailed: 0}
	for _, r := range rows {
		counts[r.Status] = r.N
	}
	for s, n := range counts {
		ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), s)
	}
}

// Collectors are the metrics of notifications: the delivery attempts of
// this process (Deliveries) and the outbox's pending and failed messages.
func Collectors(pool *pgxpool.Pool) []prometheus.Collector {
	return []prometheus.Collector{Deliveries, outboxCollector{pool}}
}
