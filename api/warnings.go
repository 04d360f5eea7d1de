package api

import (
	"encoding/json"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/workflows"
)

// Warnings (预警, issue 10): what the daily scan raised from the warning
// rules, each a workflow that asks the enterprise to answer, then its
// town, then the city. Read from the projection; the actions come next.

type warningOut struct {
	ID               int64           `json:"id"`
	CaseNo           string          `json:"case_no" doc:"the case number, YJ-<year>-<6 digits> (预警编号)"`
	RuleCode         string          `json:"rule_code" codes:"warning_rules"`
	RuleCodeLabel    string          `json:"rule_code_label"`
	RuleVersion      int32           `json:"rule_version" doc:"the version of the rule that raised it"`
	Level            string          `json:"level" codes:"warning_levels"`
	LevelLabel       string          `json:"level_label"`
	SubjectKind      string          `json:"subject_kind" codes:"warning_subjects"`
	SubjectKindLabel string          `json:"subject_kind_label"`
	ProjectID        *int64          `json:"project_id"`
	ProjectName      string          `json:"project_name"`
	EnterpriseID     *int64          `json:"enterprise_id" doc:"the enterprise to answer"`
	EnterpriseName   string          `json:"enterprise_name"`
	EmploymentID     *int64          `json:"employment_id"`
	TownCode         *string         `json:"town_code"`
	Period           string          `json:"period" doc:"YYYY-MM, YYYY-MM-DD or empty"`
	Figures          json.RawMessage `json:"figures" doc:"what fired it"`
	Explanation      string          `json:"explanation" doc:"the figures in Chinese"`
	Basis            string          `json:"basis" doc:"the regulation or local policy it rests on"`
	Status           string          `json:"status" codes:"warning_statuses"`
	StatusLabel      string          `json:"status_label"`
	Answer           string          `json:"answer"`
	AnsweredAt       *time.Time      `json:"answered_at"`
	DueAt            *time.Time      `json:"due_at" doc:"the current holder's deadline"`
	DueEstimated     bool            `json:"due_estimated" doc:"due_at was counted without the official holiday arrangement of a year it passes through (weekdays only; 期限为估算): it is recounted once the city enters that year's holidays"`
	Overdue          bool            `json:"overdue"`
	LeadID           *int64          `json:"lead_id" doc:"the lead it was converted into"`
	Resolution       string          `json:"resolution"`
	Step             int32           `json:"step"`
	CreatedAt        time.Time       `json:"created_at"`
	ClosedAt         *time.Time      `json:"closed_at"`
	Actions          []actionRef     `json:"actions" doc:"the actions the caller's party may take in this status"`
}

type warningEventOut struct {
	Seq             *int32          `json:"seq"`
	At              time.Time       `json:"at"`
	Action          string          `json:"action" codes:"warning_steps"`
	ActionLabel     string          `json:"action_label"`
	ActorName       string          `json:"actor_name"`
	ActorRole       string          `json:"actor_role" doc:"system for a rule or the scan" codes:"actor_roles"`
	ActorRoleLabel  string          `json:"actor_role_label"`
	FromStatus      *string         `json:"from_status" codes:"warning_statuses"`
	FromStatusLabel string          `json:"from_status_label"`
	ToStatus        string          `json:"to_status" codes:"warning_statuses"`
	ToStatusLabel   string          `json:"to_status_label"`
	Changes         json.RawMessage `json:"changes"`
	Note            string          `json:"note"`
	Rule            string          `json:"rule"`
}

type warningDetailOut struct {
	warningOut
	Evidence []evidenceRef     `json:"evidence" doc:"the evidence files the answer was submitted with (every upload: GET /warnings/{id}/evidence)"`
	Events   []warningEventOut `json:"events"`
	Tasks    []taskOut         `json:"tasks" doc:"the caller's open tasks on the warning (the city: every office's)"`
}

func (s *Server) warningRoutes() {
	s.add(route{Method: "GET", Path: "/warnings", Perm: "warnings:read", Tag: "warnings",
		Summary: "List warnings in scope: the city every one, a town its own, an enterprise those it is to answer",
		Query: append([]param{{Name: "status", Type: "string", Enum: registry.WarningStatuses.Codes}, {Name: "open", Type: "boolean"},
			{Name: "case_no", Type: "string", Desc: caseNoDesc("YJ")},
			{Name: "level", Type: "string", Enum: registry.WarningLevels.Codes}, {Name: "rule_code", Type: "string", Enum: registry.WarningRules.Codes},
			{Name: "town_code", Type: "string"}, {Name: "project_id", Type: "integer"}, {Name: "enterprise_id", Type: "integer"}},
			pageParams("id", "-id")...),
		Out: listOut[warningOut]{}, Handler: s.warningList})
	s.add(route{Method: "GET", Path: "/warnings/:id", Perm: "warnings:read", Tag: "warnings",
		Summary: "A warning with the figures that fired it, its history and the caller's open tasks", Out: warningDetailOut{},
		Handler: s.warningGet})
	s.add(route{Method: "POST", Path: "/warnings/scan", Perm: "warnings:scan", Tag: "warnings",
		Summary: "Scan one project or enterprise now (the daily scan covers the city): warnings opened, raised, resolved",
		Body:    warningScanIn{}, Out: caseclient.ScanResult{}, Handler: s.warningScan})
	acts := workflows.WarningActions()
	s.add(route{Method: "POST", Path: "/warnings/:id/actions/:action", Perm: "warnings:act", Tag: "warnings",
		Summary:  "Take a step on a warning; answers the warning as GET /warnings/{id} does (the warning's table of actions, docs/API.md)",
		PathEnum: map[string][]string{"action": acts.Offered()}, PathDesc: map[string]string{"action": actionsDoc(acts)},
		Body: warningActionIn{}, Out: warningDetailOut{}, Handler: s.warningAct})
}

type warningActionIn struct {
	Note        *string `json:"note,omitempty"`
	EvidenceIDs []int64 `json:"evidence_ids,omitempty" doc:"answer: completed uploads of this warning (POST /warnings/{id}/evidence), at most 20"`
	LeadID      *int64  `json:"lead_id,omitempty" doc:"convertToLead: the arrears lead recorded for it (POST /leads), in the caller's domain"`
}

type warningScanIn struct {
	ProjectID    *int64 `json:"project_id,omitempty" doc:"the project to scan (one of project_id, enterprise_id)"`
	EnterpriseID *int64 `json:"enterprise_id,omitempty" doc:"the enterprise to scan"`
}

// warningScan runs the warning rules for one project or enterprise the
// caller may see, as of today, and keeps its warnings equal to the hits.
func (s *Server) warningScan(c *fiber.Ctx) error {
	var in warningScanIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("project_id", in.ProjectID, false)
	v.positiveID("enterprise_id", in.EnterpriseID, false)
	if (in.ProjectID == nil) == (in.EnterpriseID == nil) && v.ok("project_id") {
		v.fail("project_id", "required", "请指定一个项目或一家企业（全市扫描每日自动进行）")
	}
	if err := v.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	var f rules.Filter
	if in.ProjectID != nil {
		if _, err := projectGetScoped(c, q, *in.ProjectID); errors.Is(err, db.ErrNotFound) {
			return errField("project_id", "not_found", "项目不存在")
		} else if err != nil {
			return err
		}
		f.ProjectID = *in.ProjectID
	} else {
		sc := scopeOf(c)
		if _, err := oneRow(q.EnterpriseList(c.UserContext(), dbq.EnterpriseListParams{ID: in.EnterpriseID,
			ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1})); errors.Is(err, db.ErrNotFound) {
			return errField("enterprise_id", "not_found", "企业不存在")
		} else if err != nil {
			return err
		}
		f.EnterpriseID = *in.EnterpriseID
	}
	res, err := s.cases.ScanWarnings(c.UserContext(), s.deps.Pool, s.today(), f)
	if err != nil {
		return err
	}
	auditDetail(c, "warning_scan", res)
	return c.JSON(res)
}

// warningParties is who a warning is with, as its projected row says.
func warningParties(w dbq.Warning) cases.Parties {
	return cases.Parties{TownCode: deref(w.TownCode), EnterpriseID: deref(w.EnterpriseID), ProjectID: deref(w.ProjectID)}
}

// warningGetScoped loads a warning as the caller sees it.
func warningGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.WarningListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.WarningList(c.UserContext(), dbq.WarningListParams{ID: &id, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		Sort: "id", Lim: 1}))
}

func (s *Server) warningAct(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	spec, ok := workflows.WarningActions().Find(c.Params("action"))
	if !ok || spec.Internal {
		return errUnknownAction
	}
	q := db.Q(s.deps.Pool)
	row, err := warningGetScoped(c, q, id)
	if err != nil {
		return err
	}
	w := row.Warning
	actor := actorOf(c)
	// who first, then when, then what
	if r := workflows.PrecheckWarning(spec, actor, cases.WarningStatus(w.Status), warningParties(w)); r != nil {
		return caseclient.Refused(caseclient.Warning, *r)
	}
	var in warningActionIn
	keys, err := decodeBodyKeys(c, &in)
	if err != nil {
		return err
	}
	var v check
	notApplicable(&v, spec, keys)
	v.text("note", in.Note, false, 4000)
	act := workflows.WarningActionInput{Actor: actor, Note: deref(in.Note)}
	if act.EvidenceIDs, err = evidenceIDsOfCase(c, q, &v, evidenceCase{kind: evidenceOfWarning, id: id}, in.EvidenceIDs); err != nil {
		return err
	}
	if in.LeadID != nil && v.ok("lead_id") {
		if _, err := leadGetScoped(c, q, *in.LeadID); err != nil {
			if !errors.Is(err, db.ErrNotFound) {
				return err
			}
			v.fail("lead_id", "not_found", "线索不存在")
		}
		act.LeadID = *in.LeadID
	}
	if err := v.err(); err != nil {
		return err
	}
	st, err := s.cases.ActWarning(c.UserContext(), id, spec.Name, act)
	if err != nil {
		return err
	}
	auditDetail(c, "warning_step", st.Seq)
	return s.warningJSON(c, q, id)
}

func warningFrom(r dbq.WarningListRow, actor cases.Actor) warningOut {
	w := r.Warning
	out := warningOut{ID: w.ID, CaseNo: w.CaseNo, RuleCode: w.RuleCode, RuleVersion: w.RuleVersion,
		Level: w.Level, SubjectKind: w.SubjectKind, ProjectID: w.ProjectID,
		ProjectName: r.ProjectName, EnterpriseID: w.EnterpriseID, EnterpriseName: r.EnterpriseName, EmploymentID: w.EmploymentID,
		TownCode: w.TownCode, Period: w.Period, Figures: w.Figures, Explanation: w.Explanation, Basis: w.Basis, Status: w.Status,
		Answer: w.Answer, AnsweredAt: w.AnsweredAt, DueAt: w.DueAt, DueEstimated: w.DueEstimated,
		Overdue: w.Overdue, LeadID: w.LeadID, Resolution: w.Resolution, Step: w.Seq, CreatedAt: w.CreatedAt, ClosedAt: w.ClosedAt,
	}
	out.Actions = actionsAllowed(workflows.WarningActions(), func(a cases.ActionSpec) *workflows.Refusal {
		return workflows.PrecheckWarning(a, actor, cases.WarningStatus(w.Status), warningParties(w))
	})
	return out
}

func (s *Server) warningList(c *fiber.Ctx) error {
	p, err := parsePage(c, "id", "-id")
	if err != nil {
		return err
	}
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.WarningListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Status: qe.enum(c, "status", registry.WarningStatuses),
		Open: qe.boolean(c, "open"), Level: qe.enum(c, "level", registry.WarningLevels),
		RuleCode: qe.enum(c, "rule_code", registry.WarningRules), TownCode: queryText(c, "town_code"),
		ProjectID: qe.id(c, "project_id"), EnterpriseID: qe.id(c, "enterprise_id"),
		CaseNo: qe.caseNo(c, "case_no", caseNoWarning), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	actor := actorOf(c)
	return listPage(c, p, func(lim, off int32) ([]dbq.WarningListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.WarningList(c.UserContext(), arg)
	}, func(r dbq.WarningListRow) int64 { return r.Total }, func(r dbq.WarningListRow) warningOut { return warningFrom(r, actor) })
}

func (s *Server) warningGet(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.warningJSON(c, db.Q(s.deps.Pool), id)
}

// warningJSON answers warning id as GET /warnings/{id} shows it.
func (s *Server) warningJSON(c *fiber.Ctx, q *dbq.Queries, id int64) error {
	row, err := warningGetScoped(c, q, id)
	if err != nil {
		return err
	}
	evs, err := q.WarningEvents(c.UserContext(), id)
	if err != nil {
		return err
	}
	out := warningDetailOut{warningOut: warningFrom(row, actorOf(c)), Evidence: []evidenceRef{}, Events: make([]warningEventOut, len(evs))}
	if len(row.Warning.EvidenceIds) > 0 {
		files, err := q.EvidenceListOfCase(c.UserContext(), evidenceCase{kind: evidenceOfWarning, id: id}.params())
		if err != nil {
			return err
		}
		out.Evidence = evidenceRefs(files, row.Warning.EvidenceIds)
	}
	office := isOffice(scopeOf(c))
	for i, e := range evs {
		o := warningEventOut{Seq: e.Seq, At: e.At, Action: e.Action, ActorName: e.ActorName,
			ActorRole: e.ActorRole, FromStatus: e.FromStatus, ToStatus: e.ToStatus,
			Changes: e.Changes, Note: e.Note, Rule: e.Rule}
		if !office && e.ActorRole != principalOf(c).Role {
			o.ActorName = "" // enterprises see which office acted, not the officer
		}
		out.Events[i] = o
	}
	tp := s.taskParams(c)
	tp.WarningID, tp.Lim = &id, 100
	tasks, err := q.CaseTaskList(c.UserContext(), tp)
	if err != nil {
		return err
	}
	out.Tasks = make([]taskOut, len(tasks))
	for i, t := range tasks {
		out.Tasks[i] = taskFrom(t)
	}
	return c.JSON(out)
}
