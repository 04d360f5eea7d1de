// Package seed generates a deterministic synthetic city for Anxin: towns,
// enterprises with credit listings, projects with their six wage systems,
// teams, workers with valid (encrypted) resident ID numbers, phones and bank
// cards, employments, a window of daily attendance, monthly payroll, wage
// accounts with labour-cost transfers, wage guarantee deposits with their
// movements, and wage-safety homes.
//
// Run loads one of the scales ("demo", "small", "city") into an empty,
// migrated database with COPY, in one transaction, and returns a Manifest:
// the counts per table, a few well-known rows a README can point to, and
// every anomaly that was planted for the warning rules of SPEC R4, with the
// exact keys (project, month, worker, employment) and the rule parameters.
// Outside the planted keys every project is clean for every rule, so rule
// tests can check precision as well as recall.
//
// The same Seed, Scale and Now give the same data (names, numbers, ids,
// dates, amounts) except ciphertexts, which use random nonces; look-up
// hashes depend on the PII key.
//
// Data is generated relative to Options.Now ("today"): a window of full
// months ending with the month before today, plus the days of the current
// month before today. Nothing is dated today or later.
package seed
