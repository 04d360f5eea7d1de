package api

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

type townOut struct {
	Code               string          `json:"code"`
	Name               string          `json:"name"`
	Outline            json.RawMessage `json:"outline" doc:"GeoJSON Polygon geometry (schematic map outline)"`
	SortOrder          int32           `json:"sort_order"`
	Active             bool            `json:"active"`
	DeactivationReason *string         `json:"deactivation_reason"`
	Version            int32           `json:"version"`
}

type townIn struct {
	Code      *string         `json:"code,omitempty" required:"true" doc:"6 to 12 digit administrative code; create only"`
	Name      *string         `json:"name,omitempty" required:"true"`
	Outline   json.RawMessage `json:"outline,omitempty" doc:"GeoJSON Polygon geometry"`
	SortOrder *int32          `json:"sort_order,omitempty"`
	Version   *int32          `json:"version,omitempty" doc:"the version read; required on update"`
}

func townFrom(t dbq.Town) townOut {
	return townOut{Code: t.Code, Name: t.Name, Outline: t.Outline, SortOrder: t.SortOrder,
		Active: t.Active, DeactivationReason: t.DeactivationReason, Version: t.Version}
}

var townCodeRe = regexp.MustCompile(`^[0-9]{6,12}$`)

func (s *Server) townRoutes() {
	s.add(route{Method: "GET", Path: "/towns", Perm: "towns:read", Tag: "towns", Summary: "List towns (streets) in scope",
		Query: []param{{Name: "active", Type: "boolean"}, {Name: "q", Type: "string", Desc: "name contains / code prefix"}},
		Out:   listOut[townOut]{}, Handler: s.townList})
	s.add(route{Method: "GET", Path: "/towns/:code", Perm: "towns:read", Tag: "towns", Summary: "Get a town", Out: townOut{}, Handler: getHandler(s, townCodeParam, townGetScoped, townFrom)})
	s.add(route{Method: "POST", Path: "/towns", Perm: "towns:write", Tag: "towns", Summary: "Create a town", Body: townIn{}, Out: townOut{}, Status: 201, Handler: s.townCreate})
	s.add(route{Method: "PATCH", Path: "/towns/:code", Perm: "towns:write", Tag: "towns", Summary: "Update a town", Body: townIn{}, Out: townOut{}, Handler: s.townUpdate})
	s.add(route{Method: "POST", Path: "/towns/:code/deactivate", Perm: "towns:write", Tag: "towns", Summary: "Deactivate a town", Body: activeIn{}, Out: townOut{}, Handler: s.townSetActive(false)})
	s.add(route{Method: "POST", Path: "/towns/:code/reactivate", Perm: "towns:write", Tag: "towns", Summary: "Reactivate a town", Body: activeIn{}, Out: townOut{}, Handler: s.townSetActive(true)})
}

func (s *Server) townList(c *fiber.Ctx) error {
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.TownListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Active: qe.boolean(c, "active"), Q: qe.like(c, "q")}
	if err := qe.err(); err != nil {
		return err
	}
	rows, err := db.Q(s.deps.Pool).TownList(c.UserContext(), arg)
	if err != nil {
		return err
	}
	out := make([]townOut, len(rows))
	for i, t := range rows {
		out[i] = townFrom(t)
	}
	return wholeList(c, out)
}

// townCodeParam reads the :code path parameter of a town.
func townCodeParam(c *fiber.Ctx) (string, error) { return c.Params("code"), nil }

// townGetScoped loads a town the caller may see (a town officer: their own).
func townGetScoped(c *fiber.Ctx, q *dbq.Queries, code string) (dbq.Town, error) {
	sc := scopeOf(c)
	return oneRow(q.TownList(c.UserContext(), dbq.TownListParams{Code: &code, ScopeLevel: sc.Level(), ScopeKey: sc.Key()}))
}

func (v *check) outline(raw json.RawMessage) {
	if len(raw) == 0 {
		return
	}
	var g struct {
		Type        string         `json:"type"`
		Coordinates [][][2]float64 `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || g.Type != "Polygon" {
		v.fail("outline", "invalid_outline", "地图轮廓应为GeoJSON Polygon")
		return
	}
	for _, ring := range g.Coordinates {
		if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
			v.fail("outline", "invalid_outline", "轮廓每个环至少4个点且首尾相同")
			return
		}
	}
}

func (s *Server) townCreate(c *fiber.Ctx) error {
	var in townIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.text("code", in.Code, true, 12)
	if in.Code != nil && v.ok("code") && !townCodeRe.MatchString(*in.Code) {
		v.fail("code", "invalid_code", "镇街代码应为6到12位数字")
	}
	v.text("name", in.Name, true, 64)
	v.outline(in.Outline)
	if err := v.err(); err != nil {
		return err
	}
	outline := in.Outline
	if len(outline) == 0 {
		outline = json.RawMessage(`{"type":"Polygon","coordinates":[]}`)
	}
	var sort int32
	if in.SortOrder != nil {
		sort = *in.SortOrder
	}
	t, err := db.Q(s.deps.Pool).TownCreate(c.UserContext(), dbq.TownCreateParams{Code: *in.Code, Name: *in.Name, Outline: outline, SortOrder: sort})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(townFrom(t))
}

func (s *Server) townUpdate(c *fiber.Ctx) error {
	var in townIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	if in.Code != nil {
		v.fail("code", "immutable", "镇街代码不可修改")
	}
	v.required("version", in.Version != nil)
	v.text("name", in.Name, false, 64)
	v.outline(in.Outline)
	if err := v.err(); err != nil {
		return err
	}
	return changeRow(s, c, c.Params("code"), townGetScoped, func(q *dbq.Queries, cur dbq.Town) (townOut, error) {
		p := dbq.TownUpdateParams{Code: cur.Code, Name: cur.Name, Outline: cur.Outline, SortOrder: cur.SortOrder, Version: *in.Version}
		set(&p.Name, in.Name)
		if len(in.Outline) > 0 {
			p.Outline = in.Outline
		}
		set(&p.SortOrder, in.SortOrder)
		t, err := q.TownUpdate(c.UserContext(), p)
		if err != nil {
			return townOut{}, versioned(err)
		}
		return townFrom(t), nil
	})
}

func (s *Server) townSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, townCodeParam, townGetScoped, (*dbq.Queries).TownSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, _, t dbq.Town) (any, error) { return townFrom(t), nil })
}
