package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

func TestMetricsCountRequestsByRouteTemplate(t *testing.T) {
	h := setup(t)
	h.towns()
	h.must(200, "GET", "/api/v1/towns", nil)
	h.must(404, "GET", "/api/v1/enterprises/987654", nil)
	h.must(404, "GET", "/api/v1/no-such-thing", nil)
	h.must(422, "POST", "/api/v1/towns", map[string]any{"code": "x"})

	m := string(h.must(200, "GET", "/metrics", nil).Raw)
	require.Contains(t, m, `anxin_http_requests_total{method="GET",route="/api/v1/towns",status="200"} 1`)
	require.Contains(t, m, `anxin_http_requests_total{method="GET",route="/api/v1/enterprises/:id",status="404"} 1`)
	require.Contains(t, m, `anxin_http_requests_total{method="POST",route="/api/v1/towns",status="422"} 1`)
	require.Contains(t, m, `route="unmatched",status="404"`)
	require.NotContains(t, m, "987654", "IDs never become label values")
	require.Contains(t, m, "anxin_http_request_duration_seconds_bucket")
	require.Contains(t, m, "anxin_db_pool_max_conns")
}

func TestMetricsScrapeToken(t *testing.T) {
	t.Parallel()
	h := setupWith(t, func(d *api.Deps) { d.MetricsToken = "scrape-secret" })
	require.Equal(t, 401, h.doAs("", "GET", "/metrics", nil).Status)
	require.Equal(t, 401, h.doAs("wrong", "GET", "/metrics", nil).Status)
	require.Equal(t, 401, h.do("GET", "/metrics", nil).Status, "a user's session is not the scrape credential")
	require.Equal(t, 200, h.doAs("scrape-secret", "GET", "/metrics", nil).Status)
}
