package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/auth"
	"github.com/anxin-city/anxin/authz"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/pii"
)

// harness is one test's API on its own database, with the real
// authorizer and system log. Requests are made as a signed-in account:
// by default one whose role and binding match scope (city: a city
// supervisor; a town: a town officer; an enterprise: an enterprise user;
// a project: its labour manager; a worker: that worker), or, when role is
// set, a city account of that role. anon sends no token; token, when set,
// is sent instead.
type harness struct {
	t     *testing.T
	app   *fiber.App
	pool  *pgxpool.Pool
	keys  *pii.Keyring
	authz *authz.Authorizer
	audit *audit.Writer
	scope api.Scope
	role  string
	anon  bool
	token string

	temporal client.Client // set by setupCases

	tokens   map[string]string // by role and scope
	accounts int               // made so far
	now      time.Time
}

func setup(t *testing.T) *harness {
	t.Helper()
	t.Parallel()
	return setupWith(t, nil)
}

// setupWith builds the harness; adjust (if not nil) may change the
// dependencies before the API is built.
func setupWith(t *testing.T, adjust func(*api.Deps)) *harness {
	t.Helper()
	pool := dbtest.New(t)
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	az, err := authz.New(context.Background(), pool, log)
	require.NoError(t, err)
	w := audit.NewWriter(pool, log)
	t.Cleanup(w.Close)
	h := &harness{t: t, pool: pool, keys: keys, authz: az, audit: w, tokens: map[string]string{}, scope: cityScope()}
	deps := api.Deps{Pool: pool, PII: keys, Logger: log, Authz: az, Audit: w, LoginRate: 1 << 20, StrictQuery: true}
	if adjust != nil {
		adjust(&deps)
	}
	h.temporal = deps.Temporal
	h.app = api.New(deps)
	return h
}

// testPassword is the password of every account the harness makes.
const testPassword = "Test#Pass2026"

var testPasswordHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(context.Background(), testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// roleFor is the role of an account with this scope.
func roleFor(sc api.Scope) string {
	switch sc.Level() {
	case db.LevelWorker:
		return "worker"
	case db.LevelProject:
		return "project_manager"
	case db.LevelEnterprise:
		return "enterprise_user"
	case db.LevelTown:
		return "town_officer"
	case db.LevelCity:
		return "city_supervisor"
	}
	panic("harness: no scope")
}

// account makes (once per role and scope) an account and returns its id
// and login name.
func (h *harness) account(role string, sc api.Scope) (int64, string) {
	h.t.Helper()
	h.accounts++
	username := fmt.Sprintf("t.%s.%d", strings.ReplaceAll(role, "_", "-"), h.accounts)
	if w, ok := sc.WorkerID(); ok {
		username = fmt.Sprintf("worker-%d", w)
	}
	var id int64
	var domain string
	err := h.pool.QueryRow(context.Background(), `
		INSERT INTO accounts (username, display_name, role, town_code, enterprise_id, project_id, worker_id, password_hash)
		VALUES ($1, $1, $2, $3, $4, $5, $6, $7)
		RETURNING id, domain`,
		username, role, binding(sc.TownCode()), binding(sc.EnterpriseID()), binding(sc.ProjectID()), binding(sc.WorkerID()),
		testPasswordHash()).Scan(&id, &domain)
	require.NoError(h.t, err)
	require.NoError(h.t, h.authz.Grant(id, role, domain))
	return id, username
}

// login signs in and returns the token.
func (h *harness) login(username, password string) string {
	h.t.Helper()
	r := h.doAs("", "POST", "/api/v1/auth/login", map[string]any{"username": username, "password": password})
	require.Equal(h.t, 200, r.Status, "login %s: %s", username, r.Raw)
	tok, _ := r.Body["token"].(string)
	require.NotEmpty(h.t, tok)
	return tok
}

// tokenFor returns a signed-in token for role (city_supervisor etc.) and
// scope, making the account on first use.
func (h *harness) tokenFor(role string, sc api.Scope) string {
	h.t.Helper()
	key := role + "|" + scopeKey(sc)
	if tok, ok := h.tokens[key]; ok {
		return tok
	}
	_, username := h.account(role, sc)
	tok := h.login(username, testPassword)
	h.tokens[key] = tok
	return tok
}

// binding is an account's binding column for an accessor of the scope:
// the value, or NULL.
func binding[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

func scopeKey(sc api.Scope) string { return sc.String() }

// currentToken is the token the next request is sent with ("" for none).
func (h *harness) currentToken() string {
	switch {
	case h.anon:
		return ""
	case h.token != "":
		return h.token
	case h.role != "":
		return h.tokenFor(h.role, cityScope())
	}
	return h.tokenFor(roleFor(h.scope), h.scope)
}

// resp is a decoded JSON response.
type resp struct {
	Status int
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

func (r resp) header(name string) string { return r.Header.Get(name) }

func (r resp) code() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r resp) fields() map[string]any {
	e, _ := r.Body["error"].(map[string]any)
	f, _ := e["fields"].(map[string]any)
	return f
}

func (r resp) num(key string) int64 {
	f, _ := r.Body[key].(float64)
	return int64(f)
}

func (r resp) items() []map[string]any {
	raw, _ := r.Body["items"].([]any)
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i], _ = x.(map[string]any)
	}
	return out
}

func (h *harness) do(method, path string, body any) resp {
	h.t.Helper()
	return h.doAs(h.currentToken(), method, path, body)
}

// authorize adds the current token to a request built by hand.
func (h *harness) authorize(req *http.Request) {
	if tok := h.currentToken(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
}

// doAs performs a request with the given token ("" for none).
func (h *harness) doAs(token, method, path string, body any) resp {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		buf, err := json.Marshal(b)
		require.NoError(h.t, err)
		rd = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(method, path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	raw, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	out := resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(h.t, json.Unmarshal(raw, &out.Body), string(raw))
		if out.Status < 300 {
			checkLabels(h.t, method+" "+path, out.Body)
		}
	}
	return out
}

// doRaw performs a GET-like request without a body and returns the
// response (headers included).
func (h *harness) doRaw(method, path, token string) *http.Response {
	h.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	return res
}

// must performs a request and requires the given status.
func (h *harness) must(status int, method, path string, body any) resp {
	h.t.Helper()
	r := h.do(method, path, body)
	require.Equal(h.t, status, r.Status, "%s %s: %s", method, path, r.Raw)
	return r
}
