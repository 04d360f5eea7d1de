package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
)

// EchoInput is the input of Echo.
type EchoInput struct {
	Message string
}

// EchoResult is what Echo returns.
type EchoResult struct {
	Message string
	// At is the worker's clock when the activity ran: it shows that the
	// call went through a real activity execution, not workflow code.
	At time.Time
}

// Echo returns its input with the time it ran. It writes nothing; it is the
// activity of the Ping workflow, which proves the wiring end to end.
func (a *Activities) Echo(ctx context.Context, in EchoInput) (EchoResult, error) {
	info := activity.GetInfo(ctx)
	a.logger().DebugContext(ctx, "echo",
		"workflow_id", info.WorkflowExecution.ID, "attempt", info.Attempt)
	return EchoResult{Message: in.Message, At: time.Now().UTC()}, nil
}
