package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
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
	Scope    ScopeFunc // nil means CityScope (until authentication lands)
	Version  string
	// BodyLimit caps a request body in bytes (default 32 MiB, enough for
	// an Excel import of a large roster).
	BodyLimit int
	// Now returns the current time (tests fix it); default time.Now.
	Now func() time.Time
}

// Server holds the dependencies the handlers close over.
type Server struct {
	deps   Deps
	routes []route
}

// New builds the Fiber app with every route of the API.
func New(deps Deps) *fiber.App {
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Scope == nil {
		deps.Scope = CityScope
	}
	if deps.BodyLimit == 0 {
		deps.BodyLimit = 32 << 20
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Server{deps: deps}
	app := fiber.New(fiber.Config{
		AppName:               "anxin",
		ErrorHandler:          errorHandler(deps.Logger),
		BodyLimit:             deps.BodyLimit,
		DisableStartupMessage: true,
		ReadTimeout:           60 * time.Second,
		WriteTimeout:          10 * time.Minute, // streamed exports
		IdleTimeout:           120 * time.Second,
	})
	m := newMetrics(deps.Pool)
	app.Use(recover.New())
	app.Use(requestid.New())
	app.Use(m.observe(deps.Logger))
	app.Get("/metrics", m.handler())
	app.Get("/healthz", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", s.readyz)

	v1 := app.Group("/api/v1", scopeMiddleware(deps.Scope))
	s.registerRoutes()
	for _, r := range s.routes {
		v1.Add(r.Method, r.Path, labelled("/api/v1"+r.Path, r.Handler))
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
	s.excelRoutes() // last: exports document the filters of the list routes above
}
