package api

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

type creditListingOut struct {
	ID           int64  `json:"id"`
	EnterpriseID int64  `json:"enterprise_id"`
	Kind         string `json:"kind" codes:"credit_kinds"`
	KindLabel    string `json:"kind_label"`
	ListedOn     Date   `json:"listed_on"`
	RemovedOn    *Date  `json:"removed_on"`
	Current      bool   `json:"current" doc:"true while not removed"`
	Authority    string `json:"authority"`
	Reason       string `json:"reason"`
	Version      int32  `json:"version"`
}

type creditListingIn struct {
	Kind      *string `json:"kind,omitempty" required:"true" enum:"arrears_blacklist,major_violation,serious_dishonesty" doc:"create only"`
	ListedOn  *Date   `json:"listed_on,omitempty" required:"true"`
	RemovedOn *Date   `json:"removed_on,omitempty" doc:"set to remove the enterprise from the list"`
	Authority *string `json:"authority,omitempty"`
	Reason    *string `json:"reason,omitempty"`
	Version   *int32  `json:"version,omitempty" doc:"required on update"`
}

func creditListingFrom(l dbq.EnterpriseCreditListing) creditListingOut {
	return creditListingOut{ID: l.ID, EnterpriseID: l.EnterpriseID, Kind: l.Kind, ListedOn: Date{l.ListedOn},
		RemovedOn: datePtr(l.RemovedOn), Current: l.RemovedOn == nil, Authority: l.Authority, Reason: l.Reason, Version: l.Version}
}

func (s *Server) creditListingRoutes() {
	s.add(route{Method: "GET", Path: "/enterprises/:id/credit-listings", Perm: "credit:read", Tag: "enterprises", Summary: "List an enterprise's credit listings (blacklist, violations)",
		Out: listOut[creditListingOut]{}, Handler: s.creditListingList})
	s.add(route{Method: "POST", Path: "/enterprises/:id/credit-listings", Perm: "credit:write", Tag: "enterprises", Summary: "List an enterprise on a credit list (city only)",
		Body: creditListingIn{}, Out: creditListingOut{}, Status: 201, Handler: s.creditListingCreate})
	s.add(route{Method: "PATCH", Path: "/enterprises/:id/credit-listings/:listing", Perm: "credit:write", Tag: "enterprises", Summary: "Update or remove a credit listing (city only)",
		Body: creditListingIn{}, Out: creditListingOut{}, Handler: s.creditListingUpdate})
}

func (s *Server) creditListingList(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	if _, err := enterpriseGetScoped(c, q, id); err != nil {
		return err
	}
	rows, err := q.EnterpriseCreditListingList(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := make([]creditListingOut, len(rows))
	for i, r := range rows {
		out[i] = creditListingFrom(r)
	}
	return wholeList(c, out)
}

func (in *creditListingIn) validate(create bool) error {
	var v check
	v.enum("kind", in.Kind, create, registry.CreditKinds)
	v.dateSane("listed_on", in.ListedOn, create)
	v.dateSane("removed_on", in.RemovedOn, false)
	v.dateRange("listed_on", in.ListedOn, "removed_on", in.RemovedOn)
	v.text("authority", in.Authority, false, 128)
	v.text("reason", in.Reason, false, 1000)
	if !create {
		v.required("version", in.Version != nil)
		if in.Kind != nil {
			v.fail("kind", "immutable", "名单类别不可修改")
		}
	}
	return v.err()
}

func (s *Server) creditListingCreate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in creditListingIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(true); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	if _, err := enterpriseGetScoped(c, q, id); err != nil {
		return err
	}
	l, err := q.EnterpriseCreditListingCreate(c.UserContext(), dbq.EnterpriseCreditListingCreateParams{
		EnterpriseID: id, Kind: *in.Kind, ListedOn: in.ListedOn.Time, RemovedOn: timePtr(in.RemovedOn),
		Authority: deref(in.Authority), Reason: deref(in.Reason)})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(creditListingFrom(l))
}

func (s *Server) creditListingUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	lid, err := pathID(c, "listing")
	if err != nil {
		return err
	}
	var in creditListingIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(false); err != nil {
		return err
	}
	// Only the city writes listings (checked above): the listing is found
	// by the enterprise of the path, without a scope.
	listing := func(c *fiber.Ctx, q *dbq.Queries, lid int64) (dbq.EnterpriseCreditListing, error) {
		return q.EnterpriseCreditListingGet(c.UserContext(), dbq.EnterpriseCreditListingGetParams{ID: lid, EnterpriseID: id})
	}
	return changeRow(s, c, lid, listing, func(q *dbq.Queries, cur dbq.EnterpriseCreditListing) (creditListingOut, error) {
		p := dbq.EnterpriseCreditListingUpdateParams{ID: lid, EnterpriseID: id, Version: *in.Version,
			ListedOn: cur.ListedOn, RemovedOn: cur.RemovedOn, Authority: cur.Authority, Reason: cur.Reason}
		if in.ListedOn != nil {
			p.ListedOn = in.ListedOn.Time
		}
		if in.RemovedOn != nil {
			p.RemovedOn = timePtr(in.RemovedOn)
		}
		set(&p.Authority, in.Authority)
		set(&p.Reason, in.Reason)
		l, err := q.EnterpriseCreditListingUpdate(c.UserContext(), p)
		if err != nil {
			return creditListingOut{}, versioned(err)
		}
		return creditListingFrom(l), nil
	})
}
