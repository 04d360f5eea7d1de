package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/pii"
)

var testKey = func() []byte {
	k := make([]byte, pii.KeySize)
	for i := range k {
		k[i] = byte(i * 7)
	}
	return k
}()

func testKeys(t testing.TB) *pii.Keyring {
	t.Helper()
	k, err := pii.New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type seeded struct {
	pool *pgxpool.Pool
	m    *Manifest
	keys *pii.Keyring
	now  time.Time
}

// seed loads a scale into a fresh database.
func seedDB(t *testing.T, scale string, seed int64) seeded {
	t.Helper()
	pool := dbtest.New(t)
	keys := testKeys(t)
	m, err := Run(context.Background(), pool, Options{Scale: scale, Seed: seed, Keys: keys})
	if err != nil {
		t.Fatalf("seed %s: %v", scale, err)
	}
	return seeded{pool: pool, m: m, keys: keys, now: DefaultNow}
}

// TestDemo and TestSmall seed one database each and run their read-only
// checks on it as subtests.
func TestDemo(t *testing.T) {
	t.Parallel()
	s := seedDB(t, ScaleDemo, 1)
	for _, c := range []struct {
		name string
		fn   func(*testing.T, seeded)
	}{
		{"CountsMatchManifest", testDemoCounts},
		{"WellKnownRows", testWellKnownRows},
		{"SchemaRestoredAndSequencesAdvanced", testSchemaRestored},
		{"Anomalies", testAnomalies},
		{"RefusesSecondSeed", testRefusesSecondSeed}, // last: it tries to write
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
	}
}

// TestOtherNow seeds the demo relative to other days (the 1st of a month,
// a year boundary, a day early in the month) and checks the anomalies.
func TestOtherNow(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{
		time.Date(2027, 3, 1, 12, 0, 0, 0, cst),
		time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 6, 9, 0, 0, 0, 0, cst),
	} {
		t.Run(now.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			pool := dbtest.New(t)
			keys := testKeys(t)
			m, err := Run(context.Background(), pool, Options{Scale: ScaleDemo, Keys: keys, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			if m.Now != now.Format(time.DateOnly) {
				t.Errorf("manifest now %s", m.Now)
			}
			s := seeded{pool: pool, m: m, keys: keys, now: now}
			checkCounts(t, s)
			testAnomalies(t, s)
			testNothingInTheFuture(t, s)
		})
	}
}

func TestSmall(t *testing.T) {
	t.Parallel()
	s := seedDB(t, ScaleSmall, 1)
	for _, c := range []struct {
		name string
		fn   func(*testing.T, seeded)
	}{
		{"CountsMatchManifest", testSmallCounts},
		{"TownOutlines", testTownOutlines},
		{"PersonalData", testPersonalData},
		{"CreditCodes", testCreditCodes},
		{"NothingInTheFuture", testNothingInTheFuture},
		{"PayrollMatchesAttendance", testPayrollMatchesAttendance},
		{"Anomalies", testAnomalies},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
	}
}

func count(t *testing.T, pool *pgxpool.Pool, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func testDemoCounts(t *testing.T, s seeded) {
	checkCounts(t, s)
	m := s.m
	// the demo's shape
	for table, want := range map[string]int64{"towns": 3, "enterprises": 30, "projects": 12, "workers": 300} {
		if m.Counts[table] != want {
			t.Errorf("%s: %d rows, want %d", table, m.Counts[table], want)
		}
	}
	if n := m.Counts["employments"]; n < 300 || n > 400 {
		t.Errorf("employments: %d, want about 340", n)
	}
	if len(m.Window.Months) != 3 || m.Window.From != "2026-08-01" || m.Window.To != "2026-11-14" {
		t.Errorf("window %+v", m.Window)
	}
}

func testSmallCounts(t *testing.T, s seeded) {
	checkCounts(t, s)
	if len(s.m.Window.Months) != 12 {
		t.Errorf("window %+v", s.m.Window)
	}
	if n := s.m.Counts["attendance"]; n < 300000 || n > 800000 {
		t.Errorf("attendance: %d rows, want about half a million", n)
	}
}

func checkCounts(t *testing.T, s seeded) {
	t.Helper()
	for _, table := range seedTables {
		got := count(t, s.pool, "SELECT count(*) FROM "+table)
		if got != s.m.Counts[table] {
			t.Errorf("%s: %d rows in the database, manifest says %d", table, got, s.m.Counts[table])
		}
		if got == 0 {
			t.Errorf("%s: no rows", table)
		}
	}
}

func testWellKnownRows(t *testing.T, s seeded) {
	ctx := context.Background()
	wk := s.m.WellKnown
	var name string
	if err := s.pool.QueryRow(ctx, "SELECT name FROM towns WHERE code = $1", DemoTownCode).Scan(&name); err != nil || name != DemoTownName {
		t.Fatalf("town %s: %q, %v", DemoTownCode, name, err)
	}
	var code, status, town string
	if err := s.pool.QueryRow(ctx, "SELECT code, status, town_code, name FROM projects WHERE id = $1", wk.ProjectID).Scan(&code, &status, &town, &name); err != nil {
		t.Fatal(err)
	}
	if code != DemoProjectCode || status != "in_construction" || town != DemoTownCode || name != wk.ProjectName {
		t.Errorf("well-known project: %s %s %s %s", code, status, town, name)
	}
	if wk.TeamLeaderID == 0 || wk.BlacklistedEntID == 0 || wk.SafetyHomeID == 0 || wk.ProjectWithIssues == "" {
		t.Errorf("well-known rows missing: %+v", wk)
	}
	if n := count(t, s.pool, "SELECT count(*) FROM teams WHERE project_id = $1 AND leader_worker_id = $2", wk.ProjectID, wk.TeamLeaderID); n != 1 {
		t.Errorf("team leader %d is not a leader on the project", wk.TeamLeaderID)
	}
	if n := count(t, s.pool, "SELECT count(*) FROM enterprise_credit_listings WHERE enterprise_id = $1 AND kind = 'arrears_blacklist' AND removed_on IS NULL", wk.BlacklistedEntID); n != 1 {
		t.Errorf("enterprise %d is not blacklisted", wk.BlacklistedEntID)
	}
	// the same stable rows in every scale and seed
	g := newGen(scaleSpecs[ScaleSmall], 7, dateFromTime(DefaultNow), testKeys(t), nil)
	if err := g.genTowns(); err != nil {
		t.Fatal(err)
	}
	if err := g.genEnterprises(); err != nil {
		t.Fatal(err)
	}
	if err := g.genProjects(); err != nil {
		t.Fatal(err)
	}
	if p := g.projects[0]; p.town != DemoTownCode || p.name != wk.ProjectName || p.code != "PRJ-00001" || p.status != "in_construction" {
		t.Errorf("small scale, seed 7: project 1 is %+v", p)
	}
}

func testTownOutlines(t *testing.T, s seeded) {
	rows, err := s.pool.Query(context.Background(), "SELECT code, outline FROM towns ORDER BY code")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var code string
		var outline struct {
			Type        string         `json:"type"`
			Coordinates [][][2]float64 `json:"coordinates"`
		}
		if err := rows.Scan(&code, &outline); err != nil {
			t.Fatal(err)
		}
		n++
		if outline.Type != "Polygon" || len(outline.Coordinates) != 1 {
			t.Fatalf("%s: %+v", code, outline)
		}
		ring := outline.Coordinates[0]
		if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
			t.Errorf("%s: ring not closed: %v", code, ring)
		}
	}
	if n != 12 {
		t.Errorf("%d towns", n)
	}
}

func testPersonalData(t *testing.T, s seeded) {
	ctx := context.Background()
	rows, err := s.pool.Query(ctx, `
SELECT w.id, w.id_number_enc, w.id_number_hash, w.gender, w.birth_date, w.native_province, w.native_region,
       w.phone_enc, w.phone_hash, w.bank_card_enc, w.bank_name, (SELECT min(entry_date) FROM employments e WHERE e.worker_id = w.id)
FROM workers w`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	provinces := map[string]bool{}
	seen := map[string]bool{}
	n := 0
	for rows.Next() {
		var (
			id                                  int64
			idEnc, idHash, phEnc, phHash, cdEnc []byte
			gender, prov, region, bank          string
			birth                               time.Time
			firstEntry                          *time.Time
		)
		if err := rows.Scan(&id, &idEnc, &idHash, &gender, &birth, &prov, &region, &phEnc, &phHash, &cdEnc, &bank, &firstEntry); err != nil {
			t.Fatal(err)
		}
		n++
		num, err := s.keys.Decrypt(pii.KindIDNumber, idEnc)
		if err != nil {
			t.Fatalf("worker %d: decrypt ID number: %v", id, err)
		}
		rid, err := ident.ParseResidentID(num, s.now)
		if err != nil {
			t.Fatalf("worker %d: ID number rejected: %v", id, err)
		}
		if string(rid.Gender) != gender || !rid.BirthDate.Equal(birth) || rid.ProvinceCode != prov || rid.RegionCode != region {
			t.Fatalf("worker %d: row (%s %s %s %s) does not match the ID number (%s %s %s %s)", id,
				gender, birth.Format(time.DateOnly), prov, region, rid.Gender, rid.BirthDate.Format(time.DateOnly), rid.ProvinceCode, rid.RegionCode)
		}
		if age := rid.Age(s.now); age < 18 || age > 65 {
			t.Errorf("worker %d: age %d", id, age)
		}
		if firstEntry != nil && rid.Age(*firstEntry) < 18 {
			t.Errorf("worker %d: under 18 on entry %s", id, firstEntry.Format(time.DateOnly))
		}
		if string(idHash) != string(s.keys.Hash(pii.KindIDNumber, rid.Number)) {
			t.Fatalf("worker %d: ID hash does not match", id)
		}
		if seen[rid.Number] {
			t.Fatalf("worker %d: duplicate ID number", id)
		}
		seen[rid.Number] = true
		provinces[prov] = true

		phone, err := s.keys.Decrypt(pii.KindPhone, phEnc)
		if err != nil {
			t.Fatalf("worker %d: decrypt phone: %v", id, err)
		}
		if p, err := ident.ParseMobile(phone); err != nil || p != phone || string(phHash) != string(s.keys.Hash(pii.KindPhone, phone)) {
			t.Fatalf("worker %d: phone %v", id, err)
		}
		card, err := s.keys.Decrypt(pii.KindBankCard, cdEnc)
		if err != nil {
			t.Fatalf("worker %d: decrypt bank card: %v", id, err)
		}
		if c, err := ident.ParseBankCard(card); err != nil || c != card || bank == "" {
			t.Fatalf("worker %d: bank card %v", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 5000 {
		t.Errorf("%d workers", n)
	}
	if len(provinces) < 15 {
		t.Errorf("workers come from only %d provinces", len(provinces))
	}
	if f := count(t, s.pool, "SELECT count(*) FROM workers WHERE gender = 'female'"); f < 300 || f > 1200 {
		t.Errorf("%d women of 5000", f)
	}
}

func testCreditCodes(t *testing.T, s seeded) {
	rows, err := s.pool.Query(context.Background(), "SELECT credit_code, contact_phone_enc FROM enterprises")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	types := 0
	for rows.Next() {
		var code string
		var phone []byte
		if err := rows.Scan(&code, &phone); err != nil {
			t.Fatal(err)
		}
		c, err := ident.ParseCreditCode(code)
		if err != nil || c.Code != code {
			t.Errorf("credit code %s: %v", code, err)
		}
		if _, err := s.keys.Decrypt(pii.KindPhone, phone); err != nil {
			t.Errorf("contact phone: %v", err)
		}
		types++
	}
	if n := count(t, s.pool, "SELECT count(DISTINCT type) FROM enterprises"); n != 5 {
		t.Errorf("%d enterprise types", n)
	}
	if n := count(t, s.pool, "SELECT count(DISTINCT kind) FROM enterprise_credit_listings"); n != 3 {
		t.Errorf("%d credit listing kinds", n)
	}
}

func testSchemaRestored(t *testing.T, s seeded) {
	fresh := dbtest.New(t)
	ctx := context.Background()
	before, after := schemaSnapshot(t, fresh), schemaSnapshot(t, s.pool)
	if strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("schema after seeding differs:\nbefore:\n%s\nafter:\n%s", strings.Join(diff(before, after), "\n"), strings.Join(diff(after, before), "\n"))
	}
	// identity sequences continue after the loaded ids
	for _, table := range identityTables {
		var last, next int64
		if err := s.pool.QueryRow(ctx, fmt.Sprintf("SELECT coalesce(max(id), 0), nextval(pg_get_serial_sequence('%s', 'id')) FROM %s", table, table)).Scan(&last, &next); err != nil {
			t.Fatal(err)
		}
		if next != last+1 {
			t.Errorf("%s: next id %d after max id %d", table, next, last)
		}
	}
}

func schemaSnapshot(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
SELECT 'index ' || tablename || ' ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid) || ' valid=' || convalidated
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func diff(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func TestRefusesNonEmptyDatabase(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	if empty, err := IsEmpty(ctx, pool); err != nil || !empty {
		t.Fatalf("fresh database: IsEmpty = %v, %v", empty, err)
	}
	// any row in a seeded table makes the database non-empty
	if _, err := pool.Exec(ctx, "INSERT INTO towns (code, name) VALUES ('330199', '测试镇')"); err != nil {
		t.Fatal(err)
	}
	if empty, err := IsEmpty(ctx, pool); err != nil || empty {
		t.Fatalf("with a town: IsEmpty = %v, %v", empty, err)
	}
	_, err := Run(ctx, pool, Options{Keys: testKeys(t)})
	if !errors.Is(err, ErrNotEmpty) || !strings.Contains(err.Error(), "towns") {
		t.Fatalf("Run on a database with a town: %v", err)
	}
	if n := count(t, pool, "SELECT count(*) FROM towns"); n != 1 {
		t.Errorf("towns: %d", n)
	}
}

func testRefusesSecondSeed(t *testing.T, s seeded) {
	_, err := Run(context.Background(), s.pool, Options{Scale: ScaleDemo, Keys: testKeys(t)})
	if !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("second seed: %v", err)
	}
	checkCounts(t, s)
}

func TestOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	if _, err := Run(ctx, nil, Options{}); err == nil || !strings.Contains(err.Error(), "Keys") {
		t.Errorf("no keys: %v", err)
	}
	if _, err := Run(ctx, nil, Options{Scale: "huge", Keys: testKeys(t)}); err == nil || !strings.Contains(err.Error(), "huge") {
		t.Errorf("unknown scale: %v", err)
	}
}

// TestDeterminism seeds the demo twice into two databases, with different
// PII keys, and compares every non-ciphertext column; the look-up hashes,
// which depend on the key, are compared for a third run with the same key.
func TestDeterminism(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	run := func(key []byte, seed int64, name string) (map[string]string, []byte) {
		pool := dbtest.New(t)
		keys, err := pii.New(key)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name+".json")
		if _, err := Run(ctx, pool, Options{Scale: ScaleDemo, Seed: seed, Keys: keys, ManifestPath: path}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return digest(t, pool), b
	}
	var (
		wg             sync.WaitGroup
		d1, d2, d3, d4 map[string]string
		m1, m2, m3, m4 []byte
		otherKey       = pii.GenerateKey()
	)
	wg.Add(4)
	go func() { defer wg.Done(); d1, m1 = run(testKey, 1, "a") }()
	go func() { defer wg.Done(); d2, m2 = run(testKey, 1, "b") }()
	go func() { defer wg.Done(); d3, m3 = run(otherKey, 1, "c") }()
	go func() { defer wg.Done(); d4, m4 = run(testKey, 2, "d") }()
	wg.Wait()
	if t.Failed() {
		return
	}
	for _, table := range seedTables {
		if d1[table] != d2[table] {
			t.Errorf("%s differs between two runs with the same seed and key", table)
		}
		if d1[table+" (without hashes)"] != d3[table+" (without hashes)"] {
			t.Errorf("%s differs between two runs with the same seed and different keys", table)
		}
	}
	if string(m1) != string(m2) || string(m1) != string(m3) {
		t.Error("manifests differ between runs with the same seed")
	}
	var m Manifest
	if err := json.Unmarshal(m1, &m); err != nil || m.Scale != ScaleDemo || len(m.Anomalies) != 10 {
		t.Errorf("manifest file: %v %+v", err, m)
	}
	if d1["workers"] == d4["workers"] || string(m1) == string(m4) {
		t.Error("a different seed gives the same workers")
	}
	if d1["workers"] == d3["workers"] {
		t.Error("look-up hashes do not depend on the key")
	}
}

// digest hashes every table's rows without ciphertexts and timestamps of
// the load itself, with and without look-up hashes.
func digest(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, table := range seedTables {
		var all, noHash []string
		rows, err := pool.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				t.Fatal(err)
			}
			if col == "created_at" || col == "updated_at" || strings.HasSuffix(col, "_enc") {
				continue
			}
			all = append(all, col)
			if !strings.HasSuffix(col, "_hash") {
				noHash = append(noHash, col)
			}
		}
		rows.Close()
		for _, v := range []struct {
			key  string
			cols []string
		}{{table, all}, {table + " (without hashes)", noHash}} {
			var d string
			q := fmt.Sprintf(`SELECT md5(coalesce(string_agg(r::text, E'\n' ORDER BY r::text), '')) FROM (SELECT %s FROM %s) r`, strings.Join(v.cols, ", "), table)
			if err := pool.QueryRow(ctx, q).Scan(&d); err != nil {
				t.Fatal(err)
			}
			out[v.key] = d
		}
	}
	return out
}

// TestNothingInTheFuture: no row is dated on or after now.
func testNothingInTheFuture(t *testing.T, s seeded) {
	now := s.m.Now
	for _, c := range []string{
		"attendance.work_date", "employments.entry_date", "employments.exit_date", "employments.settled_on",
		"employments.contract_signed_on", "employments.contract_confirmed_at", "payroll_lines.paid_on", "payroll_lines.confirmed_at",
		"payroll_sheets.submitted_at", "labour_cost_transfers.transferred_on", "wage_deposit_movements.occurred_on",
		"safety_activities.held_on", "enterprise_credit_listings.listed_on", "enterprise_credit_listings.removed_on",
		"projects.start_date", "projects.completed_on", "wage_accounts.opened_on", "wage_accounts.closed_on", "work_records.work_date",
	} {
		table, col, _ := strings.Cut(c, ".")
		if n := count(t, s.pool, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s >= $1::date::timestamp AT TIME ZONE 'Asia/Shanghai'", table, col), now); n > 0 {
			t.Errorf("%s: %d rows on or after %s", c, n, now)
		}
	}
}

// TestPayrollMatchesAttendance: every payroll line's days are the worker's
// attendance days on the project in that month, its amount due is days ×
// daily wage, and attendance is about 22 days a month.
func testPayrollMatchesAttendance(t *testing.T, s seeded) {
	if n := count(t, s.pool, `
SELECT count(*) FROM payroll_lines l
JOIN payroll_sheets s ON s.id = l.sheet_id
LEFT JOIN LATERAL (SELECT count(*) AS days FROM attendance a
  WHERE a.project_id = s.project_id AND a.worker_id = l.worker_id
    AND a.work_date >= s.month AND a.work_date < s.month + interval '1 month') a ON true
JOIN employments e ON e.worker_id = l.worker_id AND e.project_id = s.project_id
WHERE l.days_worked <> a.days OR l.amount_due_fen <> l.days_worked * e.daily_wage_fen`); n != 0 {
		t.Errorf("%d payroll lines disagree with attendance", n)
	}
	var avg float64
	if err := s.pool.QueryRow(context.Background(), `
SELECT avg(days) FROM (SELECT count(*) AS days FROM attendance a
  JOIN employments e ON e.worker_id = a.worker_id AND e.project_id = a.project_id
  WHERE e.entry_date < $1::date AND (e.exit_date IS NULL OR e.exit_date > $1::date + 31) AND a.work_date >= $1::date AND a.work_date < $1::date + interval '1 month'
  GROUP BY a.worker_id, a.project_id) x`, "2026-06-01").Scan(&avg); err != nil {
		t.Fatal(err)
	}
	if avg < 20 || avg > 24 {
		t.Errorf("a full month has %.1f attendance days on average", avg)
	}
}

// TestExisting checks a database seeded elsewhere (for instance by
// seedbench -keep at city scale) against its manifest:
//
//	ANXIN_SEED_CHECK_URL=postgres://... ANXIN_SEED_CHECK_MANIFEST=city.json go test ./seed/ -run TestExisting
func TestExisting(t *testing.T) {
	url, path := os.Getenv("ANXIN_SEED_CHECK_URL"), os.Getenv("ANXIN_SEED_CHECK_MANIFEST")
	if url == "" || path == "" {
		t.Skip("set ANXIN_SEED_CHECK_URL and ANXIN_SEED_CHECK_MANIFEST to check a seeded database")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	now, err := time.Parse(time.DateOnly, m.Now)
	if err != nil {
		t.Fatal(err)
	}
	s := seeded{pool: pool, m: &m, now: now}
	checkCounts(t, s)
	testAnomalies(t, s)
	testNothingInTheFuture(t, s)
}

// TestOtherSeeds: the anomalies are exact for other seeds too.
func TestOtherSeeds(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{2, 3, 4} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			s := seedDB(t, ScaleDemo, seed)
			checkCounts(t, s)
			testAnomalies(t, s)
			testNothingInTheFuture(t, s)
		})
	}
}
