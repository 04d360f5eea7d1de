package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

// clock is a settable time for the API (Deps.Now).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func setupClock(t *testing.T, adjust func(*api.Deps)) (*harness, *clock) {
	t.Parallel()
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	h := setupWith(t, func(d *api.Deps) {
		d.Now = clk.now
		if adjust != nil {
			adjust(d)
		}
	})
	return h, clk
}

// auditCount counts system-log rows matching where.
func (h *harness) auditCount(where string, args ...any) int {
	h.t.Helper()
	var n int
	require.NoError(h.t, h.pool.QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE "+where, args...).Scan(&n))
	return n
}

func TestLoginAndSession(t *testing.T) {
	h := setup(t)
	_, user := h.account("city_supervisor", cityScope())
	login := h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": user, "password": testPassword})
	require.Equal(t, 200, login.Status, string(login.Raw))
	tok := login.Body["token"].(string)
	require.Regexp(t, `^axs_[A-Za-z0-9_-]{43}$`, tok)
	require.Equal(t, false, login.Body["must_change_password"])
	acc := login.Body["account"].(map[string]any)
	require.Equal(t, "city_supervisor", acc["role"])
	require.Equal(t, "city", acc["domain"])
	require.NotContains(t, string(login.Raw), "argon2", "no hash in the answer")

	me := h.doAs(tok, "GET", v1("/auth/me"), nil)
	require.Equal(t, 200, me.Status)
	require.Equal(t, user, me.Body["username"])

	// The token is stored only as its hash.
	var stored int
	require.NoError(t, h.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM sessions WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, tok).Scan(&stored))
	require.Equal(t, 1, stored)
	require.Zero(t, h.auditCount(`position($1 in coalesce(detail::text, '') || coalesce(new_values::text, '')) > 0`, tok),
		"the token never reaches the log")

	for _, bad := range []map[string]any{
		{"username": user, "password": "Wrong#Pass2026"},
		{"username": "nobody.here", "password": testPassword},
	} {
		r := h.doAs("", "POST", v1("/auth/login"), bad)
		require.Equal(t, 401, r.Status)
		require.Equal(t, "invalid_credentials", r.code(), "the same answer whether or not the user exists")
	}
	r := h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": user})
	require.Equal(t, 422, r.Status)
	require.Contains(t, r.fields(), "password")

	require.Equal(t, 1, h.auditCount(`action = 'auth.login' AND outcome = 'ok' AND username = $1`, user))
	require.Equal(t, 1, h.auditCount(`action = 'auth.login' AND outcome = 'failed' AND username = $1 AND detail->>'reason' = 'wrong_password'`, user))
	require.Equal(t, 1, h.auditCount(`action = 'auth.login' AND outcome = 'failed' AND username = 'nobody.here' AND detail->>'reason' = 'unknown_user'`))

	// Secure headers on every answer.
	res := h.doRaw("GET", v1("/auth/me"), tok)
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.Equal(t, "SAMEORIGIN", res.Header.Get("X-Frame-Options"))
	require.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'none'")
	require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
}

func TestLockoutAndBackOff(t *testing.T) {
	h, clk := setupClock(t, nil)
	_, user := h.account("town_officer", townScope(h.mkTown("330101")))
	wrong := map[string]any{"username": user, "password": "Wrong#Pass2026"}
	right := map[string]any{"username": user, "password": testPassword}
	for i := 1; i <= 4; i++ {
		r := h.doAs("", "POST", v1("/auth/login"), wrong)
		require.Equal(t, 401, r.Status, "failure %d", i)
	}
	r := h.doAs("", "POST", v1("/auth/login"), wrong)
	require.Equal(t, 429, r.Status, "the fifth failure locks: %s", r.Raw)
	require.Equal(t, "account_locked", r.code())
	require.Equal(t, "901", r.header("Retry-After"), "15 minutes")

	r = h.doAs("", "POST", v1("/auth/login"), right)
	require.Equal(t, 429, r.Status, "locked: even the right password is refused")
	require.Equal(t, 1, h.auditCount(`action = 'auth.login' AND outcome = 'denied' AND detail->>'reason' = 'locked'`))

	clk.advance(16 * time.Minute)
	for i := 1; i <= 4; i++ {
		require.Equal(t, 401, h.doAs("", "POST", v1("/auth/login"), wrong).Status)
	}
	r = h.doAs("", "POST", v1("/auth/login"), wrong)
	require.Equal(t, 429, r.Status)
	require.Equal(t, "1801", r.header("Retry-After"), "the second lock lasts twice as long")
	clk.advance(29 * time.Minute)
	require.Equal(t, 429, h.doAs("", "POST", v1("/auth/login"), right).Status)
	clk.advance(2 * time.Minute)
	require.Equal(t, 200, h.doAs("", "POST", v1("/auth/login"), right).Status, "unlocked after the back-off")

	// A success resets the count.
	for i := 1; i <= 4; i++ {
		require.Equal(t, 401, h.doAs("", "POST", v1("/auth/login"), wrong).Status)
	}
	require.Equal(t, 200, h.doAs("", "POST", v1("/auth/login"), right).Status)
	require.Equal(t, 401, h.doAs("", "POST", v1("/auth/login"), wrong).Status, "counting starts again")
}

func TestLoginRateLimitPerIP(t *testing.T) {
	h, _ := setupClock(t, func(d *api.Deps) { d.LoginRate = 3 })
	for i := 0; i < 3; i++ {
		require.Equal(t, 401, h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": "x.y.z", "password": "Wrong#Pass2026"}).Status)
	}
	r := h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": "x.y.z", "password": "Wrong#Pass2026"})
	require.Equal(t, 429, r.Status)
	require.Equal(t, "too_many_requests", r.code())
	require.Equal(t, 1, h.auditCount(`action = 'POST /api/v1/auth/login' AND status = 429`))
}

func TestRevokedTokenRefusedAtOnce(t *testing.T) {
	h := setup(t)
	id, user := h.account("city_supervisor", cityScope())
	t.Run("Logout", func(t *testing.T) {
		tok := h.login(user, testPassword)
		other := h.login(user, testPassword)
		require.Equal(t, 200, h.doAs(tok, "GET", v1("/towns"), nil).Status)
		require.Equal(t, 204, h.doAs(tok, "POST", v1("/auth/logout"), nil).Status)
		r := h.doAs(tok, "GET", v1("/towns"), nil)
		require.Equal(t, 401, r.Status)
		require.Equal(t, "session_invalid", r.code())
		require.Equal(t, 200, h.doAs(other, "GET", v1("/towns"), nil).Status, "only that session ended")
	})
	t.Run("Deactivation", func(t *testing.T) {
		tok := h.login(user, testPassword)
		h.role = "city_admin"
		defer func() { h.role = "" }()
		h.must(200, "POST", v1("/accounts/%d/deactivate", id), map[string]any{"reason": "调离", "version": 1})
		require.Equal(t, 401, h.doAs(tok, "GET", v1("/towns"), nil).Status, "every session of a deactivated account ends")
		r := h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": user, "password": testPassword})
		require.Equal(t, 403, r.Status)
		require.Equal(t, "account_inactive", r.code())
		h.must(200, "POST", v1("/accounts/%d/reactivate", id), map[string]any{"version": 2})
		require.Equal(t, 200, h.doAs(h.login(user, testPassword), "GET", v1("/towns"), nil).Status)
	})
	t.Run("Expiry", func(t *testing.T) {
		h, clk := setupClock(t, func(d *api.Deps) { d.SessionTTL, d.SessionIdle = 3*time.Hour, time.Hour })
		_, user := h.account("city_supervisor", cityScope())
		tok := h.login(user, testPassword)
		for i := 0; i < 5; i++ { // used every 50 minutes: the idle timeout never strikes…
			clk.advance(50 * time.Minute)
			if i < 3 {
				require.Equal(t, 200, h.doAs(tok, "GET", v1("/towns"), nil).Status, "after %d×50 min", i+1)
			}
		}
		require.Equal(t, 401, h.doAs(tok, "GET", v1("/towns"), nil).Status, "…but the absolute end does")
		idle := h.login(user, testPassword)
		clk.advance(61 * time.Minute)
		require.Equal(t, 401, h.doAs(idle, "GET", v1("/towns"), nil).Status, "unused for over an hour")
	})
}

func TestPasswordChangeAndReset(t *testing.T) {
	h := setup(t)
	h.role = "city_admin"
	town := h.mkTown("330101")
	created := h.must(201, "POST", v1("/accounts"), map[string]any{"username": "zhang.san", "display_name": "张三",
		"role": "town_officer", "town_code": town})
	initial, _ := created.Body["initial_password"].(string)
	require.NotEmpty(t, initial, "a generated initial password is shown once")
	acc := created.Body["account"].(map[string]any)
	require.Equal(t, true, acc["must_change_password"])
	require.Equal(t, "town:330101", acc["domain"])
	id := int64(acc["id"].(float64))

	tok := h.login("zhang.san", initial)
	r := h.doAs(tok, "GET", v1("/projects"), nil)
	require.Equal(t, 403, r.Status)
	require.Equal(t, "password_change_required", r.code())
	require.Equal(t, 200, h.doAs(tok, "GET", v1("/auth/me"), nil).Status)

	for pw, code := range map[string]string{"short1!": "password_length", "alllowercase1": "password_weak",
		"Zhang.San#2026": "password_contains_username", initial: "password_unchanged"} {
		r := h.doAs(tok, "POST", v1("/auth/password"), map[string]any{"current_password": initial, "new_password": pw})
		require.Equal(t, 422, r.Status, pw)
		require.Equal(t, code, r.code(), pw)
		require.Contains(t, r.fields(), "new_password")
	}
	r = h.doAs(tok, "POST", v1("/auth/password"), map[string]any{"current_password": "Wrong#Pass2026", "new_password": "Good#Pass2026"})
	require.Equal(t, 422, r.Status)
	require.Equal(t, "wrong_password", r.code())

	other := h.login("zhang.san", initial)
	require.Equal(t, 204, h.doAs(tok, "POST", v1("/auth/password"), map[string]any{"current_password": initial, "new_password": "Good#Pass2026"}).Status)
	require.Equal(t, 200, h.doAs(tok, "GET", v1("/projects"), nil).Status, "this session goes on, now unrestricted")
	require.Equal(t, 401, h.doAs(other, "GET", v1("/projects"), nil).Status, "other sessions end")
	require.Equal(t, 401, h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": "zhang.san", "password": initial}).Status)

	// An administrator's reset: a temporary password, sessions end, the
	// user must change it again.
	reset := h.must(200, "POST", v1("/accounts/%d/reset-password", id), map[string]any{"version": 2})
	tmp := reset.Body["temporary_password"].(string)
	require.Equal(t, 401, h.doAs(tok, "GET", v1("/auth/me"), nil).Status)
	tok = h.login("zhang.san", tmp)
	require.Equal(t, "password_change_required", h.doAs(tok, "GET", v1("/projects"), nil).code())
	require.Zero(t, h.auditCount(`position($1 in coalesce(new_values::text, '') || coalesce(old_values::text, '') || coalesce(detail::text, '')) > 0`, tmp),
		"no password reaches the log")
}

func TestAccountsByTheLevelAbove(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	h.role = "city_admin"
	for _, tc := range []struct {
		body  map[string]any
		field string
		code  string
	}{
		{map[string]any{"username": "ab", "display_name": "x", "role": "city_supervisor"}, "username", "invalid_username"},
		{map[string]any{"username": "Upper.Case", "display_name": "x", "role": "city_supervisor"}, "username", "invalid_username"},
		{map[string]any{"username": "w.one", "display_name": "x", "role": "worker"}, "role", "invalid_role"},
		{map[string]any{"username": "t.one", "display_name": "x", "role": "town_officer"}, "town_code", "required"},
		{map[string]any{"username": "t.one", "display_name": "x", "role": "city_auditor", "town_code": f.TownA}, "town_code", "not_allowed"},
		{map[string]any{"username": "t.one", "display_name": "x", "role": "town_officer", "town_code": "999999"}, "town_code", "town_not_found"},
		{map[string]any{"username": "e.one", "display_name": "x", "role": "enterprise_user", "enterprise_id": 99999}, "enterprise_id", "enterprise_not_found"},
		{map[string]any{"username": "p.one", "display_name": "x", "role": "project_manager", "project_id": f.ProjectA, "password": "weak"}, "password", "password_length"},
		{map[string]any{"username": "r.one", "display_name": "x", "role": "root"}, "role", "invalid_value"},
	} {
		r := h.do("POST", v1("/accounts"), tc.body)
		require.Equal(t, 422, r.Status, "%v: %s", tc.body, r.Raw)
		require.Contains(t, r.fields(), tc.field, "%v: %s", tc.body, r.Raw)
		if tc.code != "invalid_value" {
			require.Equal(t, tc.code, r.code(), "%v: %s", tc.body, r.Raw)
		}
	}
	ent := h.must(201, "POST", v1("/accounts"), map[string]any{"username": "jia.zongbao", "display_name": "甲总包",
		"role": "enterprise_user", "enterprise_id": f.ContractorA, "password": "Jia#Zongbao2026"})
	require.Nil(t, ent.Body["initial_password"], "a password the administrator chose is not echoed")
	r := h.do("POST", v1("/accounts"), map[string]any{"username": "jia.zongbao", "display_name": "x", "role": "city_auditor"})
	require.Equal(t, 409, r.Status)

	// The enterprise creates labour managers of its own projects only.
	h.role = ""
	h.scope = entScope(f.ContractorA)
	pm := h.must(201, "POST", v1("/accounts"), map[string]any{"username": "pa.laozi", "display_name": "甲项目劳资员",
		"role": "project_manager", "project_id": f.ProjectA})
	pmID := int64(pm.Body["account"].(map[string]any)["id"].(float64))
	r = h.do("POST", v1("/accounts"), map[string]any{"username": "pb.laozi", "display_name": "x", "role": "project_manager", "project_id": f.ProjectB})
	require.Equal(t, 403, r.Status, string(r.Raw))
	r = h.do("POST", v1("/accounts"), map[string]any{"username": "e.two", "display_name": "x", "role": "enterprise_user", "enterprise_id": f.ContractorA})
	require.Equal(t, 403, r.Status, "an enterprise makes no enterprise accounts")
	list := h.must(200, "GET", v1("/accounts"), nil)
	require.Contains(t, list.ids(), pmID)
	for _, it := range list.items() {
		require.Contains(t, []any{"project_manager", "enterprise_user"}, it["role"], "an enterprise sees its own accounts only")
	}
	reset := h.must(200, "POST", v1("/accounts/%d/reset-password", pmID), map[string]any{"version": 1})
	h.scope = cityScope()

	// The new manager works in its project at once (no restart, no reload).
	h.token = h.login("pa.laozi", reset.Body["temporary_password"].(string))
	h.must(204, "POST", v1("/auth/password"), map[string]any{"current_password": reset.Body["temporary_password"], "new_password": "Pa#Laozi2026"})
	h.must(200, "GET", v1("/projects/%d", f.ProjectA), nil)
	h.must(404, "GET", v1("/projects/%d", f.ProjectB), nil)
	h.must(403, "GET", v1("/accounts"), nil)
	h.token = ""
}

func (h *harness) mkTown(code string) string {
	h.t.Helper()
	_, err := h.pool.Exec(context.Background(), `INSERT INTO towns (code, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, code, "镇"+code)
	require.NoError(h.t, err)
	return code
}

var _ = fmt.Sprint

func TestRefusedRequestChangesNothingAndIsLogged(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	h.scope = townScope(f.TownB)
	h.currentToken()
	h.scope = workerScope(f.WorkerA)
	h.currentToken()
	var workerID int64
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT id FROM accounts WHERE worker_id = $1`, f.WorkerA).Scan(&workerID))
	before := h.dbDigest()

	// No permission: 403, before anything is read.
	r := h.do("PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"name": "改名", "version": 1})
	require.Equal(t, 403, r.Status)
	// Out of the caller's domain: 404, like a missing row.
	h.scope = townScope(f.TownB)
	r = h.do("PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"name": "改名", "version": 1})
	require.Equal(t, 404, r.Status)
	// No session at all.
	require.Equal(t, 401, h.doAs("", "PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"name": "改名", "version": 1}).Status)
	require.Equal(t, before, h.dbDigest(), "a refused request changed the database")

	require.Equal(t, 1, h.auditCount(`action = 'PATCH /api/v1/projects/:id' AND object_id = $1 AND outcome = 'denied'
		AND status = 403 AND account_id = $2 AND role = 'worker' AND domain = $3 AND ip <> ''`,
		fmt.Sprint(f.ProjectA), workerID, fmt.Sprintf("worker:%d", f.WorkerA)))
	require.Equal(t, 1, h.auditCount(`action = 'PATCH /api/v1/projects/:id' AND outcome = 'failed' AND status = 404 AND role = 'town_officer'`))
	require.Equal(t, 1, h.auditCount(`action = 'PATCH /api/v1/projects/:id' AND outcome = 'denied' AND status = 401 AND account_id IS NULL`))
	require.Zero(t, h.auditCount(`action = 'projects.update'`), "no change was recorded")
}

func TestChangesAreLoggedWithTheirActor(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	r := h.must(200, "PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"name": "甲住宅项目（二期）", "version": 1})
	require.Equal(t, "甲住宅项目（二期）", r.Body["name"])
	var old, new, access, change string
	require.NoError(t, h.pool.QueryRow(context.Background(), `
		SELECT c.old_values->>'name', c.new_values->>'name', a.request_id, c.request_id
		FROM audit_log c JOIN audit_log a ON a.request_id = c.request_id AND a.action = 'PATCH /api/v1/projects/:id'
		WHERE c.action = 'projects.update' AND c.object_id = $1 AND c.role = 'city_supervisor'`,
		fmt.Sprint(f.ProjectA)).Scan(&old, &new, &access, &change))
	require.Equal(t, "甲住宅项目", old)
	require.Equal(t, "甲住宅项目（二期）", new)
	require.NotEmpty(t, access)

	// Viewing unmasked personal data is logged with what was shown.
	h.scope = townScope(f.TownA)
	p := h.must(200, "GET", v1("/workers/%d/personal", f.WorkerA), nil)
	require.Equal(t, f.IDNumberA, p.Body["id_number"])
	require.Equal(t, "no-store", p.header("Cache-Control"))
	require.Equal(t, 1, h.auditCount(`action = 'GET /api/v1/workers/:id/personal' AND object_id = $1 AND detail->'unmasked' ? 'id_number'
		AND role = 'town_officer'`, fmt.Sprint(f.WorkerA)))
	h.must(404, "GET", v1("/workers/%d/personal", f.WorkerB), nil)
	h.scope = entScope(f.ContractorA)
	h.must(403, "GET", v1("/workers/%d/personal", f.WorkerA), nil)
}

func TestWorkerSelfRegistration(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	h.must(200, "PATCH", v1("/workers/%d", f.WorkerA), map[string]any{"phone": "13912345678", "version": 1})
	reg := func(body map[string]any) resp { return h.doAs("", "POST", v1("/auth/register"), body) }

	r := reg(map[string]any{"id_number": f.IDNumberA, "phone": "13900000000", "password": "Zhang#San2026"})
	require.Equal(t, 422, r.Status)
	require.Equal(t, "worker_not_found", r.code(), "the phone must match the record too")
	r = reg(map[string]any{"id_number": f.IDNumberB, "phone": "13912345678", "password": "Zhang#San2026"})
	require.Equal(t, "worker_not_found", r.code())
	r = reg(map[string]any{"id_number": "123", "phone": "abc", "password": "x"})
	require.Equal(t, 422, r.Status)
	require.Len(t, r.fields(), 3)
	r = reg(map[string]any{"id_number": f.IDNumberA, "phone": "139-1234-5678", "password": "Zhang#San2026"})
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, "13912345678", r.Body["username"])
	require.Equal(t, fmt.Sprintf("worker:%d", f.WorkerA), r.Body["domain"])
	require.Equal(t, "张三", r.Body["display_name"])
	r = reg(map[string]any{"id_number": f.IDNumberA, "phone": "13912345678", "password": "Zhang#San2026"})
	require.Equal(t, 409, r.Status)
	require.Equal(t, "already_registered", r.code())

	// The new account works at once: own record yes, another's no.
	h.token = h.login("13912345678", "Zhang#San2026")
	h.must(200, "GET", v1("/workers/%d", f.WorkerA), nil)
	h.must(404, "GET", v1("/workers/%d", f.WorkerB), nil)
	me := h.must(200, "GET", v1("/workers/%d/personal", f.WorkerA), nil)
	require.Equal(t, "13912345678", me.Body["phone"])
	h.must(403, "POST", v1("/teams"), map[string]any{"project_id": f.ProjectA, "name": "x"})
	require.Equal(t, 1, h.auditCount(`action = 'auth.register' AND outcome = 'ok'`))
	require.Equal(t, 4, h.auditCount(`action = 'auth.register' AND outcome = 'failed'`))
}

func TestDemoAccountsOnlyInDevMode(t *testing.T) {
	t.Parallel()
	for _, dev := range []bool{true, false} {
		h := setupWith(t, func(d *api.Deps) { d.DevMode = dev })
		_, err := h.pool.Exec(context.Background(), `INSERT INTO accounts (username, display_name, role, password_hash, demo)
			VALUES ('demo.supervisor', '演示', 'city_supervisor', $1, true)`, testPasswordHash())
		require.NoError(t, err)
		r := h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": "demo.supervisor", "password": testPassword})
		if dev {
			require.Equal(t, 200, r.Status, string(r.Raw))
			continue
		}
		require.Equal(t, 403, r.Status)
		require.Equal(t, "demo_account_disabled", r.code())
	}
}

func TestBodyLimits(t *testing.T) {
	h := setup(t)
	big := `{"name": "` + strings.Repeat("x", 2<<20) + `", "version": 1}`
	r := h.do("PATCH", v1("/towns/330101"), big)
	require.Equal(t, 413, r.Status)
	require.Equal(t, "body_too_large", r.code())
	r = h.doAs("", "POST", v1("/auth/login"), `{"username": "`+strings.Repeat("a", 10<<10)+`", "password": "x"}`)
	require.Equal(t, 413, r.Status)
	require.Equal(t, 2, h.auditCount(`status = 413`), "refused, and logged")
}

func TestSidesDeployApart(t *testing.T) {
	t.Parallel()
	for _, side := range []string{api.SideGovernment, api.SideEnterprise} {
		h := setupWith(t, func(d *api.Deps) { d.Side = side })
		town := h.mkTown("330101")
		_, officer := h.account("town_officer", townScope(town))
		var ent int64
		require.NoError(t, h.pool.QueryRow(context.Background(), `INSERT INTO enterprises (credit_code, name, type, town_code)
			VALUES ('91330100MA27XL0E2G', '甲建设', 'builder', $1) RETURNING id`, town).Scan(&ent))
		_, entUser := h.account("enterprise_user", entScope(ent))
		for user, ownSide := range map[string]string{officer: api.SideGovernment, entUser: api.SideEnterprise} {
			r := h.doAs("", "POST", v1("/auth/login"), map[string]any{"username": user, "password": testPassword})
			if ownSide == side {
				require.Equal(t, 200, r.Status, "%s on the %s side: %s", user, side, r.Raw)
				continue
			}
			require.Equal(t, 403, r.Status, "%s on the %s side", user, side)
			require.Equal(t, "wrong_side", r.code())
		}
		r := h.doAs("", "POST", v1("/auth/register"), map[string]any{"id_number": "x", "phone": "y", "password": "z"})
		if side == api.SideGovernment {
			require.Equal(t, "wrong_side", r.code(), "workers register on the enterprise side")
		} else {
			require.Equal(t, 422, r.Status)
		}
	}
}

func TestOwnSessions(t *testing.T) {
	h := setup(t)
	_, user := h.account("city_supervisor", cityScope())
	_, other := h.account("city_supervisor", cityScope())
	phone := h.login(user, testPassword)
	desk := h.login(user, testPassword)
	stranger := h.login(other, testPassword)

	r := h.doAs(desk, "GET", v1("/auth/sessions"), nil)
	require.Equal(t, 200, r.Status)
	var list []map[string]any
	require.NoError(t, json.Unmarshal(r.Raw, &list))
	require.Len(t, list, 2, "only this account's sessions")
	var phoneID float64
	for _, s := range list {
		if s["current"] == false {
			phoneID = s["id"].(float64)
		}
		require.NotContains(t, s, "token_hash")
	}
	require.NotZero(t, phoneID)

	// Another account cannot end it.
	require.Equal(t, 404, h.doAs(stranger, "POST", v1("/auth/sessions/%d/revoke", int64(phoneID)), nil).Status)
	require.Equal(t, 200, h.doAs(phone, "GET", v1("/auth/me"), nil).Status)
	// Its owner can, from the desk: the phone's token dies at once.
	require.Equal(t, 204, h.doAs(desk, "POST", v1("/auth/sessions/%d/revoke", int64(phoneID)), nil).Status)
	require.Equal(t, 401, h.doAs(phone, "GET", v1("/auth/me"), nil).Status)
	require.Equal(t, 404, h.doAs(desk, "POST", v1("/auth/sessions/%d/revoke", int64(phoneID)), nil).Status, "already over")
	require.Equal(t, 200, h.doAs(desk, "GET", v1("/auth/me"), nil).Status)
}

func TestAccountRename(t *testing.T) {
	h := setup(t)
	id, _ := h.account("city_auditor", cityScope())
	h.role = "city_admin"
	r := h.must(200, "PATCH", v1("/accounts/%d", id), map[string]any{"display_name": "审计员 王五", "version": 1})
	require.Equal(t, "审计员 王五", r.Body["display_name"])
	require.Equal(t, "city_auditor", r.Body["role"], "the role stays")
	require.Equal(t, "version_conflict", h.must(409, "PATCH", v1("/accounts/%d", id), map[string]any{"display_name": "x", "version": 1}).code())
	require.Contains(t, h.must(422, "PATCH", v1("/accounts/%d", id), map[string]any{"display_name": " ", "version": 2}).fields(), "display_name")
	r = h.must(422, "PATCH", v1("/accounts/%d", id), map[string]any{"display_name": "x", "role": "city_admin", "version": 2})
	require.Equal(t, "unknown_field", r.code(), "the role cannot be changed")
	require.Equal(t, 1, h.auditCount(`action = 'accounts.update' AND object_id = $1 AND new_values->>'display_name' = '审计员 王五'`, fmt.Sprint(id)))
}
