package registry_test

import (
	"context"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/registry"
)

// TestEnumsMatchTheSchema reads the CHECK constraints of the migrated
// schema and requires each enumeration's codes to be exactly the values the
// database accepts, so a code added on one side only fails here.
func TestEnumsMatchTheSchema(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	cases := []struct {
		table, column string
		enum          registry.Enum
	}{
		{"enterprises", "type", registry.EnterpriseTypes},
		{"enterprise_credit_listings", "kind", registry.CreditKinds},
		{"projects", "industry", registry.Industries},
		{"projects", "status", registry.ProjectStatuses},
		{"project_wage_systems", "system", registry.WageSystems},
		{"project_wage_systems", "state", registry.WageSystemStates},
		{"workers", "gender", registry.Genders},
		{"attendance", "source", registry.AttendanceSources},
		{"payroll_sheets", "status", registry.PayrollStatuses},
		{"payroll_lines", "paid_via", registry.PaidVia},
		{"payroll_lines", "confirmation", registry.Confirmations},
		{"wage_deposits", "form", registry.DepositForms},
		{"wage_deposits", "status", registry.DepositStatuses},
		{"wage_deposit_movements", "kind", registry.DepositMovementKinds},
		{"safety_activities", "kind", registry.ActivityKinds},
		{"accounts", "role", registry.Roles},
		{"audit_log", "outcome", registry.AuditOutcomes},
		{"leads", "source", registry.LeadSources},
		{"leads", "status", registry.LeadStatuses},
		{"leads", "supervision", registry.Supervisions},
		{"leads", "closure_code", registry.ClosureCodes},
		{"case_tasks", "kind", registry.TaskKinds},
		{"lead_claimants", "status", registry.ClaimantStatuses},
		{"dispatches", "status", registry.DispatchStatuses},
		{"dispatches", "level", registry.DispatchLevels},
		{"dispatch_towns", "status", registry.DispatchTownStatuses},
		{"case_tasks", "actor", registry.TaskActors},
		{"warning_rules", "code", registry.WarningRules},
		{"warning_rules", "level", registry.WarningLevels},
		{"warning_rules", "subject", registry.WarningSubjects},
		{"warnings", "status", registry.WarningStatuses},
		{"warnings", "level", registry.WarningLevels},
		{"warnings", "subject_kind", registry.WarningSubjects},
		{"case_policies", "kind", registry.CasePolicyKinds},
	}
	quoted := regexp.MustCompile(`'([a-z_]+)'::text`)
	for _, tc := range cases {
		var def string
		err := pool.QueryRow(context.Background(), `
			SELECT pg_get_constraintdef(oid) FROM pg_constraint
			WHERE conrelid = $1::regclass AND contype = 'c' AND conname = $2`,
			tc.table, tc.table+"_"+tc.column+"_check").Scan(&def)
		require.NoError(t, err, "%s.%s has a CHECK constraint", tc.table, tc.column)
		var allowed []string
		for _, m := range quoted.FindAllStringSubmatch(def, -1) {
			allowed = append(allowed, m[1])
		}
		codes := append([]string(nil), tc.enum.Codes...)
		sort.Strings(allowed)
		sort.Strings(codes)
		require.Equal(t, allowed, codes, "%s.%s: %s", tc.table, tc.column, def)
		for _, c := range tc.enum.Codes {
			require.NotEmpty(t, tc.enum.Label(c), "%s has a Chinese label", c)
			back, ok := tc.enum.Code(tc.enum.Label(c))
			require.True(t, ok)
			require.Equal(t, c, back)
		}
	}
}
