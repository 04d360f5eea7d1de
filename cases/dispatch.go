package cases

import "time"

// Dispatches (交办/督办): the city assigns a matter to one or more towns
// with instructions and a deadline in working days; each town reports
// back, the city accepts or returns each report, and the dispatch closes
// when every town's report is accepted. The workflow owns the state;
// dispatches, dispatch_towns and dispatch_events are its projection.

// DispatchStatus is where a dispatch stands (registry.DispatchStatuses).
type DispatchStatus string

const (
	DispatchReceived  DispatchStatus = "received"  // recorded, workflow not started
	DispatchOpen      DispatchStatus = "open"      // some town's report is not accepted yet
	DispatchClosed    DispatchStatus = "closed"    // every town's report accepted
	DispatchCancelled DispatchStatus = "cancelled" // withdrawn by the city
)

// PartStatus is where one town's part of a dispatch stands
// (registry.DispatchTownStatuses).
type PartStatus string

const (
	PartAssigned  PartStatus = "assigned"  // the town works on it (again, after a return)
	PartReported  PartStatus = "reported"  // the town reported; the city reviews
	PartAccepted  PartStatus = "accepted"  // the city accepted the report
	PartCancelled PartStatus = "cancelled" // the dispatch was withdrawn
)

// Dispatch task kinds (case_tasks.kind).
const (
	TaskDispatchReport = "dispatch_report" // town: handle the matter and report back
	TaskDispatchReview = "dispatch_review" // city: accept or return a town's report
)

// DispatchPolicy is the time limits of a dispatch besides the town's own
// (which the city sets per dispatch).
type DispatchPolicy struct {
	// RemindDays: a reminder this many working days before a deadline.
	RemindDays int `json:"remind_days"`
	// ReviewDays: working days the city has to accept or return a report.
	ReviewDays int `json:"review_days"`
	// SuperviseDays: working days the city has to chase a town whose
	// report is overdue (its supervise task, 督办).
	SuperviseDays int `json:"supervise_days"`
}

// DefaultDispatchPolicy is the policy of every dispatch.
var DefaultDispatchPolicy = DispatchPolicy{RemindDays: 1, ReviewDays: 5, SuperviseDays: 2}

// DefaultSuperviseDays is the town's deadline, in working days, of the
// dispatch a supervision (督办) of a lead becomes when the city names
// none (the lead workflow's supervise step).
const DefaultSuperviseDays = 5

// DispatchPart is one town's part of a dispatch.
type DispatchPart struct {
	TownCode string     `json:"town_code"`
	Status   PartStatus `json:"status"`
	DueAt    *time.Time `json:"due_at,omitempty"`
	// DueEstimated: DueAt was counted through a year without an official
	// holiday calendar (optional in JSON: histories before it have none).
	DueEstimated bool       `json:"due_estimated,omitempty"`
	RemindedAt   *time.Time `json:"reminded_at,omitempty"`
	Overdue      bool       `json:"overdue"`
	Returned     int        `json:"returned"`
	Report       string     `json:"report,omitempty"`
	// EvidenceIDs are the evidence files of the last report (optional in
	// JSON: histories before it have none).
	EvidenceIDs []int64    `json:"evidence_ids,omitempty"`
	ReportedAt  *time.Time `json:"reported_at,omitempty"`
	AcceptedAt  *time.Time `json:"accepted_at,omitempty"`
	// ReviewDue is the city's deadline to answer the report.
	ReviewDue *time.Time `json:"review_due,omitempty"`
	// ReviewDueEstimated: ReviewDue was counted through a year without an
	// official holiday calendar (optional in JSON, as DueEstimated).
	ReviewDueEstimated bool `json:"review_due_estimated,omitempty"`
}

// DispatchState is the state of a dispatch as its workflow holds it: the
// answer of the status query and of every update, and what the
// projection writes.
type DispatchState struct {
	DispatchID int64          `json:"dispatch_id"`
	Seq        int            `json:"seq"`
	Status     DispatchStatus `json:"status"`
	LeadID     int64          `json:"lead_id,omitempty"`
	Parts      []DispatchPart `json:"parts"`
	ClosedAt   *time.Time     `json:"closed_at,omitempty"`
	Tasks      []Task         `json:"tasks"`
}

// Part is the part of town, if the dispatch has one.
func (s *DispatchState) Part(town string) (*DispatchPart, bool) {
	for i := range s.Parts {
		if s.Parts[i].TownCode == town {
			return &s.Parts[i], true
		}
	}
	return nil, false
}

// Towns are the towns of the dispatch, in its order.
func (s DispatchState) Towns() []string {
	out := make([]string, len(s.Parts))
	for i, p := range s.Parts {
		out[i] = p.TownCode
	}
	return out
}

// DispatchEvent is one step of a dispatch's history: Event with the town
// whose part it concerns.
type DispatchEvent struct {
	Event
	TownCode string `json:"town_code,omitempty"`
}

// DispatchProjection is what one step writes to Postgres.
type DispatchProjection struct {
	State DispatchState `json:"state"`
	Event DispatchEvent `json:"event"`
}
