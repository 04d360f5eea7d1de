package workflows

import (
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// TaskQueue is the task queue every anxin workflow and activity runs on.
const TaskQueue = "anxin-cases"

// StatusQuery is the query every anxin workflow answers with its current
// state. Query, update and signal names are lower camel case.
const StatusQuery = "status"

// Workflow IDs are business keys, so that a case has exactly one workflow.

// LeadWorkflowPrefix begins the ID of every lead workflow.
const LeadWorkflowPrefix = "lead:"

// LeadWorkflowID is the ID of the workflow of arrears lead id (its row in
// table leads).
func LeadWorkflowID(id int64) string { return LeadWorkflowPrefix + strconv.FormatInt(id, 10) }

// WarningWorkflowID is the ID of the workflow of warning id (its row in
// table warnings).
func WarningWorkflowID(id int64) string { return WarningWorkflowPrefix + strconv.FormatInt(id, 10) }

// DispatchWorkflowID is the ID of the workflow of dispatch id (its row
// in table dispatches).
func DispatchWorkflowID(id int64) string { return DispatchWorkflowPrefix + strconv.FormatInt(id, 10) }

// StartOptions are the options to start the workflow with business key id
// on TaskQueue. Starting it again is a no-op that returns the existing run:
// while that run is open (conflict policy UseExisting) and after it has
// completed (reuse policy AllowDuplicateFailedOnly). Only a run that failed,
// timed out, or was cancelled or terminated lets the same ID start afresh.
// client.ExecuteWorkflow returns the existing run rather than an error
// because WorkflowExecutionErrorWhenAlreadyStarted stays false.
func StartOptions(id string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	}
}

// SignalCalendarChanged is the signal to a case workflow that the city
// entered or corrected a year's holiday arrangement (CalendarChanged):
// its running deadlines through that year are recounted.
const SignalCalendarChanged = "calendarChanged"
