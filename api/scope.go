package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Scope is the caller's data domain (分域): db.Scope, a level (city, town,
// enterprise, project, worker) and a key. Every registry list and get
// query takes it as its scope_level and scope_key parameters, so the
// restriction is applied in SQL and a guessed ID outside the scope is
// answered 404. The zero Scope is no scope and matches no rows: a query
// run without the caller's scope refuses rather than reading the city.
type Scope = db.Scope

const scopeKey = "anxin.scope"

// scopeFor is the row scope of an account: its binding (the one place a
// scope is made from an account; see db.BindingScope).
func scopeFor(a dbq.Account) Scope {
	return db.BindingScope(a.TownCode, a.EnterpriseID, a.ProjectID, a.WorkerID)
}

// scopeOf returns the scope resolved for this request (by the guard, from
// the caller's account; the zero scope on public routes). A request
// without one never reaches a handler, so a missing scope is a
// programming error and answered as internal. Every handler passes it to
// its queries as ScopeLevel: sc.Level(), ScopeKey: sc.Key().
func scopeOf(c *fiber.Ctx) Scope {
	s, ok := c.Locals(scopeKey).(Scope)
	if !ok {
		panic("api: no scope on request " + c.Path())
	}
	return s
}

// cityWide is the scope of the few reads that are city-wide by design
// whoever calls (the binding checks of account administration, the
// caller's own account in /auth/me): named so that they read as
// deliberate.
func cityWide() Scope { return db.CityScope() }
