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

// WarningWorkflowPrefix begins the ID of every warning workflow.
const WarningWorkflowPrefix = "warning:"

// WarningInput starts the workflow of a warning the scan has recorded.
type WarningInput struct {
	WarningID int64       `json:"warning_id"`
	By        cases.Actor `json:"by"`
	// Rule is the rule code that raised it, Level its level.
	Rule  string `json:"rule"`
	Level string `json:"level"`
	// ProjectID is the subject's project (0: an enterprise subject);
	// EnterpriseID the enterprise to answer (0: none, the town handles
	// the warning from the start); TownCode the town that verifies.
	ProjectID    int64  `json:"project_id,omitempty"`
	EnterpriseID int64  `json:"enterprise_id,omitempty"`
	TownCode     string `json:"town_code,omitempty"`
	// AtCity starts the warning with the city (a red warning of group
	// arrears).
	AtCity bool `json:"at_city,omitempty"`
}

// Warning actions: each is an Update of the warning workflow.
const (
	WarningAnswer  = "answer"        // enterprise: explain and rectify (整改说明)
	WarningAccept  = "acceptAnswer"  // town: accept the answer, closing the warning
	WarningReject  = "rejectAnswer"  // town: reject the answer and handle the warning itself
	WarningClose   = "close"         // town (city once escalated to it): close with a resolution
	WarningConvert = "convertToLead" // town (city once escalated): close as an arrears lead
	WarningRaise   = "raiseLevel"    // the scan: the condition persists, the level rises
	WarningResolve = "resolve"       // the scan: the condition cleared
)

// WarningActionInput is the input of every warning Update.
type WarningActionInput struct {
	Actor cases.Actor `json:"actor"`
	Note  string      `json:"note,omitempty"`
	// answer: evidence files uploaded with the answer
	EvidenceIDs []int64 `json:"evidence_ids,omitempty"`
	// convertToLead: the lead the API created
	LeadID int64 `json:"lead_id,omitempty"`
	// raiseLevel: the new level, higher than the warning's
	Level string `json:"level,omitempty"`
}

// warningAction is one entry of the warning's table of actions.
type warningAction struct {
	cases.ActionSpec
	// cityOnceEscalated: the city takes it instead of the town once the
	// warning is escalated to the city.
	cityOnceEscalated bool
	check             func(w *warning, in WarningActionInput) *Refusal
	apply             func(w *warning, ctx workflow.Context, in WarningActionInput, ev *cases.Event) error
}

func warningFrom(s ...cases.WarningStatus) []cases.Status {
	out := make([]cases.Status, len(s))
	for i, x := range s {
		out[i] = cases.Status(x)
	}
	return out
}

var warningActions = []warningAction{
	{ActionSpec: cases.ActionSpec{Name: WarningAnswer, Label: "整改说明", By: cases.ByEnterprise,
		From: warningFrom(cases.WarningAnswering), Fields: []string{"evidence_ids"}, NoteMin: 2, NoteWhat: "整改说明",
		Doc: "the warned enterprise (or the project's labour manager) explains what it did, with evidence; its town verifies"},
		check: checkWarningEvidence, apply: (*warning).doAnswer},
	{ActionSpec: cases.ActionSpec{Name: WarningAccept, Label: "核实通过", By: cases.ByTown,
		From: warningFrom(cases.WarningVerifying), NoteMin: 2, NoteWhat: "核实意见",
		Doc: "the town accepts the enterprise's answer: the warning closes with the note as its resolution"},
		apply: (*warning).doClose},
	{ActionSpec: cases.ActionSpec{Name: WarningReject, Label: "核实不通过", By: cases.ByTown,
		From: warningFrom(cases.WarningVerifying), NoteMin: 2, NoteWhat: "不予认可的理由",
		Doc: "the town rejects the answer and handles the warning itself, within its own deadline"},
		apply: (*warning).doReject},
	{ActionSpec: cases.ActionSpec{Name: WarningClose, Label: "处置办结", By: cases.ByTown,
		From: warningFrom(cases.WarningEscalatedTown, cases.WarningEscalatedCity), NoteMin: 2, NoteWhat: "处置结果",
		Doc: "the town (the city once escalated to it) closes the warning with its resolution"},
		cityOnceEscalated: true, apply: (*warning).doClose},
	{ActionSpec: cases.ActionSpec{Name: WarningConvert, Label: "转为欠薪线索", By: cases.ByTown,
		From:   warningFrom(cases.WarningVerifying, cases.WarningEscalatedTown, cases.WarningEscalatedCity),
		Fields: []string{"lead_id"}, Required: []string{"lead_id"},
		Doc: "the town (the city once escalated to it) closes the warning as the arrears lead lead_id (created by the API)"},
		cityOnceEscalated: true, check: checkWarningLead, apply: (*warning).doConvert},
	{ActionSpec: cases.ActionSpec{Name: WarningRaise, Label: "预警升级", By: cases.BySystem, Internal: true,
		Fields: []string{"level"}, Required: []string{"level"},
		Doc: "the scan finds the condition persisting at a higher level"},
		check: checkWarningLevel, apply: (*warning).doRaise},
	{ActionSpec: cases.ActionSpec{Name: WarningResolve, Label: "预警解除", By: cases.BySystem, Internal: true,
		NoteMin: 2, NoteWhat: "解除原因", Doc: "the scan finds the condition cleared: the warning closes with why"},
		apply: (*warning).doResolve},
}

// WarningActions is the warning's table of actions as the API and the
// documents read it.
func WarningActions() cases.Actions {
	out := make(cases.Actions, len(warningActions))
	for i, a := range warningActions {
		out[i] = a.ActionSpec
	}
	return out
}

// Warning refusal codes (caseclient maps them by their suffix).
const (
	WarningRefusedState  = "warning_wrong_state"
	WarningRefusedActor  = "warning_not_actor"
	WarningRefusedInput  = "warning_invalid_input"
	WarningRefusedClosed = "warning_closed"
	WarningRefusedEarly  = "warning_not_ready"
)

// WarningParty is who takes action a on a warning in status s: the
// table's party, except that the city handles a warning escalated to it.
func WarningParty(a cases.ActionSpec, s cases.WarningStatus) cases.Party {
	if s == cases.WarningEscalatedCity && a.By == cases.ByTown {
		if i := slices.IndexFunc(warningActions, func(w warningAction) bool { return w.Name == a.Name }); i >= 0 &&
			warningActions[i].cityOnceEscalated {
			return cases.ByCity
		}
	}
	return a.By
}

// PrecheckWarning refuses an actor who may not take action a on a
// warning in status s with these parties, before any input is looked at
// (see PrecheckLead).
func PrecheckWarning(a cases.ActionSpec, actor cases.Actor, s cases.WarningStatus, on cases.Parties) *Refusal {
	by := WarningParty(a, s)
	switch {
	case s == cases.WarningClosed || s == cases.WarningConverted:
		return refuse(WarningRefusedClosed, "", "预警已"+registry.WarningStatuses.Label(string(s)))
	case s == cases.WarningReceived:
		return refuse(WarningRefusedEarly, "", "预警正在登记，请稍后重试")
	case !by.Includes(actor, on):
		return refuse(WarningRefusedActor, "", "只有"+warningPartyLabel(by)+"可以进行此操作")
	case !a.Allows(cases.Status(s)):
		return refuse(WarningRefusedState, "", "预警当前状态（"+registry.WarningStatuses.Label(string(s))+"）不能进行此操作")
	}
	return nil
}

func warningPartyLabel(p cases.Party) string {
	switch p {
	case cases.ByTown:
		return "预警所在镇街的监察人员"
	case cases.ByEnterprise:
		return "被预警企业或项目劳资专管员"
	}
	return p.Label()
}

// warning is the workflow's private state.
type warning struct {
	st        cases.WarningState
	in        WarningInput
	policy    cases.WarningPolicy
	due       deadline // the deadline of whoever holds the warning now
	mu        workflow.Mutex
	gen       int
	projected int
	// failed ends the workflow: a signal's step could not be taken
	failed error
}

// WarningWorkflow is the life of one warning (预警): the warned enterprise
// answers within its deadline and the town verifies; silence or a
// rejected answer escalates to the town, then to the city, whose own
// deadline marks it overdue; the scan raises its level or resolves it.
// ID WarningWorkflowID(id); actions are Updates (the table
// warningActions); StatusQuery answers cases.WarningState.
func WarningWorkflow(ctx workflow.Context, in WarningInput) (cases.WarningState, error) {
	w := &warning{in: in, policy: cases.DefaultWarningPolicy, mu: workflow.NewMutex(ctx)}
	w.st = cases.WarningState{WarningID: in.WarningID, Status: cases.WarningReceived, Level: in.Level,
		ProjectID: in.ProjectID, EnterpriseID: in.EnterpriseID, TownCode: in.TownCode,
		EvidenceIDs: []int64{}, Tasks: []cases.Task{}}
	if err := w.setup(ctx); err != nil {
		return w.st, err
	}
	return w.run(ctx)
}

func (w *warning) setup(ctx workflow.Context) error {
	h := caseHandlers[cases.WarningState, WarningActionInput]{snapshot: w.snapshot,
		projected: func() bool { return w.projected > 0 }, check: w.check, act: w.act}
	if err := h.register(ctx, WarningActions()); err != nil {
		return err
	}
	w.listenCalendar(ctx)
	return nil
}

func (w *warning) run(ctx workflow.Context) (cases.WarningState, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return w.st, err
	}
	err := w.step(ctx, "create", w.in.By, "", func(ev *cases.Event) error {
		level := registry.WarningLevels.Label(w.in.Level)
		switch {
		case w.in.AtCity:
			ev.Rule = fmt.Sprintf("warning_raised: %s（%s），由市级直接处置", w.in.Rule, level)
			return w.toCity(ctx)
		case w.st.EnterpriseID == 0:
			ev.Rule = fmt.Sprintf("warning_raised: %s（%s），无应说明的企业，由镇街处置", w.in.Rule, level)
			return w.toTown(ctx)
		}
		ev.Rule = fmt.Sprintf("warning_raised: %s（%s），企业%d个工作日内说明", w.in.Rule, level, w.policy.AnswerDays)
		w.st.Status = cases.WarningAnswering
		return w.hold(ctx, "answer", w.policy.AnswerDays, cases.TaskWarningAnswer, cases.ActorEnterprise)
	})
	w.mu.Unlock()
	if err != nil {
		return w.st, err
	}
	for w.st.Status.Open() {
		if w.failed != nil {
			return w.st, w.failed
		}
		gen := w.gen
		next := w.nextEscalation()
		changed := func() bool { return w.gen != gen }
		if next.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return w.st, err
			}
			continue
		}
		if wait := next.Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return w.st, err
			}
			if ok {
				continue
			}
		}
		if err := w.mu.Lock(ctx); err != nil {
			return w.st, err
		}
		err := w.escalate(ctx)
		w.mu.Unlock()
		if err != nil {
			return w.st, err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return w.st, err
	}
	return w.snapshot(), nil
}

// hold gives the warning to actor with a deadline of days working days
// and a task of kind (the previous holder's task ends).
func (w *warning) hold(ctx workflow.Context, name string, days int, kind, actor string) error {
	now := workflow.Now(ctx)
	var a *activities.Activities
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	rule := cases.DeadlineRule{Days: days, RemindDays: w.policy.RemindDays}
	var dl cases.Deadline
	if err := workflow.ExecuteLocalActivity(lctx, a.WorkingDeadline, activities.DeadlineInput{From: now, Rule: rule}).Get(ctx, &dl); err != nil {
		return err
	}
	w.due = deadline{Deadline: dl, Name: name, Days: days, From: now, Rule: rule, Active: true}
	w.st.DueAt, w.st.Overdue, w.st.DueEstimated = timePtr(dl.Due), false, dl.Estimated()
	seq := w.st.Seq + 1
	t := cases.Task{Key: fmt.Sprintf("%s:%d", kind, seq), Kind: kind, Actor: actor, OpenedSeq: seq, OpenedAt: now,
		DueAt: timePtr(dl.Due), DueEstimated: dl.Estimated()}
	switch actor {
	case cases.ActorEnterprise:
		t.EnterpriseID, t.ProjectID = w.st.EnterpriseID, w.st.ProjectID
	case cases.ActorTown:
		t.TownCode = w.st.TownCode
	}
	w.st.Tasks = []cases.Task{t}
	return nil
}

// toTown escalates the warning to its town (or starts it there).
func (w *warning) toTown(ctx workflow.Context) error {
	if w.st.TownCode == "" {
		return w.toCity(ctx) // no town to handle it: the city does
	}
	if w.st.Status != cases.WarningReceived {
		w.st.Escalations++
	}
	w.st.Status = cases.WarningEscalatedTown
	return w.hold(ctx, "verify", w.policy.VerifyDays, cases.TaskWarningVerify, cases.ActorTown)
}

// toCity escalates the warning to the city (or starts it there).
func (w *warning) toCity(ctx workflow.Context) error {
	if w.st.Status != cases.WarningReceived {
		w.st.Escalations++
	}
	w.st.Status = cases.WarningEscalatedCity
	return w.hold(ctx, "review", w.policy.CityDays, cases.TaskWarningReview, cases.ActorCity)
}

func (w *warning) parties() cases.Parties { return w.st.Parties() }

func findWarningAction(name string) (warningAction, bool) {
	i := slices.IndexFunc(warningActions, func(a warningAction) bool { return a.Name == name })
	if i < 0 {
		return warningAction{}, false
	}
	return warningActions[i], true
}

// check is the validator: PrecheckWarning, then the input.
func (w *warning) check(name string, in WarningActionInput) *Refusal {
	a, ok := findWarningAction(name)
	if !ok {
		return refuse(WarningRefusedInput, "action", "未知操作")
	}
	if r := PrecheckWarning(a.ActionSpec, in.Actor, w.st.Status, w.parties()); r != nil {
		return r
	}
	if a.check != nil {
		if r := a.check(w, in); r != nil {
			return r
		}
	}
	switch n := len([]rune(in.Note)); {
	case n < a.NoteMin:
		return refuse(WarningRefusedInput, "note", "请填写"+a.NoteWhat)
	case n > 4000:
		return refuse(WarningRefusedInput, "note", "说明不能超过4000字")
	}
	return nil
}

func checkWarningEvidence(_ *warning, in WarningActionInput) *Refusal {
	if len(in.EvidenceIDs) > 20 {
		return refuse(WarningRefusedInput, "evidence_ids", "证明材料不能超过20份")
	}
	for _, id := range in.EvidenceIDs {
		if id <= 0 {
			return refuse(WarningRefusedInput, "evidence_ids", "证明材料编号有误")
		}
	}
	return nil
}

func checkWarningLead(_ *warning, in WarningActionInput) *Refusal {
	if in.LeadID <= 0 {
		return refuse(WarningRefusedInput, "lead_id", "请指明转成的线索")
	}
	return nil
}

func checkWarningLevel(w *warning, in WarningActionInput) *Refusal {
	to := slices.Index(cases.WarningLevelOrder, in.Level)
	if to < 0 {
		return refuse(WarningRefusedInput, "level", "预警等级有误")
	}
	if to <= slices.Index(cases.WarningLevelOrder, w.st.Level) {
		return refuse(WarningRefusedState, "", "预警已是"+registry.WarningLevels.Label(w.st.Level)+"，不能降低或维持等级")
	}
	return nil
}

// act is the update handler: check again under the lock, apply, project.
func (w *warning) act(ctx workflow.Context, name string, in WarningActionInput) (cases.WarningState, error) {
	if err := w.mu.Lock(ctx); err != nil {
		return cases.WarningState{}, err
	}
	defer w.mu.Unlock()
	if r := w.check(name, in); r != nil {
		return cases.WarningState{}, r.appErr()
	}
	a, _ := findWarningAction(name)
	err := w.step(ctx, name, in.Actor, in.Note, func(ev *cases.Event) error { return a.apply(w, ctx, in, ev) })
	if err != nil {
		return cases.WarningState{}, err
	}
	return w.snapshot(), nil
}

func (w *warning) doAnswer(ctx workflow.Context, in WarningActionInput, _ *cases.Event) error {
	w.st.Status, w.st.Answer, w.st.AnsweredAt = cases.WarningVerifying, in.Note, timePtr(workflow.Now(ctx))
	w.st.EvidenceIDs = append([]int64{}, in.EvidenceIDs...)
	return w.hold(ctx, "verify", w.policy.VerifyDays, cases.TaskWarningVerify, cases.ActorTown)
}

func (w *warning) doReject(ctx workflow.Context, _ WarningActionInput, ev *cases.Event) error {
	ev.Rule = fmt.Sprintf("warning_answer_rejected: 企业说明未通过核实，由镇街在%d个工作日内处置", w.policy.VerifyDays)
	return w.toTown(ctx)
}

// end closes the warning in status s with resolution.
func (w *warning) end(ctx workflow.Context, s cases.WarningStatus, resolution string) {
	w.st.Status, w.st.Resolution, w.st.ClosedAt = s, resolution, timePtr(workflow.Now(ctx))
	w.st.DueAt, w.st.Overdue, w.st.DueEstimated = nil, false, false
	w.st.Tasks = []cases.Task{}
	w.due.Active = false
}

func (w *warning) doClose(ctx workflow.Context, in WarningActionInput, _ *cases.Event) error {
	w.end(ctx, cases.WarningClosed, in.Note)
	return nil
}

func (w *warning) doResolve(ctx workflow.Context, in WarningActionInput, ev *cases.Event) error {
	ev.Rule = "warning_resolved: 复查时预警条件已消除"
	w.end(ctx, cases.WarningClosed, in.Note)
	return nil
}

func (w *warning) doConvert(ctx workflow.Context, in WarningActionInput, ev *cases.Event) error {
	resolution := in.Note
	if resolution == "" {
		resolution = fmt.Sprintf("转为欠薪线索（编号%d）", in.LeadID)
	}
	w.end(ctx, cases.WarningConverted, resolution)
	w.st.LeadID = in.LeadID
	ev.Rule = fmt.Sprintf("warning_converted: 转为欠薪线索%d", in.LeadID)
	return nil
}

func (w *warning) doRaise(_ workflow.Context, in WarningActionInput, ev *cases.Event) error {
	ev.Rule = fmt.Sprintf("warning_level_raised: 条件持续，%s升为%s", registry.WarningLevels.Label(w.st.Level),
		registry.WarningLevels.Label(in.Level))
	w.st.Level = in.Level
	return nil
}

// ---- steps, projection ----

// step runs one step: apply, number it, record what changed, project.
func (w *warning) step(ctx workflow.Context, action string, actor cases.Actor, note string, apply func(ev *cases.Event) error) error {
	before := w.snapshot()
	ev := cases.Event{Action: action, Actor: actor, From: cases.Status(before.Status), Note: note}
	if err := apply(&ev); err != nil {
		return err
	}
	w.st.Seq++
	w.gen++
	ev.Seq = w.st.Seq
	ev.At = workflow.Now(ctx)
	ev.To = cases.Status(w.st.Status)
	if ev.From == ev.To {
		ev.From = ""
	}
	after := w.snapshot()
	ev.Changes = cases.Diff(before, after)
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	})
	if err := workflow.ExecuteActivity(actx, a.ProjectWarning, cases.WarningProjection{State: after, Event: ev}).Get(ctx, nil); err != nil {
		return err
	}
	w.projected = after.Seq
	return nil
}

func (w *warning) snapshot() cases.WarningState {
	s := w.st
	s.EvidenceIDs = append([]int64{}, w.st.EvidenceIDs...)
	s.Tasks = append([]cases.Task{}, w.st.Tasks...)
	return s
}

// ---- deadlines ----

func (w *warning) nextEscalation() time.Time {
	dl := w.due
	switch {
	case !dl.Active:
		return time.Time{}
	case !dl.Reminded && !dl.RemindAt.IsZero():
		return dl.RemindAt
	case dl.Overdue:
		return time.Time{}
	}
	return dl.Due
}

// escalate climbs the rungs whose time has come: a reminder, then the
// deadline — the enterprise's passes to the town, the town's to the city;
// the city's marks the warning overdue.
func (w *warning) escalate(ctx workflow.Context) error {
	now := workflow.Now(ctx)
	dl := &w.due
	if !dl.Active {
		return nil
	}
	if !dl.Reminded && !dl.RemindAt.IsZero() && !now.Before(dl.RemindAt) {
		dl.Reminded = true
		if err := w.step(ctx, "remind", cases.System, "", func(ev *cases.Event) error {
			ev.Rule = fmt.Sprintf("warning_%s_remind: 期限届满前%d个工作日提醒", dl.Name, w.policy.RemindDays)
			for i := range w.st.Tasks {
				w.st.Tasks[i].RemindedAt = timePtr(now)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	if dl.Overdue || now.Before(dl.Due) {
		return nil
	}
	name, days := dl.Name, dl.Days
	dl.Overdue = true
	return w.step(ctx, "overdue", cases.System, "", func(ev *cases.Event) error {
		switch name {
		case "answer":
			ev.Rule = fmt.Sprintf("warning_answer_overdue: 企业未在%d个工作日内说明，转镇街处置", days)
			return w.toTown(ctx)
		case "verify":
			ev.Rule = fmt.Sprintf("warning_verify_overdue: 镇街未在%d个工作日内处置，转市级处置", days)
			return w.toCity(ctx)
		}
		ev.Rule = fmt.Sprintf("warning_review_overdue: 市级未在%d个工作日内处置", days)
		w.st.Overdue = true
		for i := range w.st.Tasks {
			w.st.Tasks[i].Overdue = true
		}
		return nil
	})
}
