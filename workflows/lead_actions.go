package workflows

import (
	"slices"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
)

// The lead's table of actions: one entry per action, with who may take
// it and from which statuses (cases.ActionSpec), the check of its input
// beyond that, and its effect. The workflow registers one Update per
// entry and validates with it; the API offers the entries that are not
// internal (route, OpenAPI enum, refusal of a wrong actor before any
// input is looked at) and docs/API.md's table of lead actions is made
// from it (TestLeadActionsDocumented). A new action is one entry.

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
	ActUnreachable  = "recordUnreachable"  // town: a claimant's call-back reached nobody
	ActMerge        = "merge"              // town: merge another lead of the project into this one (并案)
)

// UpdateStarted is the Update that answers a lead's state once its first
// step (dispatch or triage) is projected: the API starts a lead with it
// (Update-with-Start), so the answer and a read right after show that
// step. It changes nothing and is refused by nobody.
const UpdateStarted = "started"

// leadAction is one entry of the lead's table.
type leadAction struct {
	cases.ActionSpec
	// check refuses wrong input (after the actor and the status passed);
	// nil: nothing beyond the note.
	check func(l *lead, in ActionInput) *Refusal
	// note overrides the spec's NoteMin and NoteWhat for this input.
	note func(l *lead, in ActionInput) (min int, what string)
	// apply is the effect on the state of a checked action.
	apply func(l *lead, ctx workflow.Context, in ActionInput, ev *cases.Event) error
}

// working are the statuses in which a town handles the lead.
var working = []cases.Status{cases.Dispatched, cases.Investigating, cases.Rectifying, cases.Verifying}

// handling are working without dispatched: the lead was accepted.
var handling = working[1:]

var leadActions = []leadAction{
	{ActionSpec: cases.ActionSpec{Name: ActDispatch, Label: "分流交办", By: cases.ByCity, From: []cases.Status{cases.Triage},
		Fields: []string{"town_code"}, Required: []string{"town_code"},
		Doc: "send a lead at triage to a town"},
		check: needTown, apply: (*lead).doDispatch},
	{ActionSpec: cases.ActionSpec{Name: ActTransfer, Label: "转办", By: cases.ByCity, From: working,
		Fields: []string{"town_code"}, Required: []string{"town_code"}, NoteMin: 2, NoteWhat: "转办原因",
		Doc: "move a lead to another town (open work of the previous town ends)"},
		check: checkTransfer, apply: (*lead).doDispatch},
	{ActionSpec: cases.ActionSpec{Name: ActAccept, Label: "签收", By: cases.ByTown, From: []cases.Status{cases.Dispatched},
		Doc: "accept the lead (签收): the handling deadline starts"},
		apply: (*lead).doAccept},
	{ActionSpec: cases.ActionSpec{Name: ActReturn, Label: "退回", By: cases.ByTown, From: []cases.Status{cases.Dispatched},
		NoteMin: 2, NoteWhat: "退回原因", Doc: "return the lead to the city as outside the town's jurisdiction"},
		apply: (*lead).doReturn},
	{ActionSpec: cases.ActionSpec{Name: ActOrderRectify, Label: "责令整改", By: cases.ByTown,
		From: []cases.Status{cases.Investigating, cases.Rectifying}, Fields: []string{"enterprise_id", "due_days"},
		NoteMin: 2, NoteWhat: "整改要求",
		Doc: "order an enterprise of the project (default the general contractor) to rectify within due_days working days"},
		check: checkOrderRectify, apply: (*lead).doOrderRectify},
	{ActionSpec: cases.ActionSpec{Name: ActSubmit, Label: "提交整改凭证", By: cases.ByEnterprise, From: []cases.Status{cases.Rectifying},
		Fields: []string{"evidence_ids", "amount_paid_fen"}, Required: []string{"evidence_ids", "amount_paid_fen"},
		Doc: "submit the rectification evidence (completed uploads of this lead) and the amount paid"},
		check: checkSubmit, apply: (*lead).doSubmit},
	{ActionSpec: cases.ActionSpec{Name: ActReject, Label: "退回整改", By: cases.ByTown, From: []cases.Status{cases.Verifying},
		Fields: []string{"due_days"}, NoteMin: 2, NoteWhat: "退回整改的原因",
		Doc: "evidence insufficient: the enterprise rectifies again within due_days working days"},
		check: checkDueDays, apply: (*lead).doOrderRectify},
	{ActionSpec: cases.ActionSpec{Name: ActReport, Label: "办结反馈", By: cases.ByTown, From: handling,
		Fields:   []string{"closure_code", "claimant_amounts", "over_claim_reason", "amount_recovered_fen", "workers_covered"},
		Required: []string{"closure_code"}, NoteMin: 2, NoteWhat: "办理结果",
		Doc: "report the result with a closure code; paid codes need claimant_amounts (every claimant's amount recovered: " +
			"their sum is the amount recovered, the lines above 0 the workers covered — amount_recovered_fen and " +
			"workers_covered, if given, must equal them; a line above its claim needs over_claim_reason; the sum may " +
			"not be below what the enterprise said it paid; paid_in_full needs every line paid in full). Leads " +
			"recorded before claimants take amount_recovered_fen and workers_covered instead. The claimants not yet " +
			"confirmed are asked: in the app, or by the town's call-back (回访) for those without it"},
		check: checkReport, note: reportNote, apply: (*lead).doReport},
	{ActionSpec: cases.ActionSpec{Name: ActExtend, Label: "延期", By: cases.ByTown, From: handling, NoteMin: 2, NoteWhat: "延期理由",
		Doc: "extend the handling deadline once, by the policy's extension in working days"},
		check: checkExtend, apply: (*lead).doExtend},
	{ActionSpec: cases.ActionSpec{Name: ActConfirm, Label: "确认结果", By: cases.ByWorkerOrTown, From: []cases.Status{cases.Confirming},
		Fields: []string{"claimant_id"}, NoteWhat: "代为确认的方式（如电话确认）",
		Doc: "confirm the reported result for one claimant: a worker their own line, the town (saying how in the note) " +
			"the line claimant_id (needed when more than one line is open); once every line is confirmed or unreachable " +
			"the lead closes, or a major case goes to the city's review"},
		check: checkClaimantLine, note: confirmNote, apply: (*lead).doConfirm},
	{ActionSpec: cases.ActionSpec{Name: ActDispute, Label: "提出异议", By: cases.ByWorkerOrTown, From: []cases.Status{cases.Confirming},
		Fields: []string{"claimant_id"}, NoteMin: 2, NoteWhat: "异议理由",
		Doc: "dispute the reported result for one claimant (as confirm): the lead is reopened at the town; the lines " +
			"confirmed stay confirmed"},
		check: checkClaimantLine, apply: (*lead).doDispute},
	{ActionSpec: cases.ActionSpec{Name: ActUnreachable, Label: "记录回访未联系上", By: cases.ByTown, From: []cases.Status{cases.Confirming},
		Fields: []string{"claimant_id"}, Required: []string{"claimant_id"}, NoteMin: 2, NoteWhat: "回访情况（时间、方式、结果）",
		Doc: "record that the call-back (回访) of claimant_id reached nobody: the line no longer holds the lead up"},
		check: checkUnreachable, apply: (*lead).doUnreachable},
	{ActionSpec: cases.ActionSpec{Name: ActMerge, Label: "并案", By: cases.ByTown, From: working,
		Fields: []string{"lead_id"}, Required: []string{"lead_id"},
		Doc: "merge lead lead_id (the town's own, same project, still being handled) into this one: its claimants move " +
			"here and it closes as merged (已并案)"},
		check: checkMerge, apply: (*lead).doMerge},
	{ActionSpec: cases.ActionSpec{Name: ActApprove, Label: "审核通过", By: cases.ByCity, From: []cases.Status{cases.Review},
		Doc: "approve a major case's closure"},
		apply: (*lead).doApprove},
	{ActionSpec: cases.ActionSpec{Name: ActSendBack, Label: "审核退回", By: cases.ByCity, From: []cases.Status{cases.Review},
		NoteMin: 2, NoteWhat: "退回原因", Doc: "send a major case back to the town"},
		apply: (*lead).doSendBack},
	{ActionSpec: cases.ActionSpec{Name: ActSupervise, Label: "督办", By: cases.ByCity, From: working,
		Fields: []string{"level", "due_days"}, Required: []string{"level"}, NoteMin: 2, NoteWhat: "督办意见",
		Doc: "supervise (督办, level supervised) or list (挂牌督办, level listed) the lead: a dispatch to the lead's town " +
			"with the note as instructions, due in due_days working days (default 5), unless one is open; recorded and " +
			"started by the step itself (the answer lists it in dispatches)"},
		check: checkSupervise, apply: (*lead).doSupervise},
	{ActionSpec: cases.ActionSpec{Name: ActLinkReport, Label: "补充反映", By: cases.ByIntake, Internal: true,
		Fields: []string{"amount_claimed_fen", "workers_claimed"}, NoteMin: 1, NoteWhat: "补充的反映内容",
		Doc: "another report of the same worker against the same project, added to the open lead"},
		check: checkLinkLines, apply: (*lead).doLink},
}

// LeadActions is the lead's table of actions as the API and the documents
// read it.
func LeadActions() cases.Actions {
	out := make(cases.Actions, len(leadActions))
	for i, a := range leadActions {
		out[i] = a.ActionSpec
	}
	return out
}

func findLeadAction(name string) (leadAction, bool) {
	i := slices.IndexFunc(leadActions, func(a leadAction) bool { return a.Name == name })
	if i < 0 {
		return leadAction{}, false
	}
	return leadActions[i], true
}

// parties is who the lead is with now.
func (l *lead) parties() cases.Parties {
	return cases.Parties{TownCode: l.st.TownCode, EnterpriseID: l.st.RectifyEnterpriseID, ProjectID: l.st.ProjectID,
		WorkerID: l.st.WorkerID, WorkerIDs: cases.ClaimantWorkers(l.st.Claimants)}
}

// PrecheckLead refuses an actor who may not take action a on a lead in
// status s with these parties, before any input is looked at: the lead is
// closed or not yet started, the actor is not the party the action
// needs, or the status does not allow it. The workflow's validator runs
// it first; the API runs it on the projected row before reading the
// request's body, so a caller who may not act learns nothing from their
// input's faults.
func PrecheckLead(a cases.ActionSpec, actor cases.Actor, s cases.Status, on cases.Parties) *Refusal {
	switch {
	case s == cases.Closed:
		return refuse(RefusedClosed, "", "线索已办结")
	case s == cases.Received:
		return refuse(RefusedEarly, "", "线索正在受理，请稍后重试")
	case !a.By.Includes(actor, on):
		return refuse(RefusedActor, "", "只有"+a.By.Label()+"可以进行此操作")
	case !a.Allows(s):
		return wrongState(s)
	}
	return nil
}

// check is the validator: may in.Actor take action name now? It reads
// the state only: PrecheckLead, then the input.
func (l *lead) check(name string, in ActionInput) *Refusal {
	a, ok := findLeadAction(name)
	if !ok {
		return refuse(RefusedInput, "action", "未知操作")
	}
	if r := PrecheckLead(a.ActionSpec, in.Actor, l.st.Status, l.parties()); r != nil {
		return r
	}
	if a.check != nil {
		if r := a.check(l, in); r != nil {
			return r
		}
	}
	min, what := a.NoteMin, a.NoteWhat
	if a.note != nil {
		min, what = a.note(l, in)
	}
	switch n := len([]rune(in.Note)); {
	case n < min:
		return refuse(RefusedInput, "note", "请填写"+what)
	case n > 2000:
		return refuse(RefusedInput, "note", "说明不能超过2000字")
	}
	return nil
}

// ---- input checks ----

func needTown(_ *lead, in ActionInput) *Refusal {
	if in.TownCode == "" {
		return refuse(RefusedInput, "town_code", "请选择镇街")
	}
	return nil
}

func checkTransfer(l *lead, in ActionInput) *Refusal {
	if r := needTown(l, in); r != nil {
		return r
	}
	if in.TownCode == l.st.TownCode {
		return refuse(RefusedInput, "town_code", "线索已在该镇街")
	}
	return nil
}

func checkDueDays(_ *lead, in ActionInput) *Refusal {
	if in.DueDays < 0 || in.DueDays > 365 {
		return refuse(RefusedInput, "due_days", "整改期限应为1至365个工作日")
	}
	return nil
}

func checkOrderRectify(l *lead, in ActionInput) *Refusal {
	if in.EnterpriseID == 0 && l.in.ContractorID == 0 {
		return refuse(RefusedInput, "enterprise_id", "请指定责令整改的企业")
	}
	return checkDueDays(l, in)
}

func checkSubmit(_ *lead, in ActionInput) *Refusal {
	if len(in.EvidenceIDs) == 0 {
		return refuse(RefusedInput, "evidence_ids", "请上传整改凭证")
	}
	if in.AmountPaidFen == nil || *in.AmountPaidFen < 0 {
		return refuse(RefusedInput, "amount_paid_fen", "请填写已支付金额")
	}
	return nil
}

func checkReport(l *lead, in ActionInput) *Refusal {
	if !cases.ValidClosure(in.ClosureCode) {
		return refuse(RefusedInput, "closure_code", "请选择办结类型")
	}
	if l.lines {
		return l.checkAmounts(in)
	}
	if len(in.ClaimantAmounts) > 0 || in.OverClaimReason != "" {
		return refuse(RefusedInput, "claimant_amounts", "此线索没有工人明细，请填写追回金额和涉及工人数")
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
	return nil
}

func reportNote(_ *lead, in ActionInput) (int, string) {
	if in.ClosureCode == cases.PaidInPart || in.ClosureCode == cases.OtherClosure {
		return 2, "协议或处理情况说明"
	}
	return 2, "办理结果"
}

func checkExtend(l *lead, _ ActionInput) *Refusal {
	if l.st.Extended {
		return refuse(RefusedAgain, "", "办理期限只能延长一次")
	}
	if l.policy.ExtendDays == 0 {
		return refuse(RefusedAgain, "", "此类案件不能延期")
	}
	return nil
}

// confirmNote: the worker confirms without a word; a town recording the
// worker's answer says how it got it.
func confirmNote(l *lead, in ActionInput) (int, string) {
	if cases.ByWorker.Includes(in.Actor, l.parties()) {
		return 0, ""
	}
	return 2, "代为确认的方式（如电话确认）"
}

func checkSupervise(_ *lead, in ActionInput) *Refusal {
	if in.Level != cases.Supervised && in.Level != cases.Listed {
		return refuse(RefusedInput, "level", "请选择督办或挂牌督办")
	}
	// the dispatch it becomes takes these (dispatches' checks)
	if in.DueDays < 0 || in.DueDays > 365 {
		return refuse(RefusedInput, "due_days", "期限应为1至365个工作日")
	}
	if utf8.RuneCountInString(in.Note) > 4000 {
		return refuse(RefusedInput, "note", "督办意见不能超过4000字")
	}
	return nil
}

func checkLink(_ *lead, in ActionInput) *Refusal {
	if in.WorkersClaimed < 0 || in.AmountClaimedFen < 0 {
		return refuse(RefusedInput, "amount_claimed_fen", "金额和人数不能为负数")
	}
	return nil
}

// ---- effects ----

// doDispatch sends the lead to a town (dispatch, transfer); a
// rectification ordered by the previous town ends with it.
func (l *lead) doDispatch(ctx workflow.Context, in ActionInput, _ *cases.Event) error {
	l.closeTasks(cases.ActorTown, cases.ActorCity, cases.ActorEnterprise)
	return l.toTown(ctx, in.TownCode)
}

func (l *lead) doAccept(ctx workflow.Context, _ ActionInput, _ *cases.Event) error {
	l.accept.Active = false
	l.closeTasks(cases.ActorTown)
	l.st.Status = cases.Investigating
	return l.startDeadline(ctx, &l.handle, workflow.Now(ctx), l.policy.HandleDays, true, func(due time.Time) {
		l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, &due)
	})
}

func (l *lead) doReturn(ctx workflow.Context, _ ActionInput, _ *cases.Event) error {
	l.accept.Active = false
	l.closeTasks(cases.ActorTown)
	l.st.Status = cases.Triage
	l.st.TownCode = ""
	return l.openCityTask(ctx, cases.TaskTriage)
}

// doOrderRectify orders rectification (orderRectification names the
// enterprise; rejectEvidence orders the same one again).
func (l *lead) doOrderRectify(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	if ev.Action == ActOrderRectify {
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
	return l.startDeadline(ctx, &l.rectify, workflow.Now(ctx), days, false, func(due time.Time) {
		l.openTask(ctx, cases.TaskRectify, cases.ActorEnterprise, &due)
	})
}

func (l *lead) doSubmit(ctx workflow.Context, in ActionInput, _ *cases.Event) error {
	l.rectify.Active = false
	l.closeTasks(cases.ActorEnterprise, cases.ActorTown)
	l.st.Status = cases.Verifying
	paid := *in.AmountPaidFen
	l.st.AmountPaidFen = &paid
	l.openTask(ctx, cases.TaskVerify, cases.ActorTown, l.handleDue())
	return nil
}

func (l *lead) doReport(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	if l.lines {
		return l.reportLines(ctx, in, ev)
	}
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
	return l.startDeadline(ctx, &l.confirm, workflow.Now(ctx), l.policy.ConfirmDays, false, func(due time.Time) {
		l.openTask(ctx, cases.TaskConfirm, cases.ActorWorker, &due)
	})
}

func (l *lead) doExtend(ctx workflow.Context, _ ActionInput, _ *cases.Event) error {
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
	return nil
}

func (l *lead) doConfirm(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	if l.lines {
		return l.lineAnswered(ctx, in, cases.ClaimantConfirmed, ev)
	}
	return l.confirmed(ctx)
}

func (l *lead) doDispute(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	if l.lines {
		l.lineOf(in).Status = cases.ClaimantDisputed
		l.dropKind(cases.TaskCallback)
	}
	l.confirm.Active = false
	l.closeTasks(cases.ActorWorker)
	l.st.Status = cases.Investigating
	l.st.Reopened++
	l.st.ClosureCode, l.st.AmountRecoveredFen, l.st.WorkersCovered, l.st.ResultSummary = "", nil, nil, ""
	l.handle.Active = true
	l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, l.handleDue())
	return nil
}

func (l *lead) doApprove(ctx workflow.Context, _ ActionInput, _ *cases.Event) error {
	l.close(ctx)
	return nil
}

func (l *lead) doSendBack(ctx workflow.Context, _ ActionInput, _ *cases.Event) error {
	// the result the claimants confirmed is sent back: the next one is
	// asked of every line again
	l.reopenLines(true)
	l.closeTasks(cases.ActorCity)
	l.st.Status = cases.Investigating
	l.st.Reopened++
	l.handle.Active = true
	l.openTask(ctx, cases.TaskInvestigate, cases.ActorTown, l.handleDue())
	return nil
}

// superviseDispatchVersion is the GetVersion change ID of the dispatch a
// supervision becomes. Before it, the API recorded the dispatch after the
// step (not atomic: a failure in between left the lead supervised with no
// dispatch); from it, the step records it through an activity
// (RecordLeadDispatch) before the step is projected and answered. The
// version is asked at each supervise step, so a step that runs on this
// code takes the new path whatever code the run started on; only the
// replay of a step taken before (no marker in its history) skips it.
const superviseDispatchVersion = "supervise-dispatch"

func (l *lead) doSupervise(ctx workflow.Context, in ActionInput, _ *cases.Event) error {
	l.st.Tasks = slices.DeleteFunc(l.st.Tasks, func(t cases.Task) bool { return t.Kind == cases.TaskSupervise })
	if in.Level == cases.Listed || l.st.Supervision != cases.Listed {
		l.st.Supervision = in.Level
	}
	if workflow.GetVersion(ctx, superviseDispatchVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion ||
		l.st.TownCode == "" {
		return nil
	}
	return l.superviseDispatch(ctx, in)
}

// superviseDispatch makes the supervision a dispatch to the lead's town
// linked to the lead, with the note as the instructions (the activity
// RecordLeadDispatch: recorded once per step, started; none while one of
// the lead is open). Like a projection it is retried until it succeeds:
// the step is not taken without its dispatch.
func (l *lead) superviseDispatch(ctx workflow.Context, in ActionInput) error {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// a record and a start that waits for the dispatch's first step
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	var id int64
	err := workflow.ExecuteActivity(actx, a.RecordLeadDispatch, activities.LeadDispatchInput{LeadID: l.in.LeadID,
		LeadSeq: l.st.Seq + 1, TownCode: l.st.TownCode, Note: in.Note, DueDays: in.DueDays, Level: string(in.Level),
		By: in.Actor}).Get(ctx, &id)
	if err != nil {
		return err
	}
	if id != 0 {
		l.st.SupervisionDispatchID = id
	}
	return nil
}

func (l *lead) doLink(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	if l.lines {
		return l.linkLine(ctx, in, ev)
	}
	l.st.LinkedReports++
	if l.policy.Major(l.in.WorkersClaimed+in.WorkersClaimed, l.in.AmountClaimedFen+in.AmountClaimedFen) {
		l.st.Major = true
	}
	return nil
}
