package api_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAuditLogForAuditors(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	h.must(200, "PATCH", v1("/projects/%d", f.ProjectA), map[string]any{"name": "甲住宅项目（二期）", "version": 1})
	h.must(200, "GET", v1("/projects/%d", f.ProjectA), nil)

	h.must(403, "GET", v1("/audit-log"), nil) // a supervisor does not read the log
	h.role = "city_admin"
	h.must(403, "GET", v1("/audit-log"), nil) // nor the account administrator
	h.role = "city_auditor"

	all := h.must(200, "GET", v1("/audit-log?page_size=200"), nil)
	require.Greater(t, all.num("total"), int64(10))
	items := all.items()
	require.Greater(t, items[0]["id"], items[1]["id"], "newest first")

	changes := h.must(200, "GET", v1("/audit-log?action=projects.update&object_id=%d", f.ProjectA), nil).items()
	require.Len(t, changes, 1)
	ch := changes[0]
	require.Equal(t, "甲住宅项目", ch["old_values"].(map[string]any)["name"])
	require.Equal(t, "甲住宅项目（二期）", ch["new_values"].(map[string]any)["name"])
	require.Equal(t, "city_supervisor", ch["role"])
	require.Len(t, ch["hash"], 64)
	req := h.must(200, "GET", v1("/audit-log?request_id=%s", ch["request_id"]), nil).items()
	require.Len(t, req, 2, "the access and the change it made share the request id")

	denied := h.must(200, "GET", v1("/audit-log?outcome=denied&action=GET%%20/api/v1/audit-log"), nil).items()
	require.Len(t, denied, 2, "the refused reads of the log are in the log")

	for q, field := range map[string]string{"from=2026-13-01": "from", "outcome=maybe": "outcome",
		"from=2026-01-01&to=2025-12-01": "to", "from=2025-01-01&to=2025-12-31": "from", "account_id=x": "account_id"} {
		r := h.must(400, "GET", v1("/audit-log?%s", q), nil)
		require.Contains(t, r.fields(), field, q)
	}
	require.Empty(t, h.must(200, "GET", v1("/audit-log?from=2020-01-01&to=2020-01-31"), nil).items())
	h.must(404, "GET", fmt.Sprintf("/api/v1/audit-log/%d", 1), nil) // no way to address (let alone change) an entry
}

// TestNoUnloggedRead: when the system log cannot take the access, the data
// is not handed out.
func TestNoUnloggedRead(t *testing.T) {
	h := setup(t)
	h.towns()
	h.must(200, "GET", v1("/towns"), nil)
	h.audit.Close()
	r := h.must(503, "GET", v1("/towns"), nil)
	require.Equal(t, "audit_unavailable", r.code())
	require.NotContains(t, string(r.Raw), "330101")
}

// TestPersonalDataStaysOutOfTheLog: look-ups by ID number or phone are
// logged with the value masked, as the API shows it.
func TestPersonalDataStaysOutOfTheLog(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	h.must(200, "PATCH", v1("/workers/%d", f.WorkerA), map[string]any{"phone": "13912345678", "version": 1})
	require.Len(t, h.must(200, "GET", v1("/workers?id_number=%s&page_size=5", f.IDNumberA), nil).items(), 1)
	require.Len(t, h.must(200, "GET", v1("/workers?phone=13912345678"), nil).items(), 1)
	for _, secret := range []string{f.IDNumberA, "13912345678"} {
		require.Zero(t, h.auditCount(`position($1 in coalesce(detail::text, '') || coalesce(old_values::text, '') || coalesce(new_values::text, '')) > 0`, secret),
			"%s in the log", secret)
	}
	require.Equal(t, 1, h.auditCount(`action = 'GET /api/v1/workers' AND detail->>'query' LIKE '%id_number=330102%2A%2A%' AND detail->>'query' LIKE '%page_size=5%'`))
	require.Equal(t, 1, h.auditCount(`action = 'GET /api/v1/workers' AND detail->>'query' LIKE '%phone=139%2A%2A%2A%2A5678%'`))
}
