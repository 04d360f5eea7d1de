package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/seed"
)

// dbDigest is a digest of every row of every table but the system log
// (which records the requests themselves) and the sessions (which record
// when a session was last used).
func (h *harness) dbDigest() string {
	h.t.Helper()
	ctx := context.Background()
	rows, err := h.pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'goose%'
		AND tablename NOT LIKE 'audit%' AND tablename <> 'sessions' ORDER BY 1`)
	require.NoError(h.t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(h.t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(h.t, rows.Err())
	var b strings.Builder
	for _, tb := range tables {
		var d string
		require.NoError(h.t, h.pool.QueryRow(ctx,
			`SELECT '`+tb+`' || ':' || count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+tb+` t`).Scan(&d))
		b.WriteString(d + "\n")
	}
	return b.String()
}

// TestBadInputChangesNothing sends malformed, empty and wrong-typed bodies
// to every route that writes, on a database holding the demo city, and
// requires a client error (never success, never 500) and a database that is
// byte for byte what it was.
func TestBadInputChangesNothing(t *testing.T) {
	h := setup(t)
	_, err := seed.Run(context.Background(), h.pool, seed.Options{Scale: "demo", Keys: h.keys})
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(h.must(200, "GET", "/api/v1/openapi.json", nil).Raw)
	require.NoError(t, err)
	h.currentToken() // signed in before the digest
	before := h.dbDigest()

	bodies := []string{
		``,
		`{not json`,
		`[]`,
		`{"version": "one"}`,
		`{"no_such_field": 1}`,
		`{"name": 5, "version": 1}`,
		`{} {}`,
		`{"name": "a\u0000b", "version": 1}`,
	}
	sent := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if method == "GET" || op.RequestBody == nil {
				continue
			}
			concrete := strings.NewReplacer("{id}", "1", "{code}", "330101", "{listing}", "1", "{system}", "real_name").Replace(path)
			for _, b := range bodies {
				r := h.do(method, concrete, b)
				require.True(t, r.Status >= 400 && r.Status < 500, "%s %s %q (%s) answered %d: %s", method, concrete, b, op.OperationID, r.Status, r.Raw)
				require.NotEmpty(t, r.code(), "%s %s %q: no error code: %s", method, concrete, b, r.Raw)
				sent++
			}
		}
	}
	require.Greater(t, sent, 200)
	require.Equal(t, before, h.dbDigest(), "a refused request changed the database")
}
