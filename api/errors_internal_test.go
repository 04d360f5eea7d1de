package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db"
)

// toClientError maps each kind of store error, mapped by the store or
// still raw, to its status, code and field.
func TestToClientErrorKinds(t *testing.T) {
	t.Parallel()
	pg := func(code, constraint, table, column string) error {
		return fmt.Errorf("insert: %w", &pgconn.PgError{Code: code, ConstraintName: constraint, TableName: table, ColumnName: column})
	}
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		field  string
	}{
		{"no rows", pgx.ErrNoRows, http.StatusNotFound, "not_found", ""},
		{"unique", pg("23505", "towns_pkey", "towns", ""), http.StatusConflict, "duplicate", "code"},
		{"foreign key", pg("23503", "projects_town_code_fkey", "projects", ""), http.StatusUnprocessableEntity, "reference_not_found", "town_code"},
		{"column check", pg("23514", "towns_code_check", "towns", ""), http.StatusUnprocessableEntity, "invalid", "code"},
		{"NUL in text", pg("22021", "", "", ""), http.StatusUnprocessableEntity, "invalid_value", ""},
		{"too long, column named", pg("22001", "", "towns", "name"), http.StatusUnprocessableEntity, "invalid_value", "name"},
		{"out of range", pg("22003", "", "", ""), http.StatusUnprocessableEntity, "invalid_value", ""},
		{"serialization", pg("40001", "", "", ""), http.StatusConflict, "retry", ""},
		{"undefined table", pg("42P01", "", "", ""), http.StatusInternalServerError, "internal", ""},
		{"other", errors.New("boom"), http.StatusInternalServerError, "internal", ""},
	} {
		for _, mapped := range []bool{false, true} {
			err := tc.err
			if mapped {
				err = db.MapError(err)
			}
			got := toClientError(err)
			require.Equal(t, tc.status, got.Status, "%s (mapped %v)", tc.name, mapped)
			require.Equal(t, tc.code, got.Code, "%s (mapped %v)", tc.name, mapped)
			require.NotEmpty(t, got.Message)
			if tc.field == "" {
				require.Empty(t, got.Fields, tc.name)
			} else {
				require.Contains(t, got.Fields, tc.field, tc.name)
			}
		}
	}
}
