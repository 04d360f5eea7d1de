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

// Workers: the real-name registry 实名制 (SPEC R2). The resident ID number
// is the identity: it is parsed and checked on registration, gender,
// birth date and native place are derived from it, and it never changes.
// ID number, phone and bank card are stored only encrypted (with keyed
// hashes of ID number and phone for exact look-up) and shown masked.

type workerOut struct {
	ID int64 `json:"id"`
	// Name is the full name: registry users (officers, enterprises, project
	// staff) work with names, so names are not masked here, unlike the
	// identifying numbers. Public or cross-scope views must mask them
	// (pii.MaskName).
	Name               string    `json:"name"`
	IDNumber           string    `json:"id_number" doc:"masked, e.g. 330102********1234"`
	Gender             string    `json:"gender" doc:"derived from the ID number" codes:"genders"`
	GenderLabel        string    `json:"gender_label"`
	BirthDate          Date      `json:"birth_date" doc:"derived from the ID number"`
	Age                int       `json:"age" doc:"completed years today"`
	NativeProvince     string    `json:"native_province" doc:"two-digit province code, derived from the ID number"`
	NativeProvinceName string    `json:"native_province_name"`
	NativeRegion       string    `json:"native_region" doc:"six-digit region code, derived from the ID number"`
	Phone              string    `json:"phone" doc:"masked"`
	BankCard           string    `json:"bank_card" doc:"masked"`
	BankName           string    `json:"bank_name"`
	OnSite             bool      `json:"on_site" doc:"has an open employment"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type workerIn struct {
	IDNumber *string `json:"id_number,omitempty" required:"true" doc:"18-character resident ID number; create only, it cannot be changed"`
	Name     *string `json:"name,omitempty" required:"true"`
	Phone    *string `json:"phone,omitempty" doc:"mobile number; empty string clears it"`
	BankCard *string `json:"bank_card,omitempty" doc:"payroll bank card number; empty string clears it"`
	BankName *string `json:"bank_name,omitempty"`
	Version  *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

var workerSorts = []string{"name", "-name", "birth_date", "-birth_date", "-id", "created_at", "-created_at"}

func (s *Server) workerRoutes() {
	s.add(route{Method: "GET", Path: "/workers", Perm: "workers:read", Tag: "workers", Summary: "List (look up) workers in scope",
		Query: append(pageParams(workerSorts...),
			param{Name: "id_number", Type: "string", Desc: "exact resident ID number"},
			param{Name: "phone", Type: "string", Desc: "exact phone number"},
			param{Name: "project_id", Type: "integer", Desc: "with an employment on the project"},
			param{Name: "team_id", Type: "integer", Desc: "with an employment in the team"},
			param{Name: "town_code", Type: "string", Desc: "with an employment on a project in the town"},
			param{Name: "on_site", Type: "boolean", Desc: "true: an employment (matching project/team/town) is open; false: there are such employments and none is open"},
			param{Name: "gender", Type: "string", Enum: registry.Genders.Codes},
			param{Name: "native_province", Type: "string", Desc: "two-digit province code"},
			param{Name: "age_min", Type: "integer"},
			param{Name: "age_max", Type: "integer"},
			param{Name: "active", Type: "boolean"},
			param{Name: "q", Type: "string", Desc: "name contains"}),
		Out: listOut[workerOut]{}, Handler: s.workerList})
	s.add(route{Method: "GET", Path: "/workers/:id", Perm: "workers:read", Tag: "workers", Summary: "Get a worker", Out: workerOut{}, Handler: getHandler(s, idParam, workerGetScoped, s.workerRowOut)})
	s.add(route{Method: "GET", Path: "/workers/:id/personal", Perm: "pii:read", Tag: "workers", Summary: "Show a worker's ID number, " +
		"phone and bank card unmasked (logged in the system log)", Out: personalOut{}, Handler: s.workerPersonal})
	s.add(route{Method: "POST", Path: "/workers", Perm: "workers:write", Tag: "workers", Summary: "Register a worker (real name)", Body: workerIn{}, Out: workerOut{}, Status: 201, Handler: s.workerCreate})
	s.add(route{Method: "PATCH", Path: "/workers/:id", Perm: "workers:write", Tag: "workers", Summary: "Update a worker's name, phone or bank card", Body: workerIn{}, Out: workerOut{}, Handler: s.workerUpdate})
	s.add(route{Method: "POST", Path: "/workers/:id/deactivate", Perm: "workers:write", Tag: "workers", Summary: "Deactivate a worker", Body: activeIn{}, Out: workerOut{}, Handler: s.workerSetActive(false)})
	s.add(route{Method: "POST", Path: "/workers/:id/reactivate", Perm: "workers:write", Tag: "workers", Summary: "Reactivate a worker", Body: activeIn{}, Out: workerOut{}, Handler: s.workerSetActive(true)})
}

func (s *Server) workerFrom(w dbq.Worker, onSite bool) workerOut {
	province, _ := ident.ProvinceName(w.NativeProvince)
	return workerOut{ID: w.ID, Name: w.Name, IDNumber: s.masked(kindIDNumber, w.IDNumberEnc),
		Gender: w.Gender, BirthDate: Date{w.BirthDate},
		Age:            ident.ResidentID{BirthDate: w.BirthDate}.Age(s.today()),
		NativeProvince: w.NativeProvince, NativeProvinceName: province, NativeRegion: w.NativeRegion,
		Phone: s.maskedPhone(w.PhoneEnc), BankCard: s.masked(kindBankCard, w.BankCardEnc), BankName: w.BankName,
		OnSite: onSite, Active: w.Active, DeactivationReason: w.DeactivationReason, Version: w.Version,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

// workerFilter is the filters of the worker list and its export, read
// and checked.
type workerFilter struct {
	projectID, teamID   *int64
	townCode            *string
	onSite, active      *bool
	gender, province, q *string
	idHash, phoneHash   []byte
	bornFrom, bornTo    *time.Time
}

func (s *Server) parseWorkerFilter(c *fiber.Ctx) (workerFilter, error) {
	var qe queryErrs
	f := workerFilter{projectID: qe.id(c, "project_id"), teamID: qe.id(c, "team_id"), townCode: queryText(c, "town_code"),
		onSite: qe.boolean(c, "on_site"), gender: qe.enum(c, "gender", registry.Genders), active: qe.boolean(c, "active"),
		q: qe.like(c, "q"), province: queryText(c, "native_province")}
	if f.province != nil {
		if _, ok := ident.ProvinceName(*f.province); !ok {
			qe.fail("native_province", "应为两位省级行政区划代码")
		}
	}
	ageMin := qe.optInt(c, "age_min", 0, 150)
	ageMax := qe.optInt(c, "age_max", 0, 150)
	if ageMin != nil && ageMax != nil && *ageMax < *ageMin {
		qe.fail("age_max", "不能小于最小年龄")
	}
	if v := queryText(c, "id_number"); v != nil {
		rid, err := ident.ParseResidentID(*v, s.deps.Now())
		if err != nil {
			qe.fail("id_number", err.Error())
		} else {
			f.idHash = s.deps.PII.Hash(kindIDNumber, rid.Number)
		}
	}
	if v := queryText(c, "phone"); v != nil {
		ph, err := ident.ParsePhone(*v)
		if err != nil {
			qe.fail("phone", err.Error())
		} else {
			f.phoneHash = s.deps.PII.Hash(kindPhone, ph.Number)
		}
	}
	if err := qe.err(); err != nil {
		return f, err
	}
	// Birth-date bounds for the age range: age >= n exactly when born on
	// or before the day n years ago.
	today := s.today()
	if ageMin != nil {
		t := yearsBefore(today, *ageMin)
		f.bornTo = &t
	}
	if ageMax != nil {
		t := yearsBefore(today, *ageMax+1).AddDate(0, 0, 1)
		f.bornFrom = &t
	}
	return f, nil
}

// byEmployment reports whether the rows are found through employments
// (WorkerListByEmployment): when the scope or a filter concerns them.
func (f workerFilter) byEmployment(sc Scope) bool {
	l := sc.Level()
	return l == db.LevelTown || l == db.LevelEnterprise || l == db.LevelProject ||
		f.projectID != nil || f.teamID != nil || f.townCode != nil || f.onSite != nil
}

func (s *Server) workerList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, workerSorts...)
	if err != nil {
		return err
	}
	f, err := s.parseWorkerFilter(c)
	if err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	if f.byEmployment(sc) {
		arg := dbq.WorkerListByEmploymentParams{
			ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
			ProjectID: f.projectID, TeamID: f.teamID, TownCode: f.townCode, OnSite: f.onSite,
			IDNumberHash: f.idHash, PhoneHash: f.phoneHash, Gender: f.gender, NativeProvince: f.province,
			BornFrom: f.bornFrom, BornTo: f.bornTo, Active: f.active, Q: f.q, Sort: p.Sort, WithTotal: true}
		return listPage(c, p, func(lim, off int32) ([]dbq.WorkerListByEmploymentRow, error) {
			arg.Lim, arg.Off = lim, off
			return q.WorkerListByEmployment(c.UserContext(), arg)
		}, func(r dbq.WorkerListByEmploymentRow) int64 { return r.Total }, func(r dbq.WorkerListByEmploymentRow) workerOut {
			return s.workerFrom(r.Worker, r.OnSite)
		})
	}
	arg := dbq.WorkerListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		IDNumberHash: f.idHash, PhoneHash: f.phoneHash, Gender: f.gender, NativeProvince: f.province,
		BornFrom: f.bornFrom, BornTo: f.bornTo, Active: f.active, Q: f.q, Sort: p.Sort, WithTotal: true}
	return listPage(c, p, func(lim, off int32) ([]dbq.WorkerListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.WorkerList(c.UserContext(), arg)
	}, func(r dbq.WorkerListRow) int64 { return r.Total }, func(r dbq.WorkerListRow) workerOut {
		return s.workerFrom(r.Worker, r.OnSite)
	})
}

// yearsBefore is the same calendar day n years before t, or the last day
// of the month when that day does not exist (29 February).
func yearsBefore(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	r := time.Date(y-n, m, d, 0, 0, 0, 0, time.UTC)
	if r.Month() != m {
		r = time.Date(y-n, m+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return r
}

// workerGetScoped loads a worker the caller may see (else not found).
func workerGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.WorkerListRow, error) {
	return workerFindScoped(c, q, &id, nil)
}

// workerFindScoped finds a worker the caller may see by id or by the
// keyed hash of the ID number (else not found): the list query the list
// handler would run for the caller's scope (byEmployment), narrowed.
func workerFindScoped(c *fiber.Ctx, q *dbq.Queries, id *int64, idHash []byte) (dbq.WorkerListRow, error) {
	sc := scopeOf(c)
	if (workerFilter{}).byEmployment(sc) {
		r, err := oneRow(q.WorkerListByEmployment(c.UserContext(), dbq.WorkerListByEmploymentParams{ID: id, IDNumberHash: idHash,
			ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
		return dbq.WorkerListRow(r), err
	}
	return oneRow(q.WorkerList(c.UserContext(), dbq.WorkerListParams{ID: id, IDNumberHash: idHash, ScopeLevel: sc.Level(),
		ScopeKey: sc.Key(), Lim: 1}))
}

func (s *Server) workerRowOut(r dbq.WorkerListRow) workerOut { return s.workerFrom(r.Worker, r.OnSite) }

// validate checks the fields present in in and normalises phone and bank
// card; on create the ID number is parsed (as of now) and returned.
func (in *workerIn) validate(create bool, now time.Time) (ident.ResidentID, error) {
	var v check
	var rid ident.ResidentID
	if create {
		v.text("id_number", in.IDNumber, true, 32)
		if in.IDNumber != nil && v.ok("id_number") {
			var err error
			if rid, err = ident.ParseResidentID(*in.IDNumber, now); err != nil {
				v.identErr("id_number", err)
			}
		}
	} else {
		if in.IDNumber != nil {
			v.fail("id_number", "immutable", "身份证号码不可修改，如登记有误请停用后重新登记")
		}
		v.required("version", in.Version != nil)
	}
	v.text("name", in.Name, create || in.Name != nil, 64)
	v.text("phone", in.Phone, false, 32)
	if in.Phone != nil && *in.Phone != "" && v.ok("phone") {
		if n, err := ident.ParseMobile(*in.Phone); err != nil {
			v.identErr("phone", err)
		} else {
			*in.Phone = n
		}
	}
	v.text("bank_card", in.BankCard, false, 32)
	if in.BankCard != nil && *in.BankCard != "" && v.ok("bank_card") {
		if n, err := ident.ParseBankCard(*in.BankCard); err != nil {
			v.identErr("bank_card", err)
		} else {
			*in.BankCard = n
		}
	}
	v.text("bank_name", in.BankName, false, 64)
	return rid, v.err()
}

func (s *Server) workerCreate(c *fiber.Ctx) error {
	var in workerIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	rid, err := in.validate(true, s.deps.Now())
	if err != nil {
		return err
	}
	idEnc, idHash, err := s.seal(kindIDNumber, &rid.Number)
	if err != nil {
		return err
	}
	phoneEnc, phoneHash, err := s.sealPhone(in.Phone)
	if err != nil {
		return err
	}
	cardEnc, _, err := s.seal(kindBankCard, in.BankCard)
	if err != nil {
		return err
	}
	w, err := db.Q(s.deps.Pool).WorkerCreate(c.UserContext(), dbq.WorkerCreateParams{
		Name: *in.Name, IDNumberEnc: idEnc, IDNumberHash: idHash,
		Gender: string(rid.Gender), BirthDate: rid.BirthDate, NativeProvince: rid.ProvinceCode, NativeRegion: rid.RegionCode,
		PhoneEnc: phoneEnc, PhoneHash: phoneHash, BankCardEnc: cardEnc, BankName: deref(in.BankName)})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(s.workerFrom(w, false))
}

func (s *Server) workerUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in workerIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if _, err := in.validate(false, s.deps.Now()); err != nil {
		return err
	}
	return changeRow(s, c, id, workerGetScoped, func(q *dbq.Queries, cur dbq.WorkerListRow) (workerOut, error) {
		w := cur.Worker
		p := dbq.WorkerUpdateParams{ID: id, Version: *in.Version, Name: w.Name, PhoneEnc: w.PhoneEnc, PhoneHash: w.PhoneHash,
			BankCardEnc: w.BankCardEnc, BankName: w.BankName}
		set(&p.Name, in.Name)
		set(&p.BankName, in.BankName)
		var err error
		if in.Phone != nil {
			if p.PhoneEnc, p.PhoneHash, err = s.sealPhone(in.Phone); err != nil {
				return workerOut{}, err
			}
		}
		if in.BankCard != nil {
			if p.BankCardEnc, _, err = s.seal(kindBankCard, in.BankCard); err != nil {
				return workerOut{}, err
			}
		}
		updated, err := q.WorkerUpdate(c.UserContext(), p)
		if err != nil {
			return workerOut{}, versioned(err)
		}
		return s.workerFrom(updated, cur.OnSite), nil
	})
}

func (s *Server) workerSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, workerGetScoped, (*dbq.Queries).WorkerSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.WorkerListRow, w dbq.Worker) (any, error) {
			return s.workerFrom(w, cur.OnSite), nil
		})
}
