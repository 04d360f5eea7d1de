package caseclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/workflows"
)

// Account is a signed-in account as a case actor: who, in which role and
// domain, with the scope its binding gives it.
type Account struct {
	ID     int64
	Name   string
	Role   string
	Domain string
	Scope  db.Scope
}

// Actor is the account acting from ip.
func (a Account) Actor(ip string) cases.Actor {
	act := cases.Actor{AccountID: a.ID, Name: a.Name, Role: a.Role, Domain: a.Domain, IP: ip}
	act.TownCode, _ = a.Scope.TownCode()
	act.EnterpriseID, _ = a.Scope.EnterpriseID()
	act.ProjectID, _ = a.Scope.ProjectID()
	act.WorkerID, _ = a.Scope.WorkerID()
	return act
}

// LeadInput is the start of the workflow of a recorded lead: its row, the
// town and general contractor of its project (empty and 0 when the
// project is unknown), and who recorded it.
func LeadInput(l dbq.Lead, town string, contractor int64, by cases.Actor) workflows.LeadInput {
	in := workflows.LeadInput{LeadID: l.ID, Source: cases.Source(l.Source), ReceivedAt: l.ReceivedAt, By: by,
		TownCode: town, ContractorID: contractor, AmountClaimedFen: l.AmountClaimedFen, WorkersClaimed: int(l.WorkersClaimed)}
	if l.WorkerID != nil {
		in.WorkerID = *l.WorkerID
	}
	if l.ProjectID != nil {
		in.ProjectID = *l.ProjectID
	}
	return in
}

// LeadClaimants are the lines recorded with lead id, as its workflow's
// input holds them (ids, workers, amounts, app; no names or phones).
func LeadClaimants(ctx context.Context, q *dbq.Queries, id int64) ([]cases.Claimant, error) {
	rows, err := q.LeadClaimantsForStart(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]cases.Claimant, len(rows))
	for i, r := range rows {
		out[i] = cases.Claimant{ID: r.ID, AmountOwedFen: r.AmountOwedFen, App: r.App, Status: cases.ClaimantOpen}
		if r.WorkerID != nil {
			out[i].WorkerID = *r.WorkerID
		}
	}
	return out, nil
}

// StartLead starts a recorded lead's workflow (nothing if it runs
// already) and answers its state after the first step.
func (c *Client) StartLead(ctx context.Context, in workflows.LeadInput) (cases.LeadState, error) {
	var st cases.LeadState
	err := c.Start(ctx, Lead, in.LeadID, in, &st)
	return st, err
}

// ActLead sends action to lead id's workflow and answers the state after it.
func (c *Client) ActLead(ctx context.Context, id int64, action string, in workflows.ActionInput) (cases.LeadState, error) {
	var st cases.LeadState
	err := c.Act(ctx, Lead, id, action, in, &st)
	return st, err
}

// StartStalledLeads starts the workflow of every lead recorded before
// `before` whose first step is not in (status received): the API records
// the row, then starts the workflow, and a failure in between — Temporal
// unreachable, the process killed — would leave the lead unseen by any
// town. Starting is idempotent (the workflow ID is the lead's), so a run
// that races an API retry does no harm. It answers how many it started.
func (c *Client) StartStalledLeads(ctx context.Context, pool *pgxpool.Pool, before time.Time) (int, error) {
	rows, err := db.Q(pool).LeadStalledWithProjectAndRecorder(ctx, before)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, r := range rows {
		by := cases.System
		if r.Lead.ReceivedBy != nil && r.ByRole != nil {
			by = Account{ID: *r.Lead.ReceivedBy, Name: deref(r.ByName), Role: *r.ByRole, Domain: deref(r.ByDomain),
				Scope: db.BindingScope(r.ByTown, r.ByEnterprise, r.ByProject, r.ByWorker)}.Actor("")
		}
		var town string
		var contractor int64
		if r.ProjectTown != nil {
			town = *r.ProjectTown
		}
		if r.ProjectContractor != nil {
			contractor = *r.ProjectContractor
		}
		in := LeadInput(r.Lead, town, contractor, by)
		if in.Claimants, err = LeadClaimants(ctx, db.Q(pool), r.Lead.ID); err != nil {
			return started, err
		}
		if _, err := c.StartLead(ctx, in); err != nil {
			return started, err
		}
		c.logger().Warn("started the workflow of a stalled lead", "lead", r.Lead.ID, "recorded", r.Lead.CreatedAt)
		started++
	}
	return started, nil
}

// Sweeper is what the worker side's case activities run through
// (activities.Activities.Cases): the stalled-case sweep, and the signals
// of a calendar change (RecountDeadlines).
type Sweeper struct {
	Client *Client
	Pool   *pgxpool.Pool
}

// StartStalled starts the workflows of the cases recorded before
// `before` that never took their first step.
func (s Sweeper) StartStalled(ctx context.Context, before time.Time) (int, error) {
	leads, err := s.Client.StartStalledLeads(ctx, s.Pool, before)
	if err != nil {
		return leads, err
	}
	dispatches, err := s.Client.StartStalledDispatches(ctx, s.Pool, before)
	if err != nil {
		return leads + dispatches, err
	}
	warnings, err := s.Client.StartStalledWarnings(ctx, s.Pool, before)
	return leads + dispatches + warnings, err
}

// StartDispatch starts recorded dispatch d's workflow, assigned to towns
// by by (the lead workflow's supervision, activities.RecordLeadDispatch).
func (s Sweeper) StartDispatch(ctx context.Context, d dbq.Dispatch, towns []string, by cases.Actor) error {
	_, err := s.Client.StartDispatch(ctx, DispatchInput(d, towns, by))
	return err
}

// ScanWarnings runs the warning scan (Client.ScanWarnings) and answers
// what it did.
func (s Sweeper) ScanWarnings(ctx context.Context, asOf time.Time, f rules.Filter) (string, error) {
	r, err := s.Client.ScanWarnings(ctx, s.Pool, asOf, f)
	return r.String(), err
}

// CalendarChanged tells the workflow of case id of kind (a Kind's Name:
// lead, dispatch, warning) that year's holiday arrangement was entered or
// corrected (workflows.SignalCalendarChanged): it recounts its running
// deadlines through that year. A case closed meanwhile needs nothing.
func (s Sweeper) CalendarChanged(ctx context.Context, kind string, id int64, year int) error {
	var k Kind
	switch kind {
	case Lead.Name:
		k = Lead
	case Dispatch.Name:
		k = Dispatch
	case Warning.Name:
		k = Warning
	default:
		return fmt.Errorf("calendar change: unknown case kind %q", kind)
	}
	err := s.Client.Signal(ctx, k, id, workflows.SignalCalendarChanged, workflows.CalendarChanged{Year: year})
	if e := (*Error)(nil); errors.As(err, &e) && e.Code == k.Name+"_closed" {
		return nil
	}
	return err
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
