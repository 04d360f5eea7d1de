package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db"
)

// MapError without a database: each SQLSTATE to its kind, the original
// error kept, mapped errors and foreign errors left alone.
func TestMapErrorTable(t *testing.T) {
	t.Parallel()
	pg := func(code string) *pgconn.PgError {
		return &pgconn.PgError{Code: code, ConstraintName: "c_" + code, TableName: "t", ColumnName: "col"}
	}
	other := errors.New("other")
	for _, tc := range []struct {
		name string
		err  error
		kind error // nil: returned unchanged
	}{
		{"unique", pg("23505"), db.ErrConflict},
		{"foreign key", pg("23503"), db.ErrReference},
		{"check", pg("23514"), db.ErrCheck},
		{"not null", pg("23502"), db.ErrCheck},
		{"invalid text representation", pg("22P02"), db.ErrBadInput},
		{"string too long", pg("22001"), db.ErrBadInput},
		{"numeric out of range", pg("22003"), db.ErrBadInput},
		{"invalid datetime format", pg("22007"), db.ErrBadInput},
		{"datetime field overflow", pg("22008"), db.ErrBadInput},
		{"division by zero", pg("22012"), db.ErrBadInput},
		{"NUL in text", pg("22021"), db.ErrBadInput},
		{"untranslatable character", pg("22P05"), db.ErrBadInput},
		{"serialization failure", pg("40001"), db.ErrSerialized},
		{"deadlock", pg("40P01"), db.ErrSerialized},
		{"wrapped", fmt.Errorf("insert: %w", pg("23505")), db.ErrConflict},
		{"undefined table", pg("42P01"), nil},
		{"lock not available", pg("55P03"), nil},
		{"raise", pg("P0001"), nil},
		{"not a database error", other, nil},
		{"context", context.Canceled, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := db.MapError(tc.err)
			if tc.kind == nil {
				require.Same(t, tc.err, got)
				return
			}
			require.ErrorIs(t, got, tc.kind)
			require.ErrorIs(t, got, tc.err, "the original error stays in the chain")
			var ce *db.ConstraintError
			require.ErrorAs(t, got, &ce)
			require.Equal(t, tc.kind, ce.Kind)
			var pe *pgconn.PgError
			require.ErrorAs(t, got, &pe)
			require.Equal(t, pe.ConstraintName, ce.Constraint)
			require.Equal(t, "t", ce.Table)
			require.Equal(t, "col", ce.Column)
			for _, k := range []error{db.ErrNotFound, db.ErrConflict, db.ErrReference, db.ErrCheck, db.ErrBadInput, db.ErrSerialized} {
				if k != tc.kind {
					require.NotErrorIs(t, got, k)
				}
			}
			require.Same(t, got, db.MapError(got), "mapping twice changes nothing")
		})
	}
}

func TestMapErrorNoRows(t *testing.T) {
	t.Parallel()
	require.NoError(t, db.MapError(nil))
	for _, err := range []error{pgx.ErrNoRows, fmt.Errorf("lead 7: %w", pgx.ErrNoRows)} {
		got := db.MapError(err)
		require.ErrorIs(t, got, db.ErrNotFound)
		require.ErrorIs(t, got, pgx.ErrNoRows, "still a pgx.ErrNoRows for the callers not switched yet")
		var ce *db.ConstraintError
		require.False(t, errors.As(got, &ce))
		require.Same(t, got, db.MapError(got))
	}
}
