package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Dedicated wage accounts 农民工工资专用账户, one per project, and the
// labour-cost transfers 人工费用拨付 into them. The account number belongs
// to an enterprise account, not to a person, so it is stored in clear;
// lists still show it masked except the last 4 digits (a list is what
// gets exported and screen-shared), while a get, create or update shows
// it whole. Transfers are append-only: a wrong one is deactivated with a
// reason and entered again. Workers see neither.

type wageAccountOut struct {
	ID                 int64     `json:"id"`
	ProjectID          int64     `json:"project_id"`
	BankName           string    `json:"bank_name"`
	AccountName        string    `json:"account_name"`
	AccountNo          string    `json:"account_no" doc:"masked except the last 4 digits in lists"`
	OpenedOn           Date      `json:"opened_on"`
	ClosedOn           *Date     `json:"closed_on"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type wageAccountIn struct {
	ProjectID   *int64  `json:"project_id,omitempty" required:"true" doc:"create only; one account per project"`
	BankName    *string `json:"bank_name,omitempty" required:"true"`
	AccountName *string `json:"account_name,omitempty" required:"true"`
	AccountNo   *string `json:"account_no,omitempty" required:"true" doc:"8 to 32 digits (spaces ignored)"`
	OpenedOn    *string `json:"opened_on,omitempty" required:"true" doc:"YYYY-MM-DD"`
	ClosedOn    *string `json:"closed_on,omitempty" doc:"YYYY-MM-DD; an empty string reopens"`
	Version     *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type transferOut struct {
	ID                 int64     `json:"id"`
	AccountID          int64     `json:"account_id"`
	ProjectID          int64     `json:"project_id"`
	Month              string    `json:"month" doc:"YYYY-MM, the month the labour cost is for"`
	AmountFen          int64     `json:"amount_fen"`
	TransferredOn      Date      `json:"transferred_on"`
	Reference          string    `json:"reference"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
}

type transferIn struct {
	AccountID     *int64  `json:"account_id" required:"true"`
	Month         *string `json:"month" required:"true" doc:"YYYY-MM"`
	AmountFen     *int64  `json:"amount_fen" required:"true" doc:"> 0"`
	TransferredOn *string `json:"transferred_on" required:"true" doc:"YYYY-MM-DD, not in the future, within the account's open period"`
	Reference     *string `json:"reference,omitempty" doc:"bank reference"`
}

func wageAccountFrom(a dbq.WageAccount, mask bool) wageAccountOut {
	no := a.AccountNo
	if mask {
		no = maskAccountNo(no)
	}
	return wageAccountOut{ID: a.ID, ProjectID: a.ProjectID, BankName: a.BankName, AccountName: a.AccountName, AccountNo: no,
		OpenedOn: Date{a.OpenedOn}, ClosedOn: datePtr(a.ClosedOn), Active: a.Active, DeactivationReason: a.DeactivationReason,
		Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// maskAccountNo keeps the last 4 digits.
func maskAccountNo(s string) string {
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-4) + s[len(s)-4:]
}

func transferFrom(t dbq.LabourCostTransfer, projectID int64) transferOut {
	return transferOut{ID: t.ID, AccountID: t.AccountID, ProjectID: projectID, Month: monthString(t.Month), AmountFen: t.AmountFen,
		TransferredOn: Date{t.TransferredOn}, Reference: t.Reference, Active: t.Active, DeactivationReason: t.DeactivationReason,
		Version: t.Version, CreatedAt: t.CreatedAt}
}

var (
	wageAccountSorts = []string{"opened_on", "-opened_on", "-id"}
	transferSorts    = []string{"month", "-month", "-transferred_on", "-id"}
	accountNoRe      = regexp.MustCompile(`^[0-9]{8,32}$`)
)

func (s *Server) wageAccountRoutes() {
	s.add(route{Method: "GET", Path: "/wage-accounts", Perm: "wage-accounts:read", Tag: "wage-accounts", Summary: "List dedicated wage accounts in scope (account numbers masked)",
		Query: append(pageParams(wageAccountSorts...),
			param{Name: "project_id", Type: "integer"},
			param{Name: "town_code", Type: "string"},
			param{Name: "active", Type: "boolean"}),
		Out: listOut[wageAccountOut]{}, Handler: s.wageAccountList})
	s.add(route{Method: "GET", Path: "/wage-accounts/:id", Perm: "wage-accounts:read", Tag: "wage-accounts", Summary: "Get a dedicated wage account", Out: wageAccountOut{}, Handler: getHandler(s, idParam, wageAccountGetScoped, wageAccountRowOut)})
	s.add(route{Method: "POST", Path: "/wage-accounts", Perm: "wage-accounts:write", Tag: "wage-accounts", Summary: "Register a project's dedicated wage account", Body: wageAccountIn{}, Out: wageAccountOut{}, Status: 201, Handler: s.wageAccountCreate})
	s.add(route{Method: "PATCH", Path: "/wage-accounts/:id", Perm: "wage-accounts:write", Tag: "wage-accounts", Summary: "Update a dedicated wage account", Body: wageAccountIn{}, Out: wageAccountOut{}, Handler: s.wageAccountUpdate})
	s.add(route{Method: "POST", Path: "/wage-accounts/:id/deactivate", Perm: "wage-accounts:write", Tag: "wage-accounts", Summary: "Deactivate a wage account", Body: activeIn{}, Out: wageAccountOut{}, Handler: s.wageAccountSetActive(false)})
	s.add(route{Method: "POST", Path: "/wage-accounts/:id/reactivate", Perm: "wage-accounts:write", Tag: "wage-accounts", Summary: "Reactivate a wage account", Body: activeIn{}, Out: wageAccountOut{}, Handler: s.wageAccountSetActive(true)})

	s.add(route{Method: "GET", Path: "/labour-cost-transfers", Perm: "wage-accounts:read", Tag: "wage-accounts", Summary: "List labour-cost transfers in scope",
		Query: append(pageParams(transferSorts...),
			param{Name: "account_id", Type: "integer"},
			param{Name: "project_id", Type: "integer"},
			param{Name: "month_from", Type: "string", Desc: "YYYY-MM"},
			param{Name: "month_to", Type: "string", Desc: "YYYY-MM"},
			param{Name: "active", Type: "boolean"}),
		Out: listOut[transferOut]{}, Handler: s.transferList})
	s.add(route{Method: "GET", Path: "/labour-cost-transfers/:id", Perm: "wage-accounts:read", Tag: "wage-accounts", Summary: "Get a labour-cost transfer", Out: transferOut{}, Handler: getHandler(s, idParam, transferGetScoped, transferRowOut)})
	s.add(route{Method: "POST", Path: "/labour-cost-transfers", Perm: "wage-accounts:write", Tag: "wage-accounts", Summary: "Record a labour-cost transfer into a wage account (append-only)", Body: transferIn{}, Out: transferOut{}, Status: 201, Handler: s.transferCreate})
	s.add(route{Method: "POST", Path: "/labour-cost-transfers/:id/deactivate", Perm: "wage-accounts:write", Tag: "wage-accounts", Summary: "Deactivate a wrong transfer, with a reason", Body: deactivateIn{}, Out: transferOut{}, Handler: s.transferDeactivate()})
}

func (s *Server) wageAccountList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, wageAccountSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.WageAccountListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), TownCode: queryText(c, "town_code"), Active: qe.boolean(c, "active"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.WageAccountListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.WageAccountList(c.UserContext(), arg)
	}, func(r dbq.WageAccountListRow) int64 { return r.Total }, func(r dbq.WageAccountListRow) wageAccountOut {
		return wageAccountFrom(r.WageAccount, true)
	})
}

// wageAccountGetScoped loads a wage account the caller may see (else not found).
func wageAccountGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.WageAccount, error) {
	sc := scopeOf(c)
	r, err := oneRow(q.WageAccountList(c.UserContext(), dbq.WageAccountListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
	return r.WageAccount, err
}

// wageAccountRowOut renders one account, its number unmasked.
func wageAccountRowOut(a dbq.WageAccount) wageAccountOut { return wageAccountFrom(a, false) }

// validate checks the fields present; it returns the parsed dates (a
// present but empty closed_on clears it: closedSet is true, closed nil).
func (in *wageAccountIn) validate(create bool, today time.Time) (opened, closed *time.Time, closedSet bool, err error) {
	var v check
	if create {
		v.positiveID("project_id", in.ProjectID, true)
	} else {
		v.required("version", in.Version != nil)
	}
	v.text("bank_name", in.BankName, create, 64)
	v.text("account_name", in.AccountName, create, 128)
	if in.AccountNo != nil {
		*in.AccountNo = strings.Join(strings.Fields(*in.AccountNo), "")
	}
	v.text("account_no", in.AccountNo, create, 32)
	if in.AccountNo != nil && v.ok("account_no") && !accountNoRe.MatchString(*in.AccountNo) {
		v.fail("account_no", "invalid_account_no", "账号应为8到32位数字")
	}
	opened = v.dateField("opened_on", in.OpenedOn, create)
	v.notFuture("opened_on", opened, today)
	if in.ClosedOn != nil {
		closedSet = true
		closed = v.dateField("closed_on", in.ClosedOn, false)
		v.notFuture("closed_on", closed, today)
	}
	return opened, closed, closedSet, v.err()
}

func checkAccountDates(opened time.Time, closed *time.Time) error {
	if closed != nil && closed.Before(opened) {
		return errField("closed_on", "invalid_date_range", "销户日期不能早于开户日期")
	}
	return nil
}

func (s *Server) wageAccountCreate(c *fiber.Ctx) error {
	var in wageAccountIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	opened, closed, _, err := in.validate(true, s.today())
	if err != nil {
		return err
	}
	if err := checkAccountDates(*opened, closed); err != nil {
		return err
	}
	var out dbq.WageAccount
	err = s.inTx(c, func(q *dbq.Queries) error {
		if err := s.labourProjectWritable(c, q, *in.ProjectID); err != nil {
			return err
		}
		out, err = q.WageAccountCreate(c.UserContext(), dbq.WageAccountCreateParams{ProjectID: *in.ProjectID, BankName: *in.BankName,
			AccountName: *in.AccountName, AccountNo: *in.AccountNo, OpenedOn: *opened, ClosedOn: closed})
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(wageAccountFrom(out, false))
}

func (s *Server) wageAccountUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in wageAccountIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	opened, closed, closedSet, err := in.validate(false, s.today())
	if err != nil {
		return err
	}
	return changeRow(s, c, id, wageAccountGetScoped, func(q *dbq.Queries, cur dbq.WageAccount) (wageAccountOut, error) {
		if in.ProjectID != nil && *in.ProjectID != cur.ProjectID {
			return wageAccountOut{}, errField("project_id", "immutable", "所属项目不可修改")
		}
		p := dbq.WageAccountUpdateParams{ID: id, Version: *in.Version, BankName: cur.BankName, AccountName: cur.AccountName,
			AccountNo: cur.AccountNo, OpenedOn: cur.OpenedOn, ClosedOn: cur.ClosedOn}
		set(&p.BankName, in.BankName)
		set(&p.AccountName, in.AccountName)
		set(&p.AccountNo, in.AccountNo)
		if opened != nil {
			p.OpenedOn = *opened
		}
		if closedSet {
			p.ClosedOn = closed
		}
		if err := checkAccountDates(p.OpenedOn, p.ClosedOn); err != nil {
			return wageAccountOut{}, err
		}
		a, err := q.WageAccountUpdate(c.UserContext(), p)
		if err != nil {
			return wageAccountOut{}, versioned(err)
		}
		return wageAccountRowOut(a), nil
	})
}

func (s *Server) wageAccountSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, wageAccountGetScoped, (*dbq.Queries).WageAccountSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, _, a dbq.WageAccount) (any, error) {
			return wageAccountRowOut(a), nil
		})
}

func (s *Server) transferList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, transferSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.LabourCostTransferListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		AccountID: qe.id(c, "account_id"), ProjectID: qe.id(c, "project_id"), MonthFrom: qe.month(c, "month_from"),
		MonthTo: qe.month(c, "month_to"), Active: qe.boolean(c, "active"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.LabourCostTransferListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.LabourCostTransferList(c.UserContext(), arg)
	}, func(r dbq.LabourCostTransferListRow) int64 { return r.Total }, transferRowOut)
}

// transferGetScoped loads a transfer the caller may see (else not found).
func transferGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.LabourCostTransferListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.LabourCostTransferList(c.UserContext(), dbq.LabourCostTransferListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func transferRowOut(t dbq.LabourCostTransferListRow) transferOut {
	return transferFrom(t.LabourCostTransfer, t.ProjectID)
}

func (s *Server) transferCreate(c *fiber.Ctx) error {
	var in transferIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("account_id", in.AccountID, true)
	month := v.monthField("month", in.Month, true)
	v.fen("amount_fen", in.AmountFen, true)
	if in.AmountFen != nil && *in.AmountFen == 0 {
		v.fail("amount_fen", "invalid_amount", "拨付金额必须大于零")
	}
	on := v.dateField("transferred_on", in.TransferredOn, true)
	v.notFuture("transferred_on", on, s.today())
	v.text("reference", in.Reference, false, 64)
	if err := v.err(); err != nil {
		return err
	}
	var out dbq.LabourCostTransfer
	var projectID int64
	err := s.inTx(c, func(q *dbq.Queries) error {
		a, err := wageAccountGetScoped(c, q, *in.AccountID)
		if errors.Is(err, db.ErrNotFound) {
			return errField("account_id", "reference_not_found", "工资专用账户不存在或无权访问")
		}
		if err != nil {
			return err
		}
		projectID = a.ProjectID
		var v check
		switch {
		case !a.Active:
			v.fail("account_id", "account_inactive", "工资专用账户已停用")
		case on.Before(a.OpenedOn):
			v.fail("transferred_on", "before_opened", "拨付日期不能早于开户日期")
		case a.ClosedOn != nil && on.After(*a.ClosedOn):
			v.fail("transferred_on", "after_closed", "拨付日期不能晚于销户日期")
		}
		if err := v.err(); err != nil {
			return err
		}
		out, err = q.LabourCostTransferCreate(c.UserContext(), dbq.LabourCostTransferCreateParams{AccountID: a.ID, Month: *month,
			AmountFen: *in.AmountFen, TransferredOn: *on, Reference: deref(in.Reference)})
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(transferFrom(out, projectID))
}

// transferDeactivate deactivates a wrong transfer; transfers are
// append-only, so it cannot be undone (the right one is entered anew).
func (s *Server) transferDeactivate() fiber.Handler {
	active := func(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.LabourCostTransferListRow, error) {
		t, err := transferGetScoped(c, q, id)
		if err == nil && !t.LabourCostTransfer.Active {
			return t, errTransition("already_inactive", "该拨付记录已停用")
		}
		return t, err
	}
	deactivate := func(q *dbq.Queries, ctx context.Context, a activeArgs[int64]) (dbq.LabourCostTransfer, error) {
		return q.LabourCostTransferDeactivate(ctx, dbq.LabourCostTransferDeactivateParams{ID: a.ID, Version: a.Version, Reason: a.Reason})
	}
	return setActiveHandler(s, false, nil, idParam, active, deactivate,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.LabourCostTransferListRow, t dbq.LabourCostTransfer) (any, error) {
			return transferFrom(t, cur.ProjectID), nil
		})
}
