package authz

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// The statements of authz that sqlc cannot take are here, each saying
// why; the others are queries of queries/authz.sql.

// queryGrants reads the g rules: the active accounts' id, role and domain.
func queryGrants(ctx context.Context, q dbq.DBTX) (pgx.Rows, error) {
	// Raw: loadGRules streams these rows (250,000 at city size) through
	// RawValues, without a slice or a string per row; a sqlc :many would
	// build both.
	rows, err := q.Query(ctx, "SELECT id, role, domain FROM accounts WHERE active")
	return rows, db.MapError(err)
}

// listen subscribes conn to Channel.
func listen(ctx context.Context, conn *pgx.Conn) error {
	// Raw: LISTEN names its channel as an identifier, not a parameter.
	_, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize())
	return db.MapError(err)
}
