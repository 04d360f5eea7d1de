package cases

import "time"

// Actor is who takes a step: an account, with the role and binding it
// acted in and where from. The zero Actor (AccountID 0) is the system —
// a deadline rule.
type Actor struct {
	AccountID    int64  `json:"account_id,omitempty"`
	Name         string `json:"name,omitempty"`
	Role         string `json:"role"`
	Domain       string `json:"domain,omitempty"`
	IP           string `json:"ip,omitempty"`
	TownCode     string `json:"town_code,omitempty"`
	EnterpriseID int64  `json:"enterprise_id,omitempty"`
	ProjectID    int64  `json:"project_id,omitempty"`
	WorkerID     int64  `json:"worker_id,omitempty"`
}

// System is the actor of steps taken by a rule.
var System = Actor{Role: "system"}

// IsSystem reports whether a is the system.
func (a Actor) IsSystem() bool { return a.AccountID == 0 }

// Task is an open piece of work of one actor on a lead. Key is unique per
// lead (kind and the step that opened it).
type Task struct {
	Key          string     `json:"key"`
	Kind         string     `json:"kind"`
	Actor        string     `json:"actor"`
	TownCode     string     `json:"town_code,omitempty"`
	EnterpriseID int64      `json:"enterprise_id,omitempty"`
	ProjectID    int64      `json:"project_id,omitempty"`
	WorkerID     int64      `json:"worker_id,omitempty"`
	OpenedSeq    int        `json:"opened_seq"`
	OpenedAt     time.Time  `json:"opened_at"`
	DueAt        *time.Time `json:"due_at,omitempty"`
	// DueEstimated: DueAt was counted without the official holiday
	// calendar of a year it passes through (weekdays only).
	DueEstimated bool       `json:"due_estimated,omitempty"`
	RemindedAt   *time.Time `json:"reminded_at,omitempty"`
	Overdue      bool       `json:"overdue"`
}

// LeadState is the state of a lead as its workflow holds it: the answer
// of the status query and of every update, and what the projection
// writes into leads and case_tasks.
type LeadState struct {
	LeadID              int64      `json:"lead_id"`
	Seq                 int        `json:"seq"`
	Status              Status     `json:"status"`
	TownCode            string     `json:"town_code,omitempty"`
	ProjectID           int64      `json:"project_id,omitempty"`
	WorkerID            int64      `json:"worker_id,omitempty"`
	RectifyEnterpriseID int64      `json:"rectify_enterprise_id,omitempty"`
	Major               bool       `json:"major"`
	AcceptDue           *time.Time `json:"accept_due,omitempty"`
	HandleDue           *time.Time `json:"handle_due,omitempty"`
	RectifyDue          *time.Time `json:"rectify_due,omitempty"`
	ConfirmDue          *time.Time `json:"confirm_due,omitempty"`
	// <name>DueEstimated: that deadline was counted through a year whose
	// official holiday arrangement is not entered (weekdays only; see
	// Deadline.Estimated). Entering the year recounts it.
	AcceptDueEstimated  bool        `json:"accept_due_estimated"`
	HandleDueEstimated  bool        `json:"handle_due_estimated"`
	RectifyDueEstimated bool        `json:"rectify_due_estimated"`
	ConfirmDueEstimated bool        `json:"confirm_due_estimated"`
	Overdue             bool        `json:"overdue"`
	Supervision         Supervision `json:"supervision"`
	// SupervisionDispatchID is the dispatch the lead's last supervision
	// that needed one recorded (督办 becomes a dispatch to the lead's
	// town unless one is open); 0 before any.
	SupervisionDispatchID int64       `json:"supervision_dispatch_id,omitempty"`
	Extended              bool        `json:"extended"`
	Reopened              int         `json:"reopened"`
	LinkedReports         int         `json:"linked_reports"`
	ClosureCode           ClosureCode `json:"closure_code,omitempty"`
	AmountPaidFen         *int64      `json:"amount_paid_fen,omitempty"`
	AmountRecoveredFen    *int64      `json:"amount_recovered_fen,omitempty"`
	WorkersCovered        *int        `json:"workers_covered,omitempty"`
	ResultSummary         string      `json:"result_summary,omitempty"`
	ClosedAt              *time.Time  `json:"closed_at,omitempty"`
	Tasks                 []Task      `json:"tasks"`
	// Claimants are the lead's lines (lead_claimants) as the workflow
	// owns them: ids, workers, amounts and states, never names or
	// phones. Empty for a lead started before claimants (its one worker
	// is WorkerID).
	Claimants []Claimant `json:"claimants,omitempty"`
	// MergedInto is the lead this one was merged into (closure merged).
	MergedInto int64 `json:"merged_into,omitempty"`
}

// Claimant statuses (lead_claimants.status; registry.ClaimantStatuses).
const (
	ClaimantOpen        = "open"        // asked, or not yet asked, to confirm
	ClaimantConfirmed   = "confirmed"   // agreed with the result (or silent with the app)
	ClaimantDisputed    = "disputed"    // disputed the result: the lead reopened
	ClaimantUnreachable = "unreachable" // the town's call-back reached nobody
)

// Claimant is one line of a lead: who (a claimant row id, and the worker
// of the real-name records if any), how much is owed and was recovered,
// and where the line stands.
type Claimant struct {
	ID            int64 `json:"id"`
	WorkerID      int64 `json:"worker_id,omitempty"`
	AmountOwedFen int64 `json:"amount_owed_fen"`
	// App: the claimant has a worker account, so is told in the app and
	// their silence past the confirmation period confirms; the others
	// need the town's call-back (回访).
	App                bool   `json:"app,omitempty"`
	Status             string `json:"status"`
	AmountRecoveredFen *int64 `json:"amount_recovered_fen,omitempty"`
	// MovedFrom is the lead the line came from in a merge.
	MovedFrom int64 `json:"moved_from,omitempty"`
}

// Done reports whether the line needs nothing more for the lead to go
// on: confirmed, or unreachable after a call-back.
func (c Claimant) Done() bool {
	return c.Status == ClaimantConfirmed || c.Status == ClaimantUnreachable
}

// ClaimantWorkers are the workers of the lines (the case's workers).
func ClaimantWorkers(cs []Claimant) []int64 {
	var out []int64
	for _, c := range cs {
		if c.WorkerID != 0 {
			out = append(out, c.WorkerID)
		}
	}
	return out
}

// Event is one step of a lead's history.
type Event struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Actor  Actor     `json:"actor"`
	From   Status    `json:"from,omitempty"`
	To     Status    `json:"to"`
	// Changes are the fields of LeadState that changed: name → [old, new].
	Changes map[string][2]any `json:"changes"`
	Note    string            `json:"note,omitempty"`
	// Rule names the rule that took the step (escalations, automatic
	// dispatch, silence as confirmation), with its parameters.
	Rule string `json:"rule,omitempty"`
}

// Projection is what one step writes to Postgres: the state after it,
// with its open tasks, and its event.
type Projection struct {
	State LeadState `json:"state"`
	Event Event     `json:"event"`
}
