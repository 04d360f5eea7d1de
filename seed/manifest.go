package seed

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Manifest describes what Run loaded. Everything in its JSON form is
// deterministic (same Seed, Scale and Now give the same bytes); the
// timings are kept out of the JSON.
type Manifest struct {
	Scale string `json:"scale"`
	Seed  int64  `json:"seed"`
	// Now is the "today" of the data (YYYY-MM-DD); nothing is dated on or
	// after it.
	Now    string `json:"now"`
	Window Window `json:"window"`
	// MinimumWageFen is the local monthly minimum wage (2,490 yuan).
	MinimumWageFen int64 `json:"minimum_wage_fen"`
	// Counts is the number of rows loaded per table.
	Counts    map[string]int64 `json:"counts"`
	WellKnown WellKnown        `json:"well_known"`
	// Anomalies lists every planted anomaly kind, in a fixed order.
	Anomalies []*Anomaly `json:"anomalies"`

	// Timings of the phases and of each table's load, in order.
	Timings []Timing `json:"-"`
	// Elapsed is the wall time of Run.
	Elapsed time.Duration `json:"-"`
}

// Window is the period covered by attendance and payroll.
type Window struct {
	// From is the first day of the first full month; To is the day before
	// Now (the last day with attendance).
	From string `json:"from"`
	To   string `json:"to"`
	// Months are the full months (YYYY-MM) with payroll; the days of the
	// current month before Now have attendance but no payroll yet.
	Months []string `json:"months"`
}

// WellKnown are stable rows a README can point to. The project is clean
// for every rule.
type WellKnown struct {
	TownCode          string `json:"town_code"`
	TownName          string `json:"town_name"`
	ProjectID         int64  `json:"project_id"`
	ProjectCode       string `json:"project_code"`
	ProjectName       string `json:"project_name"`
	ContractorID      int64  `json:"contractor_id"`
	ContractorName    string `json:"contractor_name"`
	ContractorCredit  string `json:"contractor_credit_code"`
	TeamLeaderID      int64  `json:"team_leader_worker_id"`
	TeamLeaderName    string `json:"team_leader_name"`
	BlacklistedEntID  int64  `json:"blacklisted_enterprise_id"`
	SafetyHomeID      int64  `json:"safety_home_id"`
	ProjectWithIssues string `json:"project_with_issues_code"`
}

// Anomaly kinds, one per warning rule of SPEC R4 (group arrears needs
// arrears leads, which the seed does not generate).
const (
	AnomalyPayrollUnpaid      = "payroll_unpaid"
	AnomalyPayRatio           = "pay_ratio"
	AnomalyTransferGap        = "transfer_gap"
	AnomalyDepositMissing     = "deposit_missing"
	AnomalyDepositNotToppedUp = "deposit_not_topped_up"
	AnomalyBelowMinimumWage   = "below_minimum_wage"
	AnomalyExitUnsettled      = "exit_unsettled"
	AnomalyNoticeBoardMissing = "notice_board_missing"
	AnomalyContractUnsigned   = "contract_unsigned"
	AnomalyNoAttendance       = "no_attendance"
)

// Anomaly is one kind of planted anomaly: the rule it feeds, the exact
// definition the data was built against, its parameters, and every key
// that must trigger it. Keys not listed are clean for this definition.
type Anomaly struct {
	Kind       string         `json:"kind"`
	Rule       string         `json:"rule"`
	Definition string         `json:"definition"`
	Params     map[string]any `json:"params"`
	Items      []AnomalyItem  `json:"items"`
}

// AnomalyItem is one affected key. Month is YYYY-MM for monthly rules.
// ImpliedBy names another anomaly kind whose planting makes this key
// trigger this rule as well (a month with no payroll at all also has
// people paid ÷ people attending = 0).
type AnomalyItem struct {
	ProjectID    int64   `json:"project_id"`
	ProjectCode  string  `json:"project_code"`
	Month        string  `json:"month,omitempty"`
	Level        string  `json:"level,omitempty"`
	WorkerID     int64   `json:"worker_id,omitempty"`
	EmploymentID int64   `json:"employment_id,omitempty"`
	WorkerIDs    []int64 `json:"worker_ids,omitempty"`
	Date         string  `json:"date,omitempty"`
	Detail       string  `json:"detail,omitempty"`
	ImpliedBy    string  `json:"implied_by,omitempty"`
}

// Timing is how long one phase or table took.
type Timing struct {
	Step string        `json:"step"`
	Rows int64         `json:"rows,omitempty"`
	Took time.Duration `json:"took"`
}

// Anomaly returns the anomaly of the given kind, or nil.
func (m *Manifest) Anomaly(kind string) *Anomaly {
	for _, a := range m.Anomalies {
		if a.Kind == kind {
			return a
		}
	}
	return nil
}

// anomaly is Anomaly that never returns nil.
func (m *Manifest) anomaly(kind string) *Anomaly {
	if a := m.Anomaly(kind); a != nil {
		return a
	}
	return &Anomaly{}
}

// JSON returns the manifest as indented JSON.
func (m *Manifest) JSON() ([]byte, error) {
	return json.MarshalIndent(m, "", "  ")
}

func (m *Manifest) write(path string) error {
	b, err := m.JSON()
	if err != nil {
		return fmt.Errorf("seed: manifest: %w", err)
	}
	b = append(b, '\n')
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("seed: manifest: %w", err)
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("seed: write manifest: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("seed: write manifest: %w", err)
	}
	return nil
}
