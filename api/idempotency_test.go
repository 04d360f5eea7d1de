package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/api"
)

// doKey performs a JSON request as token with the Idempotency-Key key (none
// when key is nil). It is safe in goroutines (no require).
func (h *harness) doKey(token, method, path string, key *string, body any) (resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return resp{}, err
		}
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if key != nil {
		req.Header.Set("Idempotency-Key", *key)
	}
	res, err := h.app.Test(req, -1)
	if err != nil {
		return resp{}, err
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	out := resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	if len(raw) > 0 && raw[0] == '{' {
		err = json.Unmarshal(raw, &out.Body)
	}
	return out, err
}

func (h *harness) mustKey(status int, token, method, path, key string, body any) resp {
	h.t.Helper()
	r, err := h.doKey(token, method, path, &key, body)
	require.NoError(h.t, err)
	require.Equal(h.t, status, r.Status, "%s %s (key %q): %s", method, path, key, r.Raw)
	return r
}

func (h *harness) countWhere(table, where string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE "+where, args...).Scan(&n))
	return n
}

// TestIdempotencyKeyLeads: a lead recorded with an Idempotency-Key is
// recorded once however often the request is sent again; the repeats get
// the first answer (Idempotent-Replayed: true). The same for a worker's
// report and the national import.
func TestIdempotencyKeyLeads(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	hotline := map[string]any{"source": "hotline", "reporter_name": "来电人", "project_named": "不明工地",
		"amount_claimed_fen": 100000, "description": "12345来电反映欠薪"}

	first := h.mustKey(201, f.city, "POST", v1("/leads"), "call-2026-0001", hotline)
	require.Empty(t, first.header("Idempotent-Replayed"))
	lead := first.num("lead_id")
	require.Positive(t, lead)
	require.Equal(t, 1, h.count("leads"))
	for i := 0; i < 3; i++ {
		again := h.mustKey(201, f.city, "POST", v1("/leads"), "call-2026-0001", hotline)
		require.Equal(t, "true", again.header("Idempotent-Replayed"))
		require.JSONEq(t, string(first.Raw), string(again.Raw), "the first answer, as it was")
		require.Equal(t, first.header("Content-Type"), again.header("Content-Type"))
	}
	// key order and spacing of the JSON do not make another request
	reordered := `{"description":"12345来电反映欠薪", "amount_claimed_fen":100000,"project_named":"不明工地","reporter_name":"来电人","source":"hotline"}`
	require.Equal(t, "true", h.mustKey(201, f.city, "POST", v1("/leads"), "call-2026-0001", reordered).header("Idempotent-Replayed"))
	require.Equal(t, 1, h.count("leads"), "recorded once")

	// the key with another request
	other := map[string]any{"source": "hotline", "reporter_name": "来电人", "project_named": "不明工地",
		"amount_claimed_fen": 200000, "description": "12345来电反映欠薪"}
	r := h.mustKey(422, f.city, "POST", v1("/leads"), "call-2026-0001", other)
	require.Equal(t, "idempotency_key_reused", r.code())
	require.Contains(t, r.fields(), "Idempotency-Key")
	require.Equal(t, 1, h.count("leads"))

	// without a key, or with another key, it is another lead
	h.as2(f.city, 201, "POST", "/api/v1/leads", hotline)
	h.mustKey(201, f.city, "POST", v1("/leads"), "call-2026-0002", hotline)
	require.Equal(t, 3, h.count("leads"))
	// keys are per account: a colleague's request with the same key is theirs
	_, colleague := h.account("city_supervisor", h.scope)
	tok := h.login(colleague, testPassword)
	c := h.mustKey(201, tok, "POST", v1("/leads"), "call-2026-0001", hotline)
	require.Empty(t, c.header("Idempotent-Replayed"))
	require.NotEqual(t, lead, c.num("lead_id"))
	require.Equal(t, 4, h.count("leads"))

	// a worker's report: repeated, the first answer (not a linked report)
	report := map[string]any{"project_id": f.ProjectA, "amount_claimed_fen": 1200000, "description": "三个月工资未发"}
	rep := h.mustKey(201, f.worker, "POST", v1("/leads/report"), "c1b7f3e0-5d2a-4f7e-9a61-7f0e2b3c4d5e", report)
	require.Equal(t, false, rep.Body["linked"])
	events := h.countWhere("lead_events", "lead_id = $1", rep.num("lead_id"))
	again := h.mustKey(201, f.worker, "POST", v1("/leads/report"), "c1b7f3e0-5d2a-4f7e-9a61-7f0e2b3c4d5e", report)
	require.Equal(t, "true", again.header("Idempotent-Replayed"))
	require.JSONEq(t, string(rep.Raw), string(again.Raw))
	require.Equal(t, events, h.countWhere("lead_events", "lead_id = $1", rep.num("lead_id")), "no report linked to it")

	// the national import: the first answer ("created"), not "existing"
	imp := map[string]any{"records": []any{map[string]any{"external_id": "GJ-2026-9", "reporter_name": "王五",
		"project_named": "某工地", "amount_claimed_fen": 300000, "description": "全国平台转来"}}}
	i1 := h.mustKey(200, f.city, "POST", v1("/leads/import"), "batch-9", imp)
	i2 := h.mustKey(200, f.city, "POST", v1("/leads/import"), "batch-9", imp)
	require.Equal(t, "true", i2.header("Idempotent-Replayed"))
	require.JSONEq(t, string(i1.Raw), string(i2.Raw))
	require.Contains(t, string(i2.Raw), `"outcome":"created"`)
	require.Equal(t, 1, h.countWhere("leads", "external_id = 'GJ-2026-9'"))

	// the system log names the key, and the replays
	require.Positive(t, h.auditCount(`action = 'POST /api/v1/leads' AND detail->>'idempotency_key' = 'call-2026-0001' AND detail->>'idempotent_replay' = 'true'`))
}

// TestIdempotencyKeyCreateRoutes covers the rules on a registry create
// route: the key's form, a refused request giving its key back, a
// duplicate while the first is in flight, expiry after 24 hours, keys per
// route, the headers kept, and concurrent duplicates creating one row.
func TestIdempotencyKeyCreateRoutes(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	tok := h.tokenFor("city_supervisor", h.scope)
	team := func(name string) map[string]any { return map[string]any{"project_id": f.ProjectA, "name": name} }
	teams := func() int { return h.count("teams") }
	before := teams()

	t.Run("KeyForm", func(t *testing.T) {
		for _, key := range []string{"", " ", "a b", "键", "tab\there", strings.Repeat("k", 129)} {
			r, err := h.doKey(tok, "POST", v1("/teams"), &key, team("瓦工班"))
			require.NoError(t, err)
			require.Equal(t, 400, r.Status, "%q: %s", key, r.Raw)
			require.Equal(t, "invalid_idempotency_key", r.code(), "%q", key)
			require.Contains(t, r.fields(), "Idempotency-Key")
		}
		require.Equal(t, before, teams(), "a bad key changes nothing")
		h.mustKey(201, tok, "POST", v1("/teams"), strings.Repeat("k", 128), team("瓦工班"))
		h.mustKey(201, tok, "POST", v1("/teams"), "!#$%&'*+-.^_`|~0123456789:;<=>?@[]{}\"", team("抹灰班"))
		before = teams()
	})
	t.Run("RefusedRequestGivesTheKeyBack", func(t *testing.T) {
		r := h.mustKey(422, tok, "POST", v1("/teams"), "team-1", map[string]any{"project_id": f.ProjectA})
		require.Equal(t, "required", r.code())
		r = h.mustKey(201, tok, "POST", v1("/teams"), "team-1", team("电工班"))
		require.Empty(t, r.header("Idempotent-Replayed"))
		require.Equal(t, "true", h.mustKey(201, tok, "POST", v1("/teams"), "team-1", team("电工班")).header("Idempotent-Replayed"))
		require.Equal(t, before+1, teams())
	})
	t.Run("KeysArePerRoute", func(t *testing.T) {
		r := h.mustKey(201, tok, "POST", v1("/safety-homes"), "team-1",
			map[string]any{"town_code": f.TownA, "name": "甲镇安薪之家", "established_on": "2025-01-10"})
		require.Empty(t, r.header("Idempotent-Replayed"))
	})
	t.Run("InFlight", func(t *testing.T) {
		// the first request with the key is still running
		// (the same account and request as team-1, not answered yet)
		_, err := h.pool.Exec(context.Background(), `
			INSERT INTO idempotency_keys (account_id, route, key, request_hash, created_at)
			SELECT account_id, route, 'team-2', request_hash, now() FROM idempotency_keys
			WHERE key = 'team-1' AND route = 'POST /api/v1/teams'`)
		require.NoError(t, err)
		r := h.mustKey(409, tok, "POST", v1("/teams"), "team-2", team("电工班"))
		require.Equal(t, "idempotency_in_progress", r.code())
		require.Equal(t, "1", r.header("Retry-After"))
		require.Equal(t, before+1, teams())
	})
	t.Run("ExpiresAfter24Hours", func(t *testing.T) {
		_, err := h.pool.Exec(context.Background(),
			`UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 minute' WHERE key = 'team-1' AND route = 'POST /api/v1/teams'`)
		require.NoError(t, err)
		r := h.mustKey(409, tok, "POST", v1("/teams"), "team-1", team("电工班"))
		require.Equal(t, "duplicate", r.code(), "run again: the team exists by now")
		r = h.mustKey(201, tok, "POST", v1("/teams"), "team-1", team("焊工班"))
		require.Empty(t, r.header("Idempotent-Replayed"), "an expired key is a new key")
		require.Equal(t, before+2, teams())
		require.Zero(t, h.countWhere("idempotency_keys", "created_at < now() - interval '24 hours'"), "expired keys are purged")
	})
	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		results := make([]resp, n)
		errs := make([]error, n)
		key := "team-concurrent"
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i], errs[i] = h.doKey(tok, "POST", v1("/teams"), &key, team("架子工班"))
			}()
		}
		wg.Wait()
		created, replayed, busy := 0, 0, 0
		var id int64
		for i, r := range results {
			require.NoError(t, errs[i])
			switch {
			case r.Status == 201 && r.header("Idempotent-Replayed") == "":
				created++
				id = r.num("id")
			case r.Status == 201:
				replayed++
			case r.Status == 409 && r.code() == "idempotency_in_progress":
				busy++
			default:
				t.Fatalf("unexpected answer %d: %s", r.Status, r.Raw)
			}
		}
		require.Equal(t, 1, created, "one request ran")
		require.Equal(t, n, created+replayed+busy)
		require.Equal(t, 1, h.countWhere("teams", "name = '架子工班'"))
		last := h.mustKey(201, tok, "POST", v1("/teams"), key, team("架子工班"))
		require.Equal(t, id, last.num("id"))
	})
	t.Run("StoredEncrypted", func(t *testing.T) {
		var body []byte
		require.NoError(t, h.pool.QueryRow(context.Background(),
			`SELECT response_body FROM idempotency_keys WHERE key = 'team-concurrent'`).Scan(&body))
		require.NotContains(t, string(body), "架子工班")
	})
}

// TestIdempotencyKeyKeepsHeaders: an evidence upload started again gets
// its Location (where to send the bytes) with the first answer.
func TestIdempotencyKeyKeepsHeaders(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	path := v1("/leads/%d/evidence", f.lead)
	body := map[string]any{"filename": "回单.pdf", "size": 3000}
	first := h.mustKey(201, f.ent, "POST", path, "upload-1", body)
	again := h.mustKey(201, f.ent, "POST", path, "upload-1", body)
	require.Equal(t, "true", again.header("Idempotent-Replayed"))
	require.Equal(t, first.header("Location"), again.header("Location"))
	require.NotEmpty(t, again.header("Location"))
	require.Equal(t, "0", again.header("Upload-Offset"))
	require.Equal(t, 1, h.count("evidence_files"))
	// the same key on another lead's path is another request
	other := f.mkLead("rectifying", f.TownA, f.ContractorA, f.ProjectA)
	require.Equal(t, "idempotency_key_reused", h.mustKey(422, f.ent, "POST", v1("/leads/%d/evidence", other), "upload-1", body).code())
}

// TestOpenAPIDocumentsIdempotencyKey: the header is documented on every
// create route and the lead import, and nowhere else.
func TestOpenAPIDocumentsIdempotencyKey(t *testing.T) {
	h := setup(t)
	doc := h.must(200, "GET", v1("/openapi.json"), nil)
	var with []string
	for path, item := range doc.Body["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			o := op.(map[string]any)
			params, _ := o["parameters"].([]any)
			has := false
			for _, p := range params {
				if m := p.(map[string]any); m["in"] == "header" && m["name"] == "Idempotency-Key" {
					has = true
				}
			}
			_, created := o["responses"].(map[string]any)["201"]
			create := method == "post" && created && o["x-permission"] != "public"
			if path == "/api/v1/leads/import" {
				create = true
			}
			require.Equal(t, create, has, "%s %s", method, path)
			if has {
				with = append(with, path)
				ok := o["responses"].(map[string]any)["201"]
				if ok == nil {
					ok = o["responses"].(map[string]any)["200"]
				}
				require.Contains(t, ok.(map[string]any)["headers"], "Idempotent-Replayed", path)
			}
		}
	}
	require.Contains(t, with, "/api/v1/leads")
	require.Contains(t, with, "/api/v1/leads/report")
	require.Contains(t, with, "/api/v1/leads/import")
	require.Contains(t, with, "/api/v1/leads/{id}/evidence")
	require.Greater(t, len(with), 20)
}

// failingTemporal is a Temporal client whose workflows never start.
type failingTemporal struct{ client.Client }

func (failingTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errors.New("temporal unreachable")
}

func (failingTemporal) NewWithStartWorkflowOperation(client.StartWorkflowOptions, any, ...any) client.WithStartWorkflowOperation {
	return nil
}

func (failingTemporal) UpdateWithStartWorkflow(context.Context, client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errors.New("temporal unreachable")
}

// TestIdempotencyKeyKeepsAServerErrorAfterACommit: a lead is recorded but
// its workflow cannot start (503 cases_unavailable; the stalled-case
// sweep starts it later). That answer is kept for its key: a retry gets it
// again rather than record the lead a second time. A server error before
// anything was written gives the key back.
func TestIdempotencyKeyKeepsAServerErrorAfterACommit(t *testing.T) {
	t.Parallel()
	h := setupWith(t, func(d *api.Deps) { d.Temporal = failingTemporal{} })
	tok := h.tokenFor("city_supervisor", h.scope)
	hotline := map[string]any{"source": "hotline", "reporter_name": "来电人", "project_named": "不明工地",
		"amount_claimed_fen": 100000, "description": "12345来电反映欠薪"}
	first := h.mustKey(503, tok, "POST", v1("/leads"), "call-503", hotline)
	require.Equal(t, "cases_unavailable", first.code())
	require.Equal(t, 1, h.count("leads"), "recorded; its workflow waits for the stalled-case sweep")
	again := h.mustKey(503, tok, "POST", v1("/leads"), "call-503", hotline)
	require.Equal(t, "true", again.header("Idempotent-Replayed"))
	require.JSONEq(t, string(first.Raw), string(again.Raw))
	require.Equal(t, 1, h.count("leads"), "not recorded twice")
}
