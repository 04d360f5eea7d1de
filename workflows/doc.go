// Package workflows holds anxin's Temporal workflows — each arrears lead,
// warning and dispatch is one durable workflow that owns the case's state
// machine, deadlines and escalations — and their pure helpers.
//
// names.go is the contract shared with the API, the worker and the tests:
// the task queue, workflow ID builders, and the names of queries, updates
// and signals. Workflow code must be deterministic: no clock, network, DB
// or goroutines except through the workflow package; side effects go
// through activities.
package workflows
