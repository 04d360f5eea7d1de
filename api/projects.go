package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// Projects and their six wage systems 六项制度 (SPEC R2). A project is
// created together with its six wage-system rows, all missing; each row
// then moves on its own (with its own version) as evidence comes in.
//
// This file also holds what the registry handlers of projects, teams,
// workers and employments share: the write rules of the interim
// permission model, request decoding that names the bad field of a date
// and tells an explicit null from an absent field, and "today".

type projectOut struct {
	ID                 int64           `json:"id"`
	Code               string          `json:"code"`
	Name               string          `json:"name"`
	TownCode           string          `json:"town_code"`
	Industry           string          `json:"industry" enum:"housing,municipal,transport,water,energy,other"`
	IndustryLabel      string          `json:"industry_label"`
	BuilderID          int64           `json:"builder_id"`
	BuilderName        string          `json:"builder_name"`
	ContractorID       int64           `json:"contractor_id"`
	ContractorName     string          `json:"contractor_name"`
	ContractValueFen   int64           `json:"contract_value_fen" doc:"contract value in fen (1/100 yuan)"`
	StartDate          Date            `json:"start_date"`
	PlannedEndDate     Date            `json:"planned_end_date"`
	CompletedOn        *Date           `json:"completed_on"`
	Status             string          `json:"status" enum:"in_construction,stopped,completed"`
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
	System      string    `json:"system" enum:"real_name,wage_account,contractor_pays,guarantee_deposit,notice_board,bank_payroll"`
	SystemLabel string    `json:"system_label"`
	State       string    `json:"state" enum:"missing,partial,implemented,exempt"`
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
	s.add(route{Method: "GET", Path: "/projects", Tag: "projects", Summary: "List projects in scope",
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
	s.add(route{Method: "GET", Path: "/projects/:id", Tag: "projects", Summary: "Get a project with its six wage systems", Out: projectOut{}, Handler: s.projectGet})
	s.add(route{Method: "POST", Path: "/projects", Tag: "projects", Summary: "Register a project (and its six wage systems, all missing)", Body: projectIn{}, Out: projectOut{}, Status: 201, Handler: s.projectCreate})
	s.add(route{Method: "PATCH", Path: "/projects/:id", Tag: "projects", Summary: "Update a project", Body: projectIn{}, Out: projectOut{}, Handler: s.projectUpdate})
	s.add(route{Method: "POST", Path: "/projects/:id/deactivate", Tag: "projects", Summary: "Deactivate a project", Body: activeIn{}, Out: projectOut{}, Handler: s.projectSetActive(false)})
	s.add(route{Method: "POST", Path: "/projects/:id/reactivate", Tag: "projects", Summary: "Reactivate a project", Body: activeIn{}, Out: projectOut{}, Handler: s.projectSetActive(true)})
	s.add(route{Method: "PATCH", Path: "/projects/:id/wage-systems/:system", Tag: "projects", Summary: "Update the state and evidence of one wage system of a project",
		Body: wageSystemIn{}, Out: wageSystemOut{}, Handler: s.projectWageSystemUpdate})
}

func projectFrom(p dbq.Project, builder, contractor string, implemented, exempt int) projectOut {
	return projectOut{ID: p.ID, Code: p.Code, Name: p.Name, TownCode: p.TownCode,
		Industry: p.Industry, IndustryLabel: registry.Industries.Label(p.Industry),
		BuilderID: p.BuilderID, BuilderName: builder, ContractorID: p.ContractorID, ContractorName: contractor,
		ContractValueFen: p.ContractValueFen, StartDate: Date{p.StartDate}, PlannedEndDate: Date{p.PlannedEndDate},
		CompletedOn: datePtr(p.CompletedOn), Status: p.Status, StatusLabel: registry.ProjectStatuses.Label(p.Status),
		Address: p.Address, ImplementedCount: implemented, ExemptCount: exempt,
		FullyImplemented: implemented+exempt == len(registry.WageSystems.Codes),
		Active:           p.Active, DeactivationReason: p.DeactivationReason, Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func wageSystemFrom(w dbq.ProjectWageSystem) wageSystemOut {
	return wageSystemOut{System: w.System, SystemLabel: registry.WageSystems.Label(w.System),
		State: w.State, StateLabel: registry.WageSystemStates.Label(w.State), Evidence: w.Evidence,
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
	arg := dbq.ProjectListParams{ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise, ScopeProject: sc.Project, ScopeWorker: sc.Worker,
		TownCode: queryText(c, "town_code"), Sort: p.Sort, Lim: p.limit(), Off: p.offset()}
	var qerr queryErrs
	arg.Status = qerr.enum(c, "status", registry.ProjectStatuses)
	arg.Industry = qerr.enum(c, "industry", registry.Industries)
	arg.BuilderID = qerr.id(c, "builder_id")
	arg.ContractorID = qerr.id(c, "contractor_id")
	arg.EnterpriseID = qerr.id(c, "enterprise_id")
	arg.Active = qerr.boolean(c, "active")
	arg.Q = qerr.like(c, "q")
	arg.StartFrom = qerr.date(c, "start_from")
	arg.StartTo = qerr.date(c, "start_to")
	arg.WageSystemMissing = qerr.enum(c, "wage_system_missing", registry.WageSystems)
	if err := qerr.err(); err != nil {
		return err
	}
	rows, err := dbq.New(listDB{s.deps.Pool}).ProjectList(c.UserContext(), arg)
	if err != nil {
		return err
	}
	out := make([]projectOut, len(rows))
	var total int64
	for i, r := range rows {
		out[i] = projectFrom(r.Project, r.BuilderName, r.ContractorName, int(r.ImplementedCount), int(r.ExemptCount))
		total = r.Total
	}
	return listResponse(c, p, out, total)
}

// projectGetScoped loads a project the caller may see (else not found).
func (s *Server) projectGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.ProjectGetRow, error) {
	sc := scopeOf(c)
	return q.ProjectGet(c.UserContext(), dbq.ProjectGetParams{ID: id,
		ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise, ScopeProject: sc.Project, ScopeWorker: sc.Worker})
}

// projectOutFull loads the wage systems of a project and renders both.
func (s *Server) projectOutFull(c *fiber.Ctx, q *dbq.Queries, p dbq.Project, builder, contractor string) (projectOut, error) {
	systems, err := q.ProjectWageSystemList(c.UserContext(), p.ID)
	if err != nil {
		return projectOut{}, err
	}
	return projectWithSystems(p, builder, contractor, systems), nil
}

func (s *Server) projectGet(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := dbq.New(s.deps.Pool)
	r, err := s.projectGetScoped(c, q, id)
	if err != nil {
		return err
	}
	out, err := s.projectOutFull(c, q, r.Project, r.BuilderName, r.ContractorName)
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
	v.positiveRef("builder_id", in.BuilderID, create)
	v.positiveRef("contractor_id", in.ContractorID, create)
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
	if errors.Is(err, pgx.ErrNoRows) {
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
	switch {
	case sc.Worker != nil || sc.Project != nil:
		return false
	case sc.Town != nil:
		return *sc.Town == town
	case sc.Enterprise != nil:
		return *sc.Enterprise == builder || *sc.Enterprise == contractor
	}
	return true
}

var errProjectNotYours = &Error{Status: http.StatusForbidden, Code: "forbidden",
	Message: "只能登记和修改本镇街的项目，或本企业作为建设单位或施工总承包单位的项目"}

func (s *Server) projectCreate(c *fiber.Ctx) error {
	if sc := scopeOf(c); sc.Worker != nil || sc.Project != nil {
		return errForbidden
	}
	var in projectIn
	if _, err := decodeRegistryBody(c, &in); err != nil {
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
	if err := in.checkMerged(p, s.registryToday()); err != nil {
		return err
	}
	if sc := scopeOf(c); !canManageProject(sc, p.TownCode, p.BuilderID, p.ContractorID) {
		if sc.Town != nil {
			return errField("town_code", "out_of_scope", "只能登记本镇街的项目")
		}
		return errProjectNotYours
	}
	var out projectOut
	err := db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
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
		r, err := s.projectGetScoped(c, q, created.ID)
		if err != nil {
			return err
		}
		out, err = s.projectOutFull(c, q, r.Project, r.BuilderName, r.ContractorName)
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
	if _, err := decodeRegistryBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	var out projectOut
	err = db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
		cur, err := s.projectGetScoped(c, q, id)
		if err != nil {
			return err
		}
		sc := scopeOf(c)
		old := cur.Project
		if !canManageProject(sc, old.TownCode, old.BuilderID, old.ContractorID) {
			return errProjectNotYours
		}
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
		if err := in.checkMerged(p, s.registryToday()); err != nil {
			return err
		}
		if !canManageProject(sc, p.TownCode, p.BuilderID, p.ContractorID) {
			if sc.Town != nil {
				return errField("town_code", "out_of_scope", "不能将项目移出本镇街")
			}
			return errField("builder_id", "out_of_scope", "修改后本企业须仍为项目的建设单位或施工总承包单位")
		}
		var builder, contractor *int64
		if p.BuilderID != old.BuilderID {
			builder = &p.BuilderID
		}
		if p.ContractorID != old.ContractorID {
			contractor = &p.ContractorID
		}
		if err := projectParties(c, q, builder, contractor); err != nil {
			return err
		}
		if _, err := q.ProjectUpdate(c.UserContext(), p); err != nil {
			return versioned(err)
		}
		// The rules above keep the project in the caller's scope.
		r, err := s.projectGetScoped(c, q, id)
		if err != nil {
			return err
		}
		out, err = s.projectOutFull(c, q, r.Project, r.BuilderName, r.ContractorName)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) projectSetActive(active bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		in, err := decodeActive(c, active)
		if err != nil {
			return err
		}
		var out projectOut
		err = db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
			cur, err := s.projectGetScoped(c, q, id)
			if err != nil {
				return err
			}
			if !canManageProject(scopeOf(c), cur.Project.TownCode, cur.Project.BuilderID, cur.Project.ContractorID) {
				return errProjectNotYours
			}
			p, err := q.ProjectSetActive(c.UserContext(), dbq.ProjectSetActiveParams{ID: id, Active: active, Reason: in.Reason, Version: *in.Version})
			if err != nil {
				return versioned(err)
			}
			out, err = s.projectOutFull(c, q, p, cur.BuilderName, cur.ContractorName)
			return err
		})
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// projectWageSystemUpdate records the state of one wage system. Anyone who
// sees the project may, except workers: enterprises and project staff
// submit evidence, officers check it.
func (s *Server) projectWageSystemUpdate(c *fiber.Ctx) error {
	if err := registryWriter(c); err != nil {
		return err
	}
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
	if _, err := decodeRegistryBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	v.enum("state", in.State, false, registry.WageSystemStates)
	v.text("evidence", in.Evidence, false, 2000)
	v.dateSane("checked_on", in.CheckedOn, false)
	if in.CheckedOn != nil && in.CheckedOn.After(s.registryToday()) {
		v.fail("checked_on", "future_date", "核查日期不能晚于今天")
	}
	if err := v.err(); err != nil {
		return err
	}
	var out dbq.ProjectWageSystem
	err = db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
		if _, err := s.projectGetScoped(c, q, id); err != nil {
			return err
		}
		cur, err := q.ProjectWageSystemGet(c.UserContext(), dbq.ProjectWageSystemGetParams{ProjectID: id, System: system})
		if err != nil {
			return err
		}
		p := dbq.ProjectWageSystemUpdateParams{ProjectID: id, System: system, Version: *in.Version,
			State: cur.State, Evidence: cur.Evidence, CheckedOn: cur.CheckedOn}
		set(&p.State, in.State)
		set(&p.Evidence, in.Evidence)
		if in.CheckedOn != nil {
			p.CheckedOn = timePtr(in.CheckedOn)
		}
		if (p.State == "implemented" || p.State == "exempt") && p.Evidence == "" {
			return errField("evidence", "evidence_required", "已落实或豁免须填写依据")
		}
		out, err = q.ProjectWageSystemUpdate(c.UserContext(), p)
		return versioned(err)
	})
	if err != nil {
		return err
	}
	return c.JSON(wageSystemFrom(out))
}

// registryWriter refuses registry writes by workers: records are kept by
// officers, enterprises and project staff.
func registryWriter(c *fiber.Ctx) error {
	if scopeOf(c).Worker != nil {
		return errForbidden
	}
	return nil
}

// registryZone is the zone in which "today" is reckoned (China, no
// daylight saving).
var registryZone = time.FixedZone("CST", 8*3600)

// registryToday is today's date in China as a UTC midnight, the form in
// which dates are parsed and read from the database.
func (s *Server) registryToday() time.Time {
	y, m, d := s.deps.Now().In(registryZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// queryErrs collects the bad query parameters of one list request, so
// that the client hears about all of them at once (400, each named).
type queryErrs struct{ fields map[string]string }

func (q *queryErrs) add(err error) {
	if err == nil {
		return
	}
	if q.fields == nil {
		q.fields = map[string]string{}
	}
	var e *Error
	if errors.As(err, &e) {
		for k, m := range e.Fields {
			q.fields[k] = m
		}
	}
}

func (q *queryErrs) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: q.fields}
}

func (q *queryErrs) id(c *fiber.Ctx, name string) *int64 {
	v, err := queryID(c, name)
	q.add(err)
	return v
}

func (q *queryErrs) boolean(c *fiber.Ctx, name string) *bool {
	v, err := queryBool(c, name)
	q.add(err)
	return v
}

func (q *queryErrs) enum(c *fiber.Ctx, name string, allowed registry.Enum) *string {
	v, err := queryEnum(c, name, allowed)
	q.add(err)
	return v
}

func (q *queryErrs) like(c *fiber.Ctx, name string) *string {
	v, err := queryLike(c, name)
	q.add(err)
	return v
}

func (q *queryErrs) date(c *fiber.Ctx, name string) *time.Time {
	v, err := queryDate(c, name)
	q.add(err)
	return timePtr(v)
}

// positiveRef checks an id a request refers to.
func (v *check) positiveRef(field string, id *int64, required bool) {
	if id == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	if *id <= 0 {
		v.fail(field, "invalid_value", "应为正整数")
	}
}

// bodyKeys are the top-level keys of a request body with their raw
// values, so that a handler can tell an explicit null (clear the field)
// from an absent field (keep it).
type bodyKeys map[string]json.RawMessage

func (k bodyKeys) null(name string) bool { return string(k[name]) == "null" }

// decodeRegistryBody is decodeBody that also returns the body's keys and,
// when a date is malformed, names the field (Date's own decoding error
// cannot know it and says "date").
func decodeRegistryBody(c *fiber.Ctx, dst any) (bodyKeys, error) {
	err := decodeBody(c, dst)
	var keys bodyKeys
	_ = json.Unmarshal(c.Body(), &keys) // decodeBody has checked it is one object
	var e *Error
	if errors.As(err, &e) && e.Fields["date"] != "" {
		if field := badDateField(dst, keys); field != "" {
			msg := e.Fields["date"]
			return nil, &Error{Status: e.Status, Code: e.Code, Message: msg, Fields: map[string]string{field: msg}}
		}
	}
	return keys, err
}

// badDateField finds the Date field of the struct dst points to whose
// value in keys does not parse.
func badDateField(dst any, keys bodyKeys) string {
	t := reflect.TypeOf(dst)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft != dateType {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		raw, ok := keys[name]
		if !ok || string(raw) == "null" {
			continue
		}
		var d Date
		if d.UnmarshalJSON(raw) != nil {
			return name
		}
	}
	return ""
}
