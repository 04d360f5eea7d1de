package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
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
