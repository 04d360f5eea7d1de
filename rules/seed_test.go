package rules_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/rules"
	"github.com/anxin-city/anxin/seed"
)

// itemKey is how a manifest item and a hit are compared, per rule: the
// subject, the period and, where the manifest says, the level and the
// unpaid workers.
func itemKey(kind string, it seed.AnomalyItem) string {
	switch kind {
	case seed.AnomalyPayrollUnpaid:
		return fmt.Sprintf("project:%d %s %s", it.ProjectID, it.Month, it.Level)
	case seed.AnomalyPayRatio:
		return fmt.Sprintf("project:%d %s %s %v", it.ProjectID, it.Month, it.Level, it.WorkerIDs)
	case seed.AnomalyBelowMinimumWage:
		return fmt.Sprintf("project:%d %s", it.ProjectID, it.Month)
	case seed.AnomalyDepositNotToppedUp, seed.AnomalyNoAttendance:
		return fmt.Sprintf("project:%d %s", it.ProjectID, it.Date)
	case seed.AnomalyExitUnsettled, seed.AnomalyContractUnsigned:
		return fmt.Sprintf("employment:%d project:%d %s", it.EmploymentID, it.ProjectID, it.Date)
	}
	return fmt.Sprintf("project:%d", it.ProjectID)
}

func hitKey(t *testing.T, h rules.Hit) string {
	switch h.Rule {
	case seed.AnomalyPayrollUnpaid:
		return fmt.Sprintf("project:%d %s %s", h.ProjectID, h.Period, h.Level)
	case seed.AnomalyPayRatio:
		var f struct {
			IDs []int64 `json:"unpaid_worker_ids"`
		}
		require.NoError(t, json.Unmarshal(h.Figures, &f))
		return fmt.Sprintf("project:%d %s %s %v", h.ProjectID, h.Period, h.Level, f.IDs)
	case seed.AnomalyBelowMinimumWage, seed.AnomalyDepositNotToppedUp, seed.AnomalyNoAttendance:
		return fmt.Sprintf("project:%d %s", h.ProjectID, h.Period)
	case seed.AnomalyExitUnsettled, seed.AnomalyContractUnsigned:
		return fmt.Sprintf("employment:%d project:%d %s", h.EmploymentID, h.ProjectID, h.Period)
	}
	return fmt.Sprintf("%s:%d", h.SubjectKind, h.SubjectID)
}

// TestRulesFindThePlantedAnomalies loads the small seed and runs every
// rule as of the seed's day: each rule must find every item the manifest
// lists for it (recall 1) and nothing else (precision 1); the well-known
// project DEMO-0001 raises nothing. The rules are exact against the
// generator (the manifest's definitions are what the queries compute);
// group arrears has no anomaly in the seed (it generates no leads), so it
// must find nothing there, and is tested on leads made here.
func TestRulesFindThePlantedAnomalies(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	key := make([]byte, pii.KeySize)
	keys, err := pii.New(key)
	require.NoError(t, err)
	m, err := seed.Run(ctx, pool, seed.Options{Scale: seed.ScaleSmall, Seed: 7, Keys: keys})
	require.NoError(t, err)
	q := db.Q(pool)
	asOf := seed.DefaultNow
	require.Equal(t, asOf.Format("2006-01-02"), m.Now)

	res, err := rules.Scan(ctx, q, asOf, rules.Filter{})
	require.NoError(t, err)
	require.Len(t, res, len(rules.Codes()), "every rule is enabled by default")
	byRule := map[string]rules.RuleResult{}
	seen := map[string]bool{}
	for _, r := range res {
		byRule[r.Rule.Code] = r
		for _, h := range r.Hits {
			assert.False(t, seen[h.Key()], "key %s twice", h.Key())
			seen[h.Key()] = true
			assert.NotEqual(t, m.WellKnown.ProjectID, h.ProjectID, "the well-known project raises %s", h.Key())
			assert.NotEmpty(t, h.Explanation)
			assert.Contains(t, []string{rules.Yellow, rules.Orange, rules.Red}, h.Level, h.Key())
		}
	}

	for _, a := range m.Anomalies {
		t.Run(a.Kind, func(t *testing.T) {
			r, ok := byRule[a.Kind]
			require.True(t, ok, "no rule for anomaly kind %s", a.Kind)
			// The rule's default params are the ones the seed planted against.
			var def map[string]float64
			require.NoError(t, json.Unmarshal(r.Rule.Params, &def))
			for k, v := range a.Params {
				assert.EqualValues(t, v, def[k], "default param %s", k)
			}
			want := map[string]bool{}
			implied := 0
			for _, it := range a.Items {
				want[itemKey(a.Kind, it)] = true
				if it.ImpliedBy != "" {
					implied++
				}
			}
			got := map[string]bool{}
			for _, h := range r.Hits {
				got[hitKey(t, h)] = true
			}
			found, right := 0, 0
			var missed, extra []string
			for k := range want {
				if got[k] {
					found++
				} else {
					missed = append(missed, k)
				}
			}
			for k := range got {
				if want[k] {
					right++
				} else {
					extra = append(extra, k)
				}
			}
			sort.Strings(missed)
			sort.Strings(extra)
			t.Logf("%-22s planted %3d (%d implied by another kind)  hits %3d  recall %.2f  precision %.2f",
				a.Kind, len(want), implied, len(got), ratio(found, len(want)), ratio(right, len(got)))
			assert.Empty(t, missed, "planted, not found")
			assert.Empty(t, extra, "found, not planted")
			assert.NotEmpty(t, want, "the small seed plants %s", a.Kind)
		})
	}
	t.Run("group_arrears", func(t *testing.T) {
		assert.Empty(t, byRule["group_arrears"].Hits, "the seed has no leads")
	})

	t.Run("OneProject", func(t *testing.T) {
		clean, err := rules.Scan(ctx, q, asOf, rules.Filter{ProjectID: m.WellKnown.ProjectID})
		require.NoError(t, err)
		for _, r := range clean {
			assert.Empty(t, r.Hits, "%s on the well-known project", r.Rule.Code)
		}
		// A planted project: exactly its hits of the full scan.
		pid := m.Anomaly(seed.AnomalyPayrollUnpaid).Items[0].ProjectID
		one, err := rules.Scan(ctx, q, asOf, rules.Filter{ProjectID: pid})
		require.NoError(t, err)
		var a, b []string
		for _, r := range one {
			for _, h := range r.Hits {
				a = append(a, h.Key())
			}
		}
		for _, r := range res {
			for _, h := range r.Hits {
				if h.ProjectID == pid {
					b = append(b, h.Key())
				}
			}
		}
		sort.Strings(a)
		sort.Strings(b)
		require.NotEmpty(t, a)
		assert.Equal(t, strings.Join(b, "\n"), strings.Join(a, "\n"))
	})
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}
