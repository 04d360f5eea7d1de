package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/registry"
)

// LeadInput starts the workflow of a lead the API has recorded (table
// leads). The API resolves the project's town and general contractor.
type LeadInput struct {
	LeadID     int64        `json:"lead_id"`
	Source     cases.Source `json:"source"`
	ReceivedAt time.Time    `json:"received_at"`
	// By entered the lead: the worker, an officer, or the importer.
	By        cases.Actor `json:"by"`
	WorkerID  int64       `json:"worker_id,omitempty"`
	ProjectID int64       `json:"project_id,omitempty"`
	// TownCode is the town of the project; empty when the project is
	// unknown, which sends the lead to the city for triage.
	TownCode string `json:"town_code,omitempty"`
	// ContractorID is the project's general contractor: the enterprise
	// ordered to rectify unless the town names another.
	ContractorID     int64 `json:"contractor_id,omitempty"`
	AmountClaimedFen int64 `json:"amount_claimed_fen"`
	WorkersClaimed   int   `json:"workers_claimed"`
}

// Lead actions: each is an Update of the lead workflow with a validator.
const (
	ActDispatch     = "dispatch"           // city: send a triaged lead to a town
	ActTransfer     = "transfer"           // city: move a lead to another town
	ActAccept       = "accept"             // town: accept (签收)
	ActReturn       = "return"             // town: return as outside its jurisdiction
	ActOrderRectify = "orderRectification" // town: order the enterprise to rectify (责令整改)
	ActSubmit       = "submitEvidence"     // enterprise: submit rectification evidence
	ActReject       = "rejectEvidence"     // town: evidence insufficient, rectify again
	ActReport       = "reportResult"       // town: report the result with a closure code (办结反馈)
	ActExtend       = "extend"             // town: extend the handling deadline once
	ActConfirm      = "confirm"            // worker (or town on their behalf): confirm the result
	ActDispute      = "dispute"            // worker (or town on their behalf): dispute, reopens
	ActApprove      = "approve"            // city: approve a major case's closure
	ActSendBack     = "sendBack"           // city: send a major case back to the town
	ActSupervise    = "supervise"          // city: supervise (督办) or list it (挂牌督办)
	ActLinkReport   = "linkReport"         // intake: another report of the same worker and project
)

// LeadActions are every action, each the name of an Update.
var LeadActions = []string{ActDispatch, ActTransfer, ActAccept, ActReturn, ActOrderRectify, ActSubmit, ActReject,
	ActReport, ActExtend, ActConfirm, ActDispute, ActApprove, ActSendBack, ActSupervise, ActLinkReport}

// ActionInput is the input of every lead Update; which fields an action
// needs is checked by its validator.
type ActionInput struct {
	Actor cases.Actor `json:"actor"`
	Note  string      `json:"note,omitempty"`
	// dispatch, transfer: the town
	TownCode string `json:"town_code,omitempty"`
	// orderRectification: the enterprise (default the contractor) and
	// its period in working days (default the policy's)
	EnterpriseID int64 `json:"enterprise_id,omitempty"`
	DueDays      int   `json:"due_days,omitempty"`
	// submitEvidence: the evidence files and what was paid
	EvidenceIDs   []int64 `json:"evidence_ids,omitempty"`
	AmountPaidFen *int64  `json:"amount_paid_fen,omitempty"`
	// reportResult
	ClosureCode        cases.ClosureCode `json:"closure_code,omitempty"`
	AmountRecoveredFen *int64            `json:"amount_recovered_fen,omitempty"`
	WorkersCovered     *int              `json:"workers_covered,omitempty"`
	// supervise: supervised or listed
	Level cases.Supervision `json:"level,omitempty"`
	// linkReport: the linked lead's amounts
	AmountClaimedFen int64 `json:"amount_claimed_fen,omitempty"`
	WorkersClaimed   int   `json:"workers_claimed,omitempty"`
}

// Refusal is why a lead action was refused: Code is stable (English),
// Message is for the user (Chinese), Field names the input field at fault.
// It reaches the caller as an ApplicationError of type Code with the
// Refusal as its details.
type Refusal struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Refusal codes.
const (
	RefusedState  = "lead_wrong_state"   // not possible in the lead's status
	RefusedActor  = "lead_not_actor"     // this actor may not take this step on this lead
	RefusedInput  = "lead_invalid_input" // a field is missing or wrong
	RefusedAgain  = "lead_already_done"  // a once-only step was taken before
	RefusedClosed = "lead_closed"        // the lead is closed
	RefusedEarly  = "lead_not_ready"     // intake is still in progress
)

func (r *Refusal) Error() string { return r.Code + ": " + r.Message }

func (r *Refusal) appErr() error { return temporal.NewApplicationError(r.Message, r.Code, *r) }

// AsRefusal extracts the Refusal from an update's error, if it is one.
func AsRefusal(err error) (Refusal, bool) {
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.HasDetails() {
		return Refusal{}, false
	}
	var r Refusal
	if app.Details(&r) != nil || r.Code == "" {
		return Refusal{}, false
	}
	return r, true
}

func refuse(code, field, msg string) *Refusal {
	return &Refusal{Code: code, Field: field, Message: msg}
}

func wrongState(s cases.Status) *Refusal {
	return refuse(RefusedState, "", "线索当前状态（"+registry.LeadStatuses.Label(string(s))+"）不能进行此操作")
}

// deadline is one running time limit and how far up its ladder it went.
type deadline struct {
	cases.Deadline
	Name     string // accept, handle, rectify, confirm
	Days     int
	Active   bool
	Reminded bool
	Overdue  bool
	Listed   bool
}

// lead is the workflow's private state.
type lead struct {
	st     cases.LeadState
	policy cases.Policy
	in     LeadInput
	// the four deadlines, in a fixed order (never a map: replay must
	// visit them the same way)
	accept, handle, rectify, confirm deadline
	mu                               workflow.Mutex
	gen                              int // bumped by every step, wakes the timer loop
}

// LeadWorkflow is the life of one arrears lead, from intake to closure.
// Its ID is LeadWorkflowID(lead id). Every action is an Update (names in
// LeadActions) answered with the new state; StatusQuery answers the
// state; deadlines are timers that remind, mark overdue, ask the city to
// supervise and finally list the case. Each step is projected into
// Postgres before the update answers.
func LeadWorkflow(ctx workflow.Context, in LeadInput) (cases.LeadState, error) {
	l := &lead{in: in, mu: workflow.NewMutex(ctx)}
	l.st = cases.LeadState{LeadID: in.LeadID, Status: cases.Received, ProjectID: in.ProjectID, WorkerID: in.WorkerID,
		Supervision: cases.SupervisionNone, Tasks: []cases.Task{}}
	l.accept.Name, l.handle.Name, l.rectify.Name, l.confirm.Name = "accept", "handle", "rectify", "confirm"
	if err := l.setup(ctx); err != nil {
		return l.st, err
	}
	return l.run(ctx)
}

func (l *lead) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (cases.LeadState, error) { return l.snapshot(), nil }); err != nil {
		return err
	}
	for _, name := range LeadActions {
		name := name
		err := workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, in ActionInput) (cases.LeadState, error) { return l.act(ctx, name, in) },
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in ActionInput) error {
				if r := l.check(name, in); r != nil {
					return r.appErr()
				}
				return nil
			}})
		if err != nil {
			return err
		}
	}
	return nil
}

func (l *lead) run(ctx workflow.Context) (cases.LeadState, error) {
	var a *activities.Activities
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	if err := workflow.ExecuteLocalActivity(lctx, a.CasePolicy, "lead").Get(ctx, &l.policy); err != nil {
		return l.st, fmt.Errorf("lead %d policy: %w", l.in.LeadID, err)
	}
	if err := l.mu.Lock(ctx); err != nil {
		return l.st, err
	}
	err := l.intake(ctx)
	l.mu.Unlock()
	if err != nil {
		return l.st, err
	}
	for l.st.Status != cases.Closed {
		gen := l.gen
		next := l.nextEscalation()
		changed := func() bool { return l.gen != gen }
		if next.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return l.st, err
			}
			continue
		}
		wait := next.Sub(workflow.Now(ctx))
		if wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return l.st, err
			}
			if ok {
				continue // state changed: deadlines may have moved
			}
		}
		if err := l.mu.Lock(ctx); err != nil {
			return l.st, err
		}
		err := l.escalate(ctx)
		l.mu.Unlock()
		if err != nil {
			return l.st, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return l.st, err
	}
	return l.snapshot(), nil
}

// intake takes the first step: automatic dispatch (分流) to the project's
// town, or triage at the city when the project is unknown.
func (l *lead) intake(ctx workflow.Context) error {
	l.st.Major = l.policy.Major(l.in.WorkersClaimed, l.in.AmountClaimedFen)
	return l.step(ctx, "intake", l.in.By, "", func(ev *cases.Event) error {
		if l.in.TownCode == "" {
			l.st.Status = cases.Triage
			ev.Rule = "triage_unknown_project: 项目不明，转市级分流"
			l.openTask(ctx, cases.TaskTriage, cases.ActorCity, nil)
			return nil
		}
		ev.Rule = "auto_dispatch: 按项目所在镇街自动分流"
		return l.toTown(ctx, l.in.TownCode)
	})
}

// toTown sends the lead to town for acceptance.
func (l *lead) toTown(ctx workflow.Context, town string) error {
	l.st.Status = cases.Dispatched
	l.st.TownCode = town
	l.handle.Active = false
	l.rectify.Active = false
	return l.startDeadline(ctx, &l.accept, workflow.Now(ctx), l.policy.AcceptDays, true, func(due time.Time) {
		l.openTask(ctx, cases.TaskAccept, cases.ActorTown, &due)
	})
}

// party is who may take an action.
type party int

const (
	byCity         party = iota + 1 // a city supervisor
	byTown                          // an officer of the lead's town
	byEnterprise                    // the enterprise ordered to rectify, or the project's labour manager
	byWorkerOrTown                  // the lead's worker, or the town recording their answer
)

var partyName = map[party]string{byCity: "市级监管人员", byTown: "线索所在镇街的监察人员",
	byEnterprise: "被责令整改的企业或项目劳资专管员", byWorkerOrTown: "工人本人（或镇街监察人员代为记录）"}

// working are the statuses in which a town handles the lead.
var working = []cases.Status{cases.Dispatched, cases.Investigating, cases.Rectifying, cases.Verifying}

// actionRules say, per user action, who may take it and from which
// statuses (linkReport, intake's, has neither: any open lead).
var actionRules = map[string]struct {
	by   party
	from []cases.Status
}{
	ActDispatch:     {byCity, []cases.Status{cases.Triage}},
	ActTransfer:     {byCity, working},
	ActAccept:       {byTown, []cases.Status{cases.Dispatched}},
	ActReturn:       {byTown, []cases.Status{cases.Dispatched}},
	ActOrderRectify: {byTown, []cases.Status{cases.Investigating, cases.Rectifying}},
	ActSubmit:       {byEnterprise, []cases.Status{cases.Rectifying}},
	ActReject:       {byTown, []cases.Status{cases.Verifying}},
	ActReport:       {byTown, working[1:]},
	ActExtend:       {byTown, working[1:]},
	ActConfirm:      {byWorkerOrTown, []cases.Status{cases.Confirming}},
	ActDispute:      {byWorkerOrTown, []cases.Status{cases.Confirming}},
	ActApprove:      {byCity, []cases.Status{cases.Review}},
	ActSendBack:     {byCity, []cases.Status{cases.Review}},
	ActSupervise:    {byCity, working},
}

// is reports whether actor a is of party p on this lead.
func (l *lead) is(p party, a cases.Actor) bool {
	s := l.st
	town := a.Role == "town_officer" && a.TownCode != "" && a.TownCode == s.TownCode
	switch p {
	case byCity:
		return a.Role == "city_supervisor"
	case byTown:
		return town
	case byEnterprise:
		return (a.Role == "enterprise_user" && a.EnterpriseID != 0 && a.EnterpriseID == s.RectifyEnterpriseID) ||
			(a.Role == "project_manager" && a.ProjectID != 0 && a.ProjectID == s.ProjectID && s.RectifyEnterpriseID != 0)
	case byWorkerOrTown:
		return l.isWorker(a) || town
	}
	return false
}

func (l *lead) isWorker(a cases.Actor) bool {
	return a.Role == "worker" && a.WorkerID != 0 && a.WorkerID == l.st.WorkerID
}

// check is the validator: may in.Actor take action name now? It reads
// the state only. The actor is checked first, then the status, then the
// fields.
func (l *lead) check(name string, in ActionInput) *Refusal {
	s := l.st
	if s.Status == cases.Closed {
		return refuse(RefusedClosed, "", "线索已办结")
	}
	if s.Seq == 0 {
		return refuse(RefusedEarly, "", "线索正在受理，请稍后重试")
	}
	if rule, ok := actionRules[name]; ok {
		if !l.is(rule.by, in.Actor) {
			return refuse(RefusedActor, "", "只有"+partyName[rule.by]+"可以进行此操作")
		}
		if !slices.Contains(rule.from, s.Status) {
			return wrongState(s.Status)
		}
	}
	note := func(min int, what string) *Refusal {
		if len([]rune(in.Note)) < min {
			return refuse(RefusedInput, "note", "请填写"+what)
		}
		if len([]rune(in.Note)) > 2000 {
			return refuse(RefusedInput, "note", "说明不能超过2000字")
		}
		return nil
	}
	dueDays := func() *Refusal {
		if in.DueDays < 0 || in.DueDays > 365 {
			return refuse(RefusedInput, "due_days", "整改期限应为1至365个工作日")
		}
		return nil
	}
	switch name {
	case ActDispatch, ActTransfer:
		if in.TownCode == "" {
			return refuse(RefusedInput, "town_code", "请选择镇街")
		}
		if name == ActDispatch {
			return note(0, "")
		}
		if in.TownCode == s.TownCode {
			return refuse(RefusedInput, "town_code", "线索已在该镇街")
		}
		return note(2, "转办原因")
	case ActAccept, ActApprove:
		return note(0, "")
	case ActReturn, ActSendBack:
		return note(2, "退回原因")
	case ActOrderRectify:
		if in.EnterpriseID == 0 && l.in.ContractorID == 0 {
			return refuse(RefusedInput, "enterprise_id", "请指定责令整改的企业")
		}
		if r := dueDays(); r != nil {
			return r
		}
		return note(2, "整改要求")
	case ActSubmit:
		if len(in.EvidenceIDs) == 0 {
			return refuse(RefusedInput, "evidence_ids", "请上传整改凭证")
		}
		if in.AmountPaidFen == nil || *in.AmountPaidFen < 0 {
			return refuse(RefusedInput, "amount_paid_fen", "请填写已支付金额")
		}
		return note(0, "")
	case ActReject:
		if r := dueDays(); r != nil {
			return r
		}
		return note(2, "退回整改的原因")
	case ActReport:
		if !cases.ValidClosure(in.ClosureCode) {
			return refuse(RefusedInput, "closure_code", "请选择办结类型")
		}
		if in.ClosureCode.Paid() {
			if in.AmountRecoveredFen == nil || *in.AmountRecoveredFen <= 0 {
				return refuse(RefusedInput, "amount_recovered_fen", "请填写追回金额")
			}
			if in.WorkersCovered == nil || *in.WorkersCovered <= 0 {
				return refuse(RefusedInput, "workers_covered", "请填写涉及工人数")
			}
		}
		if in.AmountRecoveredFen != nil && *in.AmountRecoveredFen < 0 {
			return refuse(RefusedInput, "amount_recovered_fen", "金额不能为负数")
		}
		if in.WorkersCovered != nil && *in.WorkersCovered < 0 {
			return refuse(RefusedInput, "workers_covered", "人数不能为负数")
		}
		if in.ClosureCode == cases.PaidInPart || in.ClosureCode == cases.OtherClosure {
			return note(2, "协议或处理情况说明")
		}
		return note(2, "办理结果")
	case ActExtend:
		if s.Extended {
			return refuse(RefusedAgain, "", "办理期限只能延长一次")
		}
		if l.policy.ExtendDays == 0 {
			return refuse(RefusedAgain, "", "此类案件不能延期")
		}
		return note(2, "延期理由")
	case ActDispute:
		return note(2, "异议理由")
	case ActConfirm:
		if !l.isWorker(in.Actor) {
			return note(2, "代为确认的方式（如电话确认）")
		}
		return note(0, "")
	case ActSupervise:
		if in.Level != cases.Supervised && in.Level != cases.Listed {
			return refuse(RefusedInput, "level", "请选择督办或挂牌督办")
		}
		return note(2, "督办意见")
	case ActLinkReport:
		if in.Actor.AccountID == 0 {
			return refuse(RefusedActor, "", "缺少操作人")
		}
		if in.WorkersClaimed < 0 || in.AmountClaimedFen < 0 {
			return refuse(RefusedInput, "amount_claimed_fen", "金额和人数不能为负数")
		}
		return note(1, "补充的反映内容")
	}
	return refuse(RefusedInput, "action", "未知操作")
}

// act is the update handler: check again under the lock (another update
// may have run since the validator), apply, project, answer the state.
func (l *lead) act(ctx workflow.Context, name string, in ActionInput) (cases.LeadState, error) {
	if err := l.mu.Lock(ctx); err != nil {
		return cases.LeadState{}, err
	}
	defer l.mu.Unlock()
	if r := l.check(name, in); r != nil {
		return cases.LeadState{}, r.appErr()
	}
	err := l.step(ctx, name, in.Actor, in.Note, func(ev *cases.Event) error { return l.apply(ctx, name, in, ev) })
	if err != nil {
		return cases.LeadState{}, err
	}
	return l.snapshot(), nil
}

// apply changes the state for a checked action.
func (l *lead) apply(ctx workflow.Context, name string, in ActionInput, ev *cases.Event) error {
	now := workflow.Now(ctx)
	switch name {
	case ActDispatch, ActTransfer:
		// a rectification ordered by the previous town ends with it
		l.closeTasks(cases.ActorTown, cases.ActorCity, cases.ActorEnterprise)
		return l.toTown(ctx, in.TownCode)
	case ActAccept:
		l.accept.Active = false
		l.closeTasks(cases.ActorTown)
		l.st.Status = cases.Investigating
		return l.startDeadline(ctx, &l.handle, now, l.policy.HandleDays, true, func(due time.Time) {
			l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, &due)
		})
	case ActReturn:
		l.accept.Active = false
		l.closeTasks(cases.ActorTown)
		l.st.Status = cases.Triage
		l.st.TownCode = ""
		l.openTask(ctx, cases.TaskTriage, cases.ActorCity, nil)
	case ActOrderRectify, ActReject:
		if name == ActOrderRectify {
			l.st.RectifyEnterpriseID = in.EnterpriseID
			if in.EnterpriseID == 0 {
				l.st.RectifyEnterpriseID = l.in.ContractorID
			}
		}
		days := in.DueDays
		if days == 0 {
			days = l.policy.RectifyDays
		}
		l.closeTasks(cases.ActorTown, cases.ActorEnterprise)
		l.st.Status = cases.Rectifying
		return l.startDeadline(ctx, &l.rectify, now, days, false, func(due time.Time) {
			l.openTask(ctx, cases.TaskRectify, cases.ActorEnterprise, &due)
		})
	case ActSubmit:
		l.rectify.Active = false
		l.closeTasks(cases.ActorEnterprise, cases.ActorTown)
		l.st.Status = cases.Verifying
		paid := *in.AmountPaidFen
		l.st.AmountPaidFen = &paid
		l.openTask(ctx, cases.TaskVerify, cases.ActorTown, l.handleDue())
	case ActReport:
		l.handle.Active, l.rectify.Active = false, false
		l.closeTasks(cases.ActorTown, cases.ActorEnterprise)
		l.st.Status = cases.Confirming
		l.st.ClosureCode = in.ClosureCode
		l.st.AmountRecoveredFen = in.AmountRecoveredFen
		l.st.WorkersCovered = in.WorkersCovered
		l.st.ResultSummary = in.Note
		if in.WorkersCovered != nil && in.AmountRecoveredFen != nil && l.policy.Major(*in.WorkersCovered, *in.AmountRecoveredFen) {
			l.st.Major = true
		}
		if l.st.WorkerID == 0 {
			// nobody to ask: the result stands as reported
			ev.Rule = "no_worker_account: 无工人账户，无需确认"
			return l.confirmed(ctx)
		}
		return l.startDeadline(ctx, &l.confirm, now, l.policy.ConfirmDays, false, func(due time.Time) {
			l.openTask(ctx, cases.TaskConfirm, cases.ActorWorker, &due)
		})
	case ActExtend:
		l.st.Extended = true
		dl, err := l.count(ctx, activities.DeadlineInput{Extend: &l.handle.Deadline, Rule: cases.DeadlineRule{
			Days: l.policy.ExtendDays, RemindDays: l.policy.RemindDays, ListedAfter: l.policy.ListedAfterDays}})
		if err != nil {
			return err
		}
		l.handle.Deadline = dl
		l.handle.Reminded, l.handle.Overdue, l.handle.Listed = false, false, false
		l.st.HandleDue = timePtr(l.handle.Due)
		for i := range l.st.Tasks {
			if t := &l.st.Tasks[i]; t.Actor == cases.ActorTown {
				t.DueAt, t.RemindedAt, t.Overdue = timePtr(l.handle.Due), nil, false
			}
		}
	case ActConfirm:
		return l.confirmed(ctx)
	case ActDispute:
		l.confirm.Active = false
		l.closeTasks(cases.ActorWorker)
		l.st.Status = cases.Investigating
		l.st.Reopened++
		l.st.ClosureCode, l.st.AmountRecoveredFen, l.st.WorkersCovered, l.st.ResultSummary = "", nil, nil, ""
		l.handle.Active = true
		l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, l.handleDue())
	case ActApprove:
		l.close(ctx)
	case ActSendBack:
		l.closeTasks(cases.ActorCity)
		l.st.Status = cases.Investigating
		l.st.Reopened++
		l.handle.Active = true
		l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, l.handleDue())
	case ActSupervise:
		l.st.Tasks = slices.DeleteFunc(l.st.Tasks, func(t cases.Task) bool { return t.Kind == cases.TaskSupervise })
		if in.Level == cases.Listed || l.st.Supervision != cases.Listed {
			l.st.Supervision = in.Level
		}
	case ActLinkReport:
		l.st.LinkedReports++
		if l.policy.Major(l.in.WorkersClaimed+in.WorkersClaimed, l.in.AmountClaimedFen+in.AmountClaimedFen) {
			l.st.Major = true
		}
	}
	return nil
}

// confirmed: the worker agreed (or stayed silent); a major case goes to
// the city's review, any other closes.
func (l *lead) confirmed(ctx workflow.Context) error {
	l.confirm.Active = false
	l.closeTasks(cases.ActorWorker)
	if l.st.Major {
		l.st.Status = cases.Review
		l.openTask(ctx, cases.TaskReview, cases.ActorCity, nil)
		return nil
	}
	l.close(ctx)
	return nil
}

func (l *lead) close(ctx workflow.Context) {
	l.accept.Active, l.handle.Active, l.rectify.Active, l.confirm.Active = false, false, false, false
	l.st.Tasks = []cases.Task{}
	l.st.Status = cases.Closed
	now := workflow.Now(ctx)
	l.st.ClosedAt = &now
}

// step runs one step: apply changes the state, then the step is numbered,
// recorded as an event with what changed, and projected into Postgres.
func (l *lead) step(ctx workflow.Context, action string, actor cases.Actor, note string, apply func(ev *cases.Event) error) error {
	before := l.snapshot()
	ev := cases.Event{Action: action, Actor: actor, From: before.Status, Note: note}
	if err := apply(&ev); err != nil {
		return err
	}
	l.refreshOverdue()
	l.st.Seq++
	l.gen++
	ev.Seq = l.st.Seq
	ev.At = workflow.Now(ctx)
	ev.To = l.st.Status
	if ev.From == ev.To {
		ev.From = ""
	}
	after := l.snapshot()
	ev.Changes = cases.Diff(before, after)
	return l.project(ctx, cases.Projection{State: after, Event: ev})
}

func (l *lead) project(ctx workflow.Context, p cases.Projection) error {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// a projection takes milliseconds; a worker that died in one is
		// noticed after this long and the step retried elsewhere
		StartToCloseTimeout: 10 * time.Second,
		// never give up: a projection that cannot be written is an outage
		// to fix, not a step to lose
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	return workflow.ExecuteActivity(actx, a.ProjectLead, p).Get(ctx, nil)
}

// snapshot is a copy of the state safe to hand out.
func (l *lead) snapshot() cases.LeadState {
	s := l.st
	s.Tasks = append([]cases.Task{}, l.st.Tasks...)
	return s
}

// ---- tasks ----

func (l *lead) openTask(ctx workflow.Context, kind, actor string, due *time.Time) {
	t := cases.Task{Key: fmt.Sprintf("%s:%d", kind, l.st.Seq+1), Kind: kind, Actor: actor, OpenedSeq: l.st.Seq + 1,
		OpenedAt: workflow.Now(ctx), DueAt: due}
	switch actor {
	case cases.ActorTown:
		t.TownCode = l.st.TownCode
	case cases.ActorEnterprise:
		t.EnterpriseID, t.ProjectID = l.st.RectifyEnterpriseID, l.st.ProjectID
	case cases.ActorWorker:
		t.WorkerID = l.st.WorkerID
	}
	l.st.Tasks = append(l.st.Tasks, t)
}

// closeTasks closes the open tasks of these actors.
func (l *lead) closeTasks(actors ...string) {
	l.st.Tasks = slices.DeleteFunc(l.st.Tasks, func(t cases.Task) bool { return slices.Contains(actors, t.Actor) })
}

func (l *lead) hasTask(kind string) bool {
	return slices.ContainsFunc(l.st.Tasks, func(t cases.Task) bool { return t.Kind == kind })
}

// markOverdue flags the open tasks of actor as overdue.
func (l *lead) markOverdue(actor string) {
	for i := range l.st.Tasks {
		if t := &l.st.Tasks[i]; t.Actor == actor {
			t.Overdue = true
		}
	}
}

// ---- deadlines ----

// startDeadline counts days working days from from on the calendar
// (a local activity: the calendar is data) and arms d; ladder says
// whether it escalates to the city (accept, handle) or only reminds and
// marks overdue (rectify, confirm).
func (l *lead) startDeadline(ctx workflow.Context, d *deadline, from time.Time, days int, ladder bool, opened func(due time.Time)) error {
	rule := cases.DeadlineRule{Days: days, RemindDays: l.policy.RemindDays}
	if ladder {
		rule.ListedAfter = l.policy.ListedAfterDays
	}
	dl, err := l.count(ctx, activities.DeadlineInput{From: from, Rule: rule})
	if err != nil {
		return err
	}
	*d = deadline{Deadline: dl, Name: d.Name, Days: days, Active: true}
	due := dl.Due
	switch d.Name {
	case "accept":
		l.st.AcceptDue = &due
	case "handle":
		l.st.HandleDue = &due
	case "rectify":
		l.st.RectifyDue = &due
	case "confirm":
		l.st.ConfirmDue = &due
	}
	opened(due)
	return nil
}

func (l *lead) count(ctx workflow.Context, in activities.DeadlineInput) (cases.Deadline, error) {
	var a *activities.Activities
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	var dl cases.Deadline
	err := workflow.ExecuteLocalActivity(lctx, a.WorkingDeadline, in).Get(ctx, &dl)
	return dl, err
}

func (l *lead) handleDue() *time.Time {
	if l.handle.Due.IsZero() {
		return nil
	}
	return timePtr(l.handle.Due)
}

func timePtr(t time.Time) *time.Time { return &t }

// deadlines in their fixed order.
func (l *lead) deadlines() []*deadline {
	return []*deadline{&l.accept, &l.handle, &l.rectify, &l.confirm}
}

// nextEscalation is the earliest moment at which an active deadline has
// a rung left to climb (zero: none).
func (l *lead) nextEscalation() time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, d := range l.deadlines() {
		if !d.Active {
			continue
		}
		switch {
		case !d.Reminded && !d.RemindAt.IsZero():
			consider(d.RemindAt)
		case !d.Overdue:
			consider(d.Due)
		case !d.Listed && !d.ListedAt.IsZero() && l.st.Supervision != cases.Listed:
			consider(d.ListedAt)
		}
	}
	return next
}

// escalate climbs every rung whose time has come, one step each.
func (l *lead) escalate(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	for _, d := range l.deadlines() {
		if !d.Active {
			continue
		}
		if !d.Reminded && !d.RemindAt.IsZero() && !now.Before(d.RemindAt) {
			d.Reminded = true
			if err := l.step(ctx, "remind", cases.System, "", func(ev *cases.Event) error {
				ev.Rule = fmt.Sprintf("%s_remind: 期限届满前%d个工作日提醒", d.Name, l.policy.RemindDays)
				for i := range l.st.Tasks {
					if t := &l.st.Tasks[i]; t.DueAt != nil && t.DueAt.Equal(d.Due) && t.RemindedAt == nil {
						t.RemindedAt = timePtr(now)
					}
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if d.Active && !d.Overdue && !now.Before(d.Due) {
			d.Overdue = true
			if err := l.overdue(ctx, d); err != nil {
				return err
			}
		}
		if !d.Active || !d.Overdue || d.Listed || d.ListedAt.IsZero() || now.Before(d.ListedAt) {
			continue
		}
		d.Listed = true
		if l.st.Supervision == cases.Listed {
			continue
		}
		if err := l.step(ctx, "list", cases.System, "", func(ev *cases.Event) error {
			ev.Rule = fmt.Sprintf("%s_listed: 逾期%d个工作日仍未办结，挂牌督办", d.Name, l.policy.ListedAfterDays)
			l.st.Supervision = cases.Listed
			if !l.hasTask(cases.TaskSupervise) {
				l.openTask(ctx, cases.TaskSupervise, cases.ActorCity, nil)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// overdue is the step when deadline d ends unmet.
func (l *lead) overdue(ctx workflow.Context, d *deadline) error {
	switch d.Name {
	case "confirm":
		return l.step(ctx, ActConfirm, cases.System, "", func(ev *cases.Event) error {
			ev.Rule = fmt.Sprintf("confirm_silence: %d个工作日内未答复，视为确认", l.policy.ConfirmDays)
			return l.confirmed(ctx)
		})
	case "rectify":
		return l.step(ctx, "overdue", cases.System, "", func(ev *cases.Event) error {
			ev.Rule = fmt.Sprintf("rectify_overdue: 企业未在%d个工作日内完成整改", d.Days)
			l.markOverdue(cases.ActorEnterprise)
			// the town must act: enforce, refer, or order again
			l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, l.handleDue())
			return nil
		})
	}
	return l.step(ctx, "overdue", cases.System, "", func(ev *cases.Event) error {
		what := map[string]string{"accept": "签收", "handle": "办结"}[d.Name]
		ev.Rule = fmt.Sprintf("%s_overdue: 未在%d个工作日内%s，转市级督办", d.Name, d.Days, what)
		l.markOverdue(cases.ActorTown)
		if l.st.Supervision == cases.SupervisionNone {
			l.st.Supervision = cases.Supervised
		}
		if !l.hasTask(cases.TaskSupervise) {
			l.openTask(ctx, cases.TaskSupervise, cases.ActorCity, nil)
		}
		return nil
	})
}

// refreshOverdue: the lead is overdue while one of the town's running
// deadlines is past.
func (l *lead) refreshOverdue() {
	l.st.Overdue = (l.accept.Active && l.accept.Overdue) || (l.handle.Active && l.handle.Overdue)
}
