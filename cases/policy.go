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
}

// DefaultLeadPolicy is the policy of an arrears lead when the table holds
// none (the migration inserts the same values).
var DefaultLeadPolicy = Policy{Kind: "lead", AcceptDays: 5, HandleDays: 60, ExtendDays: 30, RectifyDays: 10,
	ConfirmDays: 5, RemindDays: 1, ListedAfterDays: 10, MajorWorkers: 10, MajorAmountFen: 50_000_000}

// Major reports whether a case with workers workers and amount owed is
// major under p.
func (p Policy) Major(workers int, amountFen int64) bool {
	return (p.MajorWorkers > 0 && workers >= p.MajorWorkers) || (p.MajorAmountFen > 0 && amountFen >= p.MajorAmountFen)
}
