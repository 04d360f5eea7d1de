package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
)

type enterpriseOut struct {
	ID                 int64     `json:"id"`
	CreditCode         string    `json:"credit_code"`
	Name               string    `json:"name"`
	Type               string    `json:"type" codes:"enterprise_types"`
	TypeLabel          string    `json:"type_label"`
	TownCode           string    `json:"town_code"`
	LegalPerson        string    `json:"legal_person"`
	ContactName        string    `json:"contact_name"`
	ContactPhone       string    `json:"contact_phone" doc:"masked"`
	Address            string    `json:"address"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type enterpriseIn struct {
	CreditCode   *string `json:"credit_code,omitempty" required:"true" doc:"18-character unified social credit code (GB 32100)"`
	Name         *string `json:"name,omitempty" required:"true"`
	Type         *string `json:"type,omitempty" required:"true" enum:"builder,general_contractor,subcontractor,labour_firm,supervisor"`
	TownCode     *string `json:"town_code,omitempty" required:"true"`
	LegalPerson  *string `json:"legal_person,omitempty"`
	ContactName  *string `json:"contact_name,omitempty"`
	ContactPhone *string `json:"contact_phone,omitempty" doc:"mobile or fixed-line; empty string clears it"`
	Address      *string `json:"address,omitempty"`
	Version      *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

func (s *Server) enterpriseFrom(e dbq.Enterprise) enterpriseOut {
	return enterpriseOut{ID: e.ID, CreditCode: e.CreditCode, Name: e.Name, Type: e.Type, TownCode: e.TownCode,
		LegalPerson: e.LegalPerson, ContactName: e.ContactName, ContactPhone: s.maskedPhone(e.ContactPhoneEnc),
		Address: e.Address, Active: e.Active, DeactivationReason: e.DeactivationReason, Version: e.Version,
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

var enterpriseSorts = []string{"name", "-name", "created_at", "-created_at", "-id"}

func (s *Server) enterpriseRoutes() {
	s.add(route{Method: "GET", Path: "/enterprises", Perm: "enterprises:read", Tag: "enterprises", Summary: "List enterprises in scope",
		Query: append(pageParams(enterpriseSorts...),
			param{Name: "town_code", Type: "string"},
			param{Name: "type", Type: "string", Enum: registry.EnterpriseTypes.Codes},
			param{Name: "credit_kind", Type: "string", Desc: "only enterprises currently on this credit list", Enum: registry.CreditKinds.Codes},
			param{Name: "active", Type: "boolean"},
			param{Name: "q", Type: "string", Desc: "name contains, or exact credit code"}),
		Out: listOut[enterpriseOut]{}, Handler: s.enterpriseList})
	s.add(route{Method: "GET", Path: "/enterprises/:id", Perm: "enterprises:read", Tag: "enterprises", Summary: "Get an enterprise", Out: enterpriseOut{}, Handler: getHandler(s, idParam, enterpriseGetScoped, s.enterpriseFrom)})
	s.add(route{Method: "POST", Path: "/enterprises", Perm: "enterprises:register", Tag: "enterprises", Summary: "Register an enterprise", Body: enterpriseIn{}, Out: enterpriseOut{}, Status: 201, Handler: s.enterpriseCreate})
	s.add(route{Method: "PATCH", Path: "/enterprises/:id", Perm: "enterprises:write", Tag: "enterprises", Summary: "Update an enterprise", Body: enterpriseIn{}, Out: enterpriseOut{}, Handler: s.enterpriseUpdate})
	s.add(route{Method: "POST", Path: "/enterprises/:id/deactivate", Perm: "enterprises:register", Tag: "enterprises", Summary: "Deactivate an enterprise", Body: activeIn{}, Out: enterpriseOut{}, Handler: s.enterpriseSetActive(false)})
	s.add(route{Method: "POST", Path: "/enterprises/:id/reactivate", Perm: "enterprises:register", Tag: "enterprises", Summary: "Reactivate an enterprise", Body: activeIn{}, Out: enterpriseOut{}, Handler: s.enterpriseSetActive(true)})
	s.creditListingRoutes()
}

func (s *Server) enterpriseList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, enterpriseSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.EnterpriseListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		TownCode: queryText(c, "town_code"), Type: qe.enum(c, "type", registry.EnterpriseTypes), Active: qe.boolean(c, "active"),
		CreditKind: qe.enum(c, "credit_kind", registry.CreditKinds), Q: qe.like(c, "q"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.EnterpriseListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.EnterpriseList(c.UserContext(), arg)
	}, func(r dbq.EnterpriseListRow) int64 { return r.Total }, func(r dbq.EnterpriseListRow) enterpriseOut {
		return s.enterpriseFrom(r.Enterprise)
	})
}

// enterpriseGetScoped loads an enterprise the caller may see (else not
// found): EnterpriseList narrowed to the id.
func enterpriseGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.Enterprise, error) {
	sc := scopeOf(c)
	r, err := oneRow(q.EnterpriseList(c.UserContext(), dbq.EnterpriseListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
	return r.Enterprise, err
}

// validate checks the fields present in in; on create every required
// field must be present.
func (in *enterpriseIn) validate(create bool) error {
	var v check
	v.text("credit_code", in.CreditCode, create, 18)
	if in.CreditCode != nil && v.ok("credit_code") {
		cc, err := ident.ParseCreditCode(*in.CreditCode)
		if err != nil {
			v.identErr("credit_code", err)
		} else {
			*in.CreditCode = cc.Code
		}
	}
	v.text("name", in.Name, create, 128)
	v.enum("type", in.Type, create, registry.EnterpriseTypes)
	v.text("town_code", in.TownCode, create, 12)
	v.text("legal_person", in.LegalPerson, false, 64)
	v.text("contact_name", in.ContactName, false, 64)
	v.text("contact_phone", in.ContactPhone, false, 32)
	if in.ContactPhone != nil && *in.ContactPhone != "" && v.ok("contact_phone") {
		ph, err := ident.ParsePhone(*in.ContactPhone)
		if err != nil {
			v.identErr("contact_phone", err)
		} else {
			*in.ContactPhone = ph.Number
		}
	}
	v.text("address", in.Address, false, 256)
	if !create {
		v.required("version", in.Version != nil)
	}
	return v.err()
}

func (s *Server) enterpriseCreate(c *fiber.Ctx) error {
	var in enterpriseIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	if town, ok := scopeOf(c).TownCode(); ok && town != *in.TownCode {
		return errField("town_code", "out_of_scope", "只能登记本镇街的企业")
	}
	enc, hash, err := s.sealPhone(in.ContactPhone)
	if err != nil {
		return err
	}
	e, err := db.Q(s.deps.Pool).EnterpriseCreate(c.UserContext(), dbq.EnterpriseCreateParams{
		CreditCode: *in.CreditCode, Name: *in.Name, Type: *in.Type, TownCode: *in.TownCode,
		LegalPerson: deref(in.LegalPerson), ContactName: deref(in.ContactName),
		ContactPhoneEnc: enc, ContactPhoneHash: hash, Address: deref(in.Address),
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(s.enterpriseFrom(e))
}

func (s *Server) enterpriseUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in enterpriseIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	return changeRow(s, c, id, enterpriseGetScoped, func(q *dbq.Queries, cur dbq.Enterprise) (enterpriseOut, error) {
		if in.CreditCode != nil && *in.CreditCode != cur.CreditCode {
			return enterpriseOut{}, errField("credit_code", "immutable", "统一社会信用代码不可修改，如登记有误请停用后重新登记")
		}
		sc := scopeOf(c)
		_, byEnterprise := sc.EnterpriseID()
		if byEnterprise && in.Type != nil && *in.Type != cur.Type {
			return enterpriseOut{}, errField("type", "forbidden_field", "企业类型由监管部门维护")
		}
		if byEnterprise && in.TownCode != nil && *in.TownCode != cur.TownCode {
			return enterpriseOut{}, errField("town_code", "forbidden_field", "所属镇街由监管部门维护")
		}
		if town, ok := sc.TownCode(); ok && in.TownCode != nil && *in.TownCode != town {
			return enterpriseOut{}, errField("town_code", "out_of_scope", "只能登记本镇街的企业")
		}
		p := dbq.EnterpriseUpdateParams{ID: id, Version: *in.Version, Name: cur.Name, Type: cur.Type, TownCode: cur.TownCode,
			LegalPerson: cur.LegalPerson, ContactName: cur.ContactName, ContactPhoneEnc: cur.ContactPhoneEnc,
			ContactPhoneHash: cur.ContactPhoneHash, Address: cur.Address}
		set(&p.Name, in.Name)
		set(&p.Type, in.Type)
		set(&p.TownCode, in.TownCode)
		set(&p.LegalPerson, in.LegalPerson)
		set(&p.ContactName, in.ContactName)
		set(&p.Address, in.Address)
		if in.ContactPhone != nil {
			var err error
			if p.ContactPhoneEnc, p.ContactPhoneHash, err = s.sealPhone(in.ContactPhone); err != nil {
				return enterpriseOut{}, err
			}
		}
		e, err := q.EnterpriseUpdate(c.UserContext(), p)
		if err != nil {
			return enterpriseOut{}, versioned(err)
		}
		return s.enterpriseFrom(e), nil
	})
}

func (s *Server) enterpriseSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, enterpriseGetScoped, (*dbq.Queries).EnterpriseSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, _, e dbq.Enterprise) (any, error) { return s.enterpriseFrom(e), nil })
}
