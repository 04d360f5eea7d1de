// Package reconcile checks that the Postgres projection of the case
// workflows says what the workflows hold.
//
// A lead's workflow (workflows.LeadWorkflow) owns its state; every step is
// written by activities.ProjectLead into leads, lead_events and
// case_tasks, which the API reads. Nothing else keeps the two in step, so
// a bug in a projection, a hand edit of a table, a restored backup or an
// API that crashed between recording a lead and starting its workflow
// leaves the API showing something the workflow does not hold. Leads
// compares, lead by lead, the state the workflow answers to
// workflows.StatusQuery with the projection, and reports every
// difference as a Finding; `anxin cases check` runs it.
//
// The check only reads: it repairs nothing. Both sides move while it
// runs (a step is in the workflow before its projection commits), so a
// lead that differs is checked again after a pause, and only a difference
// that stays is reported.
package reconcile
