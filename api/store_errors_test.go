package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A NUL in text, which Postgres would refuse, is the client's fault: 422,
// not a 500, and nothing written. The body check refuses it first
// (invalid_character); were it to get through, the store boundary maps
// Postgres's refusal to 422 invalid_value (TestToClientErrorKinds).
func TestValueRefusedByPostgresIs422(t *testing.T) {
	h := setup(t)
	r := h.must(422, "POST", "/api/v1/towns", map[string]any{"code": "330109", "name": "丁\u0000镇"})
	require.Equal(t, "invalid_character", r.code())
	require.Contains(t, r.fields(), "name")
	require.Empty(t, h.must(200, "GET", "/api/v1/towns", nil).items())
}
