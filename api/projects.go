package api

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// Projects and their six wage systems 六项制度 (SPEC R2). A project is
// created together with its six wage-system rows, all missing; each row
// then moves on its own (with its own version) as evidence comes in.
//
// This file also holds the checks the registry handlers of projects,
// teams and employments share: the write rules of the interim permission
// model and the checks of the enterprises and projects a write names.

type projectOut struct {
	ID                 int64           `json:"id"`
	Code               string          `json:"code"`
	Name               string          `json:"name"`
	TownCode           string          `json:"town_code"`
	Industry           string          `json:"industry" codes:"industries"`
	IndustryLabel      string          `json:"industry_label"`
	BuilderID          int64           `json:"builder_id"`
	BuilderName        string          `json:"builder_name"`
	ContractorID       int64           `json:"contractor_id"`
	ContractorName     string          `json:"contractor_name"`
	ContractValueFen   int64           `json:"contract_value_fen" doc:"contract value in fen (1/100 yuan)"`
	StartDate          Date            `json:"start_date"`
	PlannedEndDate     Date            `json:"planned_end_date"`
	CompletedOn        *Date           `json:"completed_on"`
	Status             string          `json:"status" codes:"project_statuses"`
	StatusLabel        string          `json:"status_label"`
	Address            string          `json:"address"`
	ImplementedCount   int             `json:"implemented_count" doc:"wage systems implemented, of six"`
	ExemptCount        int             `json:"exempt_count" doc:"wage systems exempt, of six"`
	FullyImplemented   bool            `json:"fully_implemented" doc:"all six wage systems implemented or exempt"`
	WageSystems        []wageSystemOut `json:"wage_systems,omitempty" doc:"the six wage systems; in single-project responses only"`
	Active             bool            `json:"active"`
	DeactivationReason *string         `json:"deactivation_reason"`
	Version            int32           `json:"version"`
	CreatedAt          time.Time       `json:"created_at"`
	UpdatedAt          time.Time       `json:"updated_at"`
}

type wageSystemOut struct {
	System      string    `json:"system" codes:"wage_systems"`
	SystemLabel string    `json:"system_label"`
	State       string    `json:"state" codes:"wage_system_states"`
	StateLabel  string    `json:"state_label"`
	Evidence    string    `json:"evidence"`
	CheckedOn   *Date     `json:"checked_on"`
	Version     int32     `json:"version"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type projectIn struct {
	Code             *string `json:"code,omitempty" required:"true" doc:"4 to 32 letters, digits or dashes"`
	Name             *string `json:"name,omitempty" required:"true"`
	TownCode         *string `json:"town_code,omitempty" required:"true"`
	Industry         *string `json:"industry,omitempty" required:"true" enum:"housing,municipal,transport,water,energy,other"`
	BuilderID        *int64  `json:"builder_id,omitempty" required:"true" doc:"an enterprise of type builder"`
	ContractorID     *int64  `json:"contractor_id,omitempty" required:"true" doc:"an enterprise of type general_contractor"`
	ContractValueFen *int64  `json:"contract_value_fen,omitempty" required:"true"`
	StartDate        *Date   `json:"start_date,omitempty" required:"true"`
	PlannedEndDate   *Date   `json:"planned_end_date,omitempty" required:"true"`
	CompletedOn      *Date   `json:"completed_on,omitempty" doc:"required when status is completed; cleared when it is not"`
	Status           *string `json:"status,omitempty" enum:"in_construction,stopped,completed" doc:"default in_construction"`
	Address          *string `json:"address,omitempty"`
	Version          *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type wageSystemIn struct {
	State     *string `json:"state,omitempty" enum:"missing,partial,implemented,exempt"`
	Evidence  *string `json:"evidence,omitempty" doc:"required (non-empty) once the state is implemented or exempt"`
	CheckedOn *Date   `json:"checked_on,omitempty"`
	Version   *int32  `json:"version" required:"true"`
}

var projectSorts = []string{"name", "-name", "start_date", "-start_date", "contract_value_fen", "-contract_value_fen", "-id"}

func (s *Server) projectRoutes() {
	s.add(route{Method: "GET", Path: "/projects", Perm: "projects:read", Tag: "projects", Summary: "List projects in scope",
		Query: append(pageParams(projectSorts...),
			param{Name: "town_code", Type: "string"},
			param{Name: "status", Type: "string", Enum: registry.ProjectStatuses.Codes},
			param{Name: "industry", Type: "string", Enum: registry.Industries.Codes},
			param{Name: "builder_id", Type: "integer"},
			param{Name: "contractor_id", Type: "integer"},
			param{Name: "enterprise_id", Type: "integer", Desc: "builder, general contractor or labour firm of a team"},
			param{Name: "active", Type: "boolean"},
			param{Name: "q", Type: "string", Desc: "name contains, or code prefix"},
			param{Name: "start_from", Type: "string", Desc: "start date on or after (YYYY-MM-DD)"},
			param{Name: "start_to", Type: "string", Desc: "start date on or before (YYYY-MM-DD)"},
			param{Name: "wage_system_missing", Type: "string", Desc: "only projects where this wage system is missing or partial", Enum: registry.WageSystems.Codes}),
		Out: listOut[projectOut]{}, Handler: s.projectList})
	s.add(route{Method: "GET", Path: "/projects/:id", Perm: "projects:read", Tag: "projects", Summary: "Get a project with its six wage systems", Out: projectOut{}, Handler: s.projectGet})
	s.add(route{Method: "POST", Path: "/projects", Perm: "projects:create", Tag: "projects", Summary: "Register a project (and its six wage systems, all missing)", Body: projectIn{}, Out: projectOut{}, Status: 201, Handler: s.projectCreate})
	s.add(route{Method: "PATCH", Path: "/projects/:id", Perm: "projects:write", Tag: "projects", Summary: "Update a project", Body: projectIn{}, Out: projectOut{}, Handler: s.projectUpdate})
	s.add(route{Method: "POST", Path: "/projects/:id/deactivate", Perm: "projects:write", Tag: "projects", Summary: "Deactivate a project", Body: activeIn{}, Out: projectOut{}, Handler: s.projectSetActive(false)})
	s.add(route{Method: "POST", Path: "/projects/:id/reactivate", Perm: "projects:write", Tag: "projects", Summary: "Reactivate a project", Body: activeIn{}, Out: projectOut{}, Handler: s.projectSetActive(true)})
	s.add(route{Method: "PATCH", Path: "/projects/:id/wage-systems/:system", Perm: "wage-systems:write", Tag: "projects", Summary: "Update the state and evidence of one wage system of a project",
		Body: wageSystemIn{}, Out: wageSystemOut{}, Handler: s.projectWageSystemUpdate})
}

func projectFrom(p dbq.Project, builder, contractor string, implemented, exempt int) projectOut {
	return projectOut{ID: p.ID, Code: p.Code, Name: p.Name, TownCode: p.TownCode,
		Industry: p.Industry, BuilderID: p.BuilderID, BuilderName: builder, ContractorID: p.ContractorID, ContractorName: contractor,
		ContractValueFen: p.ContractValueFen, StartDate: Date{p.StartDate}, PlannedEndDate: Date{p.PlannedEndDate},
		CompletedOn: datePtr(p.CompletedOn), Status: p.Status, Address: p.Address, ImplementedCount: implemented, ExemptCount: exempt,
		FullyImplemented: implemented+exempt == len(registry.WageSystems.Codes),
		Active:           p.Active, DeactivationReason: p.DeactivationReason, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func wageSystemFrom(w dbq.ProjectWageSystem) wageSystemOut {
	return wageSystemOut{System: w.System, State: w.State, Evidence: w.Evidence,
		CheckedOn: datePtr(w.CheckedOn), Version: w.Version, UpdatedAt: w.UpdatedAt}
}

// projectWithSystems renders a project with its wage systems in registry
// order, counting the implemented and exempt ones.
func projectWithSystems(p dbq.Project, builder, contractor string, systems []dbq.ProjectWageSystem) projectOut {
	byCode := make(map[string]dbq.ProjectWageSystem, len(systems))
	for _, w := range systems {
		byCode[w.System] = w
	}
	var out []wageSystemOut
	implemented, exempt := 0, 0
	for _, code := range registry.WageSystems.Codes {
		w, ok := byCode[code]
		if !ok {
			continue
		}
		switch w.State {
		case "implemented":
			implemented++
		case "exempt":
			exempt++
		}
		out = append(out, wageSystemFrom(w))
	}
	po := projectFrom(p, builder, contractor, implemented, exempt)
	po.WageSystems = out
	return po
}

func (s *Server) projectList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, projectSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.ProjectListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		TownCode: queryText(c, "town_code"), Status: qe.enum(c, "status", registry.ProjectStatuses),
		Industry: qe.enum(c, "industry", registry.Industries), BuilderID: qe.id(c, "builder_id"),
		ContractorID: qe.id(c, "contractor_id"), EnterpriseID: qe.id(c, "enterprise_id"), Active: qe.boolean(c, "active"),
		Q: qe.like(c, "q"), StartFrom: qe.date(c, "start_from"), StartTo: qe.date(c, "start_to"),
		WageSystemMissing: qe.enum(c, "wage_system_missing", registry.WageSystems), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.ProjectListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.ProjectList(c.UserContext(), arg)
	}, func(r dbq.ProjectListRow) int64 { return r.Total }, func(r dbq.ProjectListRow) projectOut {
		return projectFrom(r.Project, r.BuilderName, r.ContractorName, int(r.ImplementedCount), int(r.ExemptCount))
	})
}

// projectGetScoped loads a project the caller may see (else not found):
// ProjectList narrowed to the id.
func projectGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.ProjectListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.ProjectList(c.UserContext(), dbq.ProjectListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

// projectManaged loads a project the caller may see and change (see
// canManageProject).
func projectManaged(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.ProjectListRow, error) {
	r, err := projectGetScoped(c, q, id)
	if err == nil && !canManageProject(scopeOf(c), r.Project.TownCode, r.Project.BuilderID, r.Project.ContractorID) {
		return r, errProjectNotYours
	}
	return r, err
}

// projectOutFull loads the wage systems of a project and renders both.
func projectOutFull(c *fiber.Ctx, q *dbq.Queries, p dbq.Project, builder, contractor string) (projectOut, error) {
	systems, err := q.ProjectWageSystemList(c.UserContext(), p.ID)
	if err != nil {
		return projectOut{}, err
	}
	return projectWithSystems(p, builder, contractor, systems), nil
}

// projectOutByID loads a project the caller may see with its wage systems.
func projectOutByID(c *fiber.Ctx, q *dbq.Queries, id int64) (projectOut, error) {
	r, err := projectGetScoped(c, q, id)
	if err != nil {
		return projectOut{}, err
	}
	return projectOutFull(c, q, r.Project, r.BuilderName, r.ContractorName)
}

func (s *Server) projectGet(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := projectOutByID(c, db.Q(s.deps.Pool), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

var projectCodeRe = regexp.MustCompile(`^[0-9A-Za-z-]{4,32}$`)

// validate checks the fields present in in; on create every required field
// must be present. Rules across fields are checked by checkMerged.
func (in *projectIn) validate(create bool) error {
	var v check
	// A field that is sent must not be blank, on update too.
	v.text("code", in.Code, create || in.Code != nil, 32)
	if in.Code != nil && v.ok("code") && !projectCodeRe.MatchString(*in.Code) {
		v.fail("code", "invalid_code", "项目编号应为4到32位字母、数字或连字符")
	}
	v.text("name", in.Name, create || in.Name != nil, 128)
	v.text("town_code", in.TownCode, create || in.TownCode != nil, 12)
	v.enum("industry", in.Industry, create, registry.Industries)
	v.positiveID("builder_id", in.BuilderID, create)
	v.positiveID("contractor_id", in.ContractorID, create)
	v.fen("contract_value_fen", in.ContractValueFen, create)
	v.dateSane("start_date", in.StartDate, create)
	v.dateSane("planned_end_date", in.PlannedEndDate, create)
	v.dateSane("completed_on", in.CompletedOn, false)
	v.enum("status", in.Status, false, registry.ProjectStatuses)
	v.text("address", in.Address, false, 256)
	if !create {
		v.required("version", in.Version != nil)
	}
	return v.err()
}

// checkMerged checks the rules across fields of the project as it will be
// stored, naming the field the request set (or the one it should set).
func (in *projectIn) checkMerged(p dbq.ProjectUpdateParams, today time.Time) error {
	var v check
	if p.PlannedEndDate.Before(p.StartDate) {
		v.fail("planned_end_date", "invalid_date_range", "计划竣工日期不能早于开工日期")
	}
	if p.Status == "completed" {
		switch {
		case p.CompletedOn == nil:
			v.fail("completed_on", "required", "竣工项目须填写竣工日期")
		case p.CompletedOn.Before(p.StartDate):
			v.fail("completed_on", "invalid_date_range", "竣工日期不能早于开工日期")
		case p.CompletedOn.After(today):
			v.fail("completed_on", "future_date", "竣工日期不能晚于今天")
		}
	} else if in.CompletedOn != nil {
		v.fail("completed_on", "not_completed", "仅竣工项目可填写竣工日期")
	}
	return v.err()
}

// projectParties checks that builder and contractor exist, are active and
// have the right type. Only the ids passed are checked, so an update that
// does not touch them is not refused for a later change of the enterprise.
func projectParties(c *fiber.Ctx, q *dbq.Queries, builder, contractor *int64) error {
	var v check
	if builder != nil {
		if err := partyCheck(c, q, &v, "builder_id", *builder, "建设单位", "builder"); err != nil {
			return err
		}
	}
	if contractor != nil {
		if err := partyCheck(c, q, &v, "contractor_id", *contractor, "施工总承包单位", "general_contractor"); err != nil {
			return err
		}
	}
	return v.err()
}

// partyCheck records under field whether enterprise id is missing,
// inactive or of none of the types; what names the role in messages. The
// error is for database failures only.
func partyCheck(c *fiber.Ctx, q *dbq.Queries, v *check, field string, id int64, what string, types ...string) error {
	e, err := q.ProjectEnterpriseGet(c.UserContext(), id)
	if errors.Is(err, db.ErrNotFound) {
		v.fail(field, "reference_not_found", what+"不存在")
		return nil
	}
	if err != nil {
		return err
	}
	ok := false
	for _, t := range types {
		ok = ok || e.Type == t
	}
	switch {
	case !ok:
		labels := make([]string, len(types))
		for i, t := range types {
			labels[i] = registry.EnterpriseTypes.Label(t)
		}
		v.fail(field, "wrong_enterprise_type", what+"须为企业类型为“"+strings.Join(labels, "”或“")+"”的企业")
	case !e.Active:
		v.fail(field, "enterprise_inactive", what+"已停用")
	}
	return nil
}

// canManageProject is the interim rule (until casbin permissions land) for
// who may create or change a project: the city, the project's town, or
// its builder or general contractor.
func canManageProject(sc Scope, town string, builder, contractor int64) bool {
	if sc.IsCity() {
		return true
	}
	if t, ok := sc.TownCode(); ok {
		return t == town
	}
	if e, ok := sc.EnterpriseID(); ok {
		return e == builder || e == contractor
	}
	return false // project staff, workers, and no scope
}

var errProjectNotYours = &Error{Status: http.StatusForbidden, Code: "forbidden",
	Message: "只能登记和修改本镇街的项目，或本企业作为建设单位或施工总承包单位的项目"}

func (s *Server) projectCreate(c *fiber.Ctx) error {
	var in projectIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	p := dbq.ProjectUpdateParams{Code: *in.Code, Name: *in.Name, TownCode: *in.TownCode, Industry: *in.Industry,
		BuilderID: *in.BuilderID, ContractorID: *in.ContractorID, ContractValueFen: *in.ContractValueFen,
		StartDate: in.StartDate.Time, PlannedEndDate: in.PlannedEndDate.Time, CompletedOn: timePtr(in.CompletedOn),
		Status: "in_construction", Address: deref(in.Address)}
	set(&p.Status, in.Status)
	if err := in.checkMerged(p, s.today()); err != nil {
		return err
	}
	if sc := scopeOf(c); !canManageProject(sc, p.TownCode, p.BuilderID, p.ContractorID) {
		if sc.Level() == db.LevelTown {
			return errField("town_code", "out_of_scope", "只能登记本镇街的项目")
		}
		return errProjectNotYours
	}
	var out projectOut
	err := s.inTx(c, func(q *dbq.Queries) error {
		if err := projectParties(c, q, &p.BuilderID, &p.ContractorID); err != nil {
			return err
		}
		created, err := q.ProjectCreate(c.UserContext(), dbq.ProjectCreateParams{Code: p.Code, Name: p.Name, TownCode: p.TownCode,
			Industry: p.Industry, BuilderID: p.BuilderID, ContractorID: p.ContractorID, ContractValueFen: p.ContractValueFen,
			StartDate: p.StartDate, PlannedEndDate: p.PlannedEndDate, CompletedOn: p.CompletedOn, Status: p.Status, Address: p.Address})
		if err != nil {
			return err
		}
		if err := q.ProjectWageSystemsCreate(c.UserContext(), dbq.ProjectWageSystemsCreateParams{
			ProjectID: created.ID, Systems: registry.WageSystems.Codes}); err != nil {
			return err
		}
		out, err = projectOutByID(c, q, created.ID)
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) projectUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in projectIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	return changeRow(s, c, id, projectManaged, func(q *dbq.Queries, cur dbq.ProjectListRow) (projectOut, error) {
		sc := scopeOf(c)
		old := cur.Project
		p := dbq.ProjectUpdateParams{ID: id, Version: *in.Version, Code: old.Code, Name: old.Name, TownCode: old.TownCode,
			Industry: old.Industry, BuilderID: old.BuilderID, ContractorID: old.ContractorID, ContractValueFen: old.ContractValueFen,
			StartDate: old.StartDate, PlannedEndDate: old.PlannedEndDate, CompletedOn: old.CompletedOn, Status: old.Status, Address: old.Address}
		set(&p.Code, in.Code)
		set(&p.Name, in.Name)
		set(&p.TownCode, in.TownCode)
		set(&p.Industry, in.Industry)
		set(&p.BuilderID, in.BuilderID)
		set(&p.ContractorID, in.ContractorID)
		set(&p.ContractValueFen, in.ContractValueFen)
		set(&p.Status, in.Status)
		set(&p.Address, in.Address)
		if in.StartDate != nil {
			p.StartDate = in.StartDate.Time
		}
		if in.PlannedEndDate != nil {
			p.PlannedEndDate = in.PlannedEndDate.Time
		}
		if in.CompletedOn != nil {
			p.CompletedOn = timePtr(in.CompletedOn)
		}
		if p.Status != "completed" {
			p.CompletedOn = nil
		}
		if err := in.checkMerged(p, s.today()); err != nil {
			return projectOut{}, err
		}
		if !canManageProject(sc, p.TownCode, p.BuilderID, p.ContractorID) {
			if sc.Level() == db.LevelTown {
				return projectOut{}, errField("town_code", "out_of_scope", "不能将项目移出本镇街")
			}
			return projectOut{}, errField("builder_id", "out_of_scope", "修改后本企业须仍为项目的建设单位或施工总承包单位")
		}
		var builder, contractor *int64
		if p.BuilderID != old.BuilderID {
			builder = &p.BuilderID
		}
		if p.ContractorID != old.ContractorID {
			contractor = &p.ContractorID
		}
		if err := projectParties(c, q, builder, contractor); err != nil {
			return projectOut{}, err
		}
		if _, err := q.ProjectUpdate(c.UserContext(), p); err != nil {
			return projectOut{}, versioned(err)
		}
		// The rules above keep the project in the caller's scope.
		return projectOutByID(c, q, id)
	})
}

func (s *Server) projectSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, projectManaged, (*dbq.Queries).ProjectSetActive,
		func(c *fiber.Ctx, q *dbq.Queries, cur dbq.ProjectListRow, p dbq.Project) (any, error) {
			return projectOutFull(c, q, p, cur.BuilderName, cur.ContractorName)
		})
}

// projectWageSystemUpdate records the state of one wage system. Anyone who
// sees the project may, except workers: enterprises and project staff
// submit evidence, officers check it.
func (s *Server) projectWageSystemUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	system := c.Params("system")
	if !registry.WageSystems.Has(system) {
		return errNotFound
	}
	system = strings.Clone(system)
	var in wageSystemIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	v.enum("state", in.State, false, registry.WageSystemStates)
	v.text("evidence", in.Evidence, false, 2000)
	v.dateSane("checked_on", in.CheckedOn, false)
	if in.CheckedOn != nil && in.CheckedOn.After(s.today()) {
		v.fail("checked_on", "future_date", "核查日期不能晚于今天")
	}
	if err := v.err(); err != nil {
		return err
	}
	return changeRow(s, c, id, projectGetScoped, func(q *dbq.Queries, _ dbq.ProjectListRow) (wageSystemOut, error) {
		cur, err := q.ProjectWageSystemGet(c.UserContext(), dbq.ProjectWageSystemGetParams{ProjectID: id, System: system})
		if err != nil {
			return wageSystemOut{}, err
		}
		p := dbq.ProjectWageSystemUpdateParams{ProjectID: id, System: system, Version: *in.Version,
			State: cur.State, Evidence: cur.Evidence, CheckedOn: cur.CheckedOn}
		set(&p.State, in.State)
		set(&p.Evidence, in.Evidence)
		if in.CheckedOn != nil {
			p.CheckedOn = timePtr(in.CheckedOn)
		}
		if (p.State == "implemented" || p.State == "exempt") && p.Evidence == "" {
			return wageSystemOut{}, errField("evidence", "evidence_required", "已落实或豁免须填写依据")
		}
		w, err := q.ProjectWageSystemUpdate(c.UserContext(), p)
		if err != nil {
			return wageSystemOut{}, versioned(err)
		}
		return wageSystemFrom(w), nil
	})
}
