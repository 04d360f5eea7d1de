package caseclient

import (
	"context"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/workflows"
)

// StartWarning starts a recorded warning's workflow (nothing if it runs
// already) and answers its state after the first step (the enterprise,
// town or city holding it, with its deadline).
func (c *Client) StartWarning(ctx context.Context, in workflows.WarningInput) (cases.WarningState, error) {
	var st cases.WarningState
	err := c.Start(ctx, Warning, in.WarningID, in, &st)
	return st, err
}

// ActWarning sends action to warning id's workflow and answers the state
// after it.
func (c *Client) ActWarning(ctx context.Context, id int64, action string, in workflows.WarningActionInput) (cases.WarningState, error) {
	var st cases.WarningState
	err := c.Act(ctx, Warning, id, action, in, &st)
	return st, err
}
