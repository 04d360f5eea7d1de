package api

import (
	"context"
	"crypto/subtle"
	"github.com/anxin-city/anxin/caseclient"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/pii"
)

// Deps are what the API needs from the outside.
type Deps struct {
	Pool     *pgxpool.Pool
	PII      *pii.Keyring
	Temporal client.Client // may be nil (then /readyz does not check it)
	Logger   *slog.Logger
	// Authz decides function permissions (casbin, *authz.Authorizer);
	// Audit takes the per-request access log (*audit.Writer). Both required.
	Authz   Authorizer
	Audit   AuditLog
	Version string
	// DevMode admits the demo accounts (refused otherwise).
	DevMode bool
	// SessionTTL is the absolute life of a session (default 12 h);
	// SessionIdle ends it earlier after that long without a request
	// (default 2 h).
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// LoginRate caps sign-in and registration attempts per client IP and
	// minute (default 20), before the per-account lockout.
	LoginRate int
	// LoginCeiling is how many wrong passwords for one login name, from
	// all clients together within an hour, close the name to clients that
	// never signed in to its account, for the rest of the hour (default
	// 100). Each client is locked on its own long before (auth.go).
	LoginCeiling int
	// TrustedProxies are the addresses or CIDR prefixes of the load
	// balancers in front of the API: a request from one of them is
	// counted and logged under the client address it forwarded
	// (X-Forwarded-For, read from the right). Empty: the peer address.
	TrustedProxies []string
	// Side is which users this API process serves: "" or SideAll both,
	// SideGovernment the city and towns, SideEnterprise enterprises,
	// project staff and workers (SPEC R1: the two sides deploy apart).
	Side string
	// MetricsToken, when set, is required as "Authorization: Bearer
	// <token>" by /metrics (a Prometheus scrape credential); empty leaves
	// /metrics open for an internal network.
	MetricsToken string
	// BodyLimit caps a request body in bytes (default 32 MiB, enough for
	// an Excel import of a large roster).
	BodyLimit int
	// Now returns the current time (tests fix it); default time.Now.
	Now func() time.Time
	// EvidenceDir is where uploaded evidence files are stored (under the
	// data directory); evidence routes answer 503 without it.
	EvidenceDir string
	// StrictQuery (tests) answers 500 when a handler reads a query
	// parameter its route does not declare, or answers a success without
	// reading one the client sent (a filter silently ignored); without it
	// both are only logged.
	StrictQuery bool
	// CaseTimeout bounds how long a case action waits for its workflow
	// to answer (default 30 s).
	CaseTimeout time.Duration
}

// Server holds the dependencies the handlers close over.
type Server struct {
	deps   Deps
	routes []route
	// cases starts case workflows and sends them actions
	cases *caseclient.Client
}

// New builds the Fiber app with every route of the API.
func New(deps Deps) *fiber.App {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Authz == nil || deps.Audit == nil {
		panic("api: Deps.Authz and Deps.Audit are required")
	}
	if deps.SessionTTL == 0 {
		deps.SessionTTL = 12 * time.Hour
	}
	if deps.SessionIdle == 0 {
		deps.SessionIdle = 2 * time.Hour
	}
	if deps.LoginRate == 0 {
		deps.LoginRate = 20
	}
	if deps.LoginCeiling == 0 {
		deps.LoginCeiling = 100
	}
	proxies, err := ParseTrustedProxies(deps.TrustedProxies)
	if err != nil {
		panic("api: " + err.Error())
	}
	if deps.Side == "" {
		deps.Side = SideAll
	}
	if !validSide(deps.Side) {
		panic("api: unknown side " + deps.Side)
	}
	if deps.BodyLimit == 0 {
		deps.BodyLimit = 32 << 20
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Server{deps: deps, cases: &caseclient.Client{Temporal: deps.Temporal, Timeout: deps.CaseTimeout, Logger: deps.Logger}}
	app := fiber.New(fiber.Config{
		AppName:               "anxin",
		ErrorHandler:          errorHandler(deps.Logger),
		JSONEncoder:           encodeJSON, // fills the labels beside codes (api/labels.go)
		BodyLimit:             deps.BodyLimit,
		DisableStartupMessage: true,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          10 * time.Minute, // streamed exports
		IdleTimeout:           120 * time.Second,
	})
	m := newMetrics(deps.Pool)
	app.Use(recover.New())
	app.Use(func(c *fiber.Ctx) error {
		c.Locals(clientIPKey, resolveClientIP(c, proxies))
		return c.Next()
	})
	app.Use(helmet.New(helmet.Config{
		// the API serves JSON and downloads only: nothing may be framed,
		// sniffed or run as a page
		ContentSecurityPolicy: "default-src 'none'; frame-ancestors 'none'",
		HSTSMaxAge:            31536000,
		ReferrerPolicy:        "no-referrer",
	}))
	app.Use(requestid.New())
	app.Use(m.observe(deps.Logger))
	app.Get("/metrics", metricsGuard(deps.MetricsToken), m.handler())
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.readyz)

	v1 := app.Group("/api/v1")
	s.registerRoutes()
	for _, r := range s.routes {
		h := labelled("/api/v1"+r.Path, s.guard(r))
		if r.Public {
			v1.Add(r.Method, r.Path, labelled("/api/v1"+r.Path, s.rateLimit(r)), h)
			continue
		}
		v1.Add(r.Method, r.Path, h)
	}
	app.Get("/api/v1/openapi.json", s.openapi)
	return app
}

func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	checks := fiber.Map{}
	ready := true
	if err := s.deps.Pool.Ping(ctx); err != nil {
		checks["database"] = "unavailable"
		ready = false
	} else {
		checks["database"] = "ok"
	}
	if s.deps.Temporal != nil {
		if _, err := s.deps.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			checks["temporal"] = "unavailable"
			ready = false
		} else {
			checks["temporal"] = "ok"
		}
	}
	status := fiber.StatusOK
	if !ready {
		status = fiber.StatusServiceUnavailable
	}
	return c.Status(status).JSON(fiber.Map{"ready": ready, "checks": checks})
}

func (s *Server) registerRoutes() {
	s.authRoutes()
	s.accountRoutes()
	s.auditLogRoutes()
	s.townRoutes()
	s.enterpriseRoutes()
	s.projectRoutes()
	s.teamRoutes()
	s.workerRoutes()
	s.employmentRoutes()
	s.attendanceRoutes()
	s.workRecordRoutes()
	s.payrollRoutes()
	s.wageAccountRoutes()
	s.depositRoutes()
	s.safetyHomeRoutes()
	s.leadRoutes()
	s.dispatchRoutes()
	s.warningRoutes()
	s.taskRoutes()
	s.notificationRoutes()
	s.calendarRoutes()
	s.warningRuleRoutes()
	s.evidenceRoutes()
	s.excelRoutes() // last: exports document the filters of the list routes above
}

// rateLimit caps the attempts on a public route (sign-in, registration)
// per client IP, in memory per process (a sliding window of a minute).
// Refusals are logged like every other request.
func (s *Server) rateLimit(r route) fiber.Handler {
	action := r.Method + " /api/v1" + r.Path
	return limiter.New(limiter.Config{
		Max:               s.deps.LoginRate,
		Expiration:        time.Minute,
		LimiterMiddleware: limiter.SlidingWindow{},
		KeyGenerator:      func(c *fiber.Ctx) string { return clientIP(c) },
		LimitReached: func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderRetryAfter, "60")
			_ = s.logAccess(c, action, errTooManyRequests) // refused either way
			return errTooManyRequests
		},
	})
}

// metricsGuard requires the scrape token on /metrics when one is set.
func metricsGuard(token string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if token == "" {
			return c.Next()
		}
		got, ok := bearer(c)
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			return errUnauthenticated
		}
		return c.Next()
	}
}
