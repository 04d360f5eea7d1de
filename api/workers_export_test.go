package api

import "github.com/anxin-city/anxin/db/dbq"

// ListDBForTest exposes listDB to the external tests (the worker list
// benchmark compares it with pgx's default statement caching).
func ListDBForTest(db dbq.DBTX) dbq.DBTX { return listDB{db} }
