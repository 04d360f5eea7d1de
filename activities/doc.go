// Package activities holds the Temporal activities of anxin: the only code
// run on behalf of a workflow that may touch the outside world (Postgres
// projections, notifications, rule scans, exports).
//
// Activities are methods of Activities, which carries their dependencies.
// Workflows name them through a nil pointer, `var a *activities.Activities`,
// and the worker registers one value with the real dependencies. Every write
// an activity makes must be idempotent, keyed by workflow ID and step, so a
// retry changes nothing.
package activities
