package api

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// The task inbox (待办): the open work of the caller's office on the
// leads, as the workflows project it. Who in an office holds a task
// (claim, assignment, bulk reassignment) is the office's business and
// changes only the assignee; the workflow decides everything else.

type taskOut struct {
	ID                  int64      `json:"id"`
	CaseKind            string     `json:"case_kind" doc:"lead, dispatch or warning" codes:"case_kinds"`
	CaseKindLabel       string     `json:"case_kind_label"`
	CaseNo              string     `json:"case_no" doc:"the case number of the task's lead (QX-…), dispatch (JB-…) or warning (YJ-…)"`
	Summary             string     `json:"summary" doc:"what the case is about, at most 60 characters: the lead's description, the dispatch's title or the warning's explanation"`
	Major               bool       `json:"major" doc:"a lead's task: the lead is a major case (重大案件)"`
	LeadID              *int64     `json:"lead_id" doc:"the lead's task"`
	DispatchID          *int64     `json:"dispatch_id" doc:"the dispatch's task"`
	WarningID           *int64     `json:"warning_id" doc:"the warning's task"`
	DispatchTitle       string     `json:"dispatch_title"`
	DispatchStatus      string     `json:"dispatch_status" codes:"dispatch_statuses,blank"`
	DispatchStatusLabel string     `json:"dispatch_status_label"`
	WarningRule         string     `json:"warning_rule" doc:"the rule that raised the warning" codes:"warning_rules,blank"`
	WarningRuleLabel    string     `json:"warning_rule_label"`
	WarningLevel        string     `json:"warning_level" codes:"warning_levels,blank"`
	WarningLevelLabel   string     `json:"warning_level_label"`
	WarningStatus       string     `json:"warning_status" codes:"warning_statuses,blank"`
	WarningStatusLabel  string     `json:"warning_status_label"`
	WarningExplanation  string     `json:"warning_explanation" doc:"the figures that fired the warning, in Chinese"`
	Kind                string     `json:"kind" doc:"triage, accept, investigate, rectify, verify, confirm, review, supervise, dispatch_report, dispatch_review, warning_answer, warning_verify, warning_review" codes:"task_kinds"`
	KindLabel           string     `json:"kind_label"`
	Actor               string     `json:"actor" doc:"city, town, enterprise, worker" codes:"task_actors"`
	ActorLabel          string     `json:"actor_label"`
	TownCode            *string    `json:"town_code"`
	EnterpriseID        *int64     `json:"enterprise_id"`
	ProjectID           *int64     `json:"project_id" doc:"the lead's or the warning's project"`
	ProjectName         string     `json:"project_name"`
	AssigneeID          *int64     `json:"assignee_id"`
	AssigneeName        string     `json:"assignee_name"`
	OpenedAt            time.Time  `json:"opened_at"`
	DueAt               *time.Time `json:"due_at"`
	DueEstimated        bool       `json:"due_estimated" doc:"due_at was counted without the official holiday arrangement of a year it passes through (weekdays only; 期限为估算)"`
	RemindedAt          *time.Time `json:"reminded_at"`
	Overdue             bool       `json:"overdue"`
	LeadStatus          string     `json:"lead_status" codes:"lead_statuses,blank"`
	LeadStatusLabel     string     `json:"lead_status_label"`
	LeadSource          string     `json:"lead_source" codes:"lead_sources,blank"`
	LeadSourceLabel     string     `json:"lead_source_label"`
	AmountClaimedFen    int64      `json:"amount_claimed_fen"`
	WorkersClaimed      int32      `json:"workers_claimed"`
	Supervision         string     `json:"supervision" codes:"supervisions,blank"`
	SupervisionLabel    string     `json:"supervision_label"`
}

func taskFrom(t dbq.CaseTaskListRow) taskOut {
	kind := "lead"
	switch {
	case t.DispatchID != nil:
		kind = "dispatch"
	case t.WarningID != nil:
		kind = "warning"
	}
	return taskOut{ID: t.ID, CaseKind: kind, CaseNo: t.CaseNo, Summary: summary(t.SummarySource), Major: t.Major, LeadID: t.LeadID, DispatchID: t.DispatchID,
		WarningID: t.WarningID, DispatchTitle: t.DispatchTitle,
		DispatchStatus: t.DispatchStatus, WarningRule: t.WarningRule, WarningLevel: t.WarningLevel, WarningStatus: t.WarningStatus, WarningExplanation: t.WarningExplanation,
		Kind: t.Kind, Actor: t.Actor, TownCode: t.TownCode,
		EnterpriseID: t.EnterpriseID, ProjectID: t.CaseProjectID, ProjectName: t.ProjectName, AssigneeID: t.AssigneeID,
		AssigneeName: t.AssigneeName, OpenedAt: t.OpenedAt, DueAt: t.DueAt, DueEstimated: t.DueEstimated, RemindedAt: t.RemindedAt, Overdue: t.Overdue,
		LeadStatus: t.LeadStatus, LeadSource: t.LeadSource, AmountClaimedFen: t.AmountClaimedFen,
		WorkersClaimed: t.WorkersClaimed, Supervision: t.Supervision}
}

// summaryMax is the length of a task's summary, in characters.
const summaryMax = 60

// summary is text cut to summaryMax characters (an ellipsis marks a cut);
// runs of white space become one space. The query reads the first 120
// characters.
func summary(text string) string {
	r := []rune(strings.Join(strings.Fields(text), " "))
	if len(r) <= summaryMax {
		return string(r)
	}
	return string(r[:summaryMax-1]) + "…"
}

type taskAssignIn struct {
	AssigneeID *int64 `json:"assignee_id,omitempty" required:"true" doc:"an active account of the task's office"`
}

type taskReassignIn struct {
	FromAccountID *int64  `json:"from_account_id,omitempty" doc:"every open task this account holds in the caller's office"`
	TaskIDs       []int64 `json:"task_ids,omitempty" doc:"or these tasks"`
	ToAccountID   *int64  `json:"to_account_id,omitempty" required:"true"`
}

type taskReassignOut struct {
	Reassigned int `json:"reassigned"`
}

var taskViews = registry.Enum{Codes: []string{"all", "mine", "unassigned", "overdue", "due_soon"},
	Labels: map[string]string{"all": "全部待办", "mine": "我的待办", "unassigned": "本单位未分配", "overdue": "已逾期", "due_soon": "即将到期"}}

// dueSoon is how far ahead "due soon" looks.
const dueSoon = 3 * 24 * time.Hour

func (s *Server) taskRoutes() {
	s.add(route{Method: "GET", Path: "/tasks", Perm: "tasks:read", Tag: "tasks", Summary: "The caller's task inbox",
		Query: []param{
			{Name: "view", Type: "string", Desc: "all (default), mine, unassigned, overdue, due_soon (within 3 days)"},
			{Name: "actor", Type: "string", Desc: "the city only: whose tasks — city (default, its own inbox), town, enterprise, worker, or all"},
			{Name: "case_kind", Type: "string", Enum: registry.CaseKinds.Codes}, {Name: "kind", Type: "string", Enum: registry.TaskKinds.Codes},
			{Name: "lead_status", Type: "string"}, {Name: "lead_id", Type: "integer"}, {Name: "dispatch_id", Type: "integer"},
			{Name: "warning_id", Type: "integer"}, {Name: "case_no", Type: "string", Desc: caseNoDesc("QX") + "; or a dispatch's JB-…, a warning's YJ-…"},
			{Name: "project_id", Type: "integer"}, {Name: "enterprise_id", Type: "integer"},
			{Name: "opened_from", Type: "string", Desc: "YYYY-MM-DD"}, {Name: "opened_to", Type: "string", Desc: "YYYY-MM-DD"},
			{Name: "sort", Type: "string", Desc: "due_at (default), -due_at, opened_at, -opened_at"},
			{Name: "page", Type: "integer"}, {Name: "page_size", Type: "integer"},
		}, Out: listOut[taskOut]{}, Handler: s.taskList})
	s.add(route{Method: "POST", Path: "/tasks/:id/claim", Perm: "tasks:assign", Tag: "tasks", Summary: "Take an unassigned task of the caller's office",
		Out: taskOut{}, Handler: s.taskClaim})
	s.add(route{Method: "POST", Path: "/tasks/:id/assign", Perm: "tasks:assign", Tag: "tasks", Summary: "Assign or reassign a task within its office",
		Body: taskAssignIn{}, Out: taskOut{}, Handler: s.taskAssign})
	s.add(route{Method: "POST", Path: "/tasks/reassign", Perm: "tasks:assign", Tag: "tasks", Summary: "Reassign many tasks within the office (e.g. an officer leaves)",
		Body: taskReassignIn{}, Out: taskReassignOut{}, Handler: s.taskReassign})
}

func (s *Server) taskParams(c *fiber.Ctx) dbq.CaseTaskListParams {
	sc := scopeOf(c)
	return dbq.CaseTaskListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Now: s.deps.Now(), Sort: "due_at"}
}

func (s *Server) taskList(c *fiber.Ctx) error {
	p, err := parsePage(c, "due_at", "-due_at", "opened_at", "-opened_at")
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := s.taskParams(c)
	if p.Sort != "" {
		arg.Sort = p.Sort
	}
	arg.Kind = qe.enum(c, "kind", registry.TaskKinds)
	arg.LeadStatus = qe.enum(c, "lead_status", registry.LeadStatuses)
	arg.LeadID, arg.ProjectID, arg.EnterpriseID = qe.id(c, "lead_id"), qe.id(c, "project_id"), qe.id(c, "enterprise_id")
	arg.DispatchID, arg.WarningID = qe.id(c, "dispatch_id"), qe.id(c, "warning_id")
	arg.CaseKind = qe.enum(c, "case_kind", registry.CaseKinds)
	arg.CaseNo = qe.caseNo(c, "case_no", caseNoLead, caseNoDispatch, caseNoWarning)
	arg.OpenedFrom, arg.OpenedTo = qe.date(c, "opened_from"), qe.date(c, "opened_to")
	view := qe.enum(c, "view", taskViews)
	if scopeOf(c).IsCity() {
		// the city oversees every office; its own inbox by default
		switch actor := cmp.Or(queryValue(c, "actor"), cases.ActorCity); actor {
		case "all":
		default:
			if !registry.TaskActors.Has(actor) {
				qe.fail("actor", "取值无效")
			}
			arg.Actor = &actor
		}
	} else if queryValue(c, "actor") != "" {
		// every other office sees only its own tasks: a filter it cannot
		// use is refused, not ignored
		qe.fail("actor", "只有市级可以按处理方筛选待办")
	}
	if err := qe.err(); err != nil {
		return err
	}
	yes, no := true, false
	if view != nil {
		switch *view {
		case "mine":
			me := principalOf(c).AccountID
			arg.AssigneeID = &me
		case "unassigned":
			arg.Unassigned = true
		case "overdue":
			arg.Overdue = &yes
		case "due_soon":
			soon := s.deps.Now().Add(dueSoon)
			arg.Overdue, arg.DueBefore = &no, &soon
		}
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.CaseTaskListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.CaseTaskList(c.UserContext(), arg)
	}, func(r dbq.CaseTaskListRow) int64 { return r.Total }, taskFrom)
}

var (
	errTaskTaken       = &Error{Status: http.StatusConflict, Code: "task_taken", Message: "该待办已由他人认领"}
	errNotAssignable   = errField("assignee_id", "not_assignable", "只能分配给本单位在用的账号")
	errNotYourOffice   = &Error{Status: http.StatusConflict, Code: "not_your_office", Message: "只能认领本单位的待办"}
	errNothingToMove   = errField("task_ids", "required", "请指定要转交的待办或原承办人")
	errToNotAssignable = errField("to_account_id", "not_assignable", "只能转交给本单位在用的账号")
)

// taskGetScoped loads an open task as the caller's inbox shows it.
func (s *Server) taskGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.CaseTaskListRow, error) {
	arg := s.taskParams(c)
	arg.ID, arg.Lim = &id, 1
	return oneRow(q.CaseTaskList(c.UserContext(), arg))
}

// taskInScope loads an open task of the caller's office, locked.
func (s *Server) taskInScope(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.CaseTask, error) {
	if _, err := s.taskGetScoped(c, q, id); err != nil {
		return dbq.CaseTask{}, err
	}
	t, err := q.CaseTaskForAssign(c.UserContext(), id)
	if errors.Is(err, db.ErrNotFound) {
		return t, errNotFound
	}
	return t, err
}

// setAssignee changes a task's assignee and records it in the lead's
// history (an office action, not a workflow step).
func (s *Server) setAssignee(c *fiber.Ctx, q *dbq.Queries, t dbq.CaseTask, to *int64, action string) error {
	ctx := c.UserContext()
	if err := q.CaseTaskSetAssignee(ctx, dbq.CaseTaskSetAssigneeParams{ID: t.ID, AssigneeID: to}); err != nil {
		return err
	}
	changes, err := json.Marshal(map[string][2]any{"assignee_id": {t.AssigneeID, to}, "task": {nil, t.Key}})
	if err != nil {
		return err
	}
	a := actorOf(c)
	if t.WarningID != nil {
		return q.WarningAssignEvent(ctx, dbq.WarningAssignEventParams{WarningID: *t.WarningID, At: s.deps.Now(),
			Action: action, ActorID: &a.AccountID, ActorName: a.Name, ActorRole: a.Role, ActorDomain: a.Domain, Ip: a.IP,
			Changes: changes})
	}
	if t.DispatchID != nil {
		return q.DispatchAssignEvent(ctx, dbq.DispatchAssignEventParams{DispatchID: *t.DispatchID, At: s.deps.Now(),
			Action: action, ActorID: &a.AccountID, ActorName: a.Name, ActorRole: a.Role, ActorDomain: a.Domain, Ip: a.IP,
			TownCode: t.TownCode, Changes: changes})
	}
	return q.LeadAssignEvent(ctx, dbq.LeadAssignEventParams{LeadID: *t.LeadID, At: s.deps.Now(), Action: action,
		ActorID: &a.AccountID, ActorName: a.Name, ActorRole: a.Role, ActorDomain: a.Domain, Ip: a.IP, Changes: changes})
}

func (s *Server) assignable(c *fiber.Ctx, q *dbq.Queries, t dbq.CaseTask, account int64) (bool, error) {
	return q.CaseTaskAssignable(c.UserContext(), dbq.CaseTaskAssignableParams{AccountID: account, Actor: t.Actor,
		TownCode: t.TownCode, EnterpriseID: t.EnterpriseID, ProjectID: t.ProjectID})
}

func (s *Server) taskAnswer(c *fiber.Ctx, id int64) error {
	row, err := s.taskGetScoped(c, db.Q(s.deps.Pool), id)
	if err != nil {
		return err
	}
	return c.JSON(taskFrom(row))
}

func (s *Server) taskClaim(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	me := principalOf(c).AccountID
	err = s.inTx(c, func(q *dbq.Queries) error {
		t, err := s.taskInScope(c, q, id)
		if err != nil {
			return err
		}
		if t.AssigneeID != nil {
			if *t.AssigneeID == me {
				return nil
			}
			return errTaskTaken
		}
		ok, err := s.assignable(c, q, t, me)
		if err != nil {
			return err
		}
		if !ok {
			return errNotYourOffice
		}
		return s.setAssignee(c, q, t, &me, "claim")
	})
	if err != nil {
		return err
	}
	return s.taskAnswer(c, id)
}

func (s *Server) taskAssign(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in taskAssignIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("assignee_id", in.AssigneeID, true)
	if err := v.err(); err != nil {
		return err
	}
	err = s.inTx(c, func(q *dbq.Queries) error {
		t, err := s.taskInScope(c, q, id)
		if err != nil {
			return err
		}
		ok, err := s.assignable(c, q, t, *in.AssigneeID)
		if err != nil {
			return err
		}
		if !ok {
			return errNotAssignable
		}
		if t.AssigneeID != nil && *t.AssigneeID == *in.AssigneeID {
			return nil
		}
		return s.setAssignee(c, q, t, in.AssigneeID, "assign")
	})
	if err != nil {
		return err
	}
	return s.taskAnswer(c, id)
}

func (s *Server) taskReassign(c *fiber.Ctx) error {
	var in taskReassignIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("to_account_id", in.ToAccountID, true)
	v.positiveID("from_account_id", in.FromAccountID, false)
	if len(in.TaskIDs) > 1000 {
		v.fail("task_ids", "too_many", "每次最多转交1000项待办")
	}
	if err := v.err(); err != nil {
		return err
	}
	if in.FromAccountID == nil && len(in.TaskIDs) == 0 {
		return errNothingToMove
	}
	moved := 0
	err := s.inTx(c, func(q *dbq.Queries) error {
		ids := in.TaskIDs
		if in.FromAccountID != nil {
			held, err := q.CaseTasksOfAssignee(c.UserContext(), in.FromAccountID)
			if err != nil {
				return err
			}
			for _, t := range held {
				ids = append(ids, t.ID)
			}
		}
		seen := map[int64]bool{}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			t, err := s.taskInScope(c, q, id)
			if errors.Is(err, errNotFound) && in.FromAccountID != nil && len(in.TaskIDs) == 0 {
				continue // held by the account in another office: not the caller's to move
			}
			if err != nil {
				return err
			}
			ok, err := s.assignable(c, q, t, *in.ToAccountID)
			if err != nil {
				return err
			}
			if !ok {
				return errToNotAssignable
			}
			if t.AssigneeID != nil && *t.AssigneeID == *in.ToAccountID {
				continue
			}
			if err := s.setAssignee(c, q, t, in.ToAccountID, "reassign"); err != nil {
				return err
			}
			moved++
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(taskReassignOut{Reassigned: moved})
}
