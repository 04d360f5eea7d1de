package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
)

// Employments (SPEC R2): a worker on a project, optionally in a team, from
// entry 进场 to exit 退场, with the labour contract (signed by the
// enterprise side, confirmed by the worker) and the exit settlement 退场结算.
// A worker has at most one open employment per project. An employment is
// never deleted: it is exited, then settled.

type employmentOut struct {
	ID                  int64      `json:"id"`
	WorkerID            int64      `json:"worker_id"`
	WorkerName          string     `json:"worker_name"`
	ProjectID           int64      `json:"project_id"`
	ProjectName         string     `json:"project_name"`
	TeamID              *int64     `json:"team_id"`
	TeamName            *string    `json:"team_name"`
	Trade               string     `json:"trade"`
	EntryDate           Date       `json:"entry_date"`
	ExitDate            *Date      `json:"exit_date"`
	ExitReason          *string    `json:"exit_reason"`
	SettledOn           *Date      `json:"settled_on" doc:"exit settlement date"`
	Status              string     `json:"status" codes:"employment_statuses"`
	StatusLabel         string     `json:"status_label"`
	ContractSignedOn    *Date      `json:"contract_signed_on"`
	ContractConfirmedAt *time.Time `json:"contract_confirmed_at" doc:"when the worker confirmed the contract"`
	DailyWageFen        *int64     `json:"daily_wage_fen"`
	Version             int32      `json:"version"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

type employmentIn struct {
	WorkerID         *int64  `json:"worker_id,omitempty" doc:"the worker, who must be in the caller's scope; otherwise give id_number"`
	IDNumber         *string `json:"id_number,omitempty" doc:"the worker's resident ID number, instead of worker_id (enters a worker registered elsewhere)"`
	ProjectID        *int64  `json:"project_id,omitempty" required:"true"`
	TeamID           *int64  `json:"team_id,omitempty" doc:"a team of the project"`
	Trade            *string `json:"trade,omitempty"`
	EntryDate        *Date   `json:"entry_date,omitempty" required:"true"`
	ContractSignedOn *Date   `json:"contract_signed_on,omitempty"`
	DailyWageFen     *int64  `json:"daily_wage_fen,omitempty"`
}

type employmentPatchIn struct {
	TeamID           *int64  `json:"team_id,omitempty" doc:"a team of the project; null clears it"`
	Trade            *string `json:"trade,omitempty"`
	ContractSignedOn *Date   `json:"contract_signed_on,omitempty" doc:"null clears it; a change clears the worker's confirmation"`
	DailyWageFen     *int64  `json:"daily_wage_fen,omitempty" doc:"null clears it"`
	Version          *int32  `json:"version" required:"true"`
}

type employmentExitIn struct {
	ExitDate   *Date   `json:"exit_date" required:"true"`
	ExitReason *string `json:"exit_reason" required:"true"`
	Version    *int32  `json:"version" required:"true"`
}

type employmentSettleIn struct {
	SettledOn *Date  `json:"settled_on" required:"true"`
	Version   *int32 `json:"version" required:"true"`
}

var employmentSorts = []string{"entry_date", "-entry_date", "exit_date", "-exit_date", "-id"}

func (s *Server) employmentRoutes() {
	s.add(route{Method: "GET", Path: "/employments", Perm: "employments:read", Tag: "employments", Summary: "List employments in scope",
		Query: append(pageParams(employmentSorts...),
			param{Name: "project_id", Type: "integer"},
			param{Name: "worker_id", Type: "integer"},
			param{Name: "team_id", Type: "integer"},
			param{Name: "on_site", Type: "boolean", Desc: "true: not exited; false: exited"},
			param{Name: "contract_signed", Type: "boolean"},
			param{Name: "unsettled_exits", Type: "boolean", Desc: "true: exited but not settled"},
			param{Name: "entry_from", Type: "string", Desc: "entry on or after (YYYY-MM-DD)"},
			param{Name: "entry_to", Type: "string", Desc: "entry on or before (YYYY-MM-DD)"}),
		Out: listOut[employmentOut]{}, Handler: s.employmentList})
	s.add(route{Method: "GET", Path: "/employments/:id", Perm: "employments:read", Tag: "employments", Summary: "Get an employment", Out: employmentOut{}, Handler: getHandler(s, idParam, employmentGetScoped, employmentFrom)})
	s.add(route{Method: "POST", Path: "/employments", Perm: "employments:write", Tag: "employments", Summary: "Enter a worker on a project (entry 进场)", Body: employmentIn{}, Out: employmentOut{}, Status: 201, Handler: s.employmentCreate})
	s.add(route{Method: "PATCH", Path: "/employments/:id", Perm: "employments:write", Tag: "employments", Summary: "Update team, trade, contract date or daily wage", Body: employmentPatchIn{}, Out: employmentOut{}, Handler: s.employmentUpdate})
	s.add(route{Method: "POST", Path: "/employments/:id/exit", Perm: "employments:write", Tag: "employments", Summary: "Record the exit 退场 of a worker", Body: employmentExitIn{}, Out: employmentOut{}, Handler: s.employmentExit})
	s.add(route{Method: "POST", Path: "/employments/:id/settle", Perm: "employments:write", Tag: "employments", Summary: "Record the exit settlement 退场结算 (after the exit)", Body: employmentSettleIn{}, Out: employmentOut{}, Handler: s.employmentSettle})
	s.add(route{Method: "POST", Path: "/employments/:id/confirm-contract", Perm: "employments:confirm", Tag: "employments", Summary: "The worker confirms their labour contract", Body: versionIn{}, Out: employmentOut{}, Handler: s.employmentConfirmContract})
}

func employmentFrom(r dbq.EmploymentListRow) employmentOut {
	e := r.Employment
	status := "on_site"
	switch {
	case e.SettledOn != nil:
		status = "settled"
	case e.ExitDate != nil:
		status = "exited"
	}
	return employmentOut{ID: e.ID, WorkerID: e.WorkerID, WorkerName: r.WorkerName, ProjectID: e.ProjectID, ProjectName: r.ProjectName,
		TeamID: e.TeamID, TeamName: r.TeamName, Trade: e.Trade, EntryDate: Date{e.EntryDate}, ExitDate: datePtr(e.ExitDate),
		ExitReason: e.ExitReason, SettledOn: datePtr(e.SettledOn), Status: status, ContractSignedOn: datePtr(e.ContractSignedOn), ContractConfirmedAt: e.ContractConfirmedAt, DailyWageFen: e.DailyWageFen,
		Version: e.Version, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

func (s *Server) employmentList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, employmentSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.EmploymentListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), WorkerID: qe.id(c, "worker_id"), TeamID: qe.id(c, "team_id"),
		OnSite: qe.boolean(c, "on_site"), ContractSigned: qe.boolean(c, "contract_signed"), UnsettledExits: qe.boolean(c, "unsettled_exits"),
		EntryFrom: qe.date(c, "entry_from"), EntryTo: qe.date(c, "entry_to"), Sort: p.Sort, WithTotal: true}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.EmploymentListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.EmploymentList(c.UserContext(), arg)
	}, func(r dbq.EmploymentListRow) int64 { return r.Total }, employmentFrom)
}

// employmentGetScoped loads an employment the caller may see (else not
// found): EmploymentList narrowed to the id.
func employmentGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.EmploymentListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.EmploymentList(c.UserContext(), dbq.EmploymentListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

// contractDate checks a contract date against the entry date: a contract
// may be signed up to 30 days before entry (the table's rule).
func (v *check) contractDate(signed *Date, entry time.Time) {
	if signed != nil && v.ok("contract_signed_on") && signed.Before(entry.AddDate(0, 0, -30)) {
		v.fail("contract_signed_on", "invalid_date_range", "合同签订日期不能早于进场日期30天以上")
	}
}

func (in *employmentIn) validate(today time.Time) error {
	var v check
	switch {
	case in.WorkerID == nil && in.IDNumber == nil:
		v.fail("worker_id", "required", "请填写工人（worker_id 或身份证号码 id_number）")
	case in.WorkerID != nil && in.IDNumber != nil:
		v.fail("id_number", "ambiguous_worker", "worker_id 与 id_number 只能填写一个")
	}
	v.positiveID("worker_id", in.WorkerID, false)
	v.text("id_number", in.IDNumber, false, 32)
	v.positiveID("project_id", in.ProjectID, true)
	v.positiveID("team_id", in.TeamID, false)
	v.text("trade", in.Trade, false, 32)
	v.pastDate("entry_date", in.EntryDate, true, today)
	v.pastDate("contract_signed_on", in.ContractSignedOn, false, today)
	if in.EntryDate != nil && v.ok("entry_date") {
		v.contractDate(in.ContractSignedOn, in.EntryDate.Time)
	}
	v.fen("daily_wage_fen", in.DailyWageFen, false)
	return v.err()
}

// employmentTeam checks that a team exists on the project and is active.
func employmentTeam(c *fiber.Ctx, q *dbq.Queries, team, project int64) error {
	t, err := q.TeamRef(c.UserContext(), team)
	if errors.Is(err, db.ErrNotFound) || (err == nil && t.ProjectID != project) {
		return errField("team_id", "team_not_on_project", "班组不属于该项目")
	}
	if err != nil {
		return err
	}
	if !t.Active {
		return errField("team_id", "team_inactive", "班组已停用")
	}
	return nil
}

// employmentWorker resolves the worker of a new employment. By ID number
// any registered worker can be named: whoever holds the full number has
// the worker (or their ID card) in front of them, which is what real-name
// entry means. By id the worker must be in the caller's scope, or be newly
// registered (on no project yet), so that ids cannot be guessed to pull
// other enterprises' workers into view.
func (s *Server) employmentWorker(c *fiber.Ctx, q *dbq.Queries, in *employmentIn) (int64, error) {
	const notFound = "工人不存在或无权访问"
	var id int64
	var active bool
	if in.IDNumber != nil {
		rid, err := ident.ParseResidentID(*in.IDNumber, s.deps.Now())
		if err != nil {
			var v check
			v.identErr("id_number", err)
			return 0, v.err()
		}
		w, err := q.WorkerByIDNumberHash(c.UserContext(), s.deps.PII.Hash(kindIDNumber, rid.Number))
		if errors.Is(err, db.ErrNotFound) {
			return 0, errField("id_number", "worker_not_registered", "该身份证号码尚未实名登记，请先登记工人")
		}
		if err != nil {
			return 0, err
		}
		id, active = w.ID, w.Active
	} else {
		// By id only a worker the caller can already see: ids are easy to
		// guess, so a worker from outside the caller's scope (e.g. one
		// registered but on no project yet) is entered by the ID number,
		// which only someone who has the worker's papers knows.
		w, err := workerGetScoped(c, q, *in.WorkerID)
		switch {
		case err == nil:
			id, active = w.Worker.ID, w.Worker.Active
		case errors.Is(err, db.ErrNotFound):
			return 0, errField("worker_id", "reference_not_found", notFound+"；不在本项目的工人请按身份证号码进场")
		default:
			return 0, err
		}
	}
	if !active {
		field := "worker_id"
		if in.IDNumber != nil {
			field = "id_number"
		}
		return 0, errField(field, "worker_inactive", "工人已停用")
	}
	return id, nil
}

func (s *Server) employmentCreate(c *fiber.Ctx) error {
	var in employmentIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(s.today()); err != nil {
		return err
	}
	var out employmentOut
	err := s.inTx(c, func(q *dbq.Queries) error {
		if _, err := s.writableProject(c, q, "project_id", *in.ProjectID); err != nil {
			return err
		}
		if in.TeamID != nil {
			if err := employmentTeam(c, q, *in.TeamID, *in.ProjectID); err != nil {
				return err
			}
		}
		worker, err := s.employmentWorker(c, q, &in)
		if err != nil {
			return err
		}
		e, err := q.EmploymentCreate(c.UserContext(), dbq.EmploymentCreateParams{WorkerID: worker, ProjectID: *in.ProjectID,
			TeamID: in.TeamID, Trade: deref(in.Trade), EntryDate: in.EntryDate.Time,
			ContractSignedOn: timePtr(in.ContractSignedOn), DailyWageFen: in.DailyWageFen})
		if err != nil {
			return err
		}
		r, err := employmentGetScoped(c, q, e.ID)
		out = employmentFrom(r)
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// employmentChange runs change on the employment of the path as the
// caller sees it, in a transaction, and answers with the employment as
// stored afterwards.
func (s *Server) employmentChange(c *fiber.Ctx, change func(q *dbq.Queries, cur dbq.Employment) error) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return changeRow(s, c, id, employmentGetScoped, func(q *dbq.Queries, cur dbq.EmploymentListRow) (employmentOut, error) {
		if err := change(q, cur.Employment); err != nil {
			return employmentOut{}, err
		}
		r, err := employmentGetScoped(c, q, id)
		return employmentFrom(r), err
	})
}

func (s *Server) employmentUpdate(c *fiber.Ctx) error {
	var in employmentPatchIn
	keys, err := decodeBodyKeys(c, &in)
	if err != nil {
		return err
	}
	today := s.today()
	var v check
	v.required("version", in.Version != nil)
	v.positiveID("team_id", in.TeamID, false)
	v.text("trade", in.Trade, false, 32)
	v.pastDate("contract_signed_on", in.ContractSignedOn, false, today)
	v.fen("daily_wage_fen", in.DailyWageFen, false)
	if err := v.err(); err != nil {
		return err
	}
	return s.employmentChange(c, func(q *dbq.Queries, cur dbq.Employment) error {
		p := dbq.EmploymentUpdateParams{ID: cur.ID, Version: *in.Version, TeamID: cur.TeamID, Trade: cur.Trade,
			ContractSignedOn: cur.ContractSignedOn, ContractConfirmedAt: cur.ContractConfirmedAt, DailyWageFen: cur.DailyWageFen}
		switch {
		case in.TeamID != nil && !sameID(in.TeamID, cur.TeamID):
			if err := employmentTeam(c, q, *in.TeamID, cur.ProjectID); err != nil {
				return err
			}
			p.TeamID = in.TeamID
		case keys.null("team_id"):
			p.TeamID = nil
		}
		set(&p.Trade, in.Trade)
		switch {
		case in.ContractSignedOn != nil:
			var v check
			v.contractDate(in.ContractSignedOn, cur.EntryDate)
			if err := v.err(); err != nil {
				return err
			}
			if cur.ContractSignedOn == nil || !cur.ContractSignedOn.Equal(in.ContractSignedOn.Time) {
				// A changed contract must be confirmed again.
				p.ContractSignedOn, p.ContractConfirmedAt = timePtr(in.ContractSignedOn), nil
			}
		case keys.null("contract_signed_on"):
			p.ContractSignedOn, p.ContractConfirmedAt = nil, nil
		}
		switch {
		case in.DailyWageFen != nil:
			p.DailyWageFen = in.DailyWageFen
		case keys.null("daily_wage_fen"):
			p.DailyWageFen = nil
		}
		_, err := q.EmploymentUpdate(c.UserContext(), p)
		return versioned(err)
	})
}

func (s *Server) employmentExit(c *fiber.Ctx) error {
	var in employmentExitIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	v.pastDate("exit_date", in.ExitDate, true, s.today())
	v.text("exit_reason", in.ExitReason, true, 500)
	if err := v.err(); err != nil {
		return err
	}
	return s.employmentChange(c, func(q *dbq.Queries, cur dbq.Employment) error {
		if cur.ExitDate != nil {
			return &Error{Status: http.StatusConflict, Code: "already_exited", Message: "该工人已办理退场"}
		}
		if in.ExitDate.Before(cur.EntryDate) {
			return errField("exit_date", "invalid_date_range", "退场日期不能早于进场日期")
		}
		_, err := q.EmploymentExit(c.UserContext(), dbq.EmploymentExitParams{ID: cur.ID, Version: *in.Version,
			ExitDate: timePtr(in.ExitDate), ExitReason: in.ExitReason})
		return versioned(err)
	})
}

func (s *Server) employmentSettle(c *fiber.Ctx) error {
	var in employmentSettleIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	v.pastDate("settled_on", in.SettledOn, true, s.today())
	if err := v.err(); err != nil {
		return err
	}
	return s.employmentChange(c, func(q *dbq.Queries, cur dbq.Employment) error {
		switch {
		case cur.ExitDate == nil:
			return &Error{Status: http.StatusConflict, Code: "not_exited", Message: "尚未退场，不能办理退场结算",
				Fields: map[string]string{"settled_on": "尚未退场，不能办理退场结算"}}
		case cur.SettledOn != nil:
			return &Error{Status: http.StatusConflict, Code: "already_settled", Message: "已办理退场结算"}
		case in.SettledOn.Before(*cur.ExitDate):
			return errField("settled_on", "invalid_date_range", "结算日期不能早于退场日期")
		}
		_, err := q.EmploymentSettle(c.UserContext(), dbq.EmploymentSettleParams{ID: cur.ID, Version: *in.Version, SettledOn: timePtr(in.SettledOn)})
		return versioned(err)
	})
}

// employmentConfirmContract is the worker's own confirmation of their
// contract; nobody may confirm on a worker's behalf. Confirming again
// changes nothing.
func (s *Server) employmentConfirmContract(c *fiber.Ctx) error {
	if scopeOf(c).Level() != db.LevelWorker {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "仅工人本人可确认劳动合同"}
	}
	version, err := decodeVersion(c)
	if err != nil {
		return err
	}
	return s.employmentChange(c, func(q *dbq.Queries, cur dbq.Employment) error {
		switch {
		case cur.ContractSignedOn == nil:
			return &Error{Status: http.StatusConflict, Code: "contract_not_signed", Message: "劳动合同尚未签订，不能确认"}
		case cur.ContractConfirmedAt != nil:
			return nil
		}
		now := s.deps.Now()
		_, err := q.EmploymentConfirmContract(c.UserContext(), dbq.EmploymentConfirmContractParams{ID: cur.ID, Version: version, ConfirmedAt: &now})
		return versioned(err)
	})
}
