package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/registry"
)

// DispatchWorkflowPrefix begins the ID of every dispatch workflow.
const DispatchWorkflowPrefix = "dispatch:"

// DispatchInput starts the workflow of a dispatch the API has recorded.
type DispatchInput struct {
	DispatchID int64       `json:"dispatch_id"`
	By         cases.Actor `json:"by"`
	// Towns are the towns assigned, sorted and distinct.
	Towns []string `json:"towns"`
	// DueDays is each town's deadline to report, in working days.
	DueDays int   `json:"due_days"`
	LeadID  int64 `json:"lead_id,omitempty"`
}

// Dispatch actions: each is an Update of the dispatch workflow.
const (
	DispatchReport = "report"        // town: report back on its part (办理反馈)
	DispatchAccept = "acceptReport"  // city: accept a town's report
	DispatchReturn = "returnReport"  // city: return a town's report, with a new deadline
	DispatchCancel = "cancel"        // city: withdraw the dispatch
	DispatchRemind = "remindTownNow" // city: remind the towns that have not reported (催办)
)

// DispatchActionInput is the input of every dispatch Update.
type DispatchActionInput struct {
	Actor cases.Actor `json:"actor"`
	Note  string      `json:"note,omitempty"`
	// acceptReport, returnReport: the town whose report
	TownCode string `json:"town_code,omitempty"`
	// returnReport: the new deadline in working days (default the
	// dispatch's)
	DueDays int `json:"due_days,omitempty"`
	// report: evidence files uploaded for the town's report
	EvidenceIDs []int64 `json:"evidence_ids,omitempty"`
}

// dispatchAction is one entry of the dispatch's table of actions.
type dispatchAction struct {
	cases.ActionSpec
	check func(d *dispatch, in DispatchActionInput) *Refusal
	apply func(d *dispatch, ctx workflow.Context, in DispatchActionInput, ev *cases.DispatchEvent) error
}

var dispatchOpen = []cases.Status{cases.Status(cases.DispatchOpen)}

var dispatchActions = []dispatchAction{
	{ActionSpec: cases.ActionSpec{Name: DispatchReport, Label: "办理反馈", By: cases.ByTown, From: dispatchOpen,
		Fields: []string{"evidence_ids"}, NoteMin: 2, NoteWhat: "办理情况",
		Doc: "a town reports back on its part: what it did and found, with evidence files uploaded for its report"},
		check: checkDispatchReport, apply: (*dispatch).doReport},
	{ActionSpec: cases.ActionSpec{Name: DispatchAccept, Label: "审核通过", By: cases.ByCity, From: dispatchOpen,
		Fields: []string{"town_code"}, Required: []string{"town_code"},
		Doc: "accept a town's report; the dispatch closes when every town's report is accepted"},
		check: checkReported, apply: (*dispatch).doAccept},
	{ActionSpec: cases.ActionSpec{Name: DispatchReturn, Label: "退回重办", By: cases.ByCity, From: dispatchOpen,
		Fields: []string{"town_code", "due_days"}, Required: []string{"town_code"}, NoteMin: 2, NoteWhat: "退回原因",
		Doc: "return a town's report: the town works on it again within due_days working days (default the dispatch's)"},
		check: checkReturn, apply: (*dispatch).doReturn},
	{ActionSpec: cases.ActionSpec{Name: DispatchRemind, Label: "催办", By: cases.ByCity, From: dispatchOpen,
		NoteMin: 2, NoteWhat: "催办意见", Doc: "remind every town that has not reported yet (recorded on their tasks)"},
		check: checkSomeAssigned, apply: (*dispatch).doRemind},
	{ActionSpec: cases.ActionSpec{Name: DispatchCancel, Label: "撤销", By: cases.ByCity, From: dispatchOpen,
		NoteMin: 2, NoteWhat: "撤销原因", Doc: "withdraw the dispatch: every open part and task ends"},
		apply: (*dispatch).doCancel},
}

// DispatchActions is the dispatch's table of actions as the API and the
// documents read it.
func DispatchActions() cases.Actions {
	out := make(cases.Actions, len(dispatchActions))
	for i, a := range dispatchActions {
		out[i] = a.ActionSpec
	}
	return out
}

// Dispatch refusal codes (caseclient maps them by their suffix).
const (
	DispatchRefusedState  = "dispatch_wrong_state"
	DispatchRefusedActor  = "dispatch_not_actor"
	DispatchRefusedInput  = "dispatch_invalid_input"
	DispatchRefusedClosed = "dispatch_closed"
	DispatchRefusedEarly  = "dispatch_not_ready"
)

// PrecheckDispatch refuses an actor who may not take action a on a
// dispatch in status s with these parties, before any input is looked at
// (see PrecheckLead).
func PrecheckDispatch(a cases.ActionSpec, actor cases.Actor, s cases.DispatchStatus, on cases.Parties) *Refusal {
	switch {
	case s == cases.DispatchClosed || s == cases.DispatchCancelled:
		return refuse(DispatchRefusedClosed, "", "交办事项已"+registry.DispatchStatuses.Label(string(s)))
	case s == cases.DispatchReceived:
		return refuse(DispatchRefusedEarly, "", "交办事项正在登记，请稍后重试")
	case !a.By.Includes(actor, on):
		return refuse(DispatchRefusedActor, "", "只有"+dispatchPartyLabel(a.By)+"可以进行此操作")
	case !a.Allows(cases.Status(s)):
		return refuse(DispatchRefusedState, "", "交办事项当前状态（"+registry.DispatchStatuses.Label(string(s))+"）不能进行此操作")
	}
	return nil
}

func dispatchPartyLabel(p cases.Party) string {
	if p == cases.ByTown {
		return "承办镇街的监察人员"
	}
	return p.Label()
}

// part is one town's part with its running deadlines.
type part struct {
	due    deadline // the town's report
	review deadline // the city's answer to a report
	// the city's supervise task once the town's report is overdue
	// (dispatchSuperviseVersion)
	supervise deadline
}

// dispatch is the workflow's private state.
type dispatch struct {
	st        cases.DispatchState
	in        DispatchInput
	policy    cases.DispatchPolicy
	parts     []part // by index of st.Parts
	mu        workflow.Mutex
	gen       int
	projected int
	// failed ends the workflow: a signal's step could not be taken
	failed error
}

// DispatchWorkflow is the life of one dispatch (交办/督办): every town's
// part with its own deadline, reminder and overdue escalation to the
// city; reports the city accepts or returns; closed when every report is
// accepted. ID DispatchWorkflowID(id); actions are Updates (the table
// dispatchActions); StatusQuery answers cases.DispatchState.
func DispatchWorkflow(ctx workflow.Context, in DispatchInput) (cases.DispatchState, error) {
	d := &dispatch{in: in, policy: cases.DefaultDispatchPolicy, mu: workflow.NewMutex(ctx)}
	d.st = cases.DispatchState{DispatchID: in.DispatchID, Status: cases.DispatchReceived, LeadID: in.LeadID,
		Parts: []cases.DispatchPart{}, Tasks: []cases.Task{}}
	if err := d.setup(ctx); err != nil {
		return d.st, err
	}
	return d.run(ctx)
}

func (d *dispatch) setup(ctx workflow.Context) error {
	h := caseHandlers[cases.DispatchState, DispatchActionInput]{snapshot: d.snapshot,
		projected: func() bool { return d.projected > 0 }, check: d.check, act: d.act}
	if err := h.register(ctx, DispatchActions()); err != nil {
		return err
	}
	d.listenCalendar(ctx)
	return nil
}

func (d *dispatch) run(ctx workflow.Context) (cases.DispatchState, error) {
	if err := d.mu.Lock(ctx); err != nil {
		return d.st, err
	}
	err := d.step(ctx, "create", d.in.By, "", "", func(ev *cases.DispatchEvent) error {
		d.st.Status = cases.DispatchOpen
		ev.Rule = fmt.Sprintf("dispatch_assign: 交办%d个镇街，%d个工作日内反馈", len(d.in.Towns), d.in.DueDays)
		for _, town := range d.in.Towns {
			d.st.Parts = append(d.st.Parts, cases.DispatchPart{TownCode: town, Status: cases.PartAssigned})
			d.parts = append(d.parts, part{due: deadline{Name: "report"}, review: deadline{Name: "review"},
				supervise: deadline{Name: "supervise"}})
		}
		for i := range d.st.Parts {
			if err := d.assign(ctx, i, d.in.DueDays); err != nil {
				return err
			}
		}
		return nil
	})
	d.mu.Unlock()
	if err != nil {
		return d.st, err
	}
	for d.st.Status == cases.DispatchOpen {
		if d.failed != nil {
			return d.st, d.failed
		}
		gen := d.gen
		next := d.nextEscalation()
		changed := func() bool { return d.gen != gen }
		if next.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return d.st, err
			}
			continue
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return d.st, err
			}
			if ok {
				continue
			}
		}
		if err := d.mu.Lock(ctx); err != nil {
			return d.st, err
		}
		err := d.escalate(ctx)
		d.mu.Unlock()
		if err != nil {
			return d.st, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return d.st, err
	}
	return d.snapshot(), nil
}

// assign gives part i to its town with a deadline of days working days.
func (d *dispatch) assign(ctx workflow.Context, i, days int) error {
	p := &d.st.Parts[i]
	p.Status = cases.PartAssigned
	now := workflow.Now(ctx)
	dl, err := d.count(ctx, now, days)
	if err != nil {
		return err
	}
	d.parts[i].due = deadline{Deadline: dl, Name: "report", Days: days, From: now, Rule: d.rule(days), Active: true}
	d.parts[i].review.Active = false
	p.DueAt, p.RemindedAt, p.Overdue, p.ReviewDue = timePtr(dl.Due), nil, false, nil
	p.DueEstimated, p.ReviewDueEstimated = dl.Estimated(), false
	d.closeTasks(p.TownCode)
	d.openTask(ctx, cases.TaskDispatchReport, cases.ActorTown, p.TownCode, p.DueAt)
	d.st.Tasks[len(d.st.Tasks)-1].DueEstimated = dl.Estimated()
	return nil
}

func (d *dispatch) count(ctx workflow.Context, from time.Time, days int) (cases.Deadline, error) {
	var a *activities.Activities
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	var dl cases.Deadline
	err := workflow.ExecuteLocalActivity(lctx, a.WorkingDeadline, activities.DeadlineInput{From: from,
		Rule: d.rule(days)}).Get(ctx, &dl)
	return dl, err
}

// rule is the rule of a deadline of days working days.
func (d *dispatch) rule(days int) cases.DeadlineRule {
	return cases.DeadlineRule{Days: days, RemindDays: d.policy.RemindDays}
}

func (d *dispatch) parties() cases.Parties {
	return cases.Parties{Towns: d.st.Towns()}
}

func findDispatchAction(name string) (dispatchAction, bool) {
	i := slices.IndexFunc(dispatchActions, func(a dispatchAction) bool { return a.Name == name })
	if i < 0 {
		return dispatchAction{}, false
	}
	return dispatchActions[i], true
}

// check is the validator: PrecheckDispatch, then the input.
func (d *dispatch) check(name string, in DispatchActionInput) *Refusal {
	a, ok := findDispatchAction(name)
	if !ok {
		return refuse(DispatchRefusedInput, "action", "未知操作")
	}
	if r := PrecheckDispatch(a.ActionSpec, in.Actor, d.st.Status, d.parties()); r != nil {
		return r
	}
	if a.check != nil {
		if r := a.check(d, in); r != nil {
			return r
		}
	}
	switch n := len([]rune(in.Note)); {
	case n < a.NoteMin:
		return refuse(DispatchRefusedInput, "note", "请填写"+a.NoteWhat)
	case n > 4000:
		return refuse(DispatchRefusedInput, "note", "说明不能超过4000字")
	}
	return nil
}

func checkDispatchReport(d *dispatch, in DispatchActionInput) *Refusal {
	p, _ := d.st.Part(in.Actor.TownCode)
	if p.Status != cases.PartAssigned {
		return refuse(DispatchRefusedState, "", "本镇街已反馈（"+registry.DispatchTownStatuses.Label(string(p.Status))+"），无需重复反馈")
	}
	if len(in.EvidenceIDs) > 20 {
		return refuse(DispatchRefusedInput, "evidence_ids", "证明材料不能超过20份")
	}
	for _, id := range in.EvidenceIDs {
		if id <= 0 {
			return refuse(DispatchRefusedInput, "evidence_ids", "证明材料编号有误")
		}
	}
	return nil
}

// reportedPart is the part of in.TownCode, which must have reported.
func reportedPart(d *dispatch, in DispatchActionInput) (*cases.DispatchPart, *Refusal) {
	if in.TownCode == "" {
		return nil, refuse(DispatchRefusedInput, "town_code", "请选择镇街")
	}
	p, ok := d.st.Part(in.TownCode)
	if !ok {
		return nil, refuse(DispatchRefusedInput, "town_code", "该镇街不是本事项的承办镇街")
	}
	if p.Status != cases.PartReported {
		return nil, refuse(DispatchRefusedState, "", "该镇街尚无待审核的反馈（"+registry.DispatchTownStatuses.Label(string(p.Status))+"）")
	}
	return p, nil
}

func checkReported(d *dispatch, in DispatchActionInput) *Refusal {
	_, r := reportedPart(d, in)
	return r
}

func checkReturn(d *dispatch, in DispatchActionInput) *Refusal {
	if _, r := reportedPart(d, in); r != nil {
		return r
	}
	if in.DueDays < 0 || in.DueDays > 365 {
		return refuse(DispatchRefusedInput, "due_days", "期限应为1至365个工作日")
	}
	return nil
}

func checkSomeAssigned(d *dispatch, _ DispatchActionInput) *Refusal {
	if !slices.ContainsFunc(d.st.Parts, func(p cases.DispatchPart) bool { return p.Status == cases.PartAssigned }) {
		return refuse(DispatchRefusedState, "", "各镇街均已反馈，无需催办")
	}
	return nil
}

// act is the update handler: check again under the lock, apply, project.
func (d *dispatch) act(ctx workflow.Context, name string, in DispatchActionInput) (cases.DispatchState, error) {
	if err := d.mu.Lock(ctx); err != nil {
		return cases.DispatchState{}, err
	}
	defer d.mu.Unlock()
	if r := d.check(name, in); r != nil {
		return cases.DispatchState{}, r.appErr()
	}
	a, _ := findDispatchAction(name)
	town := in.TownCode
	if a.By == cases.ByTown {
		town = in.Actor.TownCode
	}
	err := d.step(ctx, name, in.Actor, in.Note, town, func(ev *cases.DispatchEvent) error { return a.apply(d, ctx, in, ev) })
	if err != nil {
		return cases.DispatchState{}, err
	}
	return d.snapshot(), nil
}

func (d *dispatch) index(town string) int {
	return slices.IndexFunc(d.st.Parts, func(p cases.DispatchPart) bool { return p.TownCode == town })
}

func (d *dispatch) doReport(ctx workflow.Context, in DispatchActionInput, _ *cases.DispatchEvent) error {
	i := d.index(in.Actor.TownCode)
	p := &d.st.Parts[i]
	now := workflow.Now(ctx)
	p.Status, p.Report, p.ReportedAt = cases.PartReported, in.Note, &now
	p.EvidenceIDs = nil // a report keeps the evidence it was submitted with
	if len(in.EvidenceIDs) > 0 {
		p.EvidenceIDs = append([]int64{}, in.EvidenceIDs...)
	}
	d.parts[i].due.Active = false
	d.closeTasks(p.TownCode)
	dl, err := d.count(ctx, now, d.policy.ReviewDays)
	if err != nil {
		return err
	}
	d.parts[i].review = deadline{Deadline: dl, Name: "review", Days: d.policy.ReviewDays, From: now,
		Rule: d.rule(d.policy.ReviewDays), Active: true}
	p.ReviewDue, p.ReviewDueEstimated = timePtr(dl.Due), dl.Estimated()
	d.openTask(ctx, cases.TaskDispatchReview, cases.ActorCity, p.TownCode, p.ReviewDue)
	d.st.Tasks[len(d.st.Tasks)-1].DueEstimated = dl.Estimated()
	return nil
}

func (d *dispatch) doAccept(ctx workflow.Context, in DispatchActionInput, ev *cases.DispatchEvent) error {
	i := d.index(in.TownCode)
	p := &d.st.Parts[i]
	now := workflow.Now(ctx)
	p.Status, p.AcceptedAt = cases.PartAccepted, &now
	d.parts[i].review.Active = false
	d.closeTasks(p.TownCode)
	if !slices.ContainsFunc(d.st.Parts, func(p cases.DispatchPart) bool { return p.Status != cases.PartAccepted }) {
		d.st.Status, d.st.ClosedAt = cases.DispatchClosed, &now
		d.st.Tasks = []cases.Task{}
		ev.Rule = "dispatch_closed: 各承办镇街的反馈均已通过审核，办结"
	}
	return nil
}

func (d *dispatch) doReturn(ctx workflow.Context, in DispatchActionInput, _ *cases.DispatchEvent) error {
	i := d.index(in.TownCode)
	days := in.DueDays
	if days == 0 {
		days = d.in.DueDays
	}
	d.st.Parts[i].Returned++
	return d.assign(ctx, i, days)
}

func (d *dispatch) doRemind(ctx workflow.Context, _ DispatchActionInput, _ *cases.DispatchEvent) error {
	now := workflow.Now(ctx)
	for i := range d.st.Tasks {
		if t := &d.st.Tasks[i]; t.Kind == cases.TaskDispatchReport {
			t.RemindedAt = &now
		}
	}
	for i := range d.st.Parts {
		if p := &d.st.Parts[i]; p.Status == cases.PartAssigned {
			p.RemindedAt = &now
		}
	}
	return nil
}

func (d *dispatch) doCancel(ctx workflow.Context, _ DispatchActionInput, _ *cases.DispatchEvent) error {
	now := workflow.Now(ctx)
	for i := range d.st.Parts {
		if p := &d.st.Parts[i]; p.Status != cases.PartAccepted {
			p.Status = cases.PartCancelled
		}
		d.parts[i].due.Active, d.parts[i].review.Active, d.parts[i].supervise.Active = false, false, false
	}
	d.st.Status, d.st.ClosedAt = cases.DispatchCancelled, &now
	d.st.Tasks = []cases.Task{}
	return nil
}

// ---- steps, tasks, projection ----

// step runs one step: apply, number it, record what changed, project.
func (d *dispatch) step(ctx workflow.Context, action string, actor cases.Actor, note, town string,
	apply func(ev *cases.DispatchEvent) error) error {
	before := d.snapshot()
	ev := cases.DispatchEvent{Event: cases.Event{Action: action, Actor: actor, From: cases.Status(before.Status), Note: note},
		TownCode: town}
	if err := apply(&ev); err != nil {
		return err
	}
	d.st.Seq++
	d.gen++
	ev.Seq = d.st.Seq
	ev.At = workflow.Now(ctx)
	ev.To = cases.Status(d.st.Status)
	if ev.From == ev.To {
		ev.From = ""
	}
	after := d.snapshot()
	ev.Changes = cases.Diff(before, after)
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	if err := workflow.ExecuteActivity(actx, a.ProjectDispatch, cases.DispatchProjection{State: after, Event: ev}).Get(ctx, nil); err != nil {
		return err
	}
	d.projected = after.Seq
	return nil
}

func (d *dispatch) snapshot() cases.DispatchState {
	s := d.st
	s.Parts = append([]cases.DispatchPart{}, d.st.Parts...)
	for i := range s.Parts {
		s.Parts[i].EvidenceIDs = slices.Clone(s.Parts[i].EvidenceIDs)
	}
	s.Tasks = append([]cases.Task{}, d.st.Tasks...)
	return s
}

// openTask opens a task of actor about town's part (key unique per
// dispatch: kind, town, the step that opens it).
func (d *dispatch) openTask(ctx workflow.Context, kind, actor, town string, due *time.Time) {
	seq := d.st.Seq + 1
	d.st.Tasks = append(d.st.Tasks, cases.Task{Key: fmt.Sprintf("%s:%s:%d", kind, town, seq), Kind: kind, Actor: actor,
		TownCode: town, OpenedSeq: seq, OpenedAt: workflow.Now(ctx), DueAt: due})
}

// closeTasks closes the open tasks about town's part; the city's
// supervise task about it closing ends its deadline.
func (d *dispatch) closeTasks(town string) {
	d.st.Tasks = slices.DeleteFunc(d.st.Tasks, func(t cases.Task) bool { return t.TownCode == town })
	if i := d.index(town); i >= 0 && i < len(d.parts) {
		d.parts[i].supervise.Active = false
	}
}

// ---- deadlines ----

func (d *dispatch) deadlines() []*deadline {
	var out []*deadline
	for i := range d.parts {
		out = append(out, &d.parts[i].due, &d.parts[i].review, &d.parts[i].supervise)
	}
	return out
}

func (d *dispatch) nextEscalation() time.Time {
	var next time.Time
	for _, dl := range d.deadlines() {
		if !dl.Active {
			continue
		}
		t := dl.Due
		if !dl.Reminded && !dl.RemindAt.IsZero() {
			t = dl.RemindAt
		} else if dl.Overdue {
			continue
		}
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	return next
}

// escalate climbs every rung whose time has come: a reminder, then
// overdue — a town's part overdue gives the city a supervise task about
// it (with its own deadline: openSupervise); a city review or supervise
// task overdue is marked (the city is the top: nothing escalates further).
func (d *dispatch) escalate(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	for i := range d.parts {
		town := d.st.Parts[i].TownCode
		for _, dl := range []*deadline{&d.parts[i].due, &d.parts[i].review, &d.parts[i].supervise} {
			if !dl.Active {
				continue
			}
			if !dl.Reminded && !dl.RemindAt.IsZero() && !now.Before(dl.RemindAt) {
				dl.Reminded = true
				if err := d.step(ctx, "remind", cases.System, "", town, func(ev *cases.DispatchEvent) error {
					ev.Rule = fmt.Sprintf("dispatch_%s_remind: 期限届满前%d个工作日提醒", dl.Name, d.policy.RemindDays)
					d.markDue(town, dl, func(t *cases.Task) { t.RemindedAt = timePtr(now) })
					if dl.Name == "report" {
						d.st.Parts[i].RemindedAt = timePtr(now)
					}
					return nil
				}); err != nil {
					return err
				}
			}
			if dl.Overdue || now.Before(dl.Due) {
				continue
			}
			dl.Overdue = true
			err := d.step(ctx, "overdue", cases.System, "", town, func(ev *cases.DispatchEvent) error {
				d.markDue(town, dl, func(t *cases.Task) { t.Overdue = true })
				switch dl.Name {
				case "review":
					ev.Rule = fmt.Sprintf("dispatch_review_overdue: 市级未在%d个工作日内审核反馈", dl.Days)
					return nil
				case "supervise":
					ev.Rule = fmt.Sprintf("dispatch_supervise_overdue: 市级未在%d个工作日内督办逾期未反馈的镇街", dl.Days)
					return nil
				}
				ev.Rule = fmt.Sprintf("dispatch_report_overdue: 镇街未在%d个工作日内反馈，转市级督办", dl.Days)
				d.st.Parts[i].Overdue = true
				return d.openSupervise(ctx, i)
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (d *dispatch) markTasks(town string, f func(t *cases.Task)) {
	for i := range d.st.Tasks {
		if t := &d.st.Tasks[i]; t.TownCode == town {
			f(t)
		}
	}
}

// markDue applies f to the tasks about town's part due with deadline dl:
// the city's supervise task for its deadline; every task of the part for
// the others (the town's report, the city's review: each alone then).
func (d *dispatch) markDue(town string, dl *deadline, f func(t *cases.Task)) {
	d.markTasks(town, func(t *cases.Task) {
		if dl.Name != "supervise" || t.Kind == cases.TaskSupervise {
			f(t)
		}
	})
}

// dispatchSuperviseVersion is the GetVersion change ID of the deadline of
// the city's supervise task on a dispatch (issue 10: every city task has
// a deadline). Before it, the task opened with no due date; counting one
// is a local activity more in the history. It is asked when a town's
// report goes overdue, and fixed for the run once asked: a run that
// opened a supervise task on the code before keeps opening them without
// a due date.
const dispatchSuperviseVersion = "dispatch-supervise-deadline"

// openSupervise gives the city its supervise task (督办) about part i,
// whose report is overdue: due in policy.SuperviseDays working days,
// reminded policy.RemindDays before, marked overdue when it passes. The
// deadline ends when the task closes (closeTasks: the town's late report;
// the dispatch's cancellation).
func (d *dispatch) openSupervise(ctx workflow.Context, i int) error {
	town := d.st.Parts[i].TownCode
	if workflow.GetVersion(ctx, dispatchSuperviseVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		d.openTask(ctx, cases.TaskSupervise, cases.ActorCity, town, nil)
		return nil
	}
	now := workflow.Now(ctx)
	days := d.policy.SuperviseDays
	dl, err := d.count(ctx, now, days)
	if err != nil {
		return err
	}
	d.parts[i].supervise = deadline{Deadline: dl, Name: "supervise", Days: days, From: now, Rule: d.rule(days), Active: true}
	d.openTask(ctx, cases.TaskSupervise, cases.ActorCity, town, timePtr(dl.Due))
	d.st.Tasks[len(d.st.Tasks)-1].DueEstimated = dl.Estimated()
	return nil
}
