package api

import (
	"github.com/gofiber/fiber/v2"
)

// Scope is the caller's data domain (分域). A nil field means "not
// restricted on this axis"; the city level has every field nil. Every
// registry list and get query takes the scope as parameters, so the
// restriction is applied in SQL and a guessed ID outside the scope is
// answered 404.
type Scope struct {
	Town       *string // town officers: town code
	Enterprise *int64  // enterprise users: enterprise id
	Project    *int64  // project labour managers: project id
	Worker     *int64  // workers: their own worker id
}

// ScopeFunc resolves the caller's scope from a request. Until login and
// permissions land (the next issue), the server is built with a function
// that gives every caller the city scope; tests build it with others.
type ScopeFunc func(c *fiber.Ctx) (Scope, error)

// CityScope is the unrestricted scope of city supervisors.
func CityScope(*fiber.Ctx) (Scope, error) { return Scope{}, nil }

const scopeKey = "anxin.scope"

func scopeMiddleware(f ScopeFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		s, err := f(c)
		if err != nil {
			return err
		}
		c.Locals(scopeKey, s)
		return c.Next()
	}
}

// scopeOf returns the scope resolved for this request. A request without
// one never reaches a handler (the middleware runs on every /api/v1 route),
// so a missing scope is a programming error and answered as internal.
func scopeOf(c *fiber.Ctx) Scope {
	s, ok := c.Locals(scopeKey).(Scope)
	if !ok {
		panic("api: no scope on request " + c.Path())
	}
	return s
}

// IsCity reports whether the scope is unrestricted.
func (s Scope) IsCity() bool {
	return s.Town == nil && s.Enterprise == nil && s.Project == nil && s.Worker == nil
}

// requireCity refuses callers below the city level.
func requireCity(c *fiber.Ctx) error {
	if !scopeOf(c).IsCity() {
		return errForbidden
	}
	return nil
}
