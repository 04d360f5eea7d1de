package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/rules"
)

// The warning rules 预警规则 (SPEC R4) are data the city keeps: each rule's
// thresholds, level, enabled flag and towns, one version per change
// (rules package, migration 00011). A dry-run evaluates a proposed change
// without saving it.

type warningRuleOut struct {
	Code         string          `json:"code" codes:"warning_rules"`
	CodeLabel    string          `json:"code_label"`
	Name         string          `json:"name"`
	Subject      string          `json:"subject" doc:"project, enterprise or employment: what a hit is about" codes:"warning_subjects"`
	SubjectLabel string          `json:"subject_label"`
	Graded       bool            `json:"graded" doc:"true: the params grade each hit (level is null)"`
	Level        *string         `json:"level" doc:"yellow, orange or red; null for graded rules" codes:"warning_levels"`
	LevelLabel   string          `json:"level_label"`
	Params       json.RawMessage `json:"params" doc:"the rule's thresholds (JSON object; names and ranges per rule, see docs/API.md)"`
	Enabled      bool            `json:"enabled"`
	TownCodes    []string        `json:"town_codes" doc:"the towns the rule is limited to; empty: the whole city"`
	Basis        string          `json:"basis" doc:"the regulation or local policy the rule rests on"`
	Note         string          `json:"note"`
	Version      int32           `json:"version"`
	Current      bool            `json:"current"`
	ChangedBy    *int64          `json:"changed_by" doc:"account of the change; null for the defaults"`
	CreatedAt    time.Time       `json:"created_at"`
}

type warningRuleDetailOut struct {
	warningRuleOut
	History []warningRuleOut `json:"history" doc:"every version, newest first (the current one included)"`
}

type warningRuleIn struct {
	Params    json.RawMessage `json:"params,omitempty" doc:"the params to change (others keep their value)"`
	Level     *string         `json:"level,omitempty" doc:"yellow, orange or red (single-level rules only)"`
	Enabled   *bool           `json:"enabled,omitempty"`
	TownCodes []string        `json:"town_codes,omitempty" doc:"limit the rule to these towns; [] for the whole city"`
	Note      *string         `json:"note,omitempty" doc:"why it changed (up to 500 characters)"`
	Version   *int32          `json:"version,omitempty" required:"true"`
}

type warningDryRunIn struct {
	Params       json.RawMessage `json:"params,omitempty" doc:"proposed params (others keep the current value)"`
	Level        *string         `json:"level,omitempty"`
	Enabled      *bool           `json:"enabled,omitempty"`
	TownCodes    []string        `json:"town_codes,omitempty"`
	ProjectID    *int64          `json:"project_id,omitempty" doc:"evaluate for this project only"`
	EnterpriseID *int64          `json:"enterprise_id,omitempty" doc:"evaluate for this enterprise's projects only"`
	AsOf         *Date           `json:"as_of,omitempty" doc:"the day to evaluate for (default today)"`
	Limit        *int32          `json:"limit,omitempty" doc:"hits to list, 0–200 (default 50)"`
}

type warningHitOut struct {
	Key              string          `json:"key" doc:"rule code + subject + period: one warning per key"`
	SubjectKind      string          `json:"subject_kind" codes:"warning_subjects"`
	SubjectKindLabel string          `json:"subject_kind_label"`
	SubjectID        int64           `json:"subject_id"`
	SubjectName      string          `json:"subject_name"`
	ProjectID        int64           `json:"project_id"`
	ProjectCode      string          `json:"project_code"`
	ProjectName      string          `json:"project_name"`
	EnterpriseID     int64           `json:"enterprise_id"`
	EnterpriseName   string          `json:"enterprise_name"`
	EmploymentID     int64           `json:"employment_id"`
	Period           string          `json:"period"`
	Level            string          `json:"level" codes:"warning_levels"`
	LevelLabel       string          `json:"level_label"`
	Explanation      string          `json:"explanation"`
	Figures          json.RawMessage `json:"figures"`
}

type warningDryRunOut struct {
	Code      string          `json:"code" codes:"warning_rules"`
	CodeLabel string          `json:"code_label"`
	Name      string          `json:"name"`
	Version   int32           `json:"version" doc:"the current version the proposal changes"`
	AsOf      Date            `json:"as_of"`
	Params    json.RawMessage `json:"params" doc:"the params evaluated (current merged with the proposal)"`
	Enabled   bool            `json:"enabled"`
	Total     int             `json:"total" doc:"hits the proposal would raise"`
	// ByLevel counts the hits per level.
	ByLevel map[string]int  `json:"by_level"`
	Hits    []warningHitOut `json:"hits" doc:"the first limit hits"`
}

func (s *Server) warningRuleRoutes() {
	s.add(route{Method: "GET", Path: "/warning-rules", Perm: "warning-rules:read", Tag: "warnings", Summary: "The warning rules, current versions",
		Out: listOut[warningRuleOut]{}, Handler: s.warningRules})
	s.add(route{Method: "GET", Path: "/warning-rules/:code", Perm: "warning-rules:read", Tag: "warnings", Summary: "One warning rule with its version history",
		PathEnum: map[string][]string{"code": registry.WarningRules.Codes}, Out: warningRuleDetailOut{}, Handler: s.warningRule})
	s.add(route{Method: "PATCH", Path: "/warning-rules/:code", Perm: "warning-rules:write", Tag: "warnings", Summary: "Change a warning rule (a new version)",
		PathEnum: map[string][]string{"code": registry.WarningRules.Codes}, Body: warningRuleIn{}, Out: warningRuleOut{}, Handler: s.warningRuleUpdate})
	s.add(route{Method: "POST", Path: "/warning-rules/:code/dry-run", Perm: "warning-rules:write", Tag: "warnings",
		Summary:  "Evaluate a proposed change of a rule: how many warnings it would raise, and which (changes nothing)",
		PathEnum: map[string][]string{"code": registry.WarningRules.Codes}, Body: warningDryRunIn{}, Out: warningDryRunOut{}, Handler: s.warningRuleDryRun})
}

func ruleOut(r dbq.WarningRule) warningRuleOut {
	o := warningRuleOut{Code: r.Code, Name: r.Name, Subject: r.Subject, Graded: rules.Graded(r.Code), Level: r.Level, Params: r.Params, Enabled: r.Enabled, TownCodes: r.TownCodes,
		Basis: r.Basis, Note: r.Note, Version: r.Version, Current: r.Current, ChangedBy: r.ChangedBy, CreatedAt: r.CreatedAt}
	if r.Level != nil {
		o.LevelLabel = registry.WarningLevels.Label(*r.Level)
	}
	if o.TownCodes == nil {
		o.TownCodes = []string{}
	}
	return o
}

func (s *Server) warningRules(c *fiber.Ctx) error {
	rows, err := db.Q(s.deps.Pool).WarningRuleCurrentList(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]warningRuleOut, len(rows))
	for i, r := range rows {
		out[i] = ruleOut(r)
	}
	return wholeList(c, out)
}

// ruleCode is the :code path parameter when it names a rule.
func ruleCode(c *fiber.Ctx) (string, error) {
	code := c.Params("code")
	if !rules.Known(code) {
		return "", errNotFound
	}
	return code, nil
}

func (s *Server) warningRule(c *fiber.Ctx) error {
	code, err := ruleCode(c)
	if err != nil {
		return err
	}
	rows, err := db.Q(s.deps.Pool).WarningRuleVersions(c.UserContext(), code)
	if err != nil {
		return err
	}
	out := warningRuleDetailOut{History: make([]warningRuleOut, len(rows))}
	for i, r := range rows {
		out.History[i] = ruleOut(r)
		if r.Current {
			out.warningRuleOut = out.History[i]
		}
	}
	if out.Code == "" {
		return errNotFound
	}
	return c.JSON(out)
}

// proposal is a change to a rule, checked against its current version:
// the rule it would become. Every bad field is in v.
func proposal(v *check, cur dbq.WarningRule, params json.RawMessage, level *string, enabled *bool, towns []string) rules.Rule {
	r := rules.FromRow(cur)
	if params != nil {
		r.Params = rules.Merge(cur.Params, params)
	}
	if _, errs := rules.Validate(r.Code, r.Params); len(errs) > 0 {
		for _, e := range errs {
			v.fail(e.Field, e.Code, e.Message)
		}
	}
	if level != nil {
		switch {
		case rules.Graded(r.Code):
			v.fail("level", "not_applicable", "该规则按参数分级，不设统一预警级别")
		case !registry.WarningLevels.Has(*level):
			v.fail("level", "invalid_value", "预警级别应为yellow（黄色）、orange（橙色）或red（红色）")
		default:
			r.Level = *level
		}
	}
	if enabled != nil {
		r.Enabled = *enabled
	}
	if towns != nil {
		seen := map[string]bool{}
		clean := []string{}
		for i, t := range towns {
			if !townCodeRe.MatchString(t) {
				v.fail(fmt.Sprintf("town_codes[%d]", i), "invalid_value", "镇街代码应为6至12位数字")
				continue
			}
			if !seen[t] {
				seen[t] = true
				clean = append(clean, t)
			}
		}
		sort.Strings(clean)
		r.TownCodes = clean
	}
	return r
}

// townsKnown fails town_codes when a town does not exist.
func townsKnown(c *fiber.Ctx, q *dbq.Queries, v *check, towns []string) error {
	if len(towns) == 0 {
		return nil
	}
	n, err := q.WarningRuleTownsKnown(c.UserContext(), towns)
	if err != nil {
		return err
	}
	if int(n) != len(towns) {
		v.fail("town_codes", "reference_not_found", "镇街不存在")
	}
	return nil
}

func (s *Server) warningRuleUpdate(c *fiber.Ctx) error {
	code, err := ruleCode(c)
	if err != nil {
		return err
	}
	var in warningRuleIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	v.text("note", in.Note, false, 500)
	if in.Params != nil && string(in.Params) == "null" {
		v.fail("params", "invalid_type", "规则参数应为JSON对象")
	}
	if err := v.err(); err != nil {
		return err
	}
	var row dbq.WarningRule
	err = s.inTx(c, func(q *dbq.Queries) error {
		ctx := c.UserContext()
		cur, err := q.WarningRuleCurrent(ctx, code)
		if errors.Is(err, db.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		r := proposal(&v, cur, in.Params, in.Level, in.Enabled, in.TownCodes)
		if err := townsKnown(c, q, &v, r.TownCodes); err != nil {
			return err
		}
		if err := v.err(); err != nil {
			return err
		}
		if *in.Version != cur.Version {
			return errVersionConflict
		}
		n, err := q.WarningRuleRetire(ctx, dbq.WarningRuleRetireParams{Code: code, Version: cur.Version})
		if err != nil {
			return err
		}
		if n == 0 {
			return errVersionConflict
		}
		p, _ := rules.Validate(code, r.Params)
		var level *string
		if r.Level != "" {
			level = &r.Level
		}
		note := ""
		if in.Note != nil {
			note = *in.Note
		}
		var by *int64
		if pr := principalOf(c); pr != nil && pr.AccountID != 0 {
			by = &pr.AccountID
		}
		row, err = q.WarningRuleInsert(ctx, dbq.WarningRuleInsertParams{Code: code, Version: cur.Version + 1, Name: cur.Name,
			Subject: cur.Subject, Level: level, Params: p.JSON(), Enabled: r.Enabled, TownCodes: r.TownCodes, Basis: cur.Basis,
			Note: note, ChangedBy: by})
		return versioned(err)
	})
	if err != nil {
		return err
	}
	return c.JSON(ruleOut(row))
}

func (s *Server) warningRuleDryRun(c *fiber.Ctx) error {
	code, err := ruleCode(c)
	if err != nil {
		return err
	}
	var in warningDryRunIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.positiveID("project_id", in.ProjectID, false)
	v.positiveID("enterprise_id", in.EnterpriseID, false)
	limit := int32(50)
	if in.Limit != nil {
		if *in.Limit < 0 || *in.Limit > 200 {
			v.fail("limit", "out_of_range", "应为0至200")
		} else {
			limit = *in.Limit
		}
	}
	if in.Params != nil && string(in.Params) == "null" {
		v.fail("params", "invalid_type", "规则参数应为JSON对象")
	}
	asOf := s.today()
	if in.AsOf != nil {
		asOf = in.AsOf.Time
	}
	ctx := c.UserContext()
	q := db.Q(s.deps.Pool)
	cur, err := q.WarningRuleCurrent(ctx, code)
	if errors.Is(err, db.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	r := proposal(&v, cur, in.Params, in.Level, in.Enabled, in.TownCodes)
	if err := townsKnown(c, q, &v, r.TownCodes); err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	var f rules.Filter
	if in.ProjectID != nil {
		f.ProjectID = *in.ProjectID
	}
	if in.EnterpriseID != nil {
		f.EnterpriseID = *in.EnterpriseID
	}
	hits, err := rules.Evaluate(ctx, q, r, asOf, f)
	if err != nil {
		return err
	}
	p, _ := rules.Validate(code, r.Params)
	out := warningDryRunOut{Code: code, Name: cur.Name, Version: cur.Version, AsOf: Date{asOf}, Params: p.JSON(),
		Enabled: r.Enabled, Total: len(hits), ByLevel: map[string]int{}, Hits: []warningHitOut{}}
	for _, h := range hits {
		out.ByLevel[h.Level]++
	}
	if len(hits) > int(limit) {
		hits = hits[:limit]
	}
	names, err := hitNames(c, q, hits)
	if err != nil {
		return err
	}
	for _, h := range hits {
		o := warningHitOut{Key: h.Key(), SubjectKind: h.SubjectKind, SubjectID: h.SubjectID, ProjectID: h.ProjectID, EnterpriseID: h.EnterpriseID, EmploymentID: h.EmploymentID,
			Period: h.Period, Level: h.Level, Explanation: h.Explanation, Figures: h.Figures}
		if pn, ok := names.projects[h.ProjectID]; ok {
			o.ProjectCode, o.ProjectName = pn.Code, pn.Name
		}
		o.EnterpriseName = names.enterprises[h.EnterpriseID]
		switch h.SubjectKind {
		case rules.SubjectProject:
			o.SubjectName = o.ProjectName
		case rules.SubjectEnterprise:
			o.SubjectName = o.EnterpriseName
		case rules.SubjectEmployment:
			o.SubjectName = names.workers[h.EmploymentID] + "（" + o.ProjectName + "）"
		}
		out.Hits = append(out.Hits, o)
	}
	return c.JSON(out)
}

type hitNameSet struct {
	projects    map[int64]dbq.WarningHitProjectsRow
	enterprises map[int64]string
	workers     map[int64]string // by employment
}

// hitNames reads the names of the projects, enterprises and workers of
// hits (the dry-run's answer is a city supervisor's: city-wide).
func hitNames(c *fiber.Ctx, q *dbq.Queries, hits []rules.Hit) (hitNameSet, error) {
	ctx := c.UserContext()
	out := hitNameSet{projects: map[int64]dbq.WarningHitProjectsRow{}, enterprises: map[int64]string{}, workers: map[int64]string{}}
	var pids, eids, emps []int64
	for _, h := range hits {
		if h.ProjectID != 0 {
			pids = append(pids, h.ProjectID)
		}
		if h.EnterpriseID != 0 {
			eids = append(eids, h.EnterpriseID)
		}
		if h.EmploymentID != 0 {
			emps = append(emps, h.EmploymentID)
		}
	}
	if len(pids) > 0 {
		rows, err := q.WarningHitProjects(ctx, pids)
		if err != nil {
			return out, err
		}
		for _, r := range rows {
			out.projects[r.ID] = r
		}
	}
	if len(eids) > 0 {
		rows, err := q.WarningHitEnterprises(ctx, eids)
		if err != nil {
			return out, err
		}
		for _, r := range rows {
			out.enterprises[r.ID] = r.Name
		}
	}
	if len(emps) > 0 {
		rows, err := q.WarningHitEmployments(ctx, emps)
		if err != nil {
			return out, err
		}
		for _, r := range rows {
			out.workers[r.ID] = r.WorkerName
		}
	}
	return out, nil
}
