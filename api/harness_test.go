package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/pii"
)

// harness is one test's API on its own database. Its scope is what the
// next request is made as (city by default).
type harness struct {
	t     *testing.T
	app   *fiber.App
	pool  *pgxpool.Pool
	keys  *pii.Keyring
	scope api.Scope
}

func setup(t *testing.T) *harness {
	t.Helper()
	t.Parallel()
	pool := dbtest.New(t)
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(t, err)
	h := &harness{t: t, pool: pool, keys: keys}
	h.app = api.New(api.Deps{
		Pool: pool, PII: keys,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Scope:  func(*fiber.Ctx) (api.Scope, error) { return h.scope, nil },
	})
	return h
}

// resp is a decoded JSON response.
type resp struct {
	Status int
	Body   map[string]any
	Raw    []byte
}

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
	res, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	raw, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	out := resp{Status: res.StatusCode, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(h.t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

// must performs a request and requires the given status.
func (h *harness) must(status int, method, path string, body any) resp {
	h.t.Helper()
	r := h.do(method, path, body)
	require.Equal(h.t, status, r.Status, "%s %s: %s", method, path, r.Raw)
	return r
}
