package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/pii"
)

// sample holds real keys drawn from the database, so requests hit rows
// that exist in realistic proportions.
type sample struct {
	towns       []string
	projects    []int64
	workers     []int64
	enterprises []int64
	sheets      []int64
	idNumbers   []string
	surnames    []string
	months      []time.Time
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// RegistryScenarios returns the registry read scenarios of
// docs/BENCHMARKS.md, with keys sampled from pool (ID numbers are
// decrypted with keys to exercise the hash look-up).
func RegistryScenarios(ctx context.Context, pool *pgxpool.Pool, keys *pii.Keyring) ([]Scenario, error) {
	var s sample
	q := func(sql string, scan func() []any, add func()) error {
		rows, err := pool.Query(ctx, sql)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := rows.Scan(scan()...); err != nil {
				return err
			}
			add()
		}
		return rows.Err()
	}
	var str string
	var id int64
	var enc []byte
	var t time.Time
	steps := []error{
		q(`SELECT code FROM towns`, func() []any { return []any{&str} }, func() { s.towns = append(s.towns, str) }),
		q(`SELECT id FROM projects WHERE status = 'in_construction' ORDER BY random() LIMIT 500`, func() []any { return []any{&id} }, func() { s.projects = append(s.projects, id) }),
		q(`SELECT id FROM workers TABLESAMPLE SYSTEM (2) LIMIT 2000`, func() []any { return []any{&id} }, func() { s.workers = append(s.workers, id) }),
		q(`SELECT id FROM enterprises ORDER BY random() LIMIT 500`, func() []any { return []any{&id} }, func() { s.enterprises = append(s.enterprises, id) }),
		q(`SELECT id FROM payroll_sheets ORDER BY random() LIMIT 500`, func() []any { return []any{&id} }, func() { s.sheets = append(s.sheets, id) }),
		q(`SELECT id_number_enc FROM workers TABLESAMPLE SYSTEM (1) LIMIT 500`, func() []any { return []any{&enc} }, func() {
			if v, err := keys.Decrypt(pii.KindIDNumber, enc); err == nil {
				s.idNumbers = append(s.idNumbers, v)
			}
		}),
		q(`SELECT DISTINCT left(name, 1) FROM workers TABLESAMPLE SYSTEM (1)`, func() []any { return []any{&str} }, func() { s.surnames = append(s.surnames, str) }),
		q(`SELECT DISTINCT month FROM payroll_sheets`, func() []any { return []any{&t} }, func() { s.months = append(s.months, t) }),
	}
	for _, err := range steps {
		if err != nil {
			return nil, fmt.Errorf("sample keys: %w", err)
		}
	}
	if len(s.workers) > 0 && len(s.idNumbers) == 0 {
		return nil, fmt.Errorf("sample keys: no ID number decrypts with this personal-data key: use the data dir (or ANXIN_PII_KEY) the database was seeded with")
	}
	if len(s.towns) == 0 || len(s.projects) == 0 || len(s.workers) == 0 || len(s.sheets) == 0 || len(s.idNumbers) == 0 || len(s.months) == 0 {
		return nil, fmt.Errorf("sample keys: the database has too little data (seed it: anxin seed --scale city)")
	}
	month := func(r *rand.Rand) (string, string) {
		m := pick(r, s.months)
		return m.Format("2006-01-02"), m.AddDate(0, 1, -1).Format("2006-01-02")
	}
	return []Scenario{
		{"workers?project_id", func(r *rand.Rand) string { return fmt.Sprintf("/api/v1/workers?project_id=%d", pick(r, s.projects)) }},
		{"workers?town_code&on_site", func(r *rand.Rand) string {
			return "/api/v1/workers?on_site=true&town_code=" + pick(r, s.towns)
		}},
		{"workers?q=surname&sort=name", func(r *rand.Rand) string {
			return "/api/v1/workers?sort=name&q=" + url.QueryEscape(pick(r, s.surnames))
		}},
		{"workers?id_number", func(r *rand.Rand) string { return "/api/v1/workers?id_number=" + pick(r, s.idNumbers) }},
		{"workers?page=N (unfiltered)", func(r *rand.Rand) string { return fmt.Sprintf("/api/v1/workers?page=%d", 1+r.IntN(500)) }},
		{"workers/:id", func(r *rand.Rand) string { return fmt.Sprintf("/api/v1/workers/%d", pick(r, s.workers)) }},
		{"projects?town_code&status", func(r *rand.Rand) string {
			return "/api/v1/projects?status=in_construction&town_code=" + pick(r, s.towns)
		}},
		{"projects?q&sort=-contract_value", func(r *rand.Rand) string {
			return "/api/v1/projects?sort=-contract_value_fen&q=" + url.QueryEscape(pick(r, []string{"工程", "安置", "道路", "学校", "二期"}))
		}},
		{"projects/:id", func(r *rand.Rand) string { return fmt.Sprintf("/api/v1/projects/%d", pick(r, s.projects)) }},
		{"enterprises?town_code&type", func(r *rand.Rand) string {
			return "/api/v1/enterprises?type=labour_firm&town_code=" + pick(r, s.towns)
		}},
		{"enterprises/:id", func(r *rand.Rand) string { return fmt.Sprintf("/api/v1/enterprises/%d", pick(r, s.enterprises)) }},
		{"employments?project_id&on_site", func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/employments?on_site=true&project_id=%d", pick(r, s.projects))
		}},
		{"attendance?project_id&month", func(r *rand.Rand) string {
			from, to := month(r)
			return fmt.Sprintf("/api/v1/attendance?project_id=%d&date_from=%s&date_to=%s", pick(r, s.projects), from, to)
		}},
		{"attendance/summary?project_id&month", func(r *rand.Rand) string {
			from, _ := month(r)
			return fmt.Sprintf("/api/v1/attendance/summary?project_id=%d&month=%s", pick(r, s.projects), from[:7])
		}},
		{"payroll-lines?sheet_id", func(r *rand.Rand) string { return fmt.Sprintf("/api/v1/payroll-lines?sheet_id=%d", pick(r, s.sheets)) }},
		{"payroll-sheets?project_id", func(r *rand.Rand) string {
			return fmt.Sprintf("/api/v1/payroll-sheets?project_id=%d", pick(r, s.projects))
		}},
	}, nil
}
