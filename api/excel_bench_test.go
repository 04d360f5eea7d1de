package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/authz"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/pii"
)

// Measurements of the Excel import and export (not assertions):
//
//	go test ./api/ -run '^$' -bench 'ImportRoster10k|ExportWorkers' -benchtime 1x
//	ANXIN_BENCH_EXPORT_ROWS=250000 go test ./api/ -run '^$' -bench ExportWorkers -benchtime 1x

// benchIDNumber is the i-th of a series of distinct valid ID numbers.
func benchIDNumber(i int) string {
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%10000)
	first := "330102" + birth.Format("20060102") + fmt.Sprintf("%03d", (i/10000)%1000)
	c, err := ident.ResidentIDCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// benchApp is the API on a fresh database, without a testing.T harness,
// and the token of a city supervisor.
func benchApp(b *testing.B) (*fiber.App, *pgxpool.Pool, *pii.Keyring, string) {
	b.Helper()
	pool := dbtest.New(b)
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(b, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	az, err := authz.New(context.Background(), pool, log)
	require.NoError(b, err)
	w := audit.NewWriter(pool, log)
	b.Cleanup(w.Close)
	app := api.New(api.Deps{Pool: pool, PII: keys, Logger: log, Authz: az, Audit: w})
	var id int64
	require.NoError(b, pool.QueryRow(context.Background(), `INSERT INTO accounts (username, display_name, role, password_hash)
		VALUES ('bench', 'bench', 'city_supervisor', $1) RETURNING id`, testPasswordHash()).Scan(&id))
	require.NoError(b, az.Grant(id, "city_supervisor", "city"))
	req, err := http.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"bench","password":"`+testPassword+`"}`))
	require.NoError(b, err)
	req.Header.Set("Content-Type", "application/json")
	res, err := app.Test(req, -1)
	require.NoError(b, err)
	var out struct{ Token string }
	require.NoError(b, json.NewDecoder(res.Body).Decode(&out))
	require.NotEmpty(b, out.Token)
	return app, pool, keys, out.Token
}

// benchProject creates a town, two enterprises, a project and a team in SQL.
func benchProject(b *testing.B, pool *pgxpool.Pool) int64 {
	b.Helper()
	ctx := context.Background()
	var project int64
	err := pool.QueryRow(ctx, `
		WITH t AS (INSERT INTO towns (code, name) VALUES ('330101', '甲镇') RETURNING code),
		     e AS (INSERT INTO enterprises (credit_code, name, type, town_code)
		           SELECT v.code, v.name, v.type, (SELECT code FROM t)
		           FROM (VALUES ('91330100MA27XL0E2G', '甲建设', 'builder'), ('91330101MA2AXXXX42', '甲总包', 'general_contractor')) v(code, name, type)
		           RETURNING id, type)
		INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id, contract_value_fen, start_date, planned_end_date, status)
		SELECT 'PB-0001', '基准项目', (SELECT code FROM t), 'housing',
		       (SELECT id FROM e WHERE type = 'builder'), (SELECT id FROM e WHERE type = 'general_contractor'),
		       100000000, date '2025-01-01', date '2027-12-31', 'in_construction'
		RETURNING id`).Scan(&project)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `INSERT INTO teams (project_id, name, trade) VALUES ($1, '木工班', '木工'), ($1, '钢筋班', '钢筋工')`, project)
	require.NoError(b, err)
	return project
}

func multipartBody(b *testing.B, data []byte) (*bytes.Buffer, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "roster.xlsx")
	require.NoError(b, err)
	_, err = fw.Write(data)
	require.NoError(b, err)
	require.NoError(b, mw.Close())
	return &body, mw.FormDataContentType()
}

// BenchmarkImportRoster10k imports a 10,000-row roster (phones and bank
// cards on every row, two teams) into a fresh database per iteration,
// through the HTTP API, and reports rows/s.
func BenchmarkImportRoster10k(b *testing.B) {
	const n = 10_000
	rows := make([][]any, n)
	for i := range rows {
		team := "木工班"
		if i%2 == 1 {
			team = "钢筋班"
		}
		rows[i] = rosterLine(fmt.Sprintf("工人%05d", i), benchIDNumber(i), fmt.Sprintf("139%08d", i), testBankCard(i), team, "2025-06-01")
	}
	file := rosterFile(b, rows...)
	b.Logf("roster: %d rows, %.1f MiB", n, float64(len(file))/(1<<20))
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		app, pool, _, token := benchApp(b)
		project := benchProject(b, pool)
		body, ct := multipartBody(b, file)
		req, err := http.NewRequest("POST", fmt.Sprintf("/api/v1/projects/%d/imports/workers", project), body)
		require.NoError(b, err)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+token)
		b.StartTimer()
		t0 := time.Now()
		res, err := app.Test(req, -1)
		d := time.Since(t0)
		b.StopTimer()
		elapsed += d
		require.NoError(b, err)
		out, _ := io.ReadAll(res.Body)
		require.Equal(b, 200, res.StatusCode, string(out))
		var workers int
		require.NoError(b, pool.QueryRow(context.Background(), "SELECT count(*) FROM employments").Scan(&workers))
		require.Equal(b, n, workers)
		b.Logf("import of %d rows: %s", n, d.Round(time.Millisecond))
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkExportWorkers exports N workers (ANXIN_BENCH_EXPORT_ROWS,
// default 20,000, with real ciphertexts of ID number, phone and bank card)
// over a real HTTP connection, and reports rows/s and the peak heap in use
// (sampled every 5 ms while the export runs).
func BenchmarkExportWorkers(b *testing.B) {
	n := 20_000
	if v := os.Getenv("ANXIN_BENCH_EXPORT_ROWS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(b, err)
	}
	app, pool, keys, token := benchApp(b)
	ctx := context.Background()
	t0 := time.Now()
	const chunk = 50_000
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		rows := make([][]any, 0, end-start)
		for i := start; i < end; i++ {
			rid, err := ident.ParseResidentID(benchIDNumber(i), time.Now())
			require.NoError(b, err)
			phone := fmt.Sprintf("139%08d", i)
			card := testBankCard(i)
			idEnc, err := keys.Encrypt(pii.KindIDNumber, rid.Number)
			require.NoError(b, err)
			phoneEnc, err := keys.Encrypt(pii.KindPhone, phone)
			require.NoError(b, err)
			cardEnc, err := keys.Encrypt(pii.KindBankCard, card)
			require.NoError(b, err)
			rows = append(rows, []any{fmt.Sprintf("工人%06d", i), idEnc, keys.Hash(pii.KindIDNumber, rid.Number), string(rid.Gender),
				rid.BirthDate, rid.ProvinceCode, rid.RegionCode, phoneEnc, keys.Hash(pii.KindPhone, phone), cardEnc, "中国建设银行"})
		}
		_, err := pool.CopyFrom(ctx, pgx.Identifier{"workers"},
			[]string{"name", "id_number_enc", "id_number_hash", "gender", "birth_date", "native_province", "native_region",
				"phone_enc", "phone_hash", "bank_card_enc", "bank_name"}, pgx.CopyFromRows(rows))
		require.NoError(b, err)
	}
	_, err := pool.Exec(ctx, "VACUUM ANALYZE workers")
	require.NoError(b, err)
	b.Logf("loaded %d workers in %s", n, time.Since(t0).Round(time.Millisecond))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	go func() { _ = app.Listener(ln) }()
	defer func() { _ = app.Shutdown() }()
	url := "http://" + ln.Addr().String() + "/api/v1/exports/workers.xlsx"

	var peak atomic.Uint64
	sample := func(stop <-chan struct{}, wg *sync.WaitGroup) {
		defer wg.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			for {
				p := peak.Load()
				if ms.HeapInuse <= p || peak.CompareAndSwap(p, ms.HeapInuse) {
					break
				}
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}
	runtime.GC()
	var baseline runtime.MemStats
	runtime.ReadMemStats(&baseline)
	b.ResetTimer()
	var elapsed time.Duration
	var size int64
	for i := 0; i < b.N; i++ {
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go sample(stop, &wg)
		start := time.Now()
		req, err := http.NewRequest("GET", url, nil)
		require.NoError(b, err)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		require.NoError(b, err)
		size, err = io.Copy(io.Discard, res.Body)
		require.NoError(b, err)
		_ = res.Body.Close()
		elapsed += time.Since(start)
		close(stop)
		wg.Wait()
		require.Equal(b, 200, res.StatusCode)
		require.Equal(b, strconv.Itoa(n), res.Header.Get("X-Export-Rows"))
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(size)/(1<<20), "file-MiB")
	b.Logf("export of %d workers: %.1f MiB file, %s per export, heap in use before %.1f MiB, peak %.1f MiB",
		n, float64(size)/(1<<20), (elapsed / time.Duration(b.N)).Round(time.Millisecond),
		float64(baseline.HeapInuse)/(1<<20), float64(peak.Load())/(1<<20))
}
