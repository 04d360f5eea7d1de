package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/audit"
)

// TestNULBytesRefused: a NUL byte (or another C0 control character) in
// any text input is a client error naming the field, never a 500, and the
// request — a failed sign-in included — is in the system log.
func TestNULBytesRefused(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)

	// Sign-in: the name or the password with a NUL.
	for _, body := range []map[string]any{
		{"username": "demo\x00admin", "password": testPassword},
		{"username": "demo.admin", "password": "Test\x00Pass2026"},
	} {
		r := h.doAs("", "POST", v1("/auth/login"), body)
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "invalid_character", r.code())
		require.Len(t, r.fields(), 1, string(r.Raw))
	}
	require.Equal(t, 2, h.auditCount(`action = 'auth.login' AND outcome = 'failed' AND status = 422
		AND detail->>'reason' = 'invalid_character'`))
	require.Equal(t, 1, h.auditCount(`action = 'auth.login' AND username = U&'demo\FFFDadmin'`),
		"the attempted name is logged, the NUL replaced")
	r := h.doAs("", "POST", v1("/auth/register"), map[string]any{"id_number": "1\x00", "phone": "13912345678", "password": "x"})
	require.Equal(t, 422, r.Status, string(r.Raw))
	require.Equal(t, "invalid_character", r.code())
	require.Contains(t, r.fields(), "id_number")

	// Query string and path: 400.
	for _, tc := range []struct{ path, field string }{
		{v1("/workers?q=%%00"), "q"},
		{v1("/workers?q=a%%07b"), "q"},
		{v1("/projects?town_code=3301%%0001"), "town_code"},
		{v1("/towns/3301%%0001"), "code"},
		{v1("/workers/1%%00"), "id"},
	} {
		r := h.do("GET", tc.path, nil)
		require.Equal(t, 400, r.Status, "%s: %s", tc.path, r.Raw)
		require.Equal(t, "invalid_character", r.code(), tc.path)
		require.Contains(t, r.fields(), tc.field, tc.path)
	}
	require.Equal(t, 5, h.auditCount(`status = 400 AND outcome = 'failed' AND action LIKE 'GET /api/v1/%'`), "each logged")

	// JSON body: 422 naming the field, nothing changed.
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{"name": "城东\u0000街道", "version": 1}`, "name"},
		{`{"name": "城东\u001b街道", "version": 1}`, "name"},
	} {
		r := h.do("PATCH", v1("/towns/%s", f.TownA), tc.body)
		require.Equal(t, 422, r.Status, "%s: %s", tc.body, r.Raw)
		require.Equal(t, "invalid_character", r.code())
		require.Contains(t, r.fields(), tc.field)
	}
	// Tabs and line breaks are text.
	h.must(200, "PATCH", v1("/towns/%s", f.TownA), map[string]any{"name": "城东\t街道", "version": 1})

	// Excel: the cell is a row error. An .xlsx file carries a NUL escaped
	// as _x0000_ (which excelize writes as given and reads as U+0000).
	file := rosterFile(t, rosterLine("王_x0000_五", testIDNumber("330102", "19900305", 11), "", "", "", "2025-06-01"))
	r = h.upload(v1("/projects/%d/imports/workers", f.ProjectA), file)
	require.Equal(t, 422, r.Status, string(r.Raw))
	require.True(t, r.hasRowError(2, "name", "invalid_character"), string(r.Raw))

	var n int
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE status >= 500`).Scan(&n))
	require.Zero(t, n, fmt.Sprint("no 500s"))
}

// setupProxied is a harness behind a trusted load balancer (the test
// connection's address, 0.0.0.0), so that requests can come from the
// client addresses loginFrom names.
func setupProxied(t *testing.T, adjust func(*api.Deps)) (*harness, *clock) {
	return setupClock(t, func(d *api.Deps) {
		d.TrustedProxies = []string{"0.0.0.0"}
		if adjust != nil {
			adjust(d)
		}
	})
}

// loginFrom signs in from the client address ip (X-Forwarded-For as the
// load balancer writes it: what the client sent, then the client).
func (h *harness) loginFrom(forwarded, user, password string) resp {
	h.t.Helper()
	body, err := json.Marshal(map[string]any{"username": user, "password": password})
	require.NoError(h.t, err)
	req := httptest.NewRequest("POST", v1("/auth/login"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", forwarded)
	res, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	raw, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	out := resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	require.NoError(h.t, json.Unmarshal(raw, &out.Body), string(raw))
	return out
}

// TestLockoutTellsNothingAboutNames: an unknown login name is counted and
// locked exactly like a known one — the same answers, the same Retry-After
// — and the counts hold no name in clear.
func TestLockoutTellsNothingAboutNames(t *testing.T) {
	h, _ := setupProxied(t, nil)
	_, known := h.account("city_admin", api.Scope{})
	const unknown = "no.such.admin"
	type answer struct {
		status     int
		code, wait string
	}
	attempts := func(user string) []answer {
		var out []answer
		for i := 0; i < 7; i++ {
			r := h.loginFrom("203.0.113.9", user, "Wrong#Pass2026")
			out = append(out, answer{r.Status, r.code(), r.header("Retry-After")})
		}
		return out
	}
	a, b := attempts(known), attempts(unknown)
	require.Equal(t, a, b, "a known and an unknown name answer alike")
	require.Equal(t, answer{401, "invalid_credentials", ""}, a[3])
	require.Equal(t, answer{429, "account_locked", "901"}, a[4], "the fifth failure locks")
	require.Equal(t, answer{429, "account_locked", "901"}, a[6])

	var rows, clear int
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT count(*),
		count(*) FILTER (WHERE position(convert_to($1, 'UTF8') in name_key) > 0 OR position(convert_to($2, 'UTF8') in name_key) > 0
		                    OR name_key IN (sha256(convert_to($1, 'UTF8')), sha256(convert_to($2, 'UTF8'))))
		FROM login_throttle`, known, unknown).Scan(&rows, &clear))
	require.Equal(t, 4, rows, "per name: this client's count and all clients' count")
	require.Zero(t, clear, "the names are keyed by a keyed hash, not stored")
	require.Equal(t, 4, h.auditCount(`action = 'auth.login' AND detail->>'reason' = 'locked' AND detail ? 'locked_until'`))
	require.Equal(t, 5, h.auditCount(`action = 'auth.login' AND detail->>'reason' = 'unknown_user'`), "five checked, two refused unchecked")
}

// TestStrangerCannotLockOutOwner: wrong passwords from one client lock the
// name for that client only, with a back-off of its own; the owner signs in
// from elsewhere. What a client writes into X-Forwarded-For itself is not
// believed, and an IPv6 client is counted by its /64.
func TestStrangerCannotLockOutOwner(t *testing.T) {
	h, clk := setupProxied(t, nil)
	_, admin := h.account("city_admin", api.Scope{})
	const attacker, owner = "203.0.113.9", "198.51.100.7"
	for i := 1; i <= 5; i++ {
		h.loginFrom(attacker, admin, "Wrong#Pass2026")
	}
	r := h.loginFrom(attacker, admin, testPassword)
	require.Equal(t, 429, r.Status, "locked for the attacker's address, even with the right password")
	r = h.loginFrom(owner+", "+attacker, admin, testPassword)
	require.Equal(t, 429, r.Status, "a forged X-Forwarded-For entry changes nothing: %s", r.Raw)
	r = h.loginFrom(owner, admin, testPassword)
	require.Equal(t, 200, r.Status, "the owner signs in from another address: %s", r.Raw)

	// The attacker's back-off goes on doubling, the owner's sign-ins
	// notwithstanding.
	clk.advance(16 * time.Minute)
	for i := 1; i <= 4; i++ {
		require.Equal(t, 401, h.loginFrom(attacker, admin, "Wrong#Pass2026").Status)
	}
	r = h.loginFrom(attacker, admin, "Wrong#Pass2026")
	require.Equal(t, 429, r.Status)
	require.Equal(t, "1801", r.header("Retry-After"), "the second lock of this client lasts twice as long")
	require.Equal(t, 200, h.loginFrom(owner, admin, testPassword).Status)

	// IPv6: the /64 is one client.
	for i := 1; i <= 5; i++ {
		h.loginFrom("2001:db8:1:2::1", admin, "Wrong#Pass2026")
	}
	require.Equal(t, 429, h.loginFrom("2001:db8:1:2::ffff", admin, testPassword).Status)
	require.Equal(t, 200, h.loginFrom("2001:db8:1:3::1", admin, testPassword).Status)
	require.Equal(t, 1, h.auditCount(`action = 'auth.login' AND outcome = 'ok' AND ip = '2001:db8:1:3::1'`), "logged under the client's address")
}

// TestLoginCeilingAcrossClients: guesses spread over many clients meet a
// ceiling per name; then only addresses the owner signed in from are
// admitted — for unknown names alike — until the hour is over or an
// account administrator unlocks the account.
func TestLoginCeilingAcrossClients(t *testing.T) {
	h, clk := setupProxied(t, func(d *api.Deps) { d.LoginCeiling = 6 })
	id, user := h.account("town_officer", townScope(h.mkTown("330101")))
	const owner = "198.51.100.7"
	require.Equal(t, 200, h.loginFrom(owner, user, testPassword).Status)
	spread := func(name string) {
		for i := 0; i < 6; i++ {
			r := h.loginFrom(fmt.Sprintf("203.0.113.%d", 10+i%3), name, "Wrong#Pass2026")
			require.Equal(t, 401, r.Status, "attempt %d: %s", i, r.Raw)
		}
	}
	spread(user)
	spread("no.such.officer")
	for _, name := range []string{user, "no.such.officer"} {
		r := h.loginFrom("203.0.113.50", name, testPassword)
		require.Equal(t, 429, r.Status, "%s: a new client is refused past the ceiling: %s", name, r.Raw)
		require.Equal(t, "account_locked", r.code())
	}
	require.Equal(t, 2, h.auditCount(`action = 'auth.login' AND detail->>'reason' = 'locked_all'`))
	require.Equal(t, 200, h.loginFrom(owner, user, testPassword).Status, "the owner's address is admitted")

	// The administrators see the lock, and lift it.
	h.role = "city_admin"
	got := h.must(200, "GET", v1("/accounts/%d", id), nil)
	require.NotNil(t, got.Body["locked_until"], string(got.Raw))
	un := h.must(200, "POST", v1("/accounts/%d/unlock", id), nil)
	require.Nil(t, un.Body["locked_until"], string(un.Raw))
	require.Equal(t, 200, h.loginFrom("203.0.113.50", user, testPassword).Status, "unlocked")
	require.Equal(t, 1, h.auditCount(`action = 'POST /api/v1/accounts/:id/unlock' AND object_id = $1 AND role = 'city_admin'
		AND outcome = 'ok' AND (detail->>'cleared')::int > 0`, fmt.Sprint(id)))
	// An enterprise cannot unlock a town officer (not in its scope).
	h.role = ""
	var ent int64
	require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO enterprises (credit_code, name, type, town_code)
		VALUES ('91330100MA27XL0E2G', '甲建设', 'builder', '330101') RETURNING id`).Scan(&ent))
	h.scope = entScope(ent)
	h.must(404, "POST", v1("/accounts/%d/unlock", id), nil)
	h.scope = api.Scope{}

	// Without an administrator, the ceiling ends with its hour.
	require.Equal(t, 429, h.loginFrom("203.0.113.51", "no.such.officer", testPassword).Status)
	clk.advance(61 * time.Minute)
	require.Equal(t, 401, h.loginFrom("203.0.113.51", "no.such.officer", testPassword).Status)
}

// TestWorkerLoginMasked: a worker's login name is their mobile number.
// The account administrators see it masked unless they unmask it (which is
// logged); the system log never holds it in full — not as the actor, not
// as a sign-in's name, not in a captured accounts row, not in a logged
// query — and its chain stays whole.
func TestWorkerLoginMasked(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	const phone, masked = "13912345678", "139****5678"
	h.must(200, "PATCH", v1("/workers/%d", f.WorkerA), map[string]any{"phone": phone, "version": 1})
	reg := h.doAs("", "POST", v1("/auth/register"), map[string]any{"id_number": f.IDNumberA, "phone": phone, "password": "Zhang#San2026"})
	require.Equal(t, 201, reg.Status, string(reg.Raw))
	require.Equal(t, phone, reg.Body["username"], "the worker sees their own")
	id := reg.num("id")
	require.Equal(t, 401, h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": "139-1234-5678", "password": "Wrong#Pass2026"}).Status)
	tok := h.login("139 1234 5678", "Zhang#San2026") // written any usual way
	require.Equal(t, phone, h.doAs(tok, "GET", v1("/auth/me"), nil).Body["username"])
	require.Equal(t, 200, h.doAs(tok, "GET", v1("/workers/%d", f.WorkerA), nil).Status)

	h.role = "city_admin"
	list := h.must(200, "GET", v1("/accounts?role=worker"), nil)
	require.Len(t, list.items(), 1)
	require.Equal(t, masked, list.items()[0]["username"])
	require.NotContains(t, string(list.Raw), phone)
	found := h.must(200, "GET", v1("/accounts?q=%s", phone), nil)
	require.Len(t, found.items(), 1, "found by the full number, shown masked")
	require.NotContains(t, string(found.Raw), phone)
	one := h.must(200, "GET", v1("/accounts/%d", id), nil)
	require.Equal(t, masked, one.Body["username"])
	login := h.must(200, "GET", v1("/accounts/%d/login", id), nil)
	require.Equal(t, phone, login.Body["username"])
	require.Equal(t, "no-store", login.header("Cache-Control"))
	require.Equal(t, 1, h.auditCount(`action = 'GET /api/v1/accounts/:id/login' AND object_id = $1 AND role = 'city_admin'
		AND detail->'unmasked' ? 'username'`, fmt.Sprint(id)))
	for _, name := range []string{"13812345678", "138.1234.5678"} {
		r := h.do("POST", v1("/accounts"), map[string]any{"username": name, "display_name": "x", "role": "city_auditor"})
		require.Equal(t, 422, r.Status, name)
		require.Equal(t, "invalid_username", r.code(), "a staff login name may not be a mobile number: %s", name)
	}

	// The system log: the masked name where the name was, nowhere the full
	// number.
	require.Zero(t, h.auditCount(`position($1 in concat_ws('|', username, object_id, user_agent, old_values::text,
		new_values::text, detail::text)) > 0`, phone), "the full number is in the system log")
	for _, where := range []string{
		`action = 'auth.register' AND outcome = 'ok'`,
		`action = 'auth.login' AND outcome = 'ok'`,
		`action = 'auth.login' AND outcome = 'failed'`,
		`action = 'GET /api/v1/workers/:id' AND role = 'worker'`,
	} {
		require.Equal(t, 1, h.auditCount(where+` AND username = $1`, masked), where)
	}
	require.Equal(t, 1, h.auditCount(`action = 'accounts.insert' AND new_values->>'username' = $1 AND username = $1`, masked))
	require.Equal(t, 1, h.auditCount(`action = 'GET /api/v1/accounts' AND detail->>'query' = $1`, "q="+url.QueryEscape(masked)))

	// The auditors read it masked, and find it by the full number.
	h.role = "city_auditor"
	entries := h.must(200, "GET", v1("/audit-log?username=%s", phone), nil)
	require.NotEmpty(t, entries.items())
	require.NotContains(t, string(entries.Raw), phone)
	rep, err := audit.Verify(context.Background(), h.pool, audit.VerifyOptions{})
	require.NoError(t, err)
	require.Nil(t, rep.Broken, rep.String())
}

// TestParallelGuessesQueue: guesses sent at once from one client are
// counted one after the other (its count is locked for each attempt), so
// ten of them check five passwords at most.
func TestParallelGuessesQueue(t *testing.T) {
	h, _ := setupProxied(t, nil)
	_, user := h.account("city_supervisor", api.Scope{})
	statuses := make(chan int, 10)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Go(func() { statuses <- h.loginFrom("203.0.113.9", user, "Wrong#Pass2026").Status })
	}
	wg.Wait()
	close(statuses)
	n := map[int]int{}
	for s := range statuses {
		n[s]++
	}
	require.Equal(t, map[int]int{401: 4, 429: 6}, n)
	require.Equal(t, 5, h.auditCount(`action = 'auth.login' AND detail->>'reason' = 'wrong_password'`), "five passwords checked")
}
