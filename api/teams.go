package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Teams 班组 (SPEC R2): a crew under a project and, usually, a labour firm,
// with a leader who is on site on the project. A team stays on its project
// for life; it is deactivated, never deleted.

type teamOut struct {
	ID                 int64     `json:"id"`
	ProjectID          int64     `json:"project_id"`
	ProjectName        string    `json:"project_name"`
	TownCode           string    `json:"town_code" doc:"the project's town"`
	LabourFirmID       *int64    `json:"labour_firm_id"`
	LabourFirmName     *string   `json:"labour_firm_name"`
	Name               string    `json:"name"`
	Trade              string    `json:"trade"`
	LeaderWorkerID     *int64    `json:"leader_worker_id"`
	LeaderName         *string   `json:"leader_name"`
	OnSiteCount        int32     `json:"on_site_count" doc:"workers with an open employment in the team"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type teamIn struct {
	ProjectID      *int64  `json:"project_id,omitempty" required:"true" doc:"create only; a team never changes project"`
	LabourFirmID   *int64  `json:"labour_firm_id,omitempty" doc:"an enterprise of type labour_firm or subcontractor; null clears it"`
	Name           *string `json:"name,omitempty" required:"true"`
	Trade          *string `json:"trade,omitempty" doc:"e.g. 木工, 钢筋工"`
	LeaderWorkerID *int64  `json:"leader_worker_id,omitempty" doc:"a worker on site on the project; null clears it"`
	Version        *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

var teamSorts = []string{"name", "-name", "created_at", "-created_at", "-id"}

func (s *Server) teamRoutes() {
	s.add(route{Method: "GET", Path: "/teams", Perm: "teams:read", Tag: "teams", Summary: "List teams in scope",
		Query: append(pageParams(teamSorts...),
			param{Name: "project_id", Type: "integer"},
			param{Name: "labour_firm_id", Type: "integer"},
			param{Name: "active", Type: "boolean"},
			param{Name: "q", Type: "string", Desc: "name contains"}),
		Out: listOut[teamOut]{}, Handler: s.teamList})
	s.add(route{Method: "GET", Path: "/teams/:id", Perm: "teams:read", Tag: "teams", Summary: "Get a team", Out: teamOut{}, Handler: getHandler(s, idParam, teamGetScoped, teamFrom)})
	s.add(route{Method: "POST", Path: "/teams", Perm: "teams:write", Tag: "teams", Summary: "Create a team on a project", Body: teamIn{}, Out: teamOut{}, Status: 201, Handler: s.teamCreate})
	s.add(route{Method: "PATCH", Path: "/teams/:id", Perm: "teams:write", Tag: "teams", Summary: "Update a team", Body: teamIn{}, Out: teamOut{}, Handler: s.teamUpdate})
	s.add(route{Method: "POST", Path: "/teams/:id/deactivate", Perm: "teams:write", Tag: "teams", Summary: "Deactivate a team", Body: activeIn{}, Out: teamOut{}, Handler: s.teamSetActive(false)})
	s.add(route{Method: "POST", Path: "/teams/:id/reactivate", Perm: "teams:write", Tag: "teams", Summary: "Reactivate a team", Body: activeIn{}, Out: teamOut{}, Handler: s.teamSetActive(true)})
}

func teamFrom(r dbq.TeamListRow) teamOut {
	t := r.Team
	return teamOut{ID: t.ID, ProjectID: t.ProjectID, ProjectName: r.ProjectName, TownCode: r.TownCode,
		LabourFirmID: t.LabourFirmID, LabourFirmName: r.LabourFirmName, Name: t.Name, Trade: t.Trade,
		LeaderWorkerID: t.LeaderWorkerID, LeaderName: r.LeaderName, OnSiteCount: r.OnSiteCount,
		Active: t.Active, DeactivationReason: t.DeactivationReason, Version: t.Version, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (s *Server) teamList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, teamSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.TeamListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), LabourFirmID: qe.id(c, "labour_firm_id"), Active: qe.boolean(c, "active"), Q: qe.like(c, "q"),
		Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.TeamListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.TeamList(c.UserContext(), arg)
	}, func(r dbq.TeamListRow) int64 { return r.Total }, teamFrom)
}

// teamGetScoped loads a team the caller may see (else not found).
func teamGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.TeamListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.TeamList(c.UserContext(), dbq.TeamListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func (in *teamIn) validate(create bool) error {
	var v check
	v.positiveID("project_id", in.ProjectID, create)
	v.positiveID("labour_firm_id", in.LabourFirmID, false)
	v.text("name", in.Name, create || in.Name != nil, 64)
	v.text("trade", in.Trade, false, 32)
	v.positiveID("leader_worker_id", in.LeaderWorkerID, false)
	if !create {
		v.required("version", in.Version != nil)
	}
	return v.err()
}

// writableProject loads the project a registry write names (team or
// employment): it must be in the caller's scope (else 422 on field, as
// for one that does not exist) and active.
func (s *Server) writableProject(c *fiber.Ctx, q *dbq.Queries, field string, id int64) (dbq.Project, error) {
	r, err := projectGetScoped(c, q, id)
	if errors.Is(err, db.ErrNotFound) {
		return dbq.Project{}, errField(field, "reference_not_found", "项目不存在或无权访问")
	}
	if err != nil {
		return dbq.Project{}, err
	}
	if !r.Project.Active {
		return dbq.Project{}, errField(field, "project_inactive", "项目已停用")
	}
	return r.Project, nil
}

// teamRefs checks the labour firm and the leader a team write names
// (only those given).
func teamRefs(c *fiber.Ctx, q *dbq.Queries, project int64, labourFirm, leader *int64) error {
	var v check
	if labourFirm != nil {
		if err := partyCheck(c, q, &v, "labour_firm_id", *labourFirm, "劳务企业", "labour_firm", "subcontractor"); err != nil {
			return err
		}
	}
	if leader != nil {
		ok, err := q.TeamLeaderEligible(c.UserContext(), dbq.TeamLeaderEligibleParams{WorkerID: *leader, ProjectID: project})
		if err != nil {
			return err
		}
		if !ok {
			v.fail("leader_worker_id", "not_on_site", "班组长须为在该项目在场（未退场）的工人")
		}
	}
	return v.err()
}

func (s *Server) teamCreate(c *fiber.Ctx) error {
	var in teamIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	var out teamOut
	err := s.inTx(c, func(q *dbq.Queries) error {
		if _, err := s.writableProject(c, q, "project_id", *in.ProjectID); err != nil {
			return err
		}
		if err := teamRefs(c, q, *in.ProjectID, in.LabourFirmID, in.LeaderWorkerID); err != nil {
			return err
		}
		t, err := q.TeamCreate(c.UserContext(), dbq.TeamCreateParams{ProjectID: *in.ProjectID, LabourFirmID: in.LabourFirmID,
			Name: *in.Name, Trade: deref(in.Trade), LeaderWorkerID: in.LeaderWorkerID})
		if err != nil {
			return err
		}
		r, err := teamGetScoped(c, q, t.ID)
		out = teamFrom(r)
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) teamUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in teamIn
	keys, err := decodeBodyKeys(c, &in)
	if err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	return changeRow(s, c, id, teamGetScoped, func(q *dbq.Queries, cur dbq.TeamListRow) (teamOut, error) {
		t := cur.Team
		if in.ProjectID != nil && *in.ProjectID != t.ProjectID {
			return teamOut{}, errField("project_id", "immutable", "班组所属项目不可修改")
		}
		p := dbq.TeamUpdateParams{ID: id, Version: *in.Version, LabourFirmID: t.LabourFirmID, Name: t.Name,
			Trade: t.Trade, LeaderWorkerID: t.LeaderWorkerID}
		set(&p.Name, in.Name)
		set(&p.Trade, in.Trade)
		var firm, leader *int64
		if in.LabourFirmID != nil && !sameID(in.LabourFirmID, t.LabourFirmID) {
			p.LabourFirmID, firm = in.LabourFirmID, in.LabourFirmID
		} else if keys.null("labour_firm_id") {
			p.LabourFirmID = nil
		}
		if in.LeaderWorkerID != nil && !sameID(in.LeaderWorkerID, t.LeaderWorkerID) {
			p.LeaderWorkerID, leader = in.LeaderWorkerID, in.LeaderWorkerID
		} else if keys.null("leader_worker_id") {
			p.LeaderWorkerID = nil
		}
		if err := teamRefs(c, q, t.ProjectID, firm, leader); err != nil {
			return teamOut{}, err
		}
		if _, err := q.TeamUpdate(c.UserContext(), p); err != nil {
			return teamOut{}, versioned(err)
		}
		r, err := teamGetScoped(c, q, id)
		return teamFrom(r), err
	})
}

func (s *Server) teamSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, teamGetScoped, (*dbq.Queries).TeamSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.TeamListRow, t dbq.Team) (any, error) {
			cur.Team = t
			return teamFrom(cur), nil
		})
}
