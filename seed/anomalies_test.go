package seed

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// testAnomalies checks every planted anomaly by an independent SQL query
// that evaluates the rule's definition over the whole database: the keys
// it finds must be exactly the manifest's (recall and precision: every
// other project, month and employment is clean).
func testAnomalies(t *testing.T, s seeded) {
	now := s.m.Now
	ps := scaleSpecs[s.m.Scale].plants
	for _, c := range []struct {
		kind  string
		want  int // planted keys (before implied ones)
		query string
		key   func(AnomalyItem) string
	}{
		{AnomalyPayrollUnpaid, 2 * ps.payrollUnpaid, `
WITH att AS (
  SELECT DISTINCT project_id, date_trunc('month', work_date)::date AS m FROM attendance
  WHERE work_date < date_trunc('month', $1::date)
), paid AS (
  SELECT DISTINCT s.project_id, s.month AS m FROM payroll_sheets s JOIN payroll_lines l ON l.sheet_id = s.id
  WHERE l.amount_paid_fen > 0 AND l.paid_via = 'wage_account' AND l.paid_on < s.month + interval '2 months'
)
SELECT a.project_id || ' ' || to_char(a.m, 'YYYY-MM') || ' ' ||
       CASE WHEN a.m + interval '3 months' <= $1::date THEN 'red' ELSE 'orange' END
FROM att a LEFT JOIN paid p USING (project_id, m)
WHERE p.project_id IS NULL AND a.m + interval '2 months' <= $1::date`,
			func(it AnomalyItem) string { return fmt.Sprintf("%d %s %s", it.ProjectID, it.Month, it.Level) }},

		{AnomalyPayRatio, 2 * ps.payRatio, `
WITH att AS (
  SELECT DISTINCT project_id, date_trunc('month', work_date)::date AS m, worker_id FROM attendance
  WHERE work_date < date_trunc('month', $1::date)
), paid AS (
  SELECT DISTINCT s.project_id, s.month AS m, l.worker_id FROM payroll_sheets s JOIN payroll_lines l ON l.sheet_id = s.id
  WHERE l.amount_paid_fen > 0
)
SELECT a.project_id || ' ' || to_char(a.m, 'YYYY-MM') || ' ' ||
       CASE WHEN count(*) FILTER (WHERE p.worker_id IS NULL) > 0.10 * count(*) THEN 'red' ELSE 'yellow' END || ' ' ||
       string_agg(a.worker_id::text, ',' ORDER BY a.worker_id) FILTER (WHERE p.worker_id IS NULL)
FROM att a LEFT JOIN paid p USING (project_id, m, worker_id)
WHERE a.m + interval '2 months' <= $1::date
GROUP BY a.project_id, a.m
HAVING count(p.worker_id) < count(*)`,
			func(it AnomalyItem) string {
				var ids []string
				for _, w := range it.WorkerIDs {
					ids = append(ids, fmt.Sprint(w))
				}
				return fmt.Sprintf("%d %s %s %s", it.ProjectID, it.Month, it.Level, strings.Join(ids, ","))
			}},

		{AnomalyTransferGap, ps.transferGap, `
SELECT p.id::text FROM projects p JOIN wage_accounts a ON a.project_id = p.id
LEFT JOIN LATERAL (SELECT max(transferred_on) AS last FROM labour_cost_transfers t WHERE t.account_id = a.id) t ON true
WHERE p.status = 'in_construction' AND (t.last IS NULL OR t.last < $1::date - interval '1 month')`,
			func(it AnomalyItem) string { return fmt.Sprint(it.ProjectID) }},

		{AnomalyDepositMissing, ps.depositMissing, `
SELECT p.id::text FROM projects p
WHERE p.status = 'in_construction'
  AND NOT EXISTS (SELECT 1 FROM wage_deposits d WHERE d.project_id = p.id AND d.status = 'active')`,
			func(it AnomalyItem) string { return fmt.Sprint(it.ProjectID) }},

		// 10 working days are at least 14 calendar days; clean top-ups come
		// within 7 and planted payouts are 30 or more days old, so any
		// holiday calendar gives these keys.
		{AnomalyDepositNotToppedUp, ps.depositNoTopUp, `
SELECT d.project_id || ' ' || m.occurred_on FROM wage_deposit_movements m JOIN wage_deposits d ON d.id = m.deposit_id
WHERE m.kind = 'payout' AND d.status = 'active' AND m.occurred_on <= $1::date - 14
  AND NOT EXISTS (SELECT 1 FROM wage_deposit_movements u WHERE u.deposit_id = m.deposit_id AND u.kind = 'top_up'
                  AND u.amount_fen >= m.amount_fen AND u.occurred_on BETWEEN m.occurred_on AND m.occurred_on + 14)`,
			func(it AnomalyItem) string { return fmt.Sprintf("%d %s", it.ProjectID, it.Date) }},

		{AnomalyBelowMinimumWage, ps.belowMinimum, `
SELECT s.project_id || ' ' || to_char(s.month, 'YYYY-MM') FROM payroll_sheets s JOIN payroll_lines l ON l.sheet_id = s.id
WHERE l.amount_paid_fen > 0
GROUP BY s.project_id, s.month HAVING sum(l.amount_paid_fen) < 249000 * count(*)`,
			func(it AnomalyItem) string { return fmt.Sprintf("%d %s", it.ProjectID, it.Month) }},

		{AnomalyExitUnsettled, ps.exitUnsettled, `
SELECT id || ' ' || worker_id || ' ' || project_id || ' ' || exit_date FROM employments
WHERE exit_date IS NOT NULL AND settled_on IS NULL`,
			func(it AnomalyItem) string {
				return fmt.Sprintf("%d %d %d %s", it.EmploymentID, it.WorkerID, it.ProjectID, it.Date)
			}},

		{AnomalyNoticeBoardMissing, ps.noticeBoard, `
SELECT w.project_id::text FROM project_wage_systems w WHERE w.system = 'notice_board' AND w.state = 'missing'`,
			func(it AnomalyItem) string { return fmt.Sprint(it.ProjectID) }},

		{AnomalyContractUnsigned, ps.contract, `
SELECT id || ' ' || worker_id || ' ' || project_id || ' ' || entry_date FROM employments
WHERE entry_date <= $1::date - 30 AND (contract_signed_on IS NULL OR contract_signed_on > entry_date + 30)`,
			func(it AnomalyItem) string {
				return fmt.Sprintf("%d %d %d %s", it.EmploymentID, it.WorkerID, it.ProjectID, it.Date)
			}},

		{AnomalyNoAttendance, ps.noAttendance, `
SELECT p.id::text FROM projects p
LEFT JOIN LATERAL (SELECT max(work_date) AS last FROM attendance a WHERE a.project_id = p.id) a ON true
WHERE p.status = 'in_construction' AND (a.last IS NULL OR a.last < $1::date - 15)`,
			func(it AnomalyItem) string { return fmt.Sprint(it.ProjectID) }},
	} {
		t.Run(c.kind, func(t *testing.T) {
			a := s.m.Anomaly(c.kind)
			if a == nil {
				t.Fatal("not in the manifest")
			}
			var want []string
			planted := 0
			for _, it := range a.Items {
				want = append(want, c.key(it))
				if it.ImpliedBy == "" {
					planted++
				}
				if it.ProjectCode == s.m.WellKnown.ProjectCode {
					t.Errorf("the well-known project %s is planted", it.ProjectCode)
				}
			}
			if planted != c.want {
				t.Errorf("%d planted, the scale asks for %d", planted, c.want)
			}
			var args []any
			if strings.Contains(c.query, "$1") {
				args = append(args, now)
			}
			got := queryStrings(t, s, c.query, args...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("rule finds\n  %s\nmanifest lists\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}

	// Stricter facts about the clean data, which the definitions rely on.
	t.Run("CleanTransfersMonthly", func(t *testing.T) {
		if n := count(t, s.pool, `
SELECT count(*) FROM (
  SELECT month, lag(month) OVER (PARTITION BY account_id ORDER BY month) AS prev FROM labour_cost_transfers) x
WHERE prev IS NOT NULL AND month <> prev + interval '1 month'`); n != 0 {
			t.Errorf("%d gaps between consecutive transfer months", n)
		}
	})
	t.Run("CleanTopUpsWithinAWeek", func(t *testing.T) {
		if n := count(t, s.pool, `
SELECT count(*) FROM wage_deposit_movements m
WHERE m.kind = 'payout' AND EXISTS (SELECT 1 FROM wage_deposit_movements u WHERE u.deposit_id = m.deposit_id AND u.kind = 'top_up')
  AND NOT EXISTS (SELECT 1 FROM wage_deposit_movements u WHERE u.deposit_id = m.deposit_id AND u.kind = 'top_up'
                  AND u.amount_fen = m.amount_fen AND u.occurred_on BETWEEN m.occurred_on + 1 AND m.occurred_on + 7)`); n != 0 {
			t.Errorf("%d top-ups later than 7 days", n)
		}
		if n := count(t, s.pool, "SELECT count(*) FROM wage_deposit_movements WHERE kind = 'top_up'"); n == 0 {
			t.Error("no clean payout with its top-up")
		}
	})
	t.Run("CleanSitesAttendedThisWeek", func(t *testing.T) {
		idle := map[int64]bool{}
		for _, it := range s.m.Anomaly(AnomalyNoAttendance).Items {
			idle[it.ProjectID] = true
		}
		rows := queryStrings(t, s, `
SELECT p.id::text FROM projects p
LEFT JOIN LATERAL (SELECT max(work_date) AS last FROM attendance a WHERE a.project_id = p.id) a ON true
WHERE p.status = 'in_construction' AND (a.last IS NULL OR a.last < $1::date - 7)`, now)
		for _, r := range rows {
			var id int64
			fmt.Sscan(r, &id)
			if !idle[id] {
				t.Errorf("clean project %d has no attendance in the last 7 days", id)
			}
		}
	})
	t.Run("CleanContractsWithin20Days", func(t *testing.T) {
		if n := count(t, s.pool, `
SELECT count(*) FROM employments
WHERE contract_signed_on > entry_date + 20 AND contract_signed_on <= entry_date + 30`); n != 0 {
			t.Errorf("%d contracts signed 21 to 30 days after entry", n)
		}
		if n := count(t, s.pool, `
SELECT count(*) FROM employments WHERE contract_signed_on IS NULL AND entry_date > $1::date - 30 AND entry_date <= $1::date - 21`, now); n != 0 {
			t.Errorf("%d unsigned contracts 21 to 30 days after entry", n)
		}
	})
}

func queryStrings(t *testing.T, s seeded, q string, args ...any) []string {
	t.Helper()
	rows, err := s.pool.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
