package worker

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/workflows"
)

// DefaultStopTimeout is how long a stopping worker lets running activities
// finish when Options.StopTimeout is zero.
const DefaultStopTimeout = 10 * time.Second

// Options tunes a worker; the zero value is fine.
type Options struct {
	// Identity names this worker in workflow histories; default is the
	// client's identity (pid@host).
	Identity string
	// MaxConcurrentActivities and MaxConcurrentWorkflowTasks cap what this
	// process runs at once; 0 keeps the SDK's defaults.
	MaxConcurrentActivities    int
	MaxConcurrentWorkflowTasks int
	// StopTimeout is how long running activities get to finish once the
	// worker is asked to stop; default DefaultStopTimeout.
	StopTimeout time.Duration
}

// New returns a worker, not yet started, polling workflows.TaskQueue with
// every anxin workflow and the activities of acts (not nil) registered.
func New(c client.Client, acts *activities.Activities, opts Options) sdkworker.Worker {
	if opts.StopTimeout == 0 {
		opts.StopTimeout = DefaultStopTimeout
	}
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{
		Identity:                               opts.Identity,
		MaxConcurrentActivityExecutionSize:     opts.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: opts.MaxConcurrentWorkflowTasks,
		WorkerStopTimeout:                      opts.StopTimeout,
	})
	Register(w, acts)
	return w
}

// Register registers every anxin workflow and acts' activities on r. New
// calls it.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	RegisterWorkflows(r)
	r.RegisterActivity(acts)
}

// RegisterWorkflows registers every anxin workflow: Register's half that
// a replayer (which takes no activities) needs too.
func RegisterWorkflows(r sdkworker.WorkflowRegistry) {
	r.RegisterWorkflow(workflows.Ping)
	r.RegisterWorkflow(workflows.AuditRetention)
	r.RegisterWorkflow(workflows.LeadWorkflow)
	r.RegisterWorkflow(workflows.DispatchWorkflow)
	r.RegisterWorkflow(workflows.ScanWarnings)
	r.RegisterWorkflow(workflows.ScanWarningsOf)
	r.RegisterWorkflow(workflows.WarningWorkflow)
	r.RegisterWorkflow(workflows.SweepStalledCases)
	r.RegisterWorkflow(workflows.RecountDeadlines)
	r.RegisterWorkflow(workflows.DeliverSMS)
}

// Run starts a worker as New makes it and blocks until ctx ends, then stops
// it, waiting up to the stop timeout for running activities. It returns nil
// after a stop asked through ctx, or the error that stopped the worker
// (failure to start, or a fatal poll error such as an unknown namespace).
func Run(ctx context.Context, c client.Client, acts *activities.Activities, opts Options) error {
	if ctx.Err() != nil {
		return nil
	}
	w := New(c, acts, opts)
	interrupt := make(chan any)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			close(interrupt)
		case <-done:
		}
	}()
	if err := w.Run(interrupt); err != nil {
		return fmt.Errorf("temporal worker on task queue %s: %w", workflows.TaskQueue, err)
	}
	return nil
}
