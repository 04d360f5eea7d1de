package cases

import "time"

// Warnings (预警): a warning rule's hit about a project, an enterprise or
// an employment (rules.Hit) is one warning per condition. The warned
// enterprise answers within working days; the project's town verifies the
// answer, accepting it (closed) or rejecting it (the town handles the
// warning itself); silence escalates up the ladder enterprise → town →
// city. The scan raises the level of a condition that persists and
// resolves one that cleared. The workflow owns the state; warnings,
// warning_events and case_tasks are its projection.

// WarningStatus is where a warning stands (registry.WarningStatuses).
type WarningStatus string

const (
	WarningReceived      WarningStatus = "received"       // recorded, workflow not started
	WarningAnswering     WarningStatus = "answering"      // the enterprise is to answer
	WarningVerifying     WarningStatus = "verifying"      // the town verifies the enterprise's answer
	WarningEscalatedTown WarningStatus = "escalated_town" // the town handles it (no answer, a rejected one, or no enterprise)
	WarningEscalatedCity WarningStatus = "escalated_city" // the city handles it
	WarningClosed        WarningStatus = "closed"         // resolved
	WarningConverted     WarningStatus = "converted"      // closed as an arrears lead
)

// Open reports whether the warning is still being handled.
func (s WarningStatus) Open() bool {
	return s != WarningReceived && s != WarningClosed && s != WarningConverted
}

// Warning task kinds (case_tasks.kind).
const (
	TaskWarningAnswer = "warning_answer" // enterprise: answer the warning (整改说明)
	TaskWarningVerify = "warning_verify" // town: verify the answer, or handle the warning
	TaskWarningReview = "warning_review" // city: handle an escalated warning
)

// WarningPolicy is the time limits of a warning, in working days.
type WarningPolicy struct {
	// RemindDays: a reminder this many working days before a deadline.
	RemindDays int `json:"remind_days"`
	// AnswerDays: the enterprise's time to answer.
	AnswerDays int `json:"answer_days"`
	// VerifyDays: the town's time to verify an answer or handle the warning.
	VerifyDays int `json:"verify_days"`
	// CityDays: the city's time to handle an escalated warning.
	CityDays int `json:"city_days"`
}

// DefaultWarningPolicy is the policy of every warning.
var DefaultWarningPolicy = WarningPolicy{RemindDays: 1, AnswerDays: 5, VerifyDays: 5, CityDays: 5}

// Warning levels (registry.WarningLevels), in rising order.
var WarningLevelOrder = []string{"yellow", "orange", "red"}

// WarningState is the state of a warning as its workflow holds it: the
// answer of the status query and of every update, and what the
// projection writes.
type WarningState struct {
	WarningID int64         `json:"warning_id"`
	Seq       int           `json:"seq"`
	Status    WarningStatus `json:"status"`
	Level     string        `json:"level"`
	ProjectID int64         `json:"project_id,omitempty"`
	// EnterpriseID is the enterprise to answer (0: none; the town handles
	// the warning from the start).
	EnterpriseID int64  `json:"enterprise_id,omitempty"`
	TownCode     string `json:"town_code,omitempty"`
	// Answer is the enterprise's answer (整改说明), with its evidence.
	Answer      string     `json:"answer,omitempty"`
	EvidenceIDs []int64    `json:"evidence_ids"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	// DueAt is the deadline of whoever holds the warning now; Overdue
	// whether it passed.
	DueAt   *time.Time `json:"due_at,omitempty"`
	Overdue bool       `json:"overdue"`
	// DueEstimated: DueAt was counted through a year without an official
	// holiday calendar (optional in JSON: histories before it have none).
	DueEstimated bool `json:"due_estimated,omitempty"`
	// Escalations counts the steps up the ladder (to the town, to the city).
	Escalations int        `json:"escalations"`
	Resolution  string     `json:"resolution,omitempty"`
	LeadID      int64      `json:"lead_id,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	Tasks       []Task     `json:"tasks"`
}

// Parties are who the warning is with: its town, the enterprise to
// answer and its project (whose labour manager may answer too).
func (s WarningState) Parties() Parties {
	return Parties{TownCode: s.TownCode, EnterpriseID: s.EnterpriseID, ProjectID: s.ProjectID}
}

// WarningProjection is what one step writes to Postgres.
type WarningProjection struct {
	State WarningState `json:"state"`
	Event Event        `json:"event"`
}
