package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// A lead is recorded (its row, status received) before its workflow is
// started. If the API fails in between — Temporal unreachable, the
// process killed — the row would wait unseen by any town. StartStalled
// finds such rows and starts their workflows; starting is idempotent (the
// workflow ID is the lead's), so every API process may run it.

// StalledGrace is how long a recorded lead may wait for its first step
// before it counts as stalled.
const StalledGrace = time.Minute

// StartStalled starts the workflow of every lead recorded more than grace
// before now whose first step is not in; it answers how many it started.
func StartStalled(ctx context.Context, deps Deps, grace time.Duration) (int, error) {
	if deps.Temporal == nil {
		return 0, nil
	}
	if deps.Logger == nil {
		deps.Logger = slog.Default()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Server{deps: deps}
	rows, err := dbq.New(deps.Pool).LeadReceivedStale(ctx, deps.Now().Add(-grace))
	if err != nil {
		return 0, err
	}
	started := 0
	for _, r := range rows {
		it := intake{by: stalledActor(r)}
		if r.ProjectTown != nil {
			it.town = *r.ProjectTown
		}
		if r.ProjectContractor != nil {
			it.contractor = *r.ProjectContractor
		}
		if _, err := s.startLead(ctx, r.Lead, it); err != nil {
			return started, err
		}
		deps.Logger.Warn("started the workflow of a stalled lead", "lead", r.Lead.ID, "recorded", r.Lead.CreatedAt)
		started++
	}
	return started, nil
}

// stalledActor is who recorded the lead, as the intake step's actor (the
// system when the account is gone).
func stalledActor(r dbq.LeadReceivedStaleRow) cases.Actor {
	if r.Lead.ReceivedBy == nil || r.ByRole == nil {
		return cases.System
	}
	return caseActor(*r.Lead.ReceivedBy, deref(r.ByName), *r.ByRole, deref(r.ByDomain), "",
		db.BindingScope(r.ByTown, r.ByEnterprise, r.ByProject, r.ByWorker))
}

// RunStalledStarter runs StartStalled every interval until ctx ends.
func RunStalledStarter(ctx context.Context, deps Deps, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := StartStalled(ctx, deps, StalledGrace); err != nil && ctx.Err() == nil {
				deps.Logger.Error("start stalled leads", "err", err)
			}
		}
	}
}
