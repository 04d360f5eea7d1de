package api

import (
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/workflows"
)

// Arrears leads (欠薪线索, SPEC R3). Reads come from the projection in
// Postgres; intake records the lead and starts its workflow; every other
// change is an Update of the workflow, answered with the new state or the
// workflow's reason for refusing.

type leadOut struct {
	ID                    int64      `json:"id"`
	CaseNo                string     `json:"case_no" doc:"the case number, QX-<year>-<6 digits> (欠薪线索编号)"`
	Source                string     `json:"source" codes:"lead_sources"`
	SourceLabel           string     `json:"source_label"`
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
	Status                string     `json:"status" codes:"lead_statuses"`
	StatusLabel           string     `json:"status_label"`
	TownCode              *string    `json:"town_code"`
	TownName              string     `json:"town_name"`
	RectifyEnterpriseID   *int64     `json:"rectify_enterprise_id"`
	RectifyEnterpriseName string     `json:"rectify_enterprise_name"`
	Major                 bool       `json:"major"`
	AcceptDue             *time.Time `json:"accept_due"`
	HandleDue             *time.Time `json:"handle_due"`
	RectifyDue            *time.Time `json:"rectify_due"`
	ConfirmDue            *time.Time `json:"confirm_due"`
	AcceptDueEstimated    bool       `json:"accept_due_estimated" doc:"accept_due was counted without the official holiday arrangement of a year it passes through (weekdays only; 期限为估算)"`
	HandleDueEstimated    bool       `json:"handle_due_estimated" doc:"the same for handle_due"`
	RectifyDueEstimated   bool       `json:"rectify_due_estimated" doc:"the same for rectify_due"`
	ConfirmDueEstimated   bool       `json:"confirm_due_estimated" doc:"the same for confirm_due"`
	DueEstimated          bool       `json:"due_estimated" doc:"one of the deadlines is estimated: it is recounted once the city enters that year's holidays"`
	Overdue               bool       `json:"overdue"`
	Supervision           string     `json:"supervision" codes:"supervisions"`
	SupervisionLabel      string     `json:"supervision_label"`
	Extended              bool       `json:"extended"`
	Reopened              int32      `json:"reopened"`
	LinkedReports         int32      `json:"linked_reports"`
	ClosureCode           *string    `json:"closure_code" codes:"closure_codes"`
	ClosureCodeLabel      string     `json:"closure_code_label"`
	AmountPaidFen         *int64     `json:"amount_paid_fen"`
	AmountRecoveredFen    *int64     `json:"amount_recovered_fen"`
	WorkersCovered        *int32     `json:"workers_covered"`
	ResultSummary         *string    `json:"result_summary"`
	ClosedAt              *time.Time `json:"closed_at"`
	MergedInto            *int64     `json:"merged_into" doc:"closure merged (已并案): the lead this one was merged into"`
	Step                  int32      `json:"step" doc:"the last workflow step projected"`
	UpdatedAt             time.Time  `json:"updated_at"`
	// Actions are what the caller may do on the lead now (who and from
	// which status, by the lead's table of actions): what a screen
	// offers. The workflow still decides when one is taken.
	Actions []actionRef `json:"actions" doc:"the actions the caller may take now"`
}

// actionRef names an action with its Chinese label.
type actionRef struct {
	Name  string `json:"name"`
	Label string `json:"label"`
}

// leadFrom renders a lead row for the caller actor (whose actions it
// lists).
func (s *Server) leadFrom(r dbq.LeadListRow, actor cases.Actor) leadOut {
	l := r.Lead
	return leadOut{ID: l.ID, CaseNo: l.CaseNo, Source: l.Source, Actions: leadActionsFor(actor, r), ExternalID: l.ExternalID, WorkerID: l.WorkerID, WorkerName: r.WorkerName,
		ReporterName: l.ReporterName, ReporterPhone: s.maskedPhone(l.ReporterPhoneEnc), ProjectID: l.ProjectID,
		ProjectName: r.ProjectName, ProjectNamed: l.ProjectNamed, EmployerNamed: l.EmployerNamed,
		AmountClaimedFen: l.AmountClaimedFen, WorkersClaimed: l.WorkersClaimed, Description: l.Description,
		ReceivedAt: l.ReceivedAt, Status: l.Status, TownCode: l.TownCode, TownName: r.TownName,
		RectifyEnterpriseID: l.RectifyEnterpriseID, RectifyEnterpriseName: r.RectifyEnterpriseName, Major: l.Major,
		AcceptDue: l.AcceptDue, HandleDue: l.HandleDue, RectifyDue: l.RectifyDue, ConfirmDue: l.ConfirmDue,
		AcceptDueEstimated: l.AcceptDueEstimated, HandleDueEstimated: l.HandleDueEstimated,
		RectifyDueEstimated: l.RectifyDueEstimated, ConfirmDueEstimated: l.ConfirmDueEstimated,
		DueEstimated: l.AcceptDueEstimated || l.HandleDueEstimated || l.RectifyDueEstimated || l.ConfirmDueEstimated,
		Overdue:      l.Overdue, Supervision: l.Supervision, Extended: l.Extended, Reopened: l.Reopened,
		LinkedReports: l.LinkedReports, ClosureCode: l.ClosureCode, AmountPaidFen: l.AmountPaidFen,
		AmountRecoveredFen: l.AmountRecoveredFen, WorkersCovered: l.WorkersCovered, ResultSummary: l.ResultSummary,
		ClosedAt: l.ClosedAt, MergedInto: l.MergedInto, Step: l.Seq, UpdatedAt: l.UpdatedAt}
}

type leadEventOut struct {
	Seq             *int32          `json:"seq" doc:"workflow step; null for office actions (claim, assignment)"`
	At              time.Time       `json:"at"`
	Action          string          `json:"action" codes:"lead_steps"`
	ActionLabel     string          `json:"action_label"`
	ActorID         *int64          `json:"actor_id"`
	ActorName       string          `json:"actor_name"`
	ActorRole       string          `json:"actor_role" doc:"system for a rule" codes:"actor_roles"`
	ActorRoleLabel  string          `json:"actor_role_label"`
	IP              string          `json:"ip,omitempty" doc:"shown to the city and towns only"`
	FromStatus      *string         `json:"from_status" codes:"lead_statuses"`
	FromStatusLabel string          `json:"from_status_label"`
	ToStatus        string          `json:"to_status" codes:"lead_statuses"`
	ToStatusLabel   string          `json:"to_status_label"`
	Changes         json.RawMessage `json:"changes" doc:"field → [old, new]"`
	Note            string          `json:"note"`
	Rule            string          `json:"rule" doc:"the rule that took the step, for escalations"`
}

type leadDetailOut struct {
	leadOut
	Claimants  []claimantOut     `json:"claimants" doc:"the lead's claimants (a worker: their own line), phones masked"`
	Events     []leadEventOut    `json:"events"`
	Tasks      []taskOut         `json:"tasks" doc:"the lead's open tasks"`
	Dispatches []leadDispatchRef `json:"dispatches" doc:"the dispatches linked to the lead (督办: its supervision becomes one) the caller may see, newest first"`
	Warnings   []leadWarningRef  `json:"warnings" doc:"the warnings converted into this lead (convertToLead) the caller may see"`
}

// leadWarningRef is a warning converted into a lead, as the lead's detail
// lists it (GET /warnings/{id} shows the rest): the lead links back.
type leadWarningRef struct {
	ID            int64  `json:"id"`
	CaseNo        string `json:"case_no"`
	RuleCode      string `json:"rule_code" codes:"warning_rules"`
	RuleCodeLabel string `json:"rule_code_label"`
	Level         string `json:"level" codes:"warning_levels"`
	LevelLabel    string `json:"level_label"`
	Explanation   string `json:"explanation"`
}

// leadDispatchRef is a dispatch linked to a lead, as its detail lists it
// (GET /dispatches/{id} shows the rest).
type leadDispatchRef struct {
	ID          int64     `json:"id"`
	CaseNo      string    `json:"case_no" doc:"JB-<year>-<6 digits>"`
	Title       string    `json:"title"`
	Level       string    `json:"level" codes:"dispatch_levels"`
	LevelLabel  string    `json:"level_label"`
	Status      string    `json:"status" codes:"dispatch_statuses"`
	StatusLabel string    `json:"status_label"`
	DueDays     int32     `json:"due_days"`
	CreatedAt   time.Time `json:"created_at"`
}

type leadReportIn struct {
	ProjectID        *int64  `json:"project_id,omitempty" doc:"the project, when known"`
	ProjectNamed     *string `json:"project_named,omitempty" doc:"the project as the worker names it"`
	EmployerNamed    *string `json:"employer_named,omitempty"`
	AmountClaimedFen *int64  `json:"amount_claimed_fen,omitempty" doc:"required without claimants (the reporter's own claim); with claimants their sum, not given"`
	WorkersClaimed   *int32  `json:"workers_claimed,omitempty" doc:"workers affected (default 1); with claimants their count, not given"`
	Description      *string `json:"description,omitempty" required:"true"`
	// Claimants make a group complaint (集体欠薪): one lead, a line each.
	Claimants []claimantIn `json:"claimants,omitempty" doc:"a group complaint's claimants (at most 500), one lead with a line each; a worker's report lists themself (worker_id) and the others by name and phone"`
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
	ExternalID       *string      `json:"external_id,omitempty" required:"true"`
	ReporterName     *string      `json:"reporter_name,omitempty" required:"true"`
	IDNumber         *string      `json:"id_number,omitempty"`
	Phone            *string      `json:"phone,omitempty"`
	ProjectCode      *string      `json:"project_code,omitempty"`
	ProjectNamed     *string      `json:"project_named,omitempty"`
	EmployerNamed    *string      `json:"employer_named,omitempty"`
	AmountClaimedFen *int64       `json:"amount_claimed_fen,omitempty" doc:"required without claimants"`
	WorkersClaimed   *int32       `json:"workers_claimed,omitempty"`
	Description      *string      `json:"description,omitempty" required:"true"`
	ReportedAt       *string      `json:"reported_at,omitempty" doc:"RFC 3339; default now"`
	Claimants        []claimantIn `json:"claimants,omitempty" doc:"a group complaint's claimants, as for POST /leads"`
}

type leadImportIn struct {
	Records []leadImportRecord `json:"records" required:"true"`
}

type leadImportResult struct {
	ExternalID   string         `json:"external_id"`
	LeadID       int64          `json:"lead_id,omitempty"`
	Outcome      string         `json:"outcome" doc:"created, existing (imported before), linked (to the worker's open lead on the project), rejected" codes:"lead_import_outcomes"`
	OutcomeLabel string         `json:"outcome_label"`
	Error        *Error         `json:"error,omitempty"`
	Lead         *leadDetailOut `json:"lead,omitempty" doc:"the lead as GET /leads/{id} answers it"`
}

type leadIntakeOut struct {
	LeadID *int64         `json:"lead_id" doc:"null when the report was added to an open lead outside the caller's domain"`
	Linked bool           `json:"linked" doc:"true: added to the worker's open lead on the project"`
	Lead   *leadDetailOut `json:"lead" doc:"the lead as GET /leads/{id} answers it; null as lead_id"`
}

func (s *Server) leadRoutes() {
	filters := []param{
		{Name: "status", Type: "string", Desc: "lead status"}, {Name: "open", Type: "boolean"},
		{Name: "town_code", Type: "string"}, {Name: "project_id", Type: "integer"},
		{Name: "enterprise_id", Type: "integer", Desc: "the enterprise ordered to rectify"},
		{Name: "source", Type: "string"}, {Name: "overdue", Type: "boolean"}, {Name: "supervision", Type: "string"},
		{Name: "major", Type: "boolean"}, {Name: "case_no", Type: "string", Desc: caseNoDesc("QX")},
		{Name: "received_from", Type: "string", Desc: "YYYY-MM-DD"},
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
	acts := workflows.LeadActions()
	s.add(route{Method: "POST", Path: "/leads/:id/actions/:action", Perm: "leads:act", Tag: "leads",
		Summary: "Take a step on a lead; answers the lead as GET /leads/{id} does. Who may take which step, from which " +
			"status and with which fields is the lead's table of actions (docs/API.md)",
		PathEnum: map[string][]string{"action": acts.Offered()}, PathDesc: map[string]string{"action": actionsDoc(acts)},
		Body: leadActionIn{}, Out: leadDetailOut{}, Handler: s.leadAct})
}

// leadGetScoped loads a lead as the caller sees it.
func leadGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.LeadListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.LeadList(c.UserContext(), dbq.LeadListParams{ID: &id, ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func (s *Server) leadList(c *fiber.Ctx) error {
	p, err := parsePage(c, "id", "-id", "received_at", "-received_at", "handle_due", "-amount_claimed_fen")
	if err != nil {
		return err
	}
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.LeadListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Status: qe.enum(c, "status", registry.LeadStatuses), Open: qe.boolean(c, "open"),
		TownCode: queryText(c, "town_code"), ProjectID: qe.id(c, "project_id"), EnterpriseID: qe.id(c, "enterprise_id"),
		Source: qe.enum(c, "source", registry.LeadSources), Overdue: qe.boolean(c, "overdue"),
		Supervision: qe.enum(c, "supervision", registry.Supervisions), Major: qe.boolean(c, "major"),
		CaseNo:       qe.caseNo(c, "case_no", caseNoLead),
		ReceivedFrom: qe.date(c, "received_from"), ReceivedTo: qe.date(c, "received_to"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	actor := actorOf(c)
	return listPage(c, p, func(lim, off int32) ([]dbq.LeadListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.LeadList(c.UserContext(), arg)
	}, func(r dbq.LeadListRow) int64 { return r.Total }, func(r dbq.LeadListRow) leadOut { return s.leadFrom(r, actor) })
}

func (s *Server) leadGet(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	row, err := leadGetScoped(c, q, id)
	if err != nil {
		return err
	}
	return s.leadJSON(c, q, row)
}

// leadJSON answers the lead row as GET /leads/{id} shows it.
func (s *Server) leadJSON(c *fiber.Ctx, q *dbq.Queries, row dbq.LeadListRow) error {
	out, err := s.leadDetail(c, q, row)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// leadDetail is a lead as the caller sees it: the row, its history and
// the caller's open tasks on it (the city: every office's).
func (s *Server) leadDetail(c *fiber.Ctx, q *dbq.Queries, row dbq.LeadListRow) (leadDetailOut, error) {
	id := row.Lead.ID
	evs, err := q.LeadEvents(c.UserContext(), id)
	if err != nil {
		return leadDetailOut{}, err
	}
	office := isOffice(scopeOf(c))
	out := leadDetailOut{leadOut: s.leadFrom(row, actorOf(c)), Events: make([]leadEventOut, len(evs))}
	if out.Claimants, err = s.claimantsOf(c, q, id); err != nil {
		return leadDetailOut{}, err
	}
	for i, e := range evs {
		o := leadEventOut{Seq: e.Seq, At: e.At, Action: e.Action, ActorID: e.ActorID,
			ActorName: e.ActorName, ActorRole: e.ActorRole, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
			Changes: e.Changes, Note: e.Note, Rule: e.Rule}
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
		return leadDetailOut{}, err
	}
	out.Tasks = make([]taskOut, len(tasks))
	for i, t := range tasks {
		out.Tasks[i] = taskFrom(t)
	}
	sc := scopeOf(c)
	ds, err := q.DispatchList(c.UserContext(), dbq.DispatchListParams{LeadID: &id, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		Sort: "-id", Lim: 50})
	if err != nil {
		return leadDetailOut{}, err
	}
	out.Dispatches = make([]leadDispatchRef, len(ds))
	for i, r := range ds {
		d := r.Dispatch
		out.Dispatches[i] = leadDispatchRef{ID: d.ID, CaseNo: d.CaseNo, Title: d.Title, Level: d.Level, Status: d.Status, DueDays: d.DueDays, CreatedAt: d.CreatedAt}
	}
	ws, err := q.WarningList(c.UserContext(), dbq.WarningListParams{LeadID: &id, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		Sort: "id", Lim: 50})
	if err != nil {
		return leadDetailOut{}, err
	}
	out.Warnings = make([]leadWarningRef, len(ws))
	for i, r := range ws {
		w := r.Warning
		out.Warnings[i] = leadWarningRef{ID: w.ID, CaseNo: w.CaseNo, RuleCode: w.RuleCode, Level: w.Level, Explanation: w.Explanation}
	}
	return out, nil
}

// isOffice reports whether the scope is an office's (the city or a
// town), which sees who did what from where.
func isOffice(sc Scope) bool {
	_, town := sc.TownCode()
	return sc.IsCity() || town
}
