package caseclient

import (
	"context"

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

// ActDispatch sends action to dispatch id's workflow and answers the
// state after it.
func (c *Client) ActDispatch(ctx context.Context, id int64, action string, in workflows.DispatchActionInput) (cases.DispatchState, error) {
	var st cases.DispatchState
	err := c.Act(ctx, Dispatch, id, action, in, &st)
	return st, err
}
