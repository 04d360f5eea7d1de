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
	// Claimants are the lead's lines as the API recorded them (ids,
	// workers, amounts, whether they use the app; never names or
	// phones). A run on claimantsVersion with claimants handles them one
	// by one; AmountClaimedFen and WorkersClaimed are their sum and count.
	Claimants []cases.Claimant `json:"claimants,omitempty"`
}

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
	// confirm, dispute, recordUnreachable: the claimant's line (a worker
	// acting on their own line may leave it out)
	ClaimantID int64 `json:"claimant_id,omitempty"`
	// reportResult: the amount recovered per claimant (paid codes), and
	// why a line got more than it claimed
	ClaimantAmounts []ClaimantAmount `json:"claimant_amounts,omitempty"`
	OverClaimReason string           `json:"over_claim_reason,omitempty"`
	// merge: the lead merged into this one (its lines, read by the API,
	// in Claimants)
	LeadID int64 `json:"lead_id,omitempty"`
	// linkReport (the reporting worker's line, new or updated) and merge
	// (the merged lead's lines)
	Claimants []cases.Claimant `json:"claimants,omitempty"`
}

// ClaimantAmount is what one claimant recovered.
type ClaimantAmount struct {
	ClaimantID         int64 `json:"claimant_id"`
	AmountRecoveredFen int64 `json:"amount_recovered_fen"`
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
	// accept, handle, rectify, confirm; the city's: triage, review,
	// supervise (each the kind of the one task it is the limit of)
	Name string
	Days int
	// From and Rule are what it was counted from and with (before any
	// extension), for a recount when the calendar changes (recount).
	From     time.Time
	Rule     cases.DeadlineRule
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
	// the deadlines, in a fixed order (never a map: replay must visit
	// them the same way): the town's, the enterprise's and the worker's,
	// then the city's own tasks' (cityDeadlinesVersion)
	accept, handle, rectify, confirm deadline
	triage, review, supervise        deadline
	mu                               workflow.Mutex
	gen                              int // bumped by every step, wakes the timer loop
	projected                        int // the last step whose projection is written
	// failed ends the workflow: a signal's step could not be taken
	failed error
	// lines: the run handles claimants line by line (claimantsVersion,
	// and the input had claimants)
	lines bool
}

// LeadWorkflow is the life of one arrears lead, from intake to closure.
// Its ID is LeadWorkflowID(lead id). Every action is an Update (names in
// the table leadActions) answered with the new state; StatusQuery answers the
// state; deadlines are timers that remind, mark overdue, ask the city to
// supervise and finally list the case. Each step is projected into
// Postgres before the update answers.
func LeadWorkflow(ctx workflow.Context, in LeadInput) (cases.LeadState, error) {
	l := &lead{in: in, mu: workflow.NewMutex(ctx)}
	// asked once, before the first command: a run keeps the path it
	// started on (the histories recorded before claimants replay as they
	// ran)
	l.lines = workflow.GetVersion(ctx, claimantsVersion, workflow.DefaultVersion, 1) >= 1 && len(in.Claimants) > 0
	l.st = cases.LeadState{LeadID: in.LeadID, Status: cases.Received, ProjectID: in.ProjectID, WorkerID: in.WorkerID,
		Supervision: cases.SupervisionNone, Tasks: []cases.Task{}}
	if l.lines {
		l.st.Claimants = make([]cases.Claimant, len(in.Claimants))
		for i, c := range in.Claimants {
			c.Status, c.AmountRecoveredFen = cases.ClaimantOpen, nil
			l.st.Claimants[i] = c
		}
	}
	l.accept.Name, l.handle.Name, l.rectify.Name, l.confirm.Name = "accept", "handle", "rectify", "confirm"
	l.triage.Name, l.review.Name, l.supervise.Name = cases.TaskTriage, cases.TaskReview, cases.TaskSupervise
	if err := l.setup(ctx); err != nil {
		return l.st, err
	}
	return l.run(ctx)
}

func (l *lead) setup(ctx workflow.Context) error {
	h := caseHandlers[cases.LeadState, ActionInput]{snapshot: l.snapshot, projected: func() bool { return l.projected > 0 },
		check: l.check, act: l.act}
	if err := h.register(ctx, LeadActions()); err != nil {
		return err
	}
	l.listenCalendar(ctx)
	if l.lines {
		l.listenMerged(ctx)
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
		if l.failed != nil {
			return l.st, l.failed
		}
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
	// every handler done, and the last step projected (a signal's step —
	// merged — closes the lead before its projection is written)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && l.projected >= l.st.Seq }); err != nil {
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
			return l.openCityTask(ctx, cases.TaskTriage)
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
	a, _ := findLeadAction(name) // check found it
	err := l.step(ctx, name, in.Actor, in.Note, func(ev *cases.Event) error { return a.apply(l, ctx, in, ev) })
	if err != nil {
		return cases.LeadState{}, err
	}
	return l.snapshot(), nil
}

// confirmed: the worker agreed (or stayed silent); a major case goes to
// the city's review, any other closes.
func (l *lead) confirmed(ctx workflow.Context) error {
	l.confirm.Active = false
	l.closeTasks(cases.ActorWorker)
	if l.st.Major {
		l.st.Status = cases.Review
		return l.openCityTask(ctx, cases.TaskReview)
	}
	l.close(ctx)
	return nil
}

func (l *lead) close(ctx workflow.Context) {
	l.accept.Active, l.handle.Active, l.rectify.Active, l.confirm.Active = false, false, false, false
	l.triage.Active, l.review.Active, l.supervise.Active = false, false, false
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
	l.endCityDeadlines()
	l.refreshOverdue()
	l.refreshEstimated()
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
	if err := l.project(ctx, cases.Projection{State: after, Event: ev}); err != nil {
		return err
	}
	l.projected = after.Seq
	return nil
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
	if l.st.Claimants != nil {
		s.Claimants = append([]cases.Claimant{}, l.st.Claimants...)
	}
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

// ---- the city's deadlines ----

// cityDeadlinesVersion is the GetVersion change ID of the deadlines of
// the city's own tasks (triage, review, supervise). Before it, they
// opened with no due date; counting one is a local activity more in the
// history. The version is asked when a city task opens, and fixed for
// the run once asked: a run that opened a city task on the code before
// keeps opening them without a due date (its replay finds no marker
// there), a run that opens its first city task on this code records the
// marker and gives that one and every later one a deadline.
const cityDeadlinesVersion = "city-deadlines"

// openCityTask opens the city's task of kind with its deadline
// (policy.CityDays, reminded policy.RemindDays before, overdue when
// passed; never listed: the city is the top of the ladder).
func (l *lead) openCityTask(ctx workflow.Context, kind string) error {
	if workflow.GetVersion(ctx, cityDeadlinesVersion, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		l.openTask(ctx, kind, cases.ActorCity, nil)
		return nil
	}
	return l.startDeadline(ctx, l.cityDeadline(kind), workflow.Now(ctx), l.policy.CityDays(kind), false, func(due time.Time) {
		l.openTask(ctx, kind, cases.ActorCity, &due)
	})
}

// cityDeadline is the deadline of the city's task of kind.
func (l *lead) cityDeadline(kind string) *deadline {
	switch kind {
	case cases.TaskTriage:
		return &l.triage
	case cases.TaskReview:
		return &l.review
	}
	return &l.supervise
}

func isCityDeadline(d *deadline) bool {
	return d.Name == cases.TaskTriage || d.Name == cases.TaskReview || d.Name == cases.TaskSupervise
}

// dueWith reports whether task t is due with deadline d: a city deadline
// is its own task's (the kind it is named after), any other is the
// tasks of the other actors due at the same moment.
func dueWith(d *deadline, t *cases.Task) bool {
	if t.DueAt == nil || !t.DueAt.Equal(d.Due) {
		return false
	}
	if isCityDeadline(d) {
		return t.Actor == cases.ActorCity && t.Kind == d.Name
	}
	return t.Actor != cases.ActorCity
}

// endCityDeadlines ends the deadline of every city task that closed (by
// the action that did it — dispatch, approve, sendBack, supervise — or
// with the tasks of the city on a transfer or closure). Run by every
// step after its effect.
func (l *lead) endCityDeadlines() {
	for _, d := range []*deadline{&l.triage, &l.review, &l.supervise} {
		if d.Active && !slices.ContainsFunc(l.st.Tasks, func(t cases.Task) bool {
			return t.Actor == cases.ActorCity && t.Kind == d.Name
		}) {
			d.Active = false
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
	*d = deadline{Deadline: dl, Name: d.Name, Days: days, From: from, Rule: rule, Active: true}
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
	return []*deadline{&l.accept, &l.handle, &l.rectify, &l.confirm, &l.triage, &l.review, &l.supervise}
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
					if t := &l.st.Tasks[i]; dueWith(d, t) && t.RemindedAt == nil {
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
				return l.openCityTask(ctx, cases.TaskSupervise)
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
	case cases.TaskTriage, cases.TaskReview, cases.TaskSupervise:
		// the city's own task: the city is the top of the ladder, its
		// task is marked overdue (the inbox and the lists show it)
		return l.step(ctx, "overdue", cases.System, "", func(ev *cases.Event) error {
			what := map[string]string{cases.TaskTriage: "分流交办", cases.TaskReview: "完成复核", cases.TaskSupervise: "督办"}[d.Name]
			ev.Rule = fmt.Sprintf("%s_overdue: 市级未在%d个工作日内%s", d.Name, d.Days, what)
			for i := range l.st.Tasks {
				if t := &l.st.Tasks[i]; t.Actor == cases.ActorCity && t.Kind == d.Name {
					t.Overdue = true
				}
			}
			return nil
		})
	case "confirm":
		if l.lines {
			return l.confirmSilence(ctx)
		}
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
			return l.openCityTask(ctx, cases.TaskSupervise)
		}
		return nil
	})
}

// refreshOverdue: the lead is overdue while one of the town's running
// deadlines is past. The city's own overdue tasks (triage, review,
// supervise) do not make the lead overdue: the flag is the handling
// party's lateness (what supervision and listing answer, what the lists
// filter and count per town); the city's lateness is on its tasks
// (case_tasks.overdue, GET /tasks?view=overdue).
func (l *lead) refreshOverdue() {
	l.st.Overdue = (l.accept.Active && l.accept.Overdue) || (l.handle.Active && l.handle.Overdue)
}

// refreshEstimated: which deadlines (and the tasks due with them) were
// counted without the official calendar of a year they pass through.
// It follows from the local activity's answers in the history
// (cases.Deadline.Covered), so a replay computes the same.
func (l *lead) refreshEstimated() {
	l.st.AcceptDueEstimated = l.accept.Estimated()
	l.st.HandleDueEstimated = l.handle.Estimated()
	l.st.RectifyDueEstimated = l.rectify.Estimated()
	l.st.ConfirmDueEstimated = l.confirm.Estimated()
	for i := range l.st.Tasks {
		t := &l.st.Tasks[i]
		t.DueEstimated = false
		if t.DueAt == nil {
			continue
		}
		for _, d := range l.deadlinesOf(t.Actor) {
			if d.Due.Equal(*t.DueAt) && d.Estimated() {
				t.DueEstimated = true
			}
		}
	}
}

// deadlinesOf are the deadlines whose due date the tasks of actor carry:
// the town's acceptance and handling (its investigate and verify tasks are
// due with the handling limit), the enterprise's rectification, the
// worker's confirmation, the city's triage, review and supervision.
func (l *lead) deadlinesOf(actor string) []*deadline {
	switch actor {
	case cases.ActorTown:
		if l.lines {
			// the call-back is due with the confirmation
			return []*deadline{&l.accept, &l.handle, &l.confirm}
		}
		return []*deadline{&l.accept, &l.handle}
	case cases.ActorEnterprise:
		return []*deadline{&l.rectify}
	case cases.ActorWorker:
		return []*deadline{&l.confirm}
	case cases.ActorCity:
		return []*deadline{&l.triage, &l.review, &l.supervise}
	}
	return nil
}
