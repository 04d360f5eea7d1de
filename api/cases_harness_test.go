package api_test

import (
	"testing"
	"time"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/worker/workertest"
)

// setupCases is setup with the case workflows running for real: an
// embedded Temporal server (in memory) and a worker whose activities write
// to this test's database. Stopped when the test ends.
func setupCases(t *testing.T) *harness {
	t.Helper()
	t.Parallel()
	return setupWith(t, withCases(t))
}

func withCases(t *testing.T) func(*api.Deps) {
	return func(d *api.Deps) {
		d.Temporal = workertest.Start(t, d.Pool)
		d.CaseTimeout = 20 * time.Second
		if d.EvidenceDir == "" {
			d.EvidenceDir = t.TempDir()
		}
	}
}
