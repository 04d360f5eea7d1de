package caseclient

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/workflows"
)

// StartDispatch starts a recorded dispatch's workflow (nothing if it runs
// already) and answers its state after the first step (the towns
// assigned, their deadlines counted).
func (c *Client) StartDispatch(ctx context.Context, in workflows.DispatchInput) (cases.DispatchState, error) {
	var st cases.DispatchState
	err := c.Start(ctx, Dispatch, in.DispatchID, in, &st)
	return st, err
}

// DispatchInput is the start of the workflow of recorded dispatch d,
// assigned to towns (sorted, distinct) by by.
func DispatchInput(d dbq.Dispatch, towns []string, by cases.Actor) workflows.DispatchInput {
	return workflows.DispatchInput{DispatchID: d.ID, By: by, Towns: towns, DueDays: int(d.DueDays), LeadID: deref(d.LeadID)}
}

// ActDispatch sends action to dispatch id's workflow and answers the
// state after it.
func (c *Client) ActDispatch(ctx context.Context, id int64, action string, in workflows.DispatchActionInput) (cases.DispatchState, error) {
	var st cases.DispatchState
	err := c.Act(ctx, Dispatch, id, action, in, &st)
	return st, err
}

// StartStalledDispatches starts the workflow of every dispatch recorded
// before `before` that never took its first step (see StartStalledLeads).
func (c *Client) StartStalledDispatches(ctx context.Context, pool *pgxpool.Pool, before time.Time) (int, error) {
	rows, err := db.Q(pool).DispatchStalledWithRecorder(ctx, before)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, r := range rows {
		d := r.Dispatch
		by := Account{ID: d.CreatedBy, Name: r.ByName, Role: r.ByRole, Domain: r.ByDomain, Scope: db.CityScope()}.Actor("")
		if _, err := c.StartDispatch(ctx, DispatchInput(d, r.Towns, by)); err != nil {
			return started, err
		}
		c.logger().Warn("started the workflow of a stalled dispatch", "dispatch", d.ID, "recorded", d.CreatedAt)
		started++
	}
	return started, nil
}
