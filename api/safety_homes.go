package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
)

// Wage-safety homes 安薪之家, their supervisors 安薪监督员 and activities.
// They belong to a town (optionally hosted by a project of that town).
// The city reads and writes all of them, a town those of the town.
// Enterprises, projects and workers may read the homes (with their
// supervisors and activities) in the towns of their projects — for a
// worker, the projects they were employed on — so that a worker can find
// the home near their site; they cannot write. Supervisors' phones are
// personal data: encrypted at rest, shown masked.

type safetyHomeOut struct {
	ID                 int64     `json:"id"`
	TownCode           string    `json:"town_code"`
	ProjectID          *int64    `json:"project_id"`
	Name               string    `json:"name"`
	Address            string    `json:"address"`
	EstablishedOn      Date      `json:"established_on"`
	SupervisorCount    int64     `json:"supervisor_count" doc:"active supervisors"`
	ActivityCount      int64     `json:"activity_count" doc:"active activity records"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type safetyHomeIn struct {
	TownCode      *string `json:"town_code,omitempty" required:"true" doc:"create only"`
	ProjectID     *int64  `json:"project_id,omitempty" doc:"a project in the town that hosts the home; 0 clears"`
	Name          *string `json:"name,omitempty" required:"true"`
	Address       *string `json:"address,omitempty"`
	EstablishedOn *string `json:"established_on,omitempty" required:"true" doc:"YYYY-MM-DD, not in the future"`
	Version       *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type supervisorOut struct {
	ID                 int64     `json:"id"`
	HomeID             int64     `json:"home_id"`
	TownCode           string    `json:"town_code"`
	Name               string    `json:"name"`
	Phone              string    `json:"phone" doc:"masked"`
	PartyMember        bool      `json:"party_member"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type supervisorIn struct {
	HomeID      *int64  `json:"home_id,omitempty" required:"true" doc:"create only"`
	Name        *string `json:"name,omitempty" required:"true"`
	Phone       *string `json:"phone,omitempty" doc:"mobile or fixed-line; empty string clears it"`
	PartyMember *bool   `json:"party_member,omitempty"`
	Version     *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type activityOut struct {
	ID                 int64     `json:"id"`
	HomeID             int64     `json:"home_id"`
	TownCode           string    `json:"town_code"`
	HeldOn             Date      `json:"held_on"`
	Title              string    `json:"title"`
	Kind               string    `json:"kind" codes:"activity_kinds"`
	KindLabel          string    `json:"kind_label"`
	Participants       int32     `json:"participants"`
	Description        string    `json:"description"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type activityIn struct {
	HomeID       *int64  `json:"home_id,omitempty" required:"true" doc:"create only"`
	HeldOn       *string `json:"held_on,omitempty" required:"true" doc:"YYYY-MM-DD"`
	Title        *string `json:"title,omitempty" required:"true"`
	Kind         *string `json:"kind,omitempty" required:"true" enum:"publicity,mediation,inspection,other"`
	Participants *int32  `json:"participants,omitempty" doc:">= 0"`
	Description  *string `json:"description,omitempty"`
	Version      *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

func safetyHomeFrom(h dbq.SafetyHome, supervisors, activities int64) safetyHomeOut {
	return safetyHomeOut{ID: h.ID, TownCode: h.TownCode, ProjectID: h.ProjectID, Name: h.Name, Address: h.Address,
		EstablishedOn: Date{h.EstablishedOn}, SupervisorCount: supervisors, ActivityCount: activities, Active: h.Active,
		DeactivationReason: h.DeactivationReason, Version: h.Version, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt}
}

func (s *Server) supervisorFrom(r dbq.SafetySupervisor, townCode string) supervisorOut {
	return supervisorOut{ID: r.ID, HomeID: r.HomeID, TownCode: townCode, Name: r.Name, Phone: s.maskedPhone(r.PhoneEnc),
		PartyMember: r.PartyMember, Active: r.Active, DeactivationReason: r.DeactivationReason, Version: r.Version,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func activityFrom(a dbq.SafetyActivity, townCode string) activityOut {
	return activityOut{ID: a.ID, HomeID: a.HomeID, TownCode: townCode, HeldOn: Date{a.HeldOn}, Title: a.Title, Kind: a.Kind,
		Participants: a.Participants, Description: a.Description, Active: a.Active, DeactivationReason: a.DeactivationReason,
		Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

var (
	safetyHomeSorts = []string{"name", "established_on", "-established_on", "-id"}
	supervisorSorts = []string{"name", "-id"}
	activitySorts   = []string{"held_on", "-held_on", "-id"}
)

func (s *Server) safetyHomeRoutes() {
	s.add(route{Method: "GET", Path: "/safety-homes", Perm: "safety:read", Tag: "safety-homes", Summary: "List wage-safety homes in scope",
		Query: append(pageParams(safetyHomeSorts...),
			param{Name: "town_code", Type: "string"},
			param{Name: "project_id", Type: "integer"},
			param{Name: "active", Type: "boolean"},
			param{Name: "q", Type: "string", Desc: "name contains"}),
		Out: listOut[safetyHomeOut]{}, Handler: s.safetyHomeList})
	s.add(route{Method: "GET", Path: "/safety-homes/:id", Perm: "safety:read", Tag: "safety-homes", Summary: "Get a wage-safety home", Out: safetyHomeOut{}, Handler: getHandler(s, idParam, safetyHomeGetScoped, homeRowOut)})
	s.add(route{Method: "POST", Path: "/safety-homes", Perm: "safety:write", Tag: "safety-homes", Summary: "Register a wage-safety home (city or its town)", Body: safetyHomeIn{}, Out: safetyHomeOut{}, Status: 201, Handler: s.safetyHomeCreate})
	s.add(route{Method: "PATCH", Path: "/safety-homes/:id", Perm: "safety:write", Tag: "safety-homes", Summary: "Update a wage-safety home", Body: safetyHomeIn{}, Out: safetyHomeOut{}, Handler: s.safetyHomeUpdate})
	s.add(route{Method: "POST", Path: "/safety-homes/:id/deactivate", Perm: "safety:write", Tag: "safety-homes", Summary: "Deactivate a wage-safety home", Body: activeIn{}, Out: safetyHomeOut{}, Handler: s.safetyHomeSetActive(false)})
	s.add(route{Method: "POST", Path: "/safety-homes/:id/reactivate", Perm: "safety:write", Tag: "safety-homes", Summary: "Reactivate a wage-safety home", Body: activeIn{}, Out: safetyHomeOut{}, Handler: s.safetyHomeSetActive(true)})

	s.add(route{Method: "GET", Path: "/safety-supervisors", Perm: "safety:read", Tag: "safety-homes", Summary: "List wage-safety supervisors in scope (phones masked)",
		Query: append(pageParams(supervisorSorts...),
			param{Name: "home_id", Type: "integer"},
			param{Name: "town_code", Type: "string"},
			param{Name: "party_member", Type: "boolean"},
			param{Name: "active", Type: "boolean"}),
		Out: listOut[supervisorOut]{}, Handler: s.supervisorList})
	s.add(route{Method: "GET", Path: "/safety-supervisors/:id", Perm: "safety:read", Tag: "safety-homes", Summary: "Get a wage-safety supervisor", Out: supervisorOut{}, Handler: getHandler(s, idParam, supervisorGetScoped, s.supervisorRowOut)})
	s.add(route{Method: "POST", Path: "/safety-supervisors", Perm: "safety:write", Tag: "safety-homes", Summary: "Add a supervisor to a home", Body: supervisorIn{}, Out: supervisorOut{}, Status: 201, Handler: s.supervisorCreate})
	s.add(route{Method: "PATCH", Path: "/safety-supervisors/:id", Perm: "safety:write", Tag: "safety-homes", Summary: "Update a supervisor", Body: supervisorIn{}, Out: supervisorOut{}, Handler: s.supervisorUpdate})
	s.add(route{Method: "POST", Path: "/safety-supervisors/:id/deactivate", Perm: "safety:write", Tag: "safety-homes", Summary: "Deactivate a supervisor", Body: activeIn{}, Out: supervisorOut{}, Handler: s.supervisorSetActive(false)})
	s.add(route{Method: "POST", Path: "/safety-supervisors/:id/reactivate", Perm: "safety:write", Tag: "safety-homes", Summary: "Reactivate a supervisor", Body: activeIn{}, Out: supervisorOut{}, Handler: s.supervisorSetActive(true)})

	s.add(route{Method: "GET", Path: "/safety-activities", Perm: "safety:read", Tag: "safety-homes", Summary: "List wage-safety home activities in scope",
		Query: append(pageParams(activitySorts...),
			param{Name: "home_id", Type: "integer"},
			param{Name: "town_code", Type: "string"},
			param{Name: "kind", Type: "string", Enum: registry.ActivityKinds.Codes},
			param{Name: "date_from", Type: "string", Desc: "YYYY-MM-DD"},
			param{Name: "date_to", Type: "string", Desc: "YYYY-MM-DD"},
			param{Name: "active", Type: "boolean"}),
		Out: listOut[activityOut]{}, Handler: s.activityList})
	s.add(route{Method: "GET", Path: "/safety-activities/:id", Perm: "safety:read", Tag: "safety-homes", Summary: "Get a wage-safety home activity", Out: activityOut{}, Handler: getHandler(s, idParam, activityGetScoped, activityRowOut)})
	s.add(route{Method: "POST", Path: "/safety-activities", Perm: "safety:write", Tag: "safety-homes", Summary: "Record an activity of a home", Body: activityIn{}, Out: activityOut{}, Status: 201, Handler: s.activityCreate})
	s.add(route{Method: "PATCH", Path: "/safety-activities/:id", Perm: "safety:write", Tag: "safety-homes", Summary: "Update an activity", Body: activityIn{}, Out: activityOut{}, Handler: s.activityUpdate})
	s.add(route{Method: "POST", Path: "/safety-activities/:id/deactivate", Perm: "safety:write", Tag: "safety-homes", Summary: "Deactivate an activity record", Body: activeIn{}, Out: activityOut{}, Handler: s.activitySetActive(false)})
	s.add(route{Method: "POST", Path: "/safety-activities/:id/reactivate", Perm: "safety:write", Tag: "safety-homes", Summary: "Reactivate an activity record", Body: activeIn{}, Out: activityOut{}, Handler: s.activitySetActive(true)})
}

func (s *Server) safetyHomeList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, safetyHomeSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.SafetyHomeListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		TownCode: queryText(c, "town_code"), ProjectID: qe.id(c, "project_id"), Active: qe.boolean(c, "active"), Q: qe.like(c, "q"),
		Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.SafetyHomeListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.SafetyHomeList(c.UserContext(), arg)
	}, func(r dbq.SafetyHomeListRow) int64 { return r.Total }, func(r dbq.SafetyHomeListRow) safetyHomeOut {
		return safetyHomeFrom(r.SafetyHome, r.SupervisorCount, r.ActivityCount)
	})
}

// safetyHomeGetScoped loads a home the caller may see (else not found).
func safetyHomeGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.SafetyHomeListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.SafetyHomeList(c.UserContext(), dbq.SafetyHomeListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func homeRowOut(r dbq.SafetyHomeListRow) safetyHomeOut {
	return safetyHomeFrom(r.SafetyHome, r.SupervisorCount, r.ActivityCount)
}

func (in *safetyHomeIn) validate(create bool, today time.Time) (*time.Time, error) {
	var v check
	if create {
		v.text("town_code", in.TownCode, true, 12)
	} else {
		v.required("version", in.Version != nil)
		if in.TownCode != nil {
			v.fail("town_code", "immutable", "所属镇街不可修改")
		}
	}
	if in.ProjectID != nil && *in.ProjectID < 0 {
		v.fail("project_id", "invalid_value", "应为正整数，0表示清除")
	}
	v.text("name", in.Name, create, 128)
	v.text("address", in.Address, false, 256)
	d := v.dateField("established_on", in.EstablishedOn, create)
	v.notFuture("established_on", d, today)
	return d, v.err()
}

// homeProject checks that a hosting project is in the caller's scope and
// in the home's town; 0 means none.
func (s *Server) homeProject(c *fiber.Ctx, q *dbq.Queries, id int64, town string) (*int64, error) {
	if id == 0 {
		return nil, nil
	}
	ps, err := s.labourProjects(c, q, []int64{id})
	if err != nil {
		return nil, err
	}
	p, ok := ps[id]
	if !ok {
		return nil, errField("project_id", "reference_not_found", projectRefMsg)
	}
	if p.TownCode != town {
		return nil, errField("project_id", "project_other_town", "项目不在该安薪之家所属镇街")
	}
	return &id, nil
}

func (s *Server) safetyHomeCreate(c *fiber.Ctx) error {
	var in safetyHomeIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	est, err := in.validate(true, s.today())
	if err != nil {
		return err
	}
	if town, ok := scopeOf(c).TownCode(); ok && town != *in.TownCode {
		return errField("town_code", "out_of_scope", "只能登记本镇街的安薪之家")
	}
	var out dbq.SafetyHome
	err = s.inTx(c, func(q *dbq.Queries) error {
		project, err := s.homeProject(c, q, deref(in.ProjectID), *in.TownCode)
		if err != nil {
			return err
		}
		out, err = q.SafetyHomeCreate(c.UserContext(), dbq.SafetyHomeCreateParams{TownCode: *in.TownCode, ProjectID: project,
			Name: *in.Name, Address: deref(in.Address), EstablishedOn: *est})
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(safetyHomeFrom(out, 0, 0))
}

func (s *Server) safetyHomeUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in safetyHomeIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	est, err := in.validate(false, s.today())
	if err != nil {
		return err
	}
	return changeRow(s, c, id, safetyHomeGetScoped, func(q *dbq.Queries, cur dbq.SafetyHomeListRow) (safetyHomeOut, error) {
		h := cur.SafetyHome
		p := dbq.SafetyHomeUpdateParams{ID: id, Version: *in.Version, ProjectID: h.ProjectID, Name: h.Name, Address: h.Address,
			EstablishedOn: h.EstablishedOn}
		if in.ProjectID != nil {
			var err error
			if p.ProjectID, err = s.homeProject(c, q, *in.ProjectID, h.TownCode); err != nil {
				return safetyHomeOut{}, err
			}
		}
		set(&p.Name, in.Name)
		set(&p.Address, in.Address)
		if est != nil {
			p.EstablishedOn = *est
		}
		if _, err := q.SafetyHomeUpdate(c.UserContext(), p); err != nil {
			return safetyHomeOut{}, versioned(err)
		}
		r, err := safetyHomeGetScoped(c, q, id)
		return homeRowOut(r), err
	})
}

func (s *Server) safetyHomeSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, safetyHomeGetScoped, (*dbq.Queries).SafetyHomeSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.SafetyHomeListRow, h dbq.SafetyHome) (any, error) {
			cur.SafetyHome = h
			return homeRowOut(cur), nil
		})
}

// homeForChild finds the home a supervisor or activity is added to: in
// scope (else 422 on home_id, as for a home that does not exist) and
// active.
func (s *Server) homeForChild(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.SafetyHome, error) {
	h, err := safetyHomeGetScoped(c, q, id)
	if errors.Is(err, db.ErrNotFound) {
		return h.SafetyHome, errField("home_id", "reference_not_found", "安薪之家不存在或无权访问")
	}
	if err != nil {
		return h.SafetyHome, err
	}
	if !h.SafetyHome.Active {
		return h.SafetyHome, errField("home_id", "home_inactive", "安薪之家已停用")
	}
	return h.SafetyHome, nil
}

func (s *Server) supervisorList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, supervisorSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.SafetySupervisorListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		HomeID: qe.id(c, "home_id"), TownCode: queryText(c, "town_code"), PartyMember: qe.boolean(c, "party_member"),
		Active: qe.boolean(c, "active"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.SafetySupervisorListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.SafetySupervisorList(c.UserContext(), arg)
	}, func(r dbq.SafetySupervisorListRow) int64 { return r.Total }, func(r dbq.SafetySupervisorListRow) supervisorOut {
		return s.supervisorFrom(r.SafetySupervisor, r.TownCode)
	})
}

// supervisorGetScoped loads a supervisor the caller may see (else not found).
func supervisorGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.SafetySupervisorListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.SafetySupervisorList(c.UserContext(), dbq.SafetySupervisorListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func (s *Server) supervisorRowOut(r dbq.SafetySupervisorListRow) supervisorOut {
	return s.supervisorFrom(r.SafetySupervisor, r.TownCode)
}

func (in *supervisorIn) validate(create bool) error {
	var v check
	if create {
		v.positiveID("home_id", in.HomeID, true)
	} else {
		v.required("version", in.Version != nil)
	}
	v.text("name", in.Name, create, 64)
	v.text("phone", in.Phone, false, 32)
	if in.Phone != nil && *in.Phone != "" && v.ok("phone") {
		ph, err := ident.ParsePhone(*in.Phone)
		if err != nil {
			v.identErr("phone", err)
		} else {
			*in.Phone = ph.Number
		}
	}
	return v.err()
}

func (s *Server) supervisorCreate(c *fiber.Ctx) error {
	var in supervisorIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	enc, hash, err := s.sealPhone(in.Phone)
	if err != nil {
		return err
	}
	var out dbq.SafetySupervisor
	var town string
	err = s.inTx(c, func(q *dbq.Queries) error {
		h, err := s.homeForChild(c, q, *in.HomeID)
		if err != nil {
			return err
		}
		town = h.TownCode
		out, err = q.SafetySupervisorCreate(c.UserContext(), dbq.SafetySupervisorCreateParams{HomeID: h.ID, Name: *in.Name,
			PhoneEnc: enc, PhoneHash: hash, PartyMember: deref(in.PartyMember)})
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(s.supervisorFrom(out, town))
}

func (s *Server) supervisorUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in supervisorIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	return changeRow(s, c, id, supervisorGetScoped, func(q *dbq.Queries, cur dbq.SafetySupervisorListRow) (supervisorOut, error) {
		r := cur.SafetySupervisor
		if in.HomeID != nil && *in.HomeID != r.HomeID {
			return supervisorOut{}, errField("home_id", "immutable", "所属安薪之家不可修改")
		}
		p := dbq.SafetySupervisorUpdateParams{ID: id, Version: *in.Version, Name: r.Name, PhoneEnc: r.PhoneEnc,
			PhoneHash: r.PhoneHash, PartyMember: r.PartyMember}
		set(&p.Name, in.Name)
		set(&p.PartyMember, in.PartyMember)
		if in.Phone != nil {
			var err error
			if p.PhoneEnc, p.PhoneHash, err = s.sealPhone(in.Phone); err != nil {
				return supervisorOut{}, err
			}
		}
		u, err := q.SafetySupervisorUpdate(c.UserContext(), p)
		if err != nil {
			return supervisorOut{}, versioned(err)
		}
		return s.supervisorFrom(u, cur.TownCode), nil
	})
}

func (s *Server) supervisorSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, supervisorGetScoped, (*dbq.Queries).SafetySupervisorSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.SafetySupervisorListRow, r dbq.SafetySupervisor) (any, error) {
			return s.supervisorFrom(r, cur.TownCode), nil
		})
}

func (s *Server) activityList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, activitySorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.SafetyActivityListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		HomeID: qe.id(c, "home_id"), TownCode: queryText(c, "town_code"), Kind: qe.enum(c, "kind", registry.ActivityKinds),
		DateFrom: qe.date(c, "date_from"), DateTo: qe.date(c, "date_to"), Active: qe.boolean(c, "active"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.SafetyActivityListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.SafetyActivityList(c.UserContext(), arg)
	}, func(r dbq.SafetyActivityListRow) int64 { return r.Total }, func(r dbq.SafetyActivityListRow) activityOut {
		return activityFrom(r.SafetyActivity, r.TownCode)
	})
}

// activityGetScoped loads an activity the caller may see (else not found).
func activityGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.SafetyActivityListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.SafetyActivityList(c.UserContext(), dbq.SafetyActivityListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func activityRowOut(r dbq.SafetyActivityListRow) activityOut {
	return activityFrom(r.SafetyActivity, r.TownCode)
}

func (in *activityIn) validate(create bool) (*time.Time, error) {
	var v check
	if create {
		v.positiveID("home_id", in.HomeID, true)
	} else {
		v.required("version", in.Version != nil)
	}
	held := v.dateField("held_on", in.HeldOn, create)
	v.text("title", in.Title, create, 128)
	v.enum("kind", in.Kind, create, registry.ActivityKinds)
	if in.Participants != nil && (*in.Participants < 0 || *in.Participants > 1_000_000) {
		v.fail("participants", "invalid_value", "参与人数应为非负整数")
	}
	v.text("description", in.Description, false, 4000)
	return held, v.err()
}

func (s *Server) activityCreate(c *fiber.Ctx) error {
	var in activityIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	held, err := in.validate(true)
	if err != nil {
		return err
	}
	var out dbq.SafetyActivity
	var town string
	err = s.inTx(c, func(q *dbq.Queries) error {
		h, err := s.homeForChild(c, q, *in.HomeID)
		if err != nil {
			return err
		}
		town = h.TownCode
		out, err = q.SafetyActivityCreate(c.UserContext(), dbq.SafetyActivityCreateParams{HomeID: h.ID, HeldOn: *held, Title: *in.Title,
			Kind: *in.Kind, Participants: deref(in.Participants), Description: deref(in.Description)})
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(activityFrom(out, town))
}

func (s *Server) activityUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in activityIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	held, err := in.validate(false)
	if err != nil {
		return err
	}
	return changeRow(s, c, id, activityGetScoped, func(q *dbq.Queries, cur dbq.SafetyActivityListRow) (activityOut, error) {
		a := cur.SafetyActivity
		if in.HomeID != nil && *in.HomeID != a.HomeID {
			return activityOut{}, errField("home_id", "immutable", "所属安薪之家不可修改")
		}
		p := dbq.SafetyActivityUpdateParams{ID: id, Version: *in.Version, HeldOn: a.HeldOn, Title: a.Title, Kind: a.Kind,
			Participants: a.Participants, Description: a.Description}
		if held != nil {
			p.HeldOn = *held
		}
		set(&p.Title, in.Title)
		set(&p.Kind, in.Kind)
		set(&p.Participants, in.Participants)
		set(&p.Description, in.Description)
		u, err := q.SafetyActivityUpdate(c.UserContext(), p)
		if err != nil {
			return activityOut{}, versioned(err)
		}
		return activityFrom(u, cur.TownCode), nil
	})
}

func (s *Server) activitySetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, activityGetScoped, (*dbq.Queries).SafetyActivitySetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.SafetyActivityListRow, a dbq.SafetyActivity) (any, error) {
			return activityFrom(a, cur.TownCode), nil
		})
}
