package api

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/anxin-city/anxin/notify"
)

// metrics are the API's Prometheus metrics, in a registry of the server's
// own (so several servers in one process, as in tests, do not collide).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(pool *pgxpool.Pool) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "anxin_http_requests_total",
			Help: "HTTP requests by method, route template and status code.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "anxin_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10},
		}, []string{"method", "route"}),
	}
	m.reg.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		poolCollector{pool})
	m.reg.MustRegister(notify.Collectors(pool)...)
	return m
}

// observe logs every request and counts it by route template (never by raw
// path, which would make a series per ID).
func (m *metrics) observe(log *slog.Logger) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		err := c.Next()
		status := statusOf(c, err)
		route := routeLabel(c)
		// Fiber reuses the request's buffers: copy what the metrics keep.
		method := strings.Clone(c.Method())
		d := time.Since(start)
		m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.duration.WithLabelValues(method, route).Observe(d.Seconds())
		log.Info("request", "method", method, "route", route, "status", status,
			"took", d.Round(time.Microsecond), "ip", clientIP(c), "request_id", requestID(c))
		return err
	}
}

const routeKey = "anxin.route"

// routeLabel is the route template that served the request: set by the
// API's route wrapper, or the static path of a top-level route; anything
// else (no route matched) is "unmatched".
func routeLabel(c *fiber.Ctx) string {
	if r, ok := c.Locals(routeKey).(string); ok {
		return r
	}
	if p := c.Route().Path; p == c.Path() {
		return strings.Clone(p)
	}
	return "unmatched"
}

// labelled wraps an API handler so its metrics carry the route template.
func labelled(template string, h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(routeKey, template)
		return h(c)
	}
}

func (m *metrics) handler() fiber.Handler {
	return adaptor.HTTPHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
}

// poolCollector exports the database pool's state, the first thing to look
// at when requests queue.
type poolCollector struct{ pool *pgxpool.Pool }

var (
	poolAcquired = prometheus.NewDesc("anxin_db_pool_acquired_conns", "Connections in use.", nil, nil)
	poolIdle     = prometheus.NewDesc("anxin_db_pool_idle_conns", "Idle connections.", nil, nil)
	poolMax      = prometheus.NewDesc("anxin_db_pool_max_conns", "Maximum connections.", nil, nil)
	poolWaits    = prometheus.NewDesc("anxin_db_pool_empty_acquire_total", "Acquires that had to wait for a connection.", nil, nil)
)

func (p poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolAcquired
	ch <- poolIdle
	ch <- poolMax
	ch <- poolWaits
}

func (p poolCollector) Collect(ch chan<- prometheus.Metric) {
	if p.pool == nil {
		return
	}
	st := p.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolAcquired, prometheus.GaugeValue, float64(st.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(st.IdleConns()))
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
}
