// Package worker wires a Temporal worker for anxin: every workflow and
// activity registered on workflows.TaskQueue, with the same options in
// `anxin dev` (beside the embedded server), `anxin worker` and the
// end-to-end tests, and a Run that stops gracefully when its context ends.
package worker
