// Package caseclient is how the rest of the platform talks to the case
// workflows (arrears leads now; warnings and dispatches next): start a
// case's workflow and have its first step in the same call, send it an
// action (a Temporal Update) and have its answer, ask its status,
// describe and list its runs. It maps what a workflow answers — a
// refusal, a closed case, an unreachable cluster, a slow step — to an
// *Error that says how to answer a client, for any case kind.
//
// The API and `anxin cases check` (package reconcile) use it; the worker
// side's sweeper of stalled cases too (StartStalledLeads).
package caseclient

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/anxin-city/anxin/workflows"
)

// Kind is a case kind as the client needs it: how its workflows are
// named and started, and what it is called in messages.
type Kind struct {
	// Name prefixes the kind's refusal codes (lead_wrong_state, …).
	Name string
	// Label is the kind in Chinese (线索), for messages.
	Label string
	// WorkflowID is the ID of case id's workflow.
	WorkflowID func(id int64) string
	// Prefix begins every workflow ID of the kind.
	Prefix string
	// Workflow is the workflow function (started by Start).
	Workflow any
	// Started is the Update that answers once the first step is projected.
	Started string
}

// Lead is the arrears lead (workflows.LeadWorkflow).
var Lead = Kind{Name: "lead", Label: "线索", WorkflowID: workflows.LeadWorkflowID, Prefix: workflows.LeadWorkflowPrefix,
	Workflow: workflows.LeadWorkflow, Started: workflows.UpdateStarted}

// Dispatch is the city's dispatch to towns (workflows.DispatchWorkflow).
var Dispatch = Kind{Name: "dispatch", Label: "交办事项", WorkflowID: workflows.DispatchWorkflowID,
	Prefix: workflows.DispatchWorkflowPrefix, Workflow: workflows.DispatchWorkflow, Started: workflows.UpdateStarted}

// Warning is a warning raised by a rule's hit (workflows.WarningWorkflow).
var Warning = Kind{Name: "warning", Label: "预警", WorkflowID: workflows.WarningWorkflowID,
	Prefix: workflows.WarningWorkflowPrefix, Workflow: workflows.WarningWorkflow, Started: workflows.UpdateStarted}

// DefaultTimeout bounds a Start or an Act when Client.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Client talks to the case workflows through a Temporal client.
type Client struct {
	// Temporal is the connection; nil makes every call answer
	// ErrUnavailable (an API run without Temporal).
	Temporal client.Client
	// Timeout bounds Start and Act (default DefaultTimeout); a step that
	// takes longer answers ErrBusy, and its result shows on the case later.
	Timeout time.Duration
	Logger  *slog.Logger
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.Default()
	}
	return c.Logger
}

// Error is a failure of a case call as a client is answered: HTTP
// status, stable code, Chinese message, and the input field at fault.
type Error struct {
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

var (
	// ErrUnavailable: Temporal cannot be reached (or answered an error
	// that says nothing about the case).
	ErrUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "cases_unavailable", Message: "案件流程服务暂不可用，请稍后重试"}
	// ErrBusy: the step did not finish within the timeout; it may still
	// complete.
	ErrBusy = &Error{Status: http.StatusServiceUnavailable, Code: "case_busy", Message: "案件处理超时，请稍后刷新查看结果"}
)

// refusalStatus is the HTTP status of each kind of refusal (the part of
// a refusal code after "<kind>_"); any other refusal is a conflict with
// the case's state (409).
var refusalStatus = map[string]int{"not_actor": http.StatusForbidden, "invalid_input": http.StatusUnprocessableEntity}

// Start starts case id's workflow with input — nothing if it runs
// already — and answers, in the same call (Update-with-Start), the
// case's state once its first step is projected, decoded into out.
func (c *Client) Start(ctx context.Context, k Kind, id int64, input any, out any) error {
	if c.Temporal == nil {
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	wid := k.WorkflowID(id)
	op := c.Temporal.NewWithStartWorkflowOperation(workflows.StartOptions(wid), k.Workflow, input)
	h, err := c.Temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: op,
		UpdateOptions: client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: k.Started,
			WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	if err != nil {
		return c.mapError(k, id, "start", err)
	}
	return nil
}

// Act sends action with input to case id's workflow and decodes its
// answer (the state after the step) into out. A refusal of the workflow
// comes back as an *Error with its code, message and field.
func (c *Client) Act(ctx context.Context, k Kind, id int64, action string, input any, out any) error {
	if c.Temporal == nil {
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	h, err := c.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: k.WorkflowID(id), UpdateName: action, Args: []any{input},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, out)
	}
	if err != nil {
		return c.mapError(k, id, action, err)
	}
	return nil
}

// Signal sends signal name with arg to case id's workflow (its current
// run) and returns once Temporal has recorded it; the workflow handles it
// on its own time. A case whose workflow has completed (or never started)
// answers *Error <kind>_closed, an unreachable cluster ErrUnavailable.
func (c *Client) Signal(ctx context.Context, k Kind, id int64, name string, arg any) error {
	if c.Temporal == nil {
		return ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	if err := c.Temporal.SignalWorkflow(ctx, k.WorkflowID(id), "", name, arg); err != nil {
		return c.mapError(k, id, name, err)
	}
	return nil
}

// StartRecount starts the fan-out of a change of year's holiday
// arrangement (workflows.RecountDeadlines), replacing one of the same
// year still running, and answers its workflow ID.
func (c *Client) StartRecount(ctx context.Context, year int) (string, error) {
	if c.Temporal == nil {
		return "", ErrUnavailable
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	run, err := c.Temporal.ExecuteWorkflow(ctx, workflows.RecountStartOptions(year), workflows.RecountDeadlines, year)
	if err != nil {
		c.logger().Error("start the calendar recount", "year", year, "err", err)
		return "", ErrUnavailable
	}
	return run.GetID(), nil
}

// Refused is a workflow's refusal as a client is answered: 403 for the
// wrong actor, 422 (with the field) for wrong input, 409 for everything
// that depends on the case's state.
func Refused(k Kind, r workflows.Refusal) *Error {
	e := &Error{Status: http.StatusConflict, Code: r.Code, Message: r.Message}
	if s, ok := refusalStatus[strings.TrimPrefix(r.Code, k.Name+"_")]; ok {
		e.Status = s
	}
	if e.Status == http.StatusUnprocessableEntity {
		e.Field = r.Field
	}
	return e
}

// mapError maps what Temporal answered to an *Error.
func (c *Client) mapError(k Kind, id int64, action string, err error) error {
	if r, ok := workflows.AsRefusal(err); ok {
		return Refused(k, r)
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// the workflow has completed (a closed case) or never started
		return &Error{Status: http.StatusConflict, Code: k.Name + "_closed", Message: k.Label + "已办结，不能再操作"}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return ErrBusy
	}
	var de *serviceerror.DeadlineExceeded
	if errors.As(err, &de) {
		return ErrBusy
	}
	c.logger().Error("case workflow call", "kind", k.Name, "id", id, "action", action, "err", err)
	return ErrUnavailable
}

// Status asks case id's workflow for its state (the status query) and
// decodes it into out. Errors are Temporal's, unmapped, for callers
// that tell them apart (reconcile: a failed query is a finding, an
// unreachable cluster is not).
func (c *Client) Status(ctx context.Context, k Kind, id int64, out any) error {
	if c.Temporal == nil {
		return ErrUnavailable
	}
	var v converter.EncodedValue
	v, err := c.Temporal.QueryWorkflow(ctx, k.WorkflowID(id), "", workflows.StatusQuery)
	if err != nil {
		return err
	}
	if err := v.Get(out); err != nil {
		return &DecodeError{Err: err}
	}
	return nil
}

// DecodeError is a status answer that did not decode.
type DecodeError struct{ Err error }

func (e *DecodeError) Error() string { return "status answer: " + e.Err.Error() }
func (e *DecodeError) Unwrap() error { return e.Err }

// Describe tells whether case id's workflow exists (its latest run) and
// its execution status. Errors are Temporal's, unmapped.
func (c *Client) Describe(ctx context.Context, k Kind, id int64) (enumspb.WorkflowExecutionStatus, bool, error) {
	if c.Temporal == nil {
		return 0, false, ErrUnavailable
	}
	d, err := c.Temporal.DescribeWorkflowExecution(ctx, k.WorkflowID(id), "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return 0, false, nil
	case err != nil:
		return 0, false, err
	}
	return d.GetWorkflowExecutionInfo().GetStatus(), true, nil
}

// RunningPage is one page of the ids of the kind's running workflows
// (visibility), and the token of the next page (empty: none).
func (c *Client) RunningPage(ctx context.Context, k Kind, workflowType string, token []byte) ([]int64, []byte, error) {
	if c.Temporal == nil {
		return nil, nil, ErrUnavailable
	}
	resp, err := c.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query:    fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", workflowType),
		PageSize: 1000, NextPageToken: token})
	if err != nil {
		return nil, nil, err
	}
	var ids []int64
	for _, e := range resp.GetExecutions() {
		if id, ok := k.ID(e.GetExecution().GetWorkflowId()); ok {
			ids = append(ids, id)
		}
	}
	return ids, resp.GetNextPageToken(), nil
}

// ID is the case id of one of the kind's workflow IDs.
func (k Kind) ID(workflowID string) (int64, bool) {
	rest, ok := strings.CutPrefix(workflowID, k.Prefix)
	if !ok {
		return 0, false
	}
	var id int64
	if _, err := fmt.Sscan(rest, &id); err != nil || k.WorkflowID(id) != workflowID {
		return 0, false
	}
	return id, true
}
