// Package rules evaluates the warning rules of SPEC R4 (预警规则).
//
// A rule is data (table warning_rules, one row per code and version:
// params, level, enabled flag, towns, basis) plus code in three places
// that share its code: a query in queries/warning_rules.sql that returns
// its hits set-based over the registry, an entry in specs below (its
// params with their ranges, the query call, the Chinese explanation of a
// hit's figures), and its default row in the migration. Evaluate runs one
// rule, Scan every enabled current rule; both change nothing. The warning
// workflows (not here) key each hit by Hit.Key, so a rerun of a scan finds
// the same keys.
package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// Levels.
const (
	Yellow = "yellow"
	Orange = "orange"
	Red    = "red"
)

// Subject kinds.
const (
	SubjectProject    = "project"
	SubjectEnterprise = "enterprise"
	SubjectEmployment = "employment"
)

// Rule is one version of a rule's definition (a warning_rules row).
type Rule struct {
	Code    string
	Version int32
	Name    string
	Subject string
	// Level is the level of every hit of a single-level rule; "" for the
	// rules whose params grade each hit (Graded).
	Level     string
	Params    json.RawMessage
	Enabled   bool
	TownCodes []string
	Basis     string
}

// FromRow is the rule of a warning_rules row.
func FromRow(r dbq.WarningRule) Rule {
	lvl := ""
	if r.Level != nil {
		lvl = *r.Level
	}
	return Rule{Code: r.Code, Version: r.Version, Name: r.Name, Subject: r.Subject, Level: lvl,
		Params: r.Params, Enabled: r.Enabled, TownCodes: r.TownCodes, Basis: r.Basis}
}

// Filter narrows an evaluation to one project or one enterprise (as
// builder, general contractor or labour firm of a team): the on-demand
// scan; and a scan to some rules (Rules: their codes). Zero fields do not
// filter.
type Filter struct {
	ProjectID    int64    `json:"project_id,omitempty"`
	EnterpriseID int64    `json:"enterprise_id,omitempty"`
	Rules        []string `json:"rules,omitempty"`
}

// Hit is one finding of a rule.
type Hit struct {
	Rule        string
	RuleVersion int32
	// SubjectKind is project, enterprise or employment; SubjectID its id.
	SubjectKind string
	SubjectID   int64
	// ProjectID is the subject's project (the warning's scope; 0 for an
	// enterprise subject); EnterpriseID the general contractor of the
	// project, or the enterprise subject; EmploymentID the employment
	// subject (else 0).
	ProjectID    int64
	EnterpriseID int64
	EmploymentID int64
	// Period is YYYY-MM (monthly rules), YYYY-MM-DD (an event's day) or
	// "" (a standing condition).
	Period string
	Level  string
	// Figures are what fired the hit (JSON object, per rule), Explanation
	// their Chinese rendering.
	Figures     json.RawMessage
	Explanation string
}

// Key identifies the condition a hit reports, stable across scans and
// rule versions: rule code, subject and period. One warning per key.
func (h Hit) Key() string {
	return h.Rule + "/" + h.SubjectKind + ":" + strconv.FormatInt(h.SubjectID, 10) + "/" + h.Period
}

// row is the columns every rule query answers (each sqlc Row type of
// queries/warning_rules.sql converts to it).
type row struct {
	ProjectID    int64
	EnterpriseID int64
	EmploymentID int64
	Period       string
	Level        string
	Figures      json.RawMessage
}

// args are what every rule query takes besides its params.
type args struct {
	asOf         time.Time
	projectID    *int64
	enterpriseID *int64
	towns        []string
}

// spec is the code side of a rule.
type spec struct {
	params []param
	// graded: the query sets each hit's level from the params.
	graded bool
	cross  func(Params) []FieldError
	query  func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error)
	// explain renders a hit's figures (decoded) in Chinese.
	explain func(h Hit, f figures) string
}

// Codes are the rule codes, in display order.
func Codes() []string { return registry.WarningRules.Codes }

// Graded reports whether a rule's params grade its hits (no rule level).
func Graded(code string) bool { return specs[code].graded }

// Known reports whether code is a rule with code behind it.
func Known(code string) bool { _, ok := specs[code]; return ok }

// Evaluate runs one rule as of a day (the scan's "today": data dated on
// or after it is not counted) and answers its hits, with figures and
// explanations, in a stable order. A disabled rule has none. It reads
// only.
func Evaluate(ctx context.Context, q *dbq.Queries, r Rule, asOf time.Time, f Filter) ([]Hit, error) {
	s, ok := specs[r.Code]
	if !ok {
		return nil, fmt.Errorf("rules: no rule %q", r.Code)
	}
	if !r.Enabled {
		return nil, nil
	}
	p, errs := Validate(r.Code, r.Params)
	if len(errs) > 0 {
		return nil, fmt.Errorf("rules: %s version %d: %v", r.Code, r.Version, errs[0])
	}
	a := args{asOf: time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC), towns: r.TownCodes}
	if a.towns == nil {
		a.towns = []string{}
	}
	if f.ProjectID != 0 {
		a.projectID = &f.ProjectID
	}
	if f.EnterpriseID != 0 {
		a.enterpriseID = &f.EnterpriseID
	}
	rows, err := s.query(ctx, q, p, a)
	if err != nil {
		return nil, fmt.Errorf("rules: %s: %w", r.Code, err)
	}
	hits := make([]Hit, 0, len(rows))
	for _, x := range rows {
		h := Hit{Rule: r.Code, RuleVersion: r.Version, ProjectID: x.ProjectID, EnterpriseID: x.EnterpriseID,
			EmploymentID: x.EmploymentID, Period: x.Period, Level: r.Level, Figures: x.Figures}
		if s.graded {
			h.Level = x.Level
		}
		switch {
		case x.EmploymentID != 0:
			h.SubjectKind, h.SubjectID = SubjectEmployment, x.EmploymentID
		case x.ProjectID != 0:
			h.SubjectKind, h.SubjectID = SubjectProject, x.ProjectID
		default:
			h.SubjectKind, h.SubjectID = SubjectEnterprise, x.EnterpriseID
		}
		var fig figures
		if err := json.Unmarshal(x.Figures, &fig); err != nil {
			return nil, fmt.Errorf("rules: %s: figures: %w", r.Code, err)
		}
		h.Explanation = s.explain(h, fig)
		hits = append(hits, h)
	}
	return hits, nil
}

// RuleResult is one rule's part of a scan.
type RuleResult struct {
	Rule Rule
	Hits []Hit
	Took time.Duration
}

// Scan evaluates every current, enabled rule as of a day (the daily scan
// with a zero filter, the on-demand one for a project or enterprise) and
// answers each rule's hits. It reads only.
func Scan(ctx context.Context, q *dbq.Queries, asOf time.Time, f Filter) ([]RuleResult, error) {
	defs, err := q.WarningRuleCurrentList(ctx)
	if err != nil {
		return nil, err
	}
	var out []RuleResult
	for _, d := range defs {
		r := FromRow(d)
		if !r.Enabled || (len(f.Rules) > 0 && !slices.Contains(f.Rules, r.Code)) {
			continue
		}
		t0 := time.Now()
		hits, err := Evaluate(ctx, q, r, asOf, f)
		if err != nil {
			return nil, err
		}
		out = append(out, RuleResult{Rule: r, Hits: hits, Took: time.Since(t0)})
	}
	return out, nil
}

// conv converts the rows of one rule query (each sqlc Row type has the
// same fields as row).
func conv[T ~struct {
	ProjectID    int64
	EnterpriseID int64
	EmploymentID int64
	Period       string
	Level        string
	Figures      json.RawMessage
}](rs []T, err error) ([]row, error) {
	if err != nil {
		return nil, err
	}
	out := make([]row, len(rs))
	for i, r := range rs {
		out[i] = row(r)
	}
	return out, nil
}
