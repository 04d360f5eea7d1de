package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A value Postgres refuses that validation let through (NUL in text) is
// the client's fault: 422 invalid_value, not a 500, and nothing written.
func TestValueRefusedByPostgresIs422(t *testing.T) {
	h := setup(t)
	r := h.must(422, "POST", "/api/v1/towns", map[string]any{"code": "330109", "name": "丁\u0000镇"})
	require.Equal(t, "invalid_value", r.code())
	require.Empty(t, h.must(200, "GET", "/api/v1/towns", nil).items())
}
