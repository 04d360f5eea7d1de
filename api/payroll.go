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

// Monthly payroll 工资表. A sheet (project, month) moves only forward,
// draft -> submitted -> paid, one step at a time, each naming the version
// read. Lines may be added and changed while the sheet is draft or
// submitted (payment details are usually filled in after submission);
// once the sheet is paid its lines are read-only except for the worker's
// confirmation. The worker confirms or disputes their own line of a
// submitted or paid sheet; changing a confirmed or disputed line's figures
// puts it back to pending (the last dispute reason is kept). Workers see
// their own lines but no sheets: a sheet's totals would reveal other
// workers' pay.

type payrollSheetOut struct {
	ID             int64      `json:"id"`
	ProjectID      int64      `json:"project_id"`
	Month          string     `json:"month" doc:"YYYY-MM"`
	Status         string     `json:"status" codes:"payroll_statuses"`
	StatusLabel    string     `json:"status_label"`
	SubmittedAt    *time.Time `json:"submitted_at"`
	Note           string     `json:"note"`
	LineCount      int64      `json:"line_count"`
	DueFen         int64      `json:"due_fen" doc:"sum of amount_due_fen of the lines"`
	PaidFen        int64      `json:"paid_fen" doc:"sum of amount_paid_fen of the lines"`
	ConfirmedCount int64      `json:"confirmed_count" doc:"lines the worker confirmed"`
	Version        int32      `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

type payrollSheetIn struct {
	ProjectID *int64  `json:"project_id,omitempty" required:"true" doc:"create only"`
	Month     *string `json:"month,omitempty" required:"true" doc:"YYYY-MM, not after the current month; create only"`
	Note      *string `json:"note,omitempty"`
	Version   *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type payrollLineOut struct {
	ID                int64      `json:"id"`
	SheetID           int64      `json:"sheet_id"`
	ProjectID         int64      `json:"project_id"`
	Month             string     `json:"month" doc:"YYYY-MM"`
	SheetStatus       string     `json:"sheet_status" codes:"payroll_statuses"`
	SheetStatusLabel  string     `json:"sheet_status_label"`
	WorkerID          int64      `json:"worker_id"`
	WorkerName        string     `json:"worker_name"`
	TeamID            *int64     `json:"team_id"`
	DaysWorked        int32      `json:"days_worked"`
	AmountDueFen      int64      `json:"amount_due_fen"`
	AmountPaidFen     int64      `json:"amount_paid_fen"`
	UnpaidFen         int64      `json:"unpaid_fen" doc:"amount_due_fen - amount_paid_fen"`
	PaidOn            *Date      `json:"paid_on"`
	TransferRef       string     `json:"transfer_ref"`
	PaidVia           string     `json:"paid_via" codes:"paid_via"`
	PaidViaLabel      string     `json:"paid_via_label"`
	Confirmation      string     `json:"confirmation" codes:"confirmations"`
	ConfirmationLabel string     `json:"confirmation_label"`
	ConfirmedAt       *time.Time `json:"confirmed_at" doc:"when the worker last confirmed or disputed"`
	DisputeReason     *string    `json:"dispute_reason" doc:"the worker's last dispute reason"`
	Version           int32      `json:"version"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
}

type payrollLineIn struct {
	SheetID       *int64  `json:"sheet_id,omitempty" required:"true" doc:"create only"`
	WorkerID      *int64  `json:"worker_id,omitempty" required:"true" doc:"create only; employed on the project during the month"`
	TeamID        *int64  `json:"team_id,omitempty" doc:"a team of the project; default the team of the worker's employment"`
	DaysWorked    *int32  `json:"days_worked,omitempty" doc:"0..days of the month, default 0"`
	AmountDueFen  *int64  `json:"amount_due_fen,omitempty" required:"true"`
	AmountPaidFen *int64  `json:"amount_paid_fen,omitempty" doc:"at most amount_due_fen, default 0"`
	PaidOn        *string `json:"paid_on,omitempty" doc:"YYYY-MM-DD, required when amount_paid_fen > 0; not in the future"`
	TransferRef   *string `json:"transfer_ref,omitempty" doc:"bank transfer reference"`
	PaidVia       *string `json:"paid_via,omitempty" enum:"wage_account,contractor,cash,other" doc:"default wage_account"`
	Version       *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

type payrollConfirmIn struct {
	Version *int32  `json:"version" required:"true" doc:"the version of the line the worker saw"`
	Reason  *string `json:"reason,omitempty" doc:"required to dispute"`
}

func payrollSheetFrom(s dbq.PayrollSheet, lines, due, paid, confirmed int64) payrollSheetOut {
	return payrollSheetOut{ID: s.ID, ProjectID: s.ProjectID, Month: monthString(s.Month), Status: s.Status, SubmittedAt: s.SubmittedAt,
		Note: s.Note, LineCount: lines, DueFen: due, PaidFen: paid, ConfirmedCount: confirmed, Version: s.Version,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func payrollLineFrom(r dbq.PayrollLineListRow) payrollLineOut {
	l := r.PayrollLine
	return payrollLineOut{ID: l.ID, SheetID: l.SheetID, ProjectID: r.ProjectID, Month: monthString(r.Month), SheetStatus: r.SheetStatus,
		WorkerID: l.WorkerID, WorkerName: r.WorkerName, TeamID: l.TeamID, DaysWorked: l.DaysWorked, AmountDueFen: l.AmountDueFen,
		AmountPaidFen: l.AmountPaidFen, UnpaidFen: l.AmountDueFen - l.AmountPaidFen, PaidOn: datePtr(l.PaidOn),
		TransferRef: l.TransferRef, PaidVia: l.PaidVia, Confirmation: l.Confirmation, ConfirmedAt: l.ConfirmedAt,
		DisputeReason: l.DisputeReason, Version: l.Version, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

var (
	payrollSheetSorts = []string{"month", "-month", "-id"}
	payrollLineSorts  = []string{"-month", "-amount_due_fen", "-id"}
)

func (s *Server) payrollRoutes() {
	s.add(route{Method: "GET", Path: "/payroll-sheets", Perm: "payroll:read", Tag: "payroll", Summary: "List payroll sheets in scope, with totals (not for workers)",
		Query: append(pageParams(payrollSheetSorts...),
			param{Name: "project_id", Type: "integer"},
			param{Name: "month_from", Type: "string", Desc: "YYYY-MM"},
			param{Name: "month_to", Type: "string", Desc: "YYYY-MM"},
			param{Name: "status", Type: "string", Enum: registry.PayrollStatuses.Codes}),
		Out: listOut[payrollSheetOut]{}, Handler: s.payrollSheetList})
	s.add(route{Method: "GET", Path: "/payroll-sheets/:id", Perm: "payroll:read", Tag: "payroll", Summary: "Get a payroll sheet with totals", Out: payrollSheetOut{}, Handler: getHandler(s, idParam, payrollSheetGetScoped, sheetRowOut)})
	s.add(route{Method: "POST", Path: "/payroll-sheets", Perm: "payroll:write", Tag: "payroll", Summary: "Create a monthly payroll sheet (draft)", Body: payrollSheetIn{}, Out: payrollSheetOut{}, Status: 201, Handler: s.payrollSheetCreate})
	s.add(route{Method: "PATCH", Path: "/payroll-sheets/:id", Perm: "payroll:write", Tag: "payroll", Summary: "Update a payroll sheet's note", Body: payrollSheetIn{}, Out: payrollSheetOut{}, Handler: s.payrollSheetUpdate})
	s.add(route{Method: "POST", Path: "/payroll-sheets/:id/submit", Perm: "payroll:write", Tag: "payroll", Summary: "Submit a draft sheet (needs at least one line)", Body: versionIn{}, Out: payrollSheetOut{}, Handler: s.payrollSheetAdvance("draft", "submitted")})
	s.add(route{Method: "POST", Path: "/payroll-sheets/:id/pay", Perm: "payroll:write", Tag: "payroll", Summary: "Mark a submitted sheet paid; its lines become read-only", Body: versionIn{}, Out: payrollSheetOut{}, Handler: s.payrollSheetAdvance("submitted", "paid")})

	s.add(route{Method: "GET", Path: "/payroll-lines", Perm: "payroll-lines:read", Tag: "payroll", Summary: "List payroll lines in scope (a worker sees their own)",
		Query: append(pageParams(payrollLineSorts...),
			param{Name: "sheet_id", Type: "integer"},
			param{Name: "project_id", Type: "integer"},
			param{Name: "worker_id", Type: "integer"},
			param{Name: "confirmation", Type: "string", Enum: registry.Confirmations.Codes},
			param{Name: "unpaid", Type: "boolean", Desc: "only lines paid less than due"}),
		Out: listOut[payrollLineOut]{}, Handler: s.payrollLineList})
	s.add(route{Method: "GET", Path: "/payroll-lines/:id", Perm: "payroll-lines:read", Tag: "payroll", Summary: "Get a payroll line", Out: payrollLineOut{}, Handler: getHandler(s, idParam, payrollLineGetScoped, payrollLineFrom)})
	s.add(route{Method: "POST", Path: "/payroll-lines", Perm: "payroll-lines:write", Tag: "payroll", Summary: "Add a worker's line to a sheet that is not paid", Body: payrollLineIn{}, Out: payrollLineOut{}, Status: 201, Handler: s.payrollLineCreate})
	s.add(route{Method: "PATCH", Path: "/payroll-lines/:id", Perm: "payroll-lines:write", Tag: "payroll", Summary: "Change a line of a sheet that is not paid", Body: payrollLineIn{}, Out: payrollLineOut{}, Handler: s.payrollLineUpdate})
	s.add(route{Method: "POST", Path: "/payroll-lines/:id/confirm", Perm: "payroll-lines:confirm", Tag: "payroll", Summary: "The worker confirms their line", Body: payrollConfirmIn{}, Out: payrollLineOut{}, Handler: s.payrollLineConfirm("confirmed")})
	s.add(route{Method: "POST", Path: "/payroll-lines/:id/dispute", Perm: "payroll-lines:confirm", Tag: "payroll", Summary: "The worker disputes their line, with a reason", Body: payrollConfirmIn{}, Out: payrollLineOut{}, Handler: s.payrollLineConfirm("disputed")})
}

func (s *Server) payrollSheetList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, payrollSheetSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.PayrollSheetListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), MonthFrom: qe.month(c, "month_from"), MonthTo: qe.month(c, "month_to"),
		Status: qe.enum(c, "status", registry.PayrollStatuses), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.PayrollSheetListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.PayrollSheetList(c.UserContext(), arg)
	}, func(r dbq.PayrollSheetListRow) int64 { return r.Total }, sheetRowOut)
}

// payrollSheetGetScoped loads a sheet the caller may see (else not
// found): PayrollSheetList narrowed to the id.
func payrollSheetGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.PayrollSheetListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.PayrollSheetList(c.UserContext(), dbq.PayrollSheetListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func sheetRowOut(r dbq.PayrollSheetListRow) payrollSheetOut {
	return payrollSheetFrom(r.PayrollSheet, r.LineCount, r.DueFen, r.PaidFen, r.ConfirmedCount)
}

func (s *Server) payrollSheetCreate(c *fiber.Ctx) error {
	var in payrollSheetIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("project_id", in.ProjectID, true)
	month := v.monthField("month", in.Month, true)
	today := s.today()
	if month != nil && month.After(today) {
		v.fail("month", "future_month", "不能为未来月份制表")
	}
	v.text("note", in.Note, false, 1000)
	if err := v.err(); err != nil {
		return err
	}
	var out dbq.PayrollSheetListRow
	err := s.inTx(c, func(q *dbq.Queries) error {
		if err := s.labourProjectWritable(c, q, *in.ProjectID); err != nil {
			return err
		}
		sh, err := q.PayrollSheetCreate(c.UserContext(), dbq.PayrollSheetCreateParams{ProjectID: *in.ProjectID, Month: *month, Note: deref(in.Note)})
		if err != nil {
			return err
		}
		out = dbq.PayrollSheetListRow{PayrollSheet: sh}
		return nil
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(sheetRowOut(out))
}

func (s *Server) payrollSheetUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in payrollSheetIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	if in.ProjectID != nil {
		v.fail("project_id", "immutable", "所属项目不可修改")
	}
	if in.Month != nil {
		v.fail("month", "immutable", "工资月份不可修改")
	}
	v.text("note", in.Note, false, 1000)
	if err := v.err(); err != nil {
		return err
	}
	return changeRow(s, c, id, payrollSheetGetScoped, func(q *dbq.Queries, cur dbq.PayrollSheetListRow) (payrollSheetOut, error) {
		note := cur.PayrollSheet.Note
		set(&note, in.Note)
		if _, err := q.PayrollSheetUpdate(c.UserContext(), dbq.PayrollSheetUpdateParams{ID: id, Version: *in.Version, Note: note}); err != nil {
			return payrollSheetOut{}, versioned(err)
		}
		r, err := payrollSheetGetScoped(c, q, id)
		return sheetRowOut(r), err
	})
}

// notEmployedInMonth refuses a line of a worker not employed in the month.
const notEmployedInMonth = "该工人在该月未在此项目登记用工"

func errTransition(code, msg string) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Message: msg}
}

// payrollSheetAdvance moves a sheet from one status to the next.
func (s *Server) payrollSheetAdvance(from, to string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		version, err := decodeVersion(c)
		if err != nil {
			return err
		}
		return changeRow(s, c, id, payrollSheetGetScoped, func(q *dbq.Queries, cur dbq.PayrollSheetListRow) (payrollSheetOut, error) {
			if cur.PayrollSheet.Version != version {
				return payrollSheetOut{}, errVersionConflict
			}
			if cur.PayrollSheet.Status != from {
				return payrollSheetOut{}, errTransition("invalid_transition", fmt.Sprintf("工资表当前状态为“%s”，不能改为“%s”",
					registry.PayrollStatuses.Label(cur.PayrollSheet.Status), registry.PayrollStatuses.Label(to)))
			}
			if to == "submitted" && cur.LineCount == 0 {
				return payrollSheetOut{}, errField("lines", "no_lines", "工资表没有明细，不能提交")
			}
			if _, err := q.PayrollSheetAdvance(c.UserContext(), dbq.PayrollSheetAdvanceParams{ID: id, Version: version,
				FromStatus: from, ToStatus: to}); err != nil {
				return payrollSheetOut{}, versioned(err)
			}
			r, err := payrollSheetGetScoped(c, q, id)
			return sheetRowOut(r), err
		})
	}
}

func (s *Server) payrollLineList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, payrollLineSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.PayrollLineListParams{WithTotal: true, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		SheetID: qe.id(c, "sheet_id"), ProjectID: qe.id(c, "project_id"), WorkerID: qe.id(c, "worker_id"),
		Confirmation: qe.enum(c, "confirmation", registry.Confirmations), Unpaid: deref(qe.boolean(c, "unpaid")), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.PayrollLineListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.PayrollLineList(c.UserContext(), arg)
	}, func(r dbq.PayrollLineListRow) int64 { return r.Total }, payrollLineFrom)
}

// payrollLineGetScoped loads a line the caller may see (else not found):
// PayrollLineList narrowed to the id.
func payrollLineGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.PayrollLineListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.PayrollLineList(c.UserContext(), dbq.PayrollLineListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

// payrollLineValues are a line's values after a create or update is
// applied, checked together.
type payrollLineValues struct {
	team       *int64
	days       int32
	due, paid  int64
	paidOn     *time.Time
	transferRf string
	paidVia    string
}

// validate checks the fields present in in, each on its own; it returns
// the parsed paid_on.
func (in *payrollLineIn) validate(create bool, today time.Time) (*time.Time, error) {
	var v check
	if create {
		v.positiveID("sheet_id", in.SheetID, true)
		v.positiveID("worker_id", in.WorkerID, true)
	} else {
		v.required("version", in.Version != nil)
	}
	v.positiveID("team_id", in.TeamID, false)
	if in.DaysWorked != nil && (*in.DaysWorked < 0 || *in.DaysWorked > 31) {
		v.fail("days_worked", "invalid_days", "出勤天数应在0到31之间")
	}
	v.fen("amount_due_fen", in.AmountDueFen, create)
	v.fen("amount_paid_fen", in.AmountPaidFen, false)
	paidOn := v.dateField("paid_on", in.PaidOn, false)
	v.notFuture("paid_on", paidOn, today)
	v.text("transfer_ref", in.TransferRef, false, 64)
	v.enum("paid_via", in.PaidVia, false, registry.PaidVia)
	return paidOn, v.err()
}

// merge applies the validated fields of in to the line's current values
// and checks the result as a whole: days within the month, paid at most
// due, a payment date when something was paid.
func (in *payrollLineIn) merge(cur payrollLineValues, paidOn *time.Time, month time.Time) (payrollLineValues, error) {
	out := cur
	if in.TeamID != nil {
		out.team = in.TeamID
	}
	set(&out.days, in.DaysWorked)
	set(&out.due, in.AmountDueFen)
	set(&out.paid, in.AmountPaidFen)
	if in.PaidOn != nil {
		out.paidOn = paidOn
	}
	set(&out.transferRf, in.TransferRef)
	set(&out.paidVia, in.PaidVia)
	var v check
	if maxDays := int32(lastOfMonth(month).Day()); out.days > maxDays {
		v.fail("days_worked", "invalid_days", fmt.Sprintf("出勤天数不能超过当月天数%d", maxDays))
	}
	if out.paid > out.due {
		v.fail("amount_paid_fen", "paid_exceeds_due", "实发金额不能大于应发金额")
	}
	if out.paid > 0 && out.paidOn == nil {
		v.fail("paid_on", "required", "已发金额大于零时必须填写发放日期")
	}
	return out, v.err()
}

// sheetForLineWrite finds the sheet of a line write in scope and locks it
// against a concurrent status change; a paid sheet is refused.
func (s *Server) sheetForLineWrite(c *fiber.Ctx, q *dbq.Queries, sheetID int64, create bool) (dbq.PayrollSheet, error) {
	if _, err := payrollSheetGetScoped(c, q, sheetID); err != nil {
		if create && errors.Is(err, db.ErrNotFound) {
			return dbq.PayrollSheet{}, errField("sheet_id", "reference_not_found", "工资表不存在或无权访问")
		}
		return dbq.PayrollSheet{}, err
	}
	sh, err := q.PayrollSheetLock(c.UserContext(), sheetID)
	if err != nil {
		return sh, err
	}
	if sh.Status == "paid" {
		return sh, errTransition("sheet_paid", "工资表已发放，明细不可修改")
	}
	return sh, nil
}

func (s *Server) payrollLineCreate(c *fiber.Ctx) error {
	var in payrollLineIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	paidOn, err := in.validate(true, s.today())
	if err != nil {
		return err
	}
	var out dbq.PayrollLineListRow
	err = s.inTx(c, func(q *dbq.Queries) error {
		sh, err := s.sheetForLineWrite(c, q, *in.SheetID, true)
		if err != nil {
			return err
		}
		vals, err := in.merge(payrollLineValues{paidVia: "wage_account"}, paidOn, sh.Month)
		if err != nil {
			return err
		}
		if err := s.labourProjectWritable(c, q, sh.ProjectID); err != nil {
			return err
		}
		team, err := s.employedOne(c, q, sh.ProjectID, *in.WorkerID, sh.Month, lastOfMonth(sh.Month), vals.team, notEmployedInMonth)
		if err != nil {
			return err
		}
		l, err := q.PayrollLineCreate(c.UserContext(), dbq.PayrollLineCreateParams{SheetID: sh.ID, WorkerID: *in.WorkerID, TeamID: team,
			DaysWorked: vals.days, AmountDueFen: vals.due, AmountPaidFen: vals.paid, PaidOn: vals.paidOn,
			TransferRef: vals.transferRf, PaidVia: vals.paidVia})
		if err != nil {
			return err
		}
		out, err = payrollLineGetScoped(c, q, l.ID)
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(payrollLineFrom(out))
}

func (s *Server) payrollLineUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in payrollLineIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	paidOn, err := in.validate(false, s.today())
	if err != nil {
		return err
	}
	return changeRow(s, c, id, payrollLineGetScoped, func(q *dbq.Queries, cur dbq.PayrollLineListRow) (payrollLineOut, error) {
		l := cur.PayrollLine
		if in.SheetID != nil && *in.SheetID != l.SheetID {
			return payrollLineOut{}, errField("sheet_id", "immutable", "所属工资表不可修改")
		}
		if in.WorkerID != nil && *in.WorkerID != l.WorkerID {
			return payrollLineOut{}, errField("worker_id", "immutable", "工人不可修改")
		}
		sh, err := s.sheetForLineWrite(c, q, l.SheetID, false)
		if err != nil {
			return payrollLineOut{}, err
		}
		old := payrollLineValues{team: l.TeamID, days: l.DaysWorked, due: l.AmountDueFen, paid: l.AmountPaidFen,
			paidOn: l.PaidOn, transferRf: l.TransferRef, paidVia: l.PaidVia}
		vals, err := in.merge(old, paidOn, sh.Month)
		if err != nil {
			return payrollLineOut{}, err
		}
		if in.TeamID != nil {
			if _, err := s.employedOne(c, q, sh.ProjectID, l.WorkerID, sh.Month, lastOfMonth(sh.Month), in.TeamID, notEmployedInMonth); err != nil {
				return payrollLineOut{}, err
			}
		}
		figuresChanged := vals.days != old.days || vals.due != old.due || vals.paid != old.paid ||
			!sameDate(vals.paidOn, old.paidOn) || vals.transferRf != old.transferRf || vals.paidVia != old.paidVia
		if _, err := q.PayrollLineUpdate(c.UserContext(), dbq.PayrollLineUpdateParams{ID: id, Version: *in.Version,
			TeamID: vals.team, DaysWorked: vals.days, AmountDueFen: vals.due, AmountPaidFen: vals.paid, PaidOn: vals.paidOn,
			TransferRef: vals.transferRf, PaidVia: vals.paidVia,
			ResetConfirmation: figuresChanged && l.Confirmation != "pending"}); err != nil {
			return payrollLineOut{}, versioned(err)
		}
		r, err := payrollLineGetScoped(c, q, id)
		return payrollLineFrom(r), err
	})
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// payrollLineConfirm lets the worker of a line confirm or dispute it.
func (s *Server) payrollLineConfirm(confirmation string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if scopeOf(c).Level() != db.LevelWorker {
			return errForbidden
		}
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var in payrollConfirmIn
		if err := decodeBody(c, &in); err != nil {
			return err
		}
		var v check
		v.required("version", in.Version != nil)
		v.text("reason", in.Reason, confirmation == "disputed", 500)
		if confirmation != "disputed" {
			in.Reason = nil
		}
		if err := v.err(); err != nil {
			return err
		}
		return changeRow(s, c, id, payrollLineGetScoped, func(q *dbq.Queries, cur dbq.PayrollLineListRow) (payrollLineOut, error) {
			sh, err := q.PayrollSheetLock(c.UserContext(), cur.PayrollLine.SheetID)
			if err != nil {
				return payrollLineOut{}, err
			}
			if sh.Status == "draft" {
				return payrollLineOut{}, errTransition("sheet_not_submitted", "工资表尚未提交，暂不能确认")
			}
			if _, err := q.PayrollLineConfirm(c.UserContext(), dbq.PayrollLineConfirmParams{ID: id, Version: *in.Version,
				Confirmation: confirmation, Reason: in.Reason}); err != nil {
				return payrollLineOut{}, versioned(err)
			}
			r, err := payrollLineGetScoped(c, q, id)
			return payrollLineFrom(r), err
		})
	}
}

func init() {
	for k, v := range map[string][2]string{
		"payroll_sheets_project_id_fkey": {"project_id", "项目不存在"},
		"payroll_lines_sheet_id_fkey":    {"sheet_id", "工资表不存在"},
		"payroll_lines_worker_id_fkey":   {"worker_id", "工人不存在"},
		"payroll_lines_team_id_fkey":     {"team_id", "班组不存在"},
	} {
		constraintFields[k] = v
	}
}
