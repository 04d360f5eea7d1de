package api

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

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

// activeIn deactivates (with a reason) or reactivates a registry row.
type activeIn struct {
	Reason  *string `json:"reason,omitempty" doc:"required when deactivating"`
	Version *int32  `json:"version" required:"true"`
}

func townFrom(t dbq.Town) townOut {
	return townOut{Code: t.Code, Name: t.Name, Outline: t.Outline, SortOrder: t.SortOrder,
		Active: t.Active, DeactivationReason: t.DeactivationReason, Version: t.Version}
}

var townCodeRe = regexp.MustCompile(`^[0-9]{6,12}$`)

func (s *Server) townRoutes() {
	s.add(route{Method: "GET", Path: "/towns", Tag: "towns", Summary: "List towns (streets) in scope",
		Query: []param{{Name: "active", Type: "boolean"}, {Name: "q", Type: "string", Desc: "name contains / code prefix"}},
		Out:   listOut[townOut]{}, Handler: s.townList})
	s.add(route{Method: "GET", Path: "/towns/:code", Tag: "towns", Summary: "Get a town", Out: townOut{}, Handler: s.townGet})
	s.add(route{Method: "POST", Path: "/towns", Tag: "towns", Summary: "Create a town", Body: townIn{}, Out: townOut{}, Status: 201, Handler: s.townCreate})
	s.add(route{Method: "PATCH", Path: "/towns/:code", Tag: "towns", Summary: "Update a town", Body: townIn{}, Out: townOut{}, Handler: s.townUpdate})
	s.add(route{Method: "POST", Path: "/towns/:code/deactivate", Tag: "towns", Summary: "Deactivate a town", Body: activeIn{}, Out: townOut{}, Handler: s.townSetActive(false)})
	s.add(route{Method: "POST", Path: "/towns/:code/reactivate", Tag: "towns", Summary: "Reactivate a town", Body: activeIn{}, Out: townOut{}, Handler: s.townSetActive(true)})
}

func (s *Server) townList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	active, err := queryBool(c, "active")
	if err != nil {
		return err
	}
	q, err := queryLike(c, "q")
	if err != nil {
		return err
	}
	rows, err := dbq.New(s.deps.Pool).TownList(c.UserContext(), dbq.TownListParams{ScopeTown: sc.Town, Active: active, Q: q})
	if err != nil {
		return err
	}
	out := make([]townOut, len(rows))
	for i, t := range rows {
		out[i] = townFrom(t)
	}
	return listResponse(c, page{Page: 1, PageSize: len(out)}, out, int64(len(out)))
}

func (s *Server) townGet(c *fiber.Ctx) error {
	t, err := dbq.New(s.deps.Pool).TownGet(c.UserContext(), dbq.TownGetParams{Code: c.Params("code"), ScopeTown: scopeOf(c).Town})
	if err != nil {
		return err
	}
	return c.JSON(townFrom(t))
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
	if err := requireCity(c); err != nil {
		return err
	}
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
	t, err := dbq.New(s.deps.Pool).TownCreate(c.UserContext(), dbq.TownCreateParams{Code: *in.Code, Name: *in.Name, Outline: outline, SortOrder: sort})
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
	var out dbq.Town
	err := db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
		cur, err := q.TownGet(c.UserContext(), dbq.TownGetParams{Code: c.Params("code"), ScopeTown: scopeOf(c).Town})
		if err != nil {
			return err
		}
		p := dbq.TownUpdateParams{Code: cur.Code, Name: cur.Name, Outline: cur.Outline, SortOrder: cur.SortOrder, Version: *in.Version}
		if in.Name != nil {
			p.Name = *in.Name
		}
		if len(in.Outline) > 0 {
			p.Outline = in.Outline
		}
		if in.SortOrder != nil {
			p.SortOrder = *in.SortOrder
		}
		out, err = q.TownUpdate(c.UserContext(), p)
		return versioned(err)
	})
	if err != nil {
		return err
	}
	return c.JSON(townFrom(out))
}

func (s *Server) townSetActive(active bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		in, err := decodeActive(c, active)
		if err != nil {
			return err
		}
		var out dbq.Town
		err = db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
			cur, err := q.TownGet(c.UserContext(), dbq.TownGetParams{Code: c.Params("code"), ScopeTown: scopeOf(c).Town})
			if err != nil {
				return err
			}
			out, err = q.TownSetActive(c.UserContext(), dbq.TownSetActiveParams{Code: cur.Code, Active: active, Reason: in.Reason, Version: *in.Version})
			return versioned(err)
		})
		if err != nil {
			return err
		}
		return c.JSON(townFrom(out))
	}
}

// decodeActive reads a deactivate/reactivate body: a version always, and a
// reason when deactivating.
func decodeActive(c *fiber.Ctx, active bool) (activeIn, error) {
	var in activeIn
	if err := decodeBody(c, &in); err != nil {
		return in, err
	}
	var v check
	v.required("version", in.Version != nil)
	v.text("reason", in.Reason, !active, 500)
	if active {
		in.Reason = nil
	}
	return in, v.err()
}

// versioned maps "no row updated" of a versioned UPDATE (after the row was
// found in scope) to a version conflict.
func versioned(err error) error {
	if err == pgx.ErrNoRows {
		return errVersionConflict
	}
	return err
}
