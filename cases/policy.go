package cases

// Policy is the time limits and thresholds of one case kind (table
// case_policies; defaults from the regulations). A workflow reads it once
// at its start and keeps it: a later change applies to new cases.
type Policy struct {
	Kind string `json:"kind"`
	// AcceptDays: working days for a town to accept or return a lead
	// (受理期限, default 5).
	AcceptDays int `json:"accept_days"`
	// HandleDays: working days from acceptance to a reported result
	// (办理期限, default 60), extendable once by ExtendDays (default 30).
	HandleDays int `json:"handle_days"`
	ExtendDays int `json:"extend_days"`
	// RectifyDays: the enterprise's rectification period when the town
	// names none (default 10).
	RectifyDays int `json:"rectify_days"`
	// ConfirmDays: working days the worker has to confirm or dispute a
	// result; silence counts as confirmation (default 5).
	ConfirmDays int `json:"confirm_days"`
	// RemindDays: a reminder this many working days before a deadline
	// (default 1).
	RemindDays int `json:"remind_days"`
	// ListedAfterDays: working days overdue before the city lists the
	// case for supervision (挂牌督办, default 10).
	ListedAfterDays int `json:"listed_after_days"`
	// A case is major (重大案件, needs the city's review before closing)
	// with at least MajorWorkers workers or at least MajorAmountFen owed.
	MajorWorkers   int   `json:"major_workers"`
	MajorAmountFen int64 `json:"major_amount_fen"`
	// The city's own tasks on a lead, in working days from when each
	// opens (reminded RemindDays before; past due the task is overdue —
	// the city is the top of the ladder, nothing is listed): TriageDays
	// to dispatch a lead at triage to a town (分拨, default 2),
	// ReviewDays to review a major case (复核, default 3), SuperviseDays
	// to supervise a lead whose town missed its limit (督办, default 5,
	// as a dispatch's default).
	TriageDays    int `json:"triage_days"`
	ReviewDays    int `json:"review_days"`
	SuperviseDays int `json:"supervise_days"`
}

// DefaultLeadPolicy is the policy of an arrears lead when the table holds
// none (the migration inserts the same values).
var DefaultLeadPolicy = Policy{Kind: "lead", AcceptDays: 5, HandleDays: 60, ExtendDays: 30, RectifyDays: 10,
	ConfirmDays: 5, RemindDays: 1, ListedAfterDays: 10, MajorWorkers: 10, MajorAmountFen: 50_000_000,
	TriageDays: 2, ReviewDays: 3, SuperviseDays: 5}

// CityDays is the limit in working days of the city's task of kind
// (TaskTriage, TaskReview, TaskSupervise); a limit of 0 — a policy read
// before these limits existed, kept by a workflow started then — is the
// default's.
func (p Policy) CityDays(kind string) int {
	pick := func(n, def int) int {
		if n > 0 {
			return n
		}
		return def
	}
	switch kind {
	case TaskTriage:
		return pick(p.TriageDays, DefaultLeadPolicy.TriageDays)
	case TaskReview:
		return pick(p.ReviewDays, DefaultLeadPolicy.ReviewDays)
	case TaskSupervise:
		return pick(p.SuperviseDays, DefaultLeadPolicy.SuperviseDays)
	}
	return 0
}

// Major reports whether a case with workers workers and amount owed is
// major under p.
func (p Policy) Major(workers int, amountFen int64) bool {
	return (p.MajorWorkers > 0 && workers >= p.MajorWorkers) || (p.MajorAmountFen > 0 && amountFen >= p.MajorAmountFen)
}
