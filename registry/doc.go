// Package registry holds the vocabulary of the registry (SPEC R2) that the
// API, the Excel templates and the seed generator share: the codes of every
// enumerated field with their Chinese labels. The codes are what the
// database CHECK constraints allow; keep the two in step.
package registry
