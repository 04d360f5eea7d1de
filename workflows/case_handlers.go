package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/cases"
)

// caseHandlers are what every case workflow (lead, dispatch, warning)
// answers through: its state (S) and its actions' input (I).
type caseHandlers[S, I any] struct {
	// snapshot is the state as the status query and every update answer it.
	snapshot func() S
	// projected: the first step is in Postgres.
	projected func() bool
	// check is the validator of action name; act its handler.
	check func(name string, in I) *Refusal
	act   func(ctx workflow.Context, name string, in I) (S, error)
}

// register sets the status query, the UpdateStarted that answers once
// the first step is projected (the answer of an Update-with-Start), and
// one validated Update per action of the kind's table.
func (h caseHandlers[S, I]) register(ctx workflow.Context, actions cases.Actions) error {
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (S, error) { return h.snapshot(), nil }); err != nil {
		return err
	}
	err := workflow.SetUpdateHandler(ctx, UpdateStarted, func(ctx workflow.Context) (S, error) {
		if err := workflow.Await(ctx, h.projected); err != nil {
			var zero S
			return zero, err
		}
		return h.snapshot(), nil
	})
	if err != nil {
		return err
	}
	for _, a := range actions {
		name := a.Name
		err := workflow.SetUpdateHandlerWithOptions(ctx, name,
			func(ctx workflow.Context, in I) (S, error) { return h.act(ctx, name, in) },
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in I) error {
				if r := h.check(name, in); r != nil {
					return r.appErr()
				}
				return nil
			}})
		if err != nil {
			return err
		}
	}
	return nil
}
