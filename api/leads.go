package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/workflows"
)

// Arrears leads (欠薪线索, SPEC R3). Reads come from the projection in
// Postgres; intake records the lead and starts its workflow; every other
// change is an Update of the workflow, answered with the new state or the
// workflow's reason for refusing.

type leadOut struct {
	ID                    int64      `json:"id"`
	Source                string     `json:"source"`
	ExternalID            *string    `json:"external_id"`
	WorkerID              *int64     `json:"worker_id"`
	WorkerName            string     `json:"worker_name"`
	ReporterName          string     `json:"reporter_name"`
	ReporterPhone         string     `json:"reporter_phone" doc:"masked"`
	ProjectID             *int64     `json:"project_id"`
	ProjectName           string     `json:"project_name"`
	ProjectNamed          string     `json:"project_named" doc:"the project as the reporter named it"`
	EmployerNamed         string     `json:"employer_named"`
	AmountClaimedFen      int64      `json:"amount_claimed_fen"`
	WorkersClaimed        int32      `json:"workers_claimed"`
	Description           string     `json:"description"`
	ReceivedAt            time.Time  `json:"received_at"`
	Status                string     `json:"status"`
	TownCode              *string    `json:"town_code"`
	TownName              string     `json:"town_name"`
	RectifyEnterpriseID   *int64     `json:"rectify_enterprise_id"`
	RectifyEnterpriseName string     `json:"rectify_enterprise_name"`
	Major                 bool       `json:"major"`
	AcceptDue             *time.Time `json:"accept_due"`
	HandleDue             *time.Time `json:"handle_due"`
	RectifyDue            *time.Time `json:"rectify_due"`
	ConfirmDue            *time.Time `json:"confirm_due"`
	Overdue               bool       `json:"overdue"`
	Supervision           string     `json:"supervision"`
	Extended              bool       `json:"extended"`
	Reopened              int32      `json:"reopened"`
	LinkedReports         int32      `json:"linked_reports"`
	ClosureCode           *string    `json:"closure_code"`
	AmountPaidFen         *int64     `json:"amount_paid_fen"`
	AmountRecoveredFen    *int64     `json:"amount_recovered_fen"`
	WorkersCovered        *int32     `json:"workers_covered"`
	ResultSummary         *string    `json:"result_summary"`
	ClosedAt              *time.Time `json:"closed_at"`
	Step                  int32      `json:"step" doc:"the last workflow step projected"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

func (s *Server) leadFrom(r dbq.LeadListRow) leadOut {
	l := r.Lead
	return leadOut{ID: l.ID, Source: l.Source, ExternalID: l.ExternalID, WorkerID: l.WorkerID, WorkerName: r.WorkerName,
		ReporterName: l.ReporterName, ReporterPhone: s.maskedPhone(l.ReporterPhoneEnc), ProjectID: l.ProjectID,
		ProjectName: r.ProjectName, ProjectNamed: l.ProjectNamed, EmployerNamed: l.EmployerNamed,
		AmountClaimedFen: l.AmountClaimedFen, WorkersClaimed: l.WorkersClaimed, Description: l.Description,
		ReceivedAt: l.ReceivedAt, Status: l.Status, TownCode: l.TownCode, TownName: r.TownName,
		RectifyEnterpriseID: l.RectifyEnterpriseID, RectifyEnterpriseName: r.RectifyEnterpriseName, Major: l.Major,
		AcceptDue: l.AcceptDue, HandleDue: l.HandleDue, RectifyDue: l.RectifyDue, ConfirmDue: l.ConfirmDue,
		Overdue: l.Overdue, Supervision: l.Supervision, Extended: l.Extended, Reopened: l.Reopened,
		LinkedReports: l.LinkedReports, ClosureCode: l.ClosureCode, AmountPaidFen: l.AmountPaidFen,
		AmountRecoveredFen: l.AmountRecoveredFen, WorkersCovered: l.WorkersCovered, ResultSummary: l.ResultSummary,
		ClosedAt: l.ClosedAt, Step: l.Seq, UpdatedAt: l.UpdatedAt}
}

type leadEventOut struct {
	Seq        *int32          `json:"seq" doc:"workflow step; null for office actions (claim, assignment)"`
	At         time.Time       `json:"at"`
	Action     string          `json:"action"`
	ActorID    *int64          `json:"actor_id"`
	ActorName  string          `json:"actor_name"`
	ActorRole  string          `json:"actor_role" doc:"system for a rule"`
	IP         string          `json:"ip,omitempty" doc:"shown to the city and towns only"`
	FromStatus *string         `json:"from_status"`
	ToStatus   string          `json:"to_status"`
	Changes    json.RawMessage `json:"changes" doc:"field → [old, new]"`
	Note       string          `json:"note"`
	Rule       string          `json:"rule" doc:"the rule that took the step, for escalations"`
}

type leadDetailOut struct {
	leadOut
	Events []leadEventOut `json:"events"`
	Tasks  []taskOut      `json:"tasks" doc:"the lead's open tasks"`
}

type leadReportIn struct {
	ProjectID        *int64  `json:"project_id,omitempty" doc:"the project, when known"`
	ProjectNamed     *string `json:"project_named,omitempty" doc:"the project as the worker names it"`
	EmployerNamed    *string `json:"employer_named,omitempty"`
	AmountClaimedFen *int64  `json:"amount_claimed_fen,omitempty" required:"true"`
	WorkersClaimed   *int32  `json:"workers_claimed,omitempty" doc:"workers affected (default 1)"`
	Description      *string `json:"description,omitempty" required:"true"`
}

type leadIntakeIn struct {
	leadReportIn
	Source        *string `json:"source,omitempty" required:"true" doc:"hotline or walk_in"`
	WorkerID      *int64  `json:"worker_id,omitempty" doc:"the reporting worker's record, if known"`
	IDNumber      *string `json:"id_number,omitempty" doc:"the reporter's ID number: finds the worker record"`
	ReporterName  *string `json:"reporter_name,omitempty" doc:"required without a worker record"`
	ReporterPhone *string `json:"reporter_phone,omitempty"`
}

type leadImportRecord struct {
	ExternalID       *string `json:"external_id,omitempty" required:"true"`
	ReporterName     *string `json:"reporter_name,omitempty" required:"true"`
	IDNumber         *string `json:"id_number,omitempty"`
	Phone            *string `json:"phone,omitempty"`
	ProjectCode      *string `json:"project_code,omitempty"`
	ProjectNamed     *string `json:"project_named,omitempty"`
	EmployerNamed    *string `json:"employer_named,omitempty"`
	AmountClaimedFen *int64  `json:"amount_claimed_fen,omitempty" required:"true"`
	WorkersClaimed   *int32  `json:"workers_claimed,omitempty"`
	Description      *string `json:"description,omitempty" required:"true"`
	ReportedAt       *string `json:"reported_at,omitempty" doc:"RFC 3339; default now"`
}

type leadImportIn struct {
	Records []leadImportRecord `json:"records" required:"true"`
}

type leadImportResult struct {
	ExternalID string           `json:"external_id"`
	LeadID     int64            `json:"lead_id,omitempty"`
	Outcome    string           `json:"outcome" doc:"created, existing (imported before), linked (to the worker's open lead on the project), rejected"`
	Error      *Error           `json:"error,omitempty"`
	State      *cases.LeadState `json:"state,omitempty"`
}

type leadIntakeOut struct {
	LeadID int64           `json:"lead_id"`
	Linked bool            `json:"linked" doc:"true: added to the worker's open lead on the project"`
	State  cases.LeadState `json:"state"`
}

type leadActionIn struct {
	Note               *string `json:"note,omitempty"`
	TownCode           *string `json:"town_code,omitempty" doc:"dispatch, transfer"`
	EnterpriseID       *int64  `json:"enterprise_id,omitempty" doc:"orderRectification (default the general contractor)"`
	DueDays            *int    `json:"due_days,omitempty" doc:"orderRectification, rejectEvidence: working days"`
	EvidenceIDs        []int64 `json:"evidence_ids,omitempty" doc:"submitEvidence: completed uploads of this lead"`
	AmountPaidFen      *int64  `json:"amount_paid_fen,omitempty" doc:"submitEvidence"`
	ClosureCode        *string `json:"closure_code,omitempty" doc:"reportResult"`
	AmountRecoveredFen *int64  `json:"amount_recovered_fen,omitempty" doc:"reportResult"`
	WorkersCovered     *int    `json:"workers_covered,omitempty" doc:"reportResult"`
	Level              *string `json:"level,omitempty" doc:"supervise: supervised or listed"`
}

// intakeSources are the sources an officer records (the worker's own and
// the national platform's have their routes).
var intakeSources = registry.Enum{Codes: []string{"hotline", "walk_in"},
	Labels: map[string]string{"hotline": registry.LeadSources.Label("hotline"), "walk_in": registry.LeadSources.Label("walk_in")}}

func (s *Server) leadRoutes() {
	filters := []param{
		{Name: "status", Type: "string", Desc: "lead status"}, {Name: "open", Type: "boolean"},
		{Name: "town_code", Type: "string"}, {Name: "project_id", Type: "integer"},
		{Name: "enterprise_id", Type: "integer", Desc: "the enterprise ordered to rectify"},
		{Name: "source", Type: "string"}, {Name: "overdue", Type: "boolean"}, {Name: "supervision", Type: "string"},
		{Name: "major", Type: "boolean"}, {Name: "received_from", Type: "string", Desc: "YYYY-MM-DD"},
		{Name: "received_to", Type: "string", Desc: "YYYY-MM-DD"},
		{Name: "sort", Type: "string", Desc: "id, -id, received_at, -received_at, handle_due, -amount_claimed_fen"},
		{Name: "page", Type: "integer"}, {Name: "page_size", Type: "integer"},
	}
	s.add(route{Method: "GET", Path: "/leads", Perm: "leads:read", Tag: "leads", Summary: "List arrears leads in scope (a worker: their own)",
		Query: filters, Out: listOut[leadOut]{}, Handler: s.leadList})
	s.add(route{Method: "GET", Path: "/leads/:id", Perm: "leads:read", Tag: "leads", Summary: "A lead with its full history and open tasks",
		Out: leadDetailOut{}, Handler: s.leadGet})
	s.add(route{Method: "POST", Path: "/leads/report", Perm: "leads:report", Tag: "leads", Summary: "A worker reports unpaid wages (from the phone)",
		Body: leadReportIn{}, Out: leadIntakeOut{}, Status: 201, Handler: s.leadReport})
	s.add(route{Method: "POST", Path: "/leads", Perm: "leads:intake", Tag: "leads", Summary: "An officer records a lead on a worker's behalf (12345 hotline, walk-in)",
		Body: leadIntakeIn{}, Out: leadIntakeOut{}, Status: 201, Handler: s.leadIntake})
	s.add(route{Method: "POST", Path: "/leads/import", Perm: "leads:import", Tag: "leads", Summary: "Import leads from the national arrears-lead platform (idempotent by external_id)",
		Body: leadImportIn{}, Out: []leadImportResult{}, Idempotent: true, Handler: s.leadImport})
	s.add(route{Method: "POST", Path: "/leads/:id/actions/:action", Perm: "leads:act", Tag: "leads",
		Summary: "Take a step on a lead (dispatch, transfer, accept, return, orderRectification, submitEvidence, rejectEvidence, reportResult, extend, confirm, dispute, approve, sendBack, supervise); answers the new state",
		Body:    leadActionIn{}, Out: cases.LeadState{}, Handler: s.leadAct})
}

// leadGetScoped loads a lead as the caller sees it.
func leadGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.LeadListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.LeadList(c.UserContext(), dbq.LeadListParams{ID: &id, ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise,
		ScopeProject: sc.Project, ScopeWorker: sc.Worker, Lim: 1}))
}

func (s *Server) leadList(c *fiber.Ctx) error {
	p, err := parsePage(c, "id", "-id", "received_at", "-received_at", "handle_due", "-amount_claimed_fen")
	if err != nil {
		return err
	}
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.LeadListParams{ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise, ScopeProject: sc.Project,
		ScopeWorker: sc.Worker, Status: qe.enum(c, "status", registry.LeadStatuses), Open: qe.boolean(c, "open"),
		TownCode: queryText(c, "town_code"), ProjectID: qe.id(c, "project_id"), EnterpriseID: qe.id(c, "enterprise_id"),
		Source: qe.enum(c, "source", registry.LeadSources), Overdue: qe.boolean(c, "overdue"),
		Supervision: qe.enum(c, "supervision", registry.Supervisions), Major: qe.boolean(c, "major"),
		ReceivedFrom: qe.date(c, "received_from"), ReceivedTo: qe.date(c, "received_to"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := dbq.New(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.LeadListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.LeadList(c.UserContext(), arg)
	}, func(r dbq.LeadListRow) int64 { return r.Total }, s.leadFrom)
}

func (s *Server) leadGet(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := dbq.New(s.deps.Pool)
	row, err := leadGetScoped(c, q, id)
	if err != nil {
		return err
	}
	evs, err := q.LeadEvents(c.UserContext(), id)
	if err != nil {
		return err
	}
	sc := scopeOf(c)
	office := sc.Enterprise == nil && sc.Project == nil && sc.Worker == nil
	out := leadDetailOut{leadOut: s.leadFrom(row), Events: make([]leadEventOut, len(evs))}
	for i, e := range evs {
		o := leadEventOut{Seq: e.Seq, At: e.At, Action: e.Action, ActorID: e.ActorID, ActorName: e.ActorName,
			ActorRole: e.ActorRole, FromStatus: e.FromStatus, ToStatus: e.ToStatus, Changes: e.Changes, Note: e.Note, Rule: e.Rule}
		if office {
			o.IP = e.Ip
		} else if e.ActorRole != principalOf(c).Role {
			// workers and enterprises see what was done and by which
			// office, not the officers' names
			o.ActorName, o.ActorID = "", nil
		}
		out.Events[i] = o
	}
	tp := s.taskParams(c)
	tp.LeadID, tp.Lim = &id, 100
	tasks, err := q.CaseTaskList(c.UserContext(), tp)
	if err != nil {
		return err
	}
	// the caller's own open tasks on the lead (the city: every office's)
	out.Tasks = make([]taskOut, len(tasks))
	for i, t := range tasks {
		out.Tasks[i] = taskFrom(t)
	}
	return c.JSON(out)
}

// ---- intake ----

// intake is one lead to record: the lead row's intake columns, the
// project's town and contractor, and who entered it.
type intake struct {
	row        dbq.LeadInsertParams
	town       string
	contractor int64
	by         cases.Actor
}

var (
	errCasesUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "cases_unavailable", Message: "案件流程服务暂不可用，请稍后重试"}
	errCaseBusy         = &Error{Status: http.StatusServiceUnavailable, Code: "case_busy", Message: "案件处理超时，请稍后刷新查看结果"}
)

// actorOf is the caller as a case actor.
func actorOf(c *fiber.Ctx) cases.Actor {
	p := principalOf(c)
	return caseActor(p.AccountID, p.DisplayName, p.Role, p.Domain, c.IP(), p.Scope)
}

// caseActor is an account, with the role and binding it acts in, as a
// case actor.
func caseActor(id int64, name, role, domain, ip string, sc Scope) cases.Actor {
	a := cases.Actor{AccountID: id, Name: name, Role: role, Domain: domain, IP: ip}
	if sc.Town != nil {
		a.TownCode = *sc.Town
	}
	if sc.Enterprise != nil {
		a.EnterpriseID = *sc.Enterprise
	}
	if sc.Project != nil {
		a.ProjectID = *sc.Project
	}
	if sc.Worker != nil {
		a.WorkerID = *sc.Worker
	}
	return a
}

// checkReport validates the fields every intake shares.
func (in *leadReportIn) check(v *check) {
	v.positiveID("project_id", in.ProjectID, false)
	v.text("project_named", in.ProjectNamed, false, 128)
	v.text("employer_named", in.EmployerNamed, false, 128)
	v.fen("amount_claimed_fen", in.AmountClaimedFen, true)
	if in.WorkersClaimed != nil && (*in.WorkersClaimed < 1 || *in.WorkersClaimed > 100000) {
		v.fail("workers_claimed", "out_of_range", "涉及人数应为1至100000")
	}
	v.text("description", in.Description, true, 2000)
	if in.ProjectID == nil && (in.ProjectNamed == nil || *in.ProjectNamed == "") && v.ok("project_named") {
		v.fail("project_named", "required", "请选择项目或填写项目名称")
	}
}

// project resolves the named project into the intake (its town and
// contractor); an unknown id is the caller's error.
func (s *Server) intakeProject(ctx context.Context, q *dbq.Queries, id *int64, it *intake) error {
	if id == nil {
		return nil
	}
	p, err := q.LeadIntakeProject(ctx, *id)
	if errors.Is(err, pgx.ErrNoRows) {
		return errField("project_id", "not_found", "项目不存在")
	}
	if err != nil {
		return err
	}
	it.row.ProjectID = &p.ID
	it.town, it.contractor = p.TownCode, p.ContractorID
	return nil
}

func (in leadReportIn) row(now time.Time, source string) dbq.LeadInsertParams {
	w := int32(1)
	if in.WorkersClaimed != nil {
		w = *in.WorkersClaimed
	}
	return dbq.LeadInsertParams{Source: source, ProjectNamed: deref(in.ProjectNamed), EmployerNamed: deref(in.EmployerNamed),
		AmountClaimedFen: *in.AmountClaimedFen, WorkersClaimed: w, Description: *in.Description, ReceivedAt: now}
}

func (s *Server) leadReport(c *fiber.Ctx) error {
	var in leadReportIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	in.check(&v)
	if err := v.err(); err != nil {
		return err
	}
	sc := scopeOf(c)
	ctx := c.UserContext()
	q := dbq.New(s.deps.Pool)
	w, err := q.LeadWorker(ctx, dbq.LeadWorkerParams{ID: sc.Worker})
	if err != nil {
		return err
	}
	it := intake{row: in.row(s.deps.Now(), string(cases.SourceWorkerApp)), by: actorOf(c)}
	it.row.ReceivedBy = &it.by.AccountID
	it.reporter(w)
	return s.recordAnswer(c, q, in, it)
}

// reporter makes the worker record w the lead's reporter.
func (it *intake) reporter(w dbq.LeadWorkerRow) {
	it.row.WorkerID, it.row.ReporterName = &w.ID, w.Name
	it.row.ReporterPhoneEnc, it.row.ReporterPhoneHash = w.PhoneEnc, w.PhoneHash
	it.row.ReporterIDEnc, it.row.ReporterIDHash = w.IDNumberEnc, w.IDNumberHash
}

// recordAnswer resolves the project, records the lead and answers 201.
func (s *Server) recordAnswer(c *fiber.Ctx, q *dbq.Queries, in leadReportIn, it intake) error {
	if err := s.intakeProject(c.UserContext(), q, in.ProjectID, &it); err != nil {
		return err
	}
	out, err := s.record(c, it, *in.Description)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) leadIntake(c *fiber.Ctx) error {
	var in leadIntakeIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	in.check(&v)
	v.enum("source", in.Source, true, intakeSources)
	v.positiveID("worker_id", in.WorkerID, false)
	v.text("reporter_name", in.ReporterName, false, 64)
	var phone *string
	if in.ReporterPhone != nil && *in.ReporterPhone != "" {
		if n, err := ident.ParsePhone(*in.ReporterPhone); err != nil {
			v.identErr("reporter_phone", err)
		} else {
			num := n.Number
			phone = &num
		}
	}
	var idHash []byte
	var idNumber *string
	if in.IDNumber != nil && *in.IDNumber != "" {
		if rid, err := ident.ParseResidentID(*in.IDNumber, s.deps.Now()); err != nil {
			v.identErr("id_number", err)
		} else {
			idNumber = &rid.Number
			idHash = s.deps.PII.Hash(kindIDNumber, rid.Number)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	q := dbq.New(s.deps.Pool)
	it := intake{row: in.row(s.deps.Now(), *in.Source), by: actorOf(c)}
	it.row.ReceivedBy = &it.by.AccountID
	if in.WorkerID != nil || idHash != nil {
		w, err := q.LeadWorker(ctx, dbq.LeadWorkerParams{ID: in.WorkerID, IDNumberHash: idHash})
		switch {
		case errors.Is(err, pgx.ErrNoRows) && in.WorkerID != nil:
			return errField("worker_id", "not_found", "工人不存在")
		case errors.Is(err, pgx.ErrNoRows):
			// not registered: recorded by name, phone and ID number
		case err != nil:
			return err
		default:
			it.reporter(w)
		}
	}
	if it.row.WorkerID == nil {
		if in.ReporterName == nil || *in.ReporterName == "" {
			return errField("reporter_name", "required", "请填写反映人姓名")
		}
		it.row.ReporterName = *in.ReporterName
		var err error
		if it.row.ReporterIDEnc, it.row.ReporterIDHash, err = s.seal(kindIDNumber, idNumber); err != nil {
			return err
		}
	}
	if phone != nil {
		var err error
		if it.row.ReporterPhoneEnc, it.row.ReporterPhoneHash, err = s.sealPhone(phone); err != nil {
			return err
		}
	}
	return s.recordAnswer(c, q, in.leadReportIn, it)
}

// record records a lead and starts its workflow, or, when the worker has
// an open lead on the same project, links the report to it. Intake of one
// worker and project is serialised by an advisory lock, and the partial
// unique index on open leads guards it too.
func (s *Server) record(c *fiber.Ctx, it intake, description string) (leadIntakeOut, error) {
	if s.deps.Temporal == nil {
		return leadIntakeOut{}, errCasesUnavailable
	}
	var lead dbq.Lead
	linked := false
	err := s.inTx(c, func(q *dbq.Queries) error {
		ctx := c.UserContext()
		if it.row.WorkerID != nil && it.row.ProjectID != nil {
			if _, err := s.txOf(c).Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('lead-intake:' || $1::bigint::text || ':' || $2::bigint::text, 0))`,
				*it.row.WorkerID, *it.row.ProjectID); err != nil {
				return err
			}
			open, err := q.LeadOpenFor(ctx, dbq.LeadOpenForParams{WorkerID: it.row.WorkerID, ProjectID: it.row.ProjectID})
			if err == nil {
				lead, linked = open, true
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		var err error
		lead, err = q.LeadInsert(ctx, it.row)
		return err
	})
	if err != nil {
		return leadIntakeOut{}, err
	}
	if linked && lead.Status == string(cases.Received) {
		// recorded before, its workflow never started (Temporal was
		// down): start it now rather than link to nothing
		linked = false
	}
	if linked {
		st, err := s.leadUpdate(c, lead.ID, workflows.ActLinkReport, workflows.ActionInput{Actor: it.by, Note: description,
			AmountClaimedFen: it.row.AmountClaimedFen, WorkersClaimed: int(it.row.WorkersClaimed)})
		if err != nil {
			return leadIntakeOut{}, err
		}
		return leadIntakeOut{LeadID: lead.ID, Linked: true, State: st}, nil
	}
	st, err := s.startLead(c.UserContext(), lead, it)
	if err != nil {
		return leadIntakeOut{}, err
	}
	return leadIntakeOut{LeadID: lead.ID, State: st}, nil
}

// startLead starts the workflow of a recorded lead (a no-op if it runs
// already) and answers its state after the first step.
func (s *Server) startLead(ctx context.Context, lead dbq.Lead, it intake) (cases.LeadState, error) {
	in := workflows.LeadInput{LeadID: lead.ID, Source: cases.Source(lead.Source), ReceivedAt: lead.ReceivedAt, By: it.by,
		TownCode: it.town, ContractorID: it.contractor, AmountClaimedFen: lead.AmountClaimedFen,
		WorkersClaimed: int(lead.WorkersClaimed)}
	if lead.WorkerID != nil {
		in.WorkerID = *lead.WorkerID
	}
	if lead.ProjectID != nil {
		in.ProjectID = *lead.ProjectID
	}
	ctx, cancel := context.WithTimeout(ctx, s.caseTimeout())
	defer cancel()
	id := workflows.LeadWorkflowID(lead.ID)
	if _, err := s.deps.Temporal.ExecuteWorkflow(ctx, workflows.StartOptions(id), workflows.LeadWorkflow, in); err != nil {
		s.deps.Logger.Error("start lead workflow", "lead", lead.ID, "err", err)
		return cases.LeadState{}, errCasesUnavailable
	}
	// The first step (dispatch or triage) is taken at once; wait until it
	// is projected, so that the answer, and a read right after, show it.
	q := dbq.New(s.deps.Pool)
	for {
		seq, err := q.LeadSeq(ctx, lead.ID)
		if err != nil && ctx.Err() == nil {
			return cases.LeadState{}, err
		}
		if seq > 0 {
			return s.leadStatus(ctx, lead.ID)
		}
		select {
		case <-ctx.Done():
			return cases.LeadState{}, errCaseBusy
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (s *Server) leadStatus(ctx context.Context, lead int64) (cases.LeadState, error) {
	v, err := s.deps.Temporal.QueryWorkflow(ctx, workflows.LeadWorkflowID(lead), "", workflows.StatusQuery)
	if err != nil {
		return cases.LeadState{}, err
	}
	var st cases.LeadState
	err = v.Get(&st)
	return st, err
}

func (s *Server) caseTimeout() time.Duration {
	if s.deps.CaseTimeout > 0 {
		return s.deps.CaseTimeout
	}
	return 30 * time.Second
}

func (s *Server) leadImport(c *fiber.Ctx) error {
	var in leadImportIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if len(in.Records) == 0 || len(in.Records) > 500 {
		return errField("records", "out_of_range", "每次导入1至500条线索")
	}
	out := make([]leadImportResult, len(in.Records))
	for i, r := range in.Records {
		res, err := s.importOne(c, r)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status >= 500 {
				return err
			}
			res.Outcome, res.Error = "rejected", e
		}
		out[i] = res
	}
	return c.JSON(out)
}

func (s *Server) importOne(c *fiber.Ctx, r leadImportRecord) (leadImportResult, error) {
	res := leadImportResult{ExternalID: deref(r.ExternalID)}
	var v check
	v.text("external_id", r.ExternalID, true, 64)
	v.text("reporter_name", r.ReporterName, true, 64)
	v.text("project_code", r.ProjectCode, false, 32)
	rep := leadReportIn{ProjectNamed: r.ProjectNamed, EmployerNamed: r.EmployerNamed, AmountClaimedFen: r.AmountClaimedFen,
		WorkersClaimed: r.WorkersClaimed, Description: r.Description}
	if r.ProjectCode != nil && *r.ProjectCode != "" && (rep.ProjectNamed == nil || *rep.ProjectNamed == "") {
		rep.ProjectNamed = r.ProjectCode
	}
	rep.check(&v)
	at := s.deps.Now()
	if r.ReportedAt != nil {
		t, err := time.Parse(time.RFC3339, *r.ReportedAt)
		if err != nil || t.After(at.Add(time.Hour)) {
			v.fail("reported_at", "invalid_value", "反映时间格式不正确或晚于当前时间")
		} else {
			at = t
		}
	}
	var idNumber, phone *string
	if r.IDNumber != nil && *r.IDNumber != "" {
		if rid, err := ident.ParseResidentID(*r.IDNumber, s.deps.Now()); err != nil {
			v.identErr("id_number", err)
		} else {
			idNumber = &rid.Number
		}
	}
	if r.Phone != nil && *r.Phone != "" {
		if n, err := ident.ParsePhone(*r.Phone); err != nil {
			v.identErr("phone", err)
		} else {
			p := n.Number
			phone = &p
		}
	}
	if err := v.err(); err != nil {
		return res, err
	}
	ctx := c.UserContext()
	q := dbq.New(s.deps.Pool)
	source := string(cases.SourceNational)
	if prior, err := q.LeadByExternal(ctx, dbq.LeadByExternalParams{Source: source, ExternalID: r.ExternalID}); err == nil {
		res.LeadID, res.Outcome = prior.ID, "existing"
		if prior.Status == string(cases.Received) {
			// recorded before but never started (a crash in between): start it now
			it, err := s.importIntake(ctx, q, c, r, prior.ReceivedAt, idNumber, phone)
			if err != nil {
				return res, err
			}
			st, err := s.startLead(ctx, prior, it)
			if err != nil {
				return res, err
			}
			res.State = &st
		}
		return res, nil
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return res, err
	}
	it, err := s.importIntake(ctx, q, c, r, at, idNumber, phone)
	if err != nil {
		return res, err
	}
	it.row.ProjectNamed, it.row.EmployerNamed = deref(rep.ProjectNamed), deref(r.EmployerNamed)
	it.row.AmountClaimedFen, it.row.Description = *r.AmountClaimedFen, *r.Description
	it.row.WorkersClaimed = 1
	if r.WorkersClaimed != nil {
		it.row.WorkersClaimed = *r.WorkersClaimed
	}
	out, err := s.record(c, it, *r.Description)
	if err != nil {
		return res, err
	}
	res.LeadID, res.State, res.Outcome = out.LeadID, &out.State, "created"
	if out.Linked {
		res.Outcome = "linked"
	}
	return res, nil
}

// importIntake is the intake of an imported record: the worker found by
// ID number (else the reporter as given), the project by its code.
func (s *Server) importIntake(ctx context.Context, q *dbq.Queries, c *fiber.Ctx, r leadImportRecord, at time.Time,
	idNumber, phone *string) (intake, error) {
	it := intake{by: actorOf(c)}
	it.row = dbq.LeadInsertParams{Source: string(cases.SourceNational), ExternalID: r.ExternalID, ReporterName: *r.ReporterName,
		ReceivedAt: at, ReceivedBy: &it.by.AccountID}
	if idNumber != nil {
		w, err := q.LeadWorker(ctx, dbq.LeadWorkerParams{IDNumberHash: s.deps.PII.Hash(kindIDNumber, *idNumber)})
		if err == nil {
			it.row.WorkerID = &w.ID
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return it, err
		}
	}
	var err error
	if it.row.ReporterIDEnc, it.row.ReporterIDHash, err = s.seal(kindIDNumber, idNumber); err != nil {
		return it, err
	}
	if it.row.ReporterPhoneEnc, it.row.ReporterPhoneHash, err = s.sealPhone(phone); err != nil {
		return it, err
	}
	if r.ProjectCode != nil && *r.ProjectCode != "" {
		p, err := q.LeadProjectByCode(ctx, *r.ProjectCode)
		if err == nil {
			it.row.ProjectID = &p.ID
			it.town, it.contractor = p.TownCode, p.ContractorID
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return it, err
		}
	}
	return it, nil
}

// ---- actions ----

// userActions are the Updates the API offers (linkReport is intake's).
var userActions = []string{workflows.ActDispatch, workflows.ActTransfer, workflows.ActAccept, workflows.ActReturn,
	workflows.ActOrderRectify, workflows.ActSubmit, workflows.ActReject, workflows.ActReport, workflows.ActExtend,
	workflows.ActConfirm, workflows.ActDispute, workflows.ActApprove, workflows.ActSendBack, workflows.ActSupervise}

var errUnknownAction = &Error{Status: http.StatusNotFound, Code: "unknown_action", Message: "不支持的操作"}

func (s *Server) leadAct(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	action := c.Params("action")
	if !slices.Contains(userActions, action) {
		return errUnknownAction
	}
	var in leadActionIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	q := dbq.New(s.deps.Pool)
	row, err := leadGetScoped(c, q, id)
	if err != nil {
		return err
	}
	act := workflows.ActionInput{Actor: actorOf(c), Note: deref(in.Note), EvidenceIDs: in.EvidenceIDs,
		AmountPaidFen: in.AmountPaidFen, AmountRecoveredFen: in.AmountRecoveredFen, WorkersCovered: in.WorkersCovered}
	var v check
	v.text("note", in.Note, false, 2000)
	if in.DueDays != nil {
		act.DueDays = *in.DueDays
		if *in.DueDays < 1 || *in.DueDays > 365 {
			v.fail("due_days", "out_of_range", "期限应为1至365个工作日")
		}
	}
	if in.ClosureCode != nil {
		act.ClosureCode = cases.ClosureCode(*in.ClosureCode)
	}
	if in.Level != nil {
		act.Level = cases.Supervision(*in.Level)
	}
	if in.TownCode != nil {
		act.TownCode = *in.TownCode
		active, err := q.LeadTownActive(ctx, *in.TownCode)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !active) {
			v.fail("town_code", "not_found", "镇街不存在或已停用")
		} else if err != nil {
			return err
		}
	}
	if in.EnterpriseID != nil {
		act.EnterpriseID = *in.EnterpriseID
		var party *bool
		if row.Lead.ProjectID != nil {
			if party, err = q.LeadProjectParty(ctx, dbq.LeadProjectPartyParams{ProjectID: *row.Lead.ProjectID, EnterpriseID: *in.EnterpriseID}); err != nil {
				return err
			}
		}
		if party == nil || !*party {
			v.fail("enterprise_id", "not_project_party", "该企业不是本项目的参建单位")
		}
	}
	if action == workflows.ActSubmit && len(in.EvidenceIDs) > 0 {
		n, err := q.LeadEvidenceComplete(ctx, dbq.LeadEvidenceCompleteParams{LeadID: id, Ids: in.EvidenceIDs})
		if err != nil {
			return err
		}
		if int(n) != len(slices.Compact(slices.Sorted(slices.Values(in.EvidenceIDs)))) {
			v.fail("evidence_ids", "not_found", "整改凭证不存在、未上传完成或不属于本线索")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	st, err := s.leadUpdate(c, id, action, act)
	if err != nil {
		return err
	}
	return c.JSON(st)
}

// leadUpdate sends action to the lead's workflow and waits for its answer.
func (s *Server) leadUpdate(c *fiber.Ctx, lead int64, action string, in workflows.ActionInput) (cases.LeadState, error) {
	if s.deps.Temporal == nil {
		return cases.LeadState{}, errCasesUnavailable
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), s.caseTimeout())
	defer cancel()
	h, err := s.deps.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.LeadWorkflowID(lead), UpdateName: action,
		Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted})
	var st cases.LeadState
	if err == nil {
		err = h.Get(ctx, &st)
	}
	if err != nil {
		return st, s.caseError(lead, action, err)
	}
	auditDetail(c, "lead_step", st.Seq)
	return st, nil
}

// caseError maps a workflow's answer to the client's.
func (s *Server) caseError(lead int64, action string, err error) error {
	if r, ok := workflows.AsRefusal(err); ok {
		e := &Error{Code: r.Code, Message: r.Message}
		switch r.Code {
		case workflows.RefusedActor:
			e.Status = http.StatusForbidden
		case workflows.RefusedInput:
			e.Status = http.StatusUnprocessableEntity
			if r.Field != "" {
				e.Fields = map[string]string{r.Field: r.Message}
			}
		default:
			e.Status = http.StatusConflict
		}
		return e
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// the workflow has completed (a closed lead) or never started
		return &Error{Status: http.StatusConflict, Code: workflows.RefusedClosed, Message: "线索已办结，不能再操作"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errCaseBusy
	}
	s.deps.Logger.Error("lead update", "lead", lead, "action", action, "err", err)
	return errCasesUnavailable
}
