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

const scopeKey = "anxin.scope"

// scopeOf returns the scope resolved for this request (by the guard, from
// the caller's account). A request without one never reaches a handler,
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
