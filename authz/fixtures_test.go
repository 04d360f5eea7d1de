package authz_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
)

// fixture is the smallest registry accounts can be bound to: towns A and B,
// an enterprise (builder and contractor of the project) in town A, a
// project in town A and a worker.
type fixture struct {
	TownA, TownB string
	Enterprise   int64
	Project      int64
	Worker       int64
}

const minimalRegistry = `
INSERT INTO towns (code, name) VALUES ('330101', '甲街道'), ('330102', '乙街道');
INSERT INTO enterprises (credit_code, name, type, town_code)
VALUES ('91330100000000001A', '甲建设', 'general_contractor', '330101');
INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id,
                      contract_value_fen, start_date, planned_end_date, status)
SELECT 'PA-0001', '甲住宅项目', '330101', 'housing', id, id, 100000000, '2025-01-01', '2026-12-31', 'in_construction'
  FROM enterprises;
INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region)
VALUES ('张三', '\x00', '\x01', 'male', '1990-01-01', '33', '330102');
`

func newFixture(t testing.TB, pool *pgxpool.Pool) fixture {
	t.Helper()
	ctx := context.Background()
	_, err := pool.Exec(ctx, minimalRegistry)
	require.NoError(t, err)
	f := fixture{TownA: "330101", TownB: "330102"}
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM enterprises").Scan(&f.Enterprise))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM projects").Scan(&f.Project))
	require.NoError(t, pool.QueryRow(ctx, "SELECT id FROM workers").Scan(&f.Worker))
	return f
}

var accountSeq atomic.Int64

// binding of an account: at most one of these is set (none: city).
type binding struct {
	Town       string
	Enterprise int64
	Project    int64
	Worker     int64
}

// execer is a pool or a transaction.
type execer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// mkAccount inserts an active account and returns its id and domain.
func mkAccount(t testing.TB, q execer, role string, b binding) (int64, string) {
	t.Helper()
	n := accountSeq.Add(1)
	nullStr := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	nullID := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	var id int64
	var domain string
	err := q.QueryRow(context.Background(), `
		INSERT INTO accounts (username, display_name, role, town_code, enterprise_id, project_id, worker_id, password_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'x')
		RETURNING id, domain`,
		fmt.Sprintf("user%04d", n), fmt.Sprintf("用户%d", n), role,
		nullStr(b.Town), nullID(b.Enterprise), nullID(b.Project), nullID(b.Worker)).Scan(&id, &domain)
	require.NoError(t, err)
	return id, domain
}

func itoa(n int64) string { return fmt.Sprint(n) }
