package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
)

// PingInput is the input of Ping.
type PingInput struct {
	Message string
}

// PingResult is the output of Ping.
type PingResult struct {
	Message string
	// EchoedAt is when the Echo activity ran, by the worker's clock.
	EchoedAt time.Time
}

// PingStage is where a Ping is.
type PingStage string

// The stages of a Ping, in order.
const (
	PingStarted PingStage = "started"
	PingEchoing PingStage = "echoing"
	PingDone    PingStage = "done"
)

// PingStatus answers StatusQuery on a Ping.
type PingStatus struct {
	Stage  PingStage
	Result *PingResult `json:",omitempty"`
}

// Ping calls the Echo activity once and returns what it echoed. It has no
// business meaning: it proves that client, server, worker, workflow, query
// and activity are wired together (`anxin dev` and the end-to-end tests).
func Ping(ctx workflow.Context, in PingInput) (PingResult, error) {
	p := &ping{status: PingStatus{Stage: PingStarted}}
	if err := p.setup(ctx); err != nil {
		return PingResult{}, err
	}
	return p.run(ctx, in)
}

type ping struct {
	status PingStatus
}

func (p *ping) setup(ctx workflow.Context) error {
	return workflow.SetQueryHandler(ctx, StatusQuery, func() (PingStatus, error) {
		return p.status, nil
	})
}

func (p *ping) run(ctx workflow.Context, in PingInput) (PingResult, error) {
	var a *activities.Activities
	p.status.Stage = PingEchoing
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 3},
	})
	var echo activities.EchoResult
	if err := workflow.ExecuteActivity(actx, a.Echo, activities.EchoInput{Message: in.Message}).Get(ctx, &echo); err != nil {
		return PingResult{}, fmt.Errorf("echo: %w", err)
	}
	res := PingResult{Message: echo.Message, EchoedAt: echo.At}
	p.status = PingStatus{Stage: PingDone, Result: &res}
	return res, nil
}
