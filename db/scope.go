package db

import "strconv"

// Scope is the row scope (分域) of a caller: the level of its domain and
// the key within that level. Every scoped query takes it as two non-null
// parameters, scope_level and scope_key, and restricts its rows with
//
//	CASE @scope_level::text
//	  WHEN 'city' THEN true
//	  WHEN 'town' THEN … = @scope_key::text
//	  WHEN 'enterprise' THEN … = scope_id(@scope_key::text)
//	  …
//	  ELSE false END
//
// so a level a query has no rule for, a malformed key, and the zero Scope
// (no level at all) match no rows: a scope that was forgotten refuses
// instead of meaning "the whole city". Build one with the constructors
// below (the API builds the caller's from its account's binding in one
// place, BindingScope).
type Scope struct {
	level string
	key   string
}

// The levels of a scope, as the queries spell them.
const (
	LevelCity       = "city"
	LevelTown       = "town"
	LevelEnterprise = "enterprise"
	LevelProject    = "project"
	LevelWorker     = "worker"
)

// CityScope is the whole city (city roles).
func CityScope() Scope { return Scope{level: LevelCity} }

// TownScope is one town, by its code; an empty code is no scope.
func TownScope(code string) Scope {
	if code == "" {
		return Scope{}
	}
	return Scope{level: LevelTown, key: code}
}

// EnterpriseScope is one enterprise, by its id.
func EnterpriseScope(id int64) Scope { return idScope(LevelEnterprise, id) }

// ProjectScope is one project, by its id.
func ProjectScope(id int64) Scope { return idScope(LevelProject, id) }

// WorkerScope is one worker (their own rows), by the worker's id.
func WorkerScope(id int64) Scope { return idScope(LevelWorker, id) }

func idScope(level string, id int64) Scope {
	if id <= 0 {
		return Scope{}
	}
	return Scope{level: level, key: strconv.FormatInt(id, 10)}
}

// BindingScope is the scope of an account's binding (accounts.town_code,
// enterprise_id, project_id, worker_id): the one column that is set, or
// the city when none is (the city roles). More than one set is no scope:
// the accounts_binding constraint rules it out, and a scope that cannot be
// told refuses.
func BindingScope(town *string, enterprise, project, worker *int64) Scope {
	var sc Scope
	n := 0
	if town != nil {
		sc, n = TownScope(*town), n+1
	}
	if enterprise != nil {
		sc, n = EnterpriseScope(*enterprise), n+1
	}
	if project != nil {
		sc, n = ProjectScope(*project), n+1
	}
	if worker != nil {
		sc, n = WorkerScope(*worker), n+1
	}
	switch n {
	case 0:
		return CityScope()
	case 1:
		return sc
	}
	return Scope{}
}

// Level is the scope's level (LevelCity …), "" for no scope: the
// scope_level parameter of the queries.
func (s Scope) Level() string { return s.level }

// Key is the town code or the id as text ("" for the city and for no
// scope): the scope_key parameter of the queries.
func (s Scope) Key() string { return s.key }

// Valid reports whether the scope is one of the five levels (the zero
// Scope is not).
func (s Scope) Valid() bool {
	switch s.level {
	case LevelCity:
		return true
	case LevelTown, LevelEnterprise, LevelProject, LevelWorker:
		return s.key != ""
	}
	return false
}

// IsCity reports whether the scope is the whole city.
func (s Scope) IsCity() bool { return s.level == LevelCity }

// TownCode is the town of a town scope.
func (s Scope) TownCode() (string, bool) {
	if s.level != LevelTown || s.key == "" {
		return "", false
	}
	return s.key, true
}

// EnterpriseID is the enterprise of an enterprise scope.
func (s Scope) EnterpriseID() (int64, bool) { return s.id(LevelEnterprise) }

// ProjectID is the project of a project scope.
func (s Scope) ProjectID() (int64, bool) { return s.id(LevelProject) }

// WorkerID is the worker of a worker scope.
func (s Scope) WorkerID() (int64, bool) { return s.id(LevelWorker) }

func (s Scope) id(level string) (int64, bool) {
	if s.level != level {
		return 0, false
	}
	id, err := strconv.ParseInt(s.key, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// String is the scope as a domain is written ("city", "town:330101",
// "enterprise:2", …; "none" for no scope).
func (s Scope) String() string {
	switch {
	case s.level == "":
		return "none"
	case s.key == "":
		return s.level
	}
	return s.level + ":" + s.key
}
