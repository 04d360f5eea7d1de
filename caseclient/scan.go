package caseclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	"golang.org/x/sync/errgroup"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/workflows"
)

// ScanResult is what a warning scan did.
type ScanResult struct {
	Hits     int `json:"hits"`
	Opened   int `json:"opened"`   // new warnings, their workflows started
	Raised   int `json:"raised"`   // open warnings whose condition got worse
	Resolved int `json:"resolved"` // open warnings whose condition cleared
	Started  int `json:"started"`  // warnings recorded before whose workflow had not started
	// Evaluated is how long the rules took; Stepped how long the records
	// and the workflows' steps took after them (for benchmarks and logs).
	Evaluated time.Duration `json:"-"`
	Stepped   time.Duration `json:"-"`
}

func (r ScanResult) String() string {
	return fmt.Sprintf("%d hits: %d opened, %d raised, %d resolved, %d started late", r.Hits, r.Opened, r.Raised, r.Resolved,
		r.Started)
}

// ScanParallel is how many warning workflows a scan starts (or raises,
// or resolves) at a time.
const ScanParallel = 8

// levelRank orders the warning levels.
var levelRank = map[string]int{"yellow": 1, "orange": 2, "red": 3}

// ScanWarnings evaluates every current, enabled warning rule as of asOf
// (rules.Scan) and keeps the warnings equal to the hits: one warning per
// rule + subject + period (rules.Hit.Key, unique in table warnings), so a
// rerun opens nothing twice. A new hit records its warning and starts its
// workflow; a hit whose level is above its open warning's raises it
// (raiseLevel); an open warning of a scanned rule that is not hit any more
// is resolved with the scan's date as the record of why (resolve). A
// warning recorded earlier whose workflow never started is started.
//
// A scan filtered to one project or enterprise (on demand) evaluates the
// rules for it alone and resolves only the open warnings of that project
// (or whose enterprise it is).
func (c *Client) ScanWarnings(ctx context.Context, pool *pgxpool.Pool, asOf time.Time, f rules.Filter) (ScanResult, error) {
	var res ScanResult
	q := db.Q(pool)
	began := time.Now()
	results, err := rules.Scan(ctx, q, asOf, f)
	if err != nil {
		return res, err
	}
	res.Evaluated = time.Since(began)
	codes := make([]string, len(results))
	var projects, enterprises []int64
	for i, r := range results {
		codes[i] = r.Rule.Code
		for _, h := range r.Hits {
			if h.ProjectID != 0 {
				projects = append(projects, h.ProjectID)
			} else if h.EnterpriseID != 0 {
				enterprises = append(enterprises, h.EnterpriseID)
			}
		}
	}
	towns, err := subjectTowns(ctx, q, projects, enterprises)
	if err != nil {
		return res, err
	}
	open, err := q.WarningOpenOfRules(ctx, codes)
	if err != nil {
		return res, err
	}
	byKey := make(map[string]dbq.Warning, len(open))
	for _, w := range open {
		if (f.ProjectID != 0 && deref(w.ProjectID) != f.ProjectID) || (f.EnterpriseID != 0 && deref(w.EnterpriseID) != f.EnterpriseID) {
			continue // outside the filtered scan: not re-checked by it
		}
		byKey[w.Key] = w
	}
	hit := map[string]rules.Hit{}
	opened := map[int64]bool{}
	system := cases.System
	// the workflows' steps (starts, raises, resolutions) run ScanParallel
	// at a time; the records are written one by one before them
	steps, sctx := errgroup.WithContext(ctx)
	steps.SetLimit(ScanParallel)
	var mu sync.Mutex
	count := func(n *int) {
		mu.Lock()
		*n++
		mu.Unlock()
	}
	for _, r := range results {
		for _, h := range r.Hits {
			res.Hits++
			key := h.Key()
			hit[key] = h
			town := hitTown(h, towns)
			if w, ok := byKey[key]; ok {
				switch {
				case w.Status == string(cases.WarningReceived):
					// recorded by a scan that could not start it: below
				case levelRank[h.Level] > levelRank[w.Level]:
					id, in := w.ID, workflows.WarningActionInput{Actor: system, Level: h.Level, Note: h.Explanation}
					steps.Go(func() error {
						if _, err := c.ActWarning(sctx, id, workflows.WarningRaise, in); err != nil {
							return fmt.Errorf("raise warning %d: %w", id, err)
						}
						count(&res.Raised)
						return nil
					})
				}
				continue
			}
			row, err := q.WarningInsert(ctx, dbq.WarningInsertParams{RuleCode: h.Rule, RuleVersion: h.RuleVersion,
				Level: h.Level, SubjectKind: h.SubjectKind, ProjectID: nonZero(h.ProjectID),
				EnterpriseID: nonZero(h.EnterpriseID), EmploymentID: nonZero(h.EmploymentID), TownCode: nonEmpty(town),
				Period: h.Period, Figures: h.Figures, Explanation: h.Explanation, Basis: r.Rule.Basis, Key: key})
			if errors.Is(err, db.ErrNotFound) {
				continue // recorded by a scan running at the same time
			}
			if err != nil {
				_ = steps.Wait()
				return res, fmt.Errorf("record warning %s: %w", key, err)
			}
			byKey[key] = row
			opened[row.ID] = true
		}
	}
	for key, w := range byKey {
		_, isHit := hit[key]
		switch {
		case w.Status == string(cases.WarningReceived) && isHit:
			counter := &res.Started
			if opened[w.ID] {
				counter = &res.Opened
			}
			steps.Go(func() error {
				if _, err := c.StartWarning(sctx, warningInput(w)); err != nil {
					return fmt.Errorf("start warning %d: %w", w.ID, err)
				}
				count(counter)
				return nil
			})
		case w.Status == string(cases.WarningReceived):
			// recorded, never started, and cleared since: nobody to ask
		case !isHit:
			steps.Go(func() error {
				if _, err := c.ActWarning(sctx, w.ID, workflows.WarningResolve, workflows.WarningActionInput{Actor: system,
					Note: "复查：" + asOf.Format("2006-01-02") + "扫描时预警条件已消除"}); err != nil {
					var e *Error
					if errors.As(err, &e) && e.Status < 500 {
						return nil // closed meanwhile by its holder
					}
					return fmt.Errorf("resolve warning %d: %w", w.ID, err)
				}
				count(&res.Resolved)
				return nil
			})
		}
	}
	err = steps.Wait()
	res.Stepped = time.Since(began) - res.Evaluated
	return res, err
}

// subjectTowns are the towns of the projects and enterprises, keyed
// {project, 0} and {0, enterprise}.
func subjectTowns(ctx context.Context, q *dbq.Queries, projects, enterprises []int64) (map[[2]int64]string, error) {
	out := map[[2]int64]string{}
	ps, err := q.WarningProjectTowns(ctx, projects)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[[2]int64{p.ID, 0}] = p.TownCode
	}
	es, err := q.WarningEnterpriseTowns(ctx, enterprises)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		out[[2]int64{0, e.ID}] = e.TownCode
	}
	return out, nil
}

// hitTown is the town of a hit: its project's, or its enterprise's for an
// enterprise subject (subjectTowns).
func hitTown(h rules.Hit, towns map[[2]int64]string) string {
	if h.ProjectID == 0 {
		return towns[[2]int64{0, h.EnterpriseID}]
	}
	return towns[[2]int64{h.ProjectID, 0}]
}

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CheckGroupArrears asks for the group arrears rule to be checked at once
// for the subject of a lead just recorded or joined — its project's
// general contractor (over all its projects), or the project when it has
// none — rather than at the next daily scan: a red warning to the city
// as soon as ten workers (the rule's threshold) have complained. It
// starts workflows.ScanWarningsOf on the worker side (or signals the one
// running for that subject to scan once more) and returns; a failure
// here loses nothing the daily scan would not find.
func (c *Client) CheckGroupArrears(ctx context.Context, projectID, contractorID int64) error {
	if c.Temporal == nil {
		return ErrUnavailable
	}
	f := rules.Filter{Rules: []string{groupArrears}}
	switch {
	case contractorID != 0:
		f.EnterpriseID = contractorID
	case projectID != 0:
		f.ProjectID = projectID
	default:
		return nil // no subject yet: the daily scan finds it once the lead has one
	}
	opts := workflows.StartOptions(workflows.ScanOfWorkflowID(f))
	opts.WorkflowIDReusePolicy = enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE // a scan per arrival, one at a time
	opts.WorkflowExecutionTimeout = time.Hour
	_, err := c.Temporal.SignalWithStartWorkflow(ctx, opts.ID, workflows.SignalRescan, nil, opts, workflows.ScanWarningsOf, f)
	return err
}
