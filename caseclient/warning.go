package caseclient

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
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

// StartStalledWarnings starts the workflow of every warning recorded
// before `before` that never took its first step (see StartStalledLeads):
// a scan records its warnings, then starts them, and one that failed in
// between left them unseen by any enterprise or town.
func (c *Client) StartStalledWarnings(ctx context.Context, pool *pgxpool.Pool, before time.Time) (int, error) {
	rows, err := db.Q(pool).WarningStalled(ctx, before)
	if err != nil {
		return 0, err
	}
	started := 0
	for _, w := range rows {
		if _, err := c.StartWarning(ctx, warningInput(w)); err != nil {
			return started, err
		}
		c.logger().Warn("started the workflow of a stalled warning", "warning", w.ID, "recorded", w.CreatedAt)
		started++
	}
	return started, nil
}

// warningInput is the start of a recorded warning's workflow: the
// enterprise recorded with it answers (none for an employment or a
// project without a general contractor: the town handles it); group
// arrears go to the city at once.
func warningInput(w dbq.Warning) workflows.WarningInput {
	return workflows.WarningInput{WarningID: w.ID, By: cases.System, Rule: w.RuleCode, Level: w.Level,
		ProjectID: deref(w.ProjectID), EnterpriseID: deref(w.EnterpriseID), TownCode: deref(w.TownCode),
		AtCity: w.RuleCode == groupArrears}
}

// groupArrears is the rule whose warnings start with the city (a red
// warning of group arrears, raised at once).
const groupArrears = "group_arrears"
