package api_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/seed"
)

// TestExportsCrossChunkBoundaries exports lists longer than one read chunk
// (2,000 rows) from the "small" synthetic city and requires exactly the
// rows of the list, each once, in key order — for the city and for a town.
func TestExportsCrossChunkBoundaries(t *testing.T) {
	h := setup(t)
	_, err := seed.Run(context.Background(), h.pool, seed.Options{Scale: "small", Keys: h.keys})
	require.NoError(t, err)

	const year = "project_id=1&date_from=2025-11-01&date_to=2026-10-31"
	for _, tc := range []struct {
		name, list, export string
		byID               bool
	}{
		{"Workers", "/api/v1/workers?page_size=1", "/api/v1/exports/workers.xlsx", true},
		{"Employments", "/api/v1/employments?page_size=1", "/api/v1/exports/employments.xlsx", true},
		{"AttendanceOfAProjectYear", "/api/v1/attendance?page_size=1&" + year, "/api/v1/exports/attendance.xlsx?" + year, false},
	} {
		total := h.must(200, "GET", tc.list, nil).num("total")
		require.Greater(t, total, int64(2000), "%s: the list must span chunks", tc.name)
		d := h.download(tc.export)
		require.Equal(t, 200, d.Status, tc.name)
		_, rows := sheetRows(t, d.Body)
		require.EqualValues(t, total, len(rows)-1, "%s: one row per list item (plus the header)", tc.name)
		if !tc.byID {
			continue
		}
		var last int64
		for _, r := range rows[1:] {
			id, err := strconv.ParseInt(r[0], 10, 64)
			require.NoError(t, err, tc.name)
			require.Greater(t, id, last, "%s: ids strictly increasing: no row twice, none skipped at a boundary", tc.name)
			last = id
		}
	}
}
