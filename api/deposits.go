package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// Wage guarantee deposits 工资保证金 and their movements. The balance
// (amount_fen) changes only through movements, which are append-only and
// applied in the same transaction under a row lock: payment and top_up
// add, payout subtracts (never below zero), release returns the whole
// balance and marks the deposit released, after which it is read-only.
// Creating a deposit with an amount records that amount as its first
// payment movement, so the movements always add up to the balance. A
// deposit whose balance is already zero cannot be released (a movement
// amount must be positive); it simply stays with a zero balance. Workers
// see no deposits.

type depositOut struct {
	ID           int64     `json:"id"`
	ProjectID    int64     `json:"project_id"`
	Form         string    `json:"form" codes:"deposit_forms"`
	FormLabel    string    `json:"form_label"`
	RequiredFen  int64     `json:"required_fen"`
	AmountFen    int64     `json:"amount_fen" doc:"current balance"`
	ShortfallFen int64     `json:"shortfall_fen" doc:"required_fen - amount_fen when positive and the deposit is active, else 0"`
	BankName     string    `json:"bank_name"`
	Reference    string    `json:"reference"`
	PaidOn       *Date     `json:"paid_on"`
	ExpiresOn    *Date     `json:"expires_on"`
	Status       string    `json:"status" codes:"deposit_statuses"`
	StatusLabel  string    `json:"status_label"`
	Version      int32     `json:"version"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

type depositIn struct {
	ProjectID   *int64  `json:"project_id,omitempty" required:"true" doc:"create only"`
	Form        *string `json:"form,omitempty" required:"true" enum:"cash,bank_guarantee,insurance,exempt"`
	RequiredFen *int64  `json:"required_fen,omitempty" required:"true"`
	AmountFen   *int64  `json:"amount_fen,omitempty" doc:"create only: the first payment (default 0); later the balance changes only by movements"`
	BankName    *string `json:"bank_name,omitempty"`
	Reference   *string `json:"reference,omitempty"`
	PaidOn      *string `json:"paid_on,omitempty" doc:"YYYY-MM-DD; required when amount_fen > 0"`
	ExpiresOn   *string `json:"expires_on,omitempty" doc:"YYYY-MM-DD (guarantees and insurance)"`
	Version     *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type movementOut struct {
	ID         int64     `json:"id"`
	DepositID  int64     `json:"deposit_id"`
	ProjectID  int64     `json:"project_id"`
	Kind       string    `json:"kind" codes:"deposit_movement_kinds"`
	KindLabel  string    `json:"kind_label"`
	AmountFen  int64     `json:"amount_fen"`
	OccurredOn Date      `json:"occurred_on"`
	Reference  string    `json:"reference"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
}

type movementIn struct {
	DepositID  *int64  `json:"deposit_id" required:"true"`
	Kind       *string `json:"kind" required:"true" enum:"payment,payout,top_up,release"`
	AmountFen  *int64  `json:"amount_fen,omitempty" doc:"> 0; required except for release, which returns the whole balance (if given it must equal it)"`
	OccurredOn *string `json:"occurred_on" required:"true" doc:"YYYY-MM-DD, not in the future"`
	Reference  *string `json:"reference,omitempty"`
	Note       *string `json:"note,omitempty"`
}

type movementResultOut struct {
	Movement movementOut `json:"movement"`
	Deposit  depositOut  `json:"deposit" doc:"the deposit after the movement"`
}

func depositFrom(d dbq.WageDeposit) depositOut {
	short := d.RequiredFen - d.AmountFen
	if short < 0 || d.Status == "released" {
		short = 0
	}
	return depositOut{ID: d.ID, ProjectID: d.ProjectID, Form: d.Form, RequiredFen: d.RequiredFen, AmountFen: d.AmountFen,
		ShortfallFen: short, BankName: d.BankName, Reference: d.Reference, PaidOn: datePtr(d.PaidOn), ExpiresOn: datePtr(d.ExpiresOn),
		Status: d.Status, Version: d.Version, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

func movementFrom(m dbq.WageDepositMovement, projectID int64) movementOut {
	return movementOut{ID: m.ID, DepositID: m.DepositID, ProjectID: projectID, Kind: m.Kind, AmountFen: m.AmountFen,
		OccurredOn: Date{m.OccurredOn}, Reference: m.Reference, Note: m.Note, CreatedAt: m.CreatedAt}
}

var (
	depositSorts  = []string{"expires_on", "-amount_fen", "-id"}
	movementSorts = []string{"-occurred_on", "-id"}
)

func (s *Server) depositRoutes() {
	s.add(route{Method: "GET", Path: "/wage-deposits", Perm: "deposits:read", Tag: "wage-deposits", Summary: "List wage guarantee deposits in scope",
		Query: append(pageParams(depositSorts...),
			param{Name: "project_id", Type: "integer"},
			param{Name: "town_code", Type: "string"},
			param{Name: "status", Type: "string", Enum: registry.DepositStatuses.Codes},
			param{Name: "form", Type: "string", Enum: registry.DepositForms.Codes},
			param{Name: "short", Type: "boolean", Desc: "only active deposits below the required amount"}),
		Out: listOut[depositOut]{}, Handler: s.depositList})
	s.add(route{Method: "GET", Path: "/wage-deposits/:id", Perm: "deposits:read", Tag: "wage-deposits", Summary: "Get a wage guarantee deposit", Out: depositOut{}, Handler: getHandler(s, idParam, depositGetScoped, depositFrom)})
	s.add(route{Method: "POST", Path: "/wage-deposits", Perm: "deposits:write", Tag: "wage-deposits", Summary: "Register a wage guarantee deposit (an amount is recorded as its first payment)", Body: depositIn{}, Out: depositOut{}, Status: 201, Handler: s.depositCreate})
	s.add(route{Method: "PATCH", Path: "/wage-deposits/:id", Perm: "deposits:write", Tag: "wage-deposits", Summary: "Update a deposit's details (not its balance)", Body: depositIn{}, Out: depositOut{}, Handler: s.depositUpdate})

	s.add(route{Method: "GET", Path: "/wage-deposit-movements", Perm: "deposits:read", Tag: "wage-deposits", Summary: "List deposit movements in scope",
		Query: append(pageParams(movementSorts...),
			param{Name: "deposit_id", Type: "integer"},
			param{Name: "project_id", Type: "integer"},
			param{Name: "kind", Type: "string", Enum: registry.DepositMovementKinds.Codes},
			param{Name: "date_from", Type: "string", Desc: "YYYY-MM-DD"},
			param{Name: "date_to", Type: "string", Desc: "YYYY-MM-DD"}),
		Out: listOut[movementOut]{}, Handler: s.movementList})
	s.add(route{Method: "GET", Path: "/wage-deposit-movements/:id", Perm: "deposits:read", Tag: "wage-deposits", Summary: "Get a deposit movement", Out: movementOut{}, Handler: getHandler(s, idParam, movementGetScoped, movementRowOut)})
	s.add(route{Method: "POST", Path: "/wage-deposit-movements", Perm: "deposits:write", Tag: "wage-deposits", Summary: "Record a payment, payout, top-up or release; updates the balance", Body: movementIn{}, Out: movementResultOut{}, Status: 201, Handler: s.movementCreate})
}

func (s *Server) depositList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, depositSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.WageDepositListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), TownCode: queryText(c, "town_code"), Status: qe.enum(c, "status", registry.DepositStatuses),
		Form: qe.enum(c, "form", registry.DepositForms), Short: deref(qe.boolean(c, "short")), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.WageDepositListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.WageDepositList(c.UserContext(), arg)
	}, func(r dbq.WageDepositListRow) int64 { return r.Total }, func(r dbq.WageDepositListRow) depositOut {
		return depositFrom(r.WageDeposit)
	})
}

// depositGetScoped loads a deposit the caller may see (else not found).
func depositGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.WageDeposit, error) {
	sc := scopeOf(c)
	r, err := oneRow(q.WageDepositList(c.UserContext(), dbq.WageDepositListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
	return r.WageDeposit, err
}

// depositDates are the parsed optional dates of a deposit body; set is
// true when the field was present (an empty string clears it).
type depositDates struct {
	paidOn, expiresOn       *time.Time
	paidOnSet, expiresOnSet bool
}

func (in *depositIn) validate(create bool, today time.Time) (depositDates, error) {
	var v check
	var d depositDates
	if create {
		v.positiveID("project_id", in.ProjectID, true)
		v.fen("amount_fen", in.AmountFen, false)
	} else {
		v.required("version", in.Version != nil)
		if in.AmountFen != nil {
			v.fail("amount_fen", "immutable", "余额只能通过缴存、动用、补足、退还记录变更")
		}
	}
	v.enum("form", in.Form, create, registry.DepositForms)
	v.fen("required_fen", in.RequiredFen, create)
	v.text("bank_name", in.BankName, false, 64)
	v.text("reference", in.Reference, false, 64)
	if in.PaidOn != nil {
		d.paidOnSet = true
		d.paidOn = v.dateField("paid_on", in.PaidOn, false)
		v.notFuture("paid_on", d.paidOn, today)
	}
	if in.ExpiresOn != nil {
		d.expiresOnSet = true
		d.expiresOn = v.dateField("expires_on", in.ExpiresOn, false)
	}
	if d.paidOn != nil && d.expiresOn != nil && d.expiresOn.Before(*d.paidOn) {
		v.fail("expires_on", "invalid_date_range", "到期日期不能早于缴纳日期")
	}
	if create && in.AmountFen != nil && *in.AmountFen > 0 {
		if d.paidOn == nil {
			v.fail("paid_on", "required", "缴存金额大于零时必须填写缴纳日期")
		}
		if in.Form != nil && *in.Form == "exempt" {
			v.fail("amount_fen", "exempt_with_amount", "免缴的保证金金额应为零")
		}
	}
	return d, v.err()
}

func (s *Server) depositCreate(c *fiber.Ctx) error {
	var in depositIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	dates, err := in.validate(true, s.today())
	if err != nil {
		return err
	}
	var out dbq.WageDeposit
	err = s.inTx(c, func(q *dbq.Queries) error {
		if err := s.labourProjectWritable(c, q, *in.ProjectID); err != nil {
			return err
		}
		amount := deref(in.AmountFen)
		out, err = q.WageDepositCreate(c.UserContext(), dbq.WageDepositCreateParams{ProjectID: *in.ProjectID, Form: *in.Form,
			RequiredFen: *in.RequiredFen, AmountFen: amount, BankName: deref(in.BankName), Reference: deref(in.Reference),
			PaidOn: dates.paidOn, ExpiresOn: dates.expiresOn})
		if err != nil || amount == 0 {
			return err
		}
		_, err = q.WageDepositMovementCreate(c.UserContext(), dbq.WageDepositMovementCreateParams{DepositID: out.ID, Kind: "payment",
			AmountFen: amount, OccurredOn: *dates.paidOn, Reference: deref(in.Reference), Note: "登记保证金时缴存"})
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(depositFrom(out))
}

func errDepositReleased() *Error {
	return &Error{Status: http.StatusConflict, Code: "deposit_released", Message: "保证金已退还，不能再变更"}
}

func (s *Server) depositUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in depositIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	dates, err := in.validate(false, s.today())
	if err != nil {
		return err
	}
	return changeRow(s, c, id, depositGetScoped, func(q *dbq.Queries, _ dbq.WageDeposit) (depositOut, error) {
		cur, err := q.WageDepositLock(c.UserContext(), id)
		if err != nil {
			return depositOut{}, err
		}
		if in.ProjectID != nil && *in.ProjectID != cur.ProjectID {
			return depositOut{}, errField("project_id", "immutable", "所属项目不可修改")
		}
		if cur.Status == "released" {
			return depositOut{}, errDepositReleased()
		}
		p := dbq.WageDepositUpdateParams{ID: id, Version: *in.Version, Form: cur.Form, RequiredFen: cur.RequiredFen,
			BankName: cur.BankName, Reference: cur.Reference, PaidOn: cur.PaidOn, ExpiresOn: cur.ExpiresOn}
		set(&p.Form, in.Form)
		set(&p.RequiredFen, in.RequiredFen)
		set(&p.BankName, in.BankName)
		set(&p.Reference, in.Reference)
		if dates.paidOnSet {
			p.PaidOn = dates.paidOn
		}
		if dates.expiresOnSet {
			p.ExpiresOn = dates.expiresOn
		}
		var v check
		if p.PaidOn != nil && p.ExpiresOn != nil && p.ExpiresOn.Before(*p.PaidOn) {
			v.fail("expires_on", "invalid_date_range", "到期日期不能早于缴纳日期")
		}
		if p.Form == "exempt" && cur.AmountFen > 0 {
			v.fail("form", "exempt_with_amount", "保证金余额大于零，不能改为免缴")
		}
		if err := v.err(); err != nil {
			return depositOut{}, err
		}
		d, err := q.WageDepositUpdate(c.UserContext(), p)
		if err != nil {
			return depositOut{}, versioned(err)
		}
		return depositFrom(d), nil
	})
}

func (s *Server) movementList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, movementSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.WageDepositMovementListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		DepositID: qe.id(c, "deposit_id"), ProjectID: qe.id(c, "project_id"), Kind: qe.enum(c, "kind", registry.DepositMovementKinds),
		DateFrom: qe.date(c, "date_from"), DateTo: qe.date(c, "date_to"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.WageDepositMovementListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.WageDepositMovementList(c.UserContext(), arg)
	}, func(r dbq.WageDepositMovementListRow) int64 { return r.Total }, movementRowOut)
}

// movementGetScoped loads a movement the caller may see (else not found).
func movementGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.WageDepositMovementListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.WageDepositMovementList(c.UserContext(), dbq.WageDepositMovementListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func movementRowOut(m dbq.WageDepositMovementListRow) movementOut {
	return movementFrom(m.WageDepositMovement, m.ProjectID)
}

// maxFen is the largest amount (and balance) accepted, as in check.fen.
const maxFen = 1_000_000_000_000_000

func (s *Server) movementCreate(c *fiber.Ctx) error {
	var in movementIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("deposit_id", in.DepositID, true)
	v.enum("kind", in.Kind, true, registry.DepositMovementKinds)
	isRelease := in.Kind != nil && *in.Kind == "release"
	v.fen("amount_fen", in.AmountFen, !isRelease)
	if in.AmountFen != nil && *in.AmountFen == 0 {
		v.fail("amount_fen", "invalid_amount", "金额必须大于零")
	}
	on := v.dateField("occurred_on", in.OccurredOn, true)
	v.notFuture("occurred_on", on, s.today())
	v.text("reference", in.Reference, false, 64)
	v.text("note", in.Note, false, 500)
	if err := v.err(); err != nil {
		return err
	}
	var out movementResultOut
	err := s.inTx(c, func(q *dbq.Queries) error {
		_, err := depositGetScoped(c, q, *in.DepositID)
		if errors.Is(err, db.ErrNotFound) {
			return errField("deposit_id", "reference_not_found", "保证金不存在或无权访问")
		}
		if err != nil {
			return err
		}
		d, err := q.WageDepositLock(c.UserContext(), *in.DepositID)
		if err != nil {
			return err
		}
		if d.Status == "released" {
			return errDepositReleased()
		}
		amount, balance, status := deref(in.AmountFen), d.AmountFen, d.Status
		switch *in.Kind {
		case "payment", "top_up":
			balance += amount
			if balance > maxFen {
				return errField("amount_fen", "amount_too_large", "金额超出允许范围")
			}
		case "payout":
			balance -= amount
			if balance < 0 {
				return errField("amount_fen", "negative_balance",
					fmt.Sprintf("动用金额不能超过保证金余额（当前余额%s元）", yuan(d.AmountFen)))
			}
		case "release":
			if d.AmountFen == 0 {
				return errField("amount_fen", "nothing_to_release", "保证金余额为零，无需退还")
			}
			if in.AmountFen != nil && amount != d.AmountFen {
				return errField("amount_fen", "release_not_balance",
					fmt.Sprintf("退还金额应等于保证金余额（当前余额%s元）", yuan(d.AmountFen)))
			}
			amount, balance, status = d.AmountFen, 0, "released"
		}
		m, err := q.WageDepositMovementCreate(c.UserContext(), dbq.WageDepositMovementCreateParams{DepositID: d.ID, Kind: *in.Kind,
			AmountFen: amount, OccurredOn: *on, Reference: deref(in.Reference), Note: deref(in.Note)})
		if err != nil {
			return err
		}
		nd, err := q.WageDepositApply(c.UserContext(), dbq.WageDepositApplyParams{ID: d.ID, AmountFen: balance, Status: status})
		if err != nil {
			return err
		}
		out = movementResultOut{Movement: movementFrom(m, d.ProjectID), Deposit: depositFrom(nd)}
		return nil
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// yuan formats an amount in fen as yuan with two decimals.
func yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}

func init() {
	constraintFields["wage_deposit_movements_deposit_id_fkey"] = [2]string{"deposit_id", "保证金不存在"}
}
