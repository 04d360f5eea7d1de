package audit_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/db/dbtest"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func exec(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	_, err := pool.Exec(context.Background(), sql, args...)
	require.NoError(t, err, sql)
}

// tamper runs sql with the append-only trigger out of the way, as a
// superuser could (session_replication_role = replica skips triggers).
func tamper(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(context.Background()) //nolint:errcheck // a failed test must not hold the pool open
	defer tx.Rollback(ctx)                  //nolint:errcheck
	_, err = tx.Exec(ctx, "SET LOCAL session_replication_role = replica")
	require.NoError(t, err)
	_, err = tx.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
	require.NoError(t, tx.Commit(ctx))
}

func verify(t *testing.T, pool *pgxpool.Pool) audit.Report {
	t.Helper()
	rep, err := audit.Verify(ctxT(t), pool, audit.VerifyOptions{})
	require.NoError(t, err)
	return rep
}

func requireIntact(t *testing.T, pool *pgxpool.Pool, rows int64) audit.Report {
	t.Helper()
	rep := verify(t, pool)
	require.Nil(t, rep.Broken, "chain broken: %s", rep.String())
	require.Equal(t, rows, rep.Rows, rep.String())
	return rep
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, pool.QueryRow(context.Background(), sql, args...).Scan(&n), sql)
	return n
}

func TestRowChangesAreChainedWithTheActor(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	id := int64(42)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(context.Background()) //nolint:errcheck // a failed test must not hold the pool open
	require.NoError(t, audit.SetActor(ctx, tx, audit.Actor{AccountID: &id, Username: "zhang.san", Role: "city_supervisor",
		Domain: "city", IP: "10.1.2.3", UserAgent: "test", RequestID: "req-1"}))
	_, err = tx.Exec(ctx, "INSERT INTO towns (code, name) VALUES ('330101', '城东街道')")
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "UPDATE towns SET name = '城东', version = version + 1 WHERE code = '330101'")
	require.NoError(t, err)
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_log"), "nothing is sealed before the commit")
	require.NoError(t, tx.Commit(ctx))

	// Without an actor the database user is named; personal data never
	// appears.
	exec(t, pool, `INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region, phone_enc)
		VALUES ('王五', '\x0102', '\x0304', 'male', '1980-01-01', '33', '330101', '\x0506')`)
	exec(t, pool, `UPDATE workers SET phone_enc = '\x0708', bank_name = '农业银行' WHERE name = '王五'`)

	type row struct {
		ID                                    int64
		AccountID                             *int64
		Username, Role, Domain, IP, RequestID *string
		Action, ObjectType, ObjectID, Outcome string
		Old, New                              *string
	}
	rows, err := pool.Query(ctx, `SELECT id, account_id, username, role, domain, ip, request_id, action, object_type, object_id, outcome,
		old_values::text, new_values::text FROM audit_log ORDER BY id`)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[row])
	require.NoError(t, err)
	require.Len(t, got, 4)

	require.Equal(t, int64(1), got[0].ID)
	require.Equal(t, "towns.insert", got[0].Action)
	require.Equal(t, "towns", got[0].ObjectType)
	require.Equal(t, "330101", got[0].ObjectID)
	require.Equal(t, id, *got[0].AccountID)
	require.Equal(t, "zhang.san", *got[0].Username)
	require.Equal(t, "city", *got[0].Domain)
	require.Equal(t, "10.1.2.3", *got[0].IP)
	require.Equal(t, "req-1", *got[0].RequestID)
	require.Nil(t, got[0].Old)
	require.Contains(t, *got[0].New, `"name": "城东街道"`)

	require.Equal(t, "towns.update", got[1].Action)
	require.Equal(t, `{"code": "330101", "name": "城东街道", "version": 1}`, *got[1].Old)
	require.Equal(t, `{"code": "330101", "name": "城东", "version": 2}`, *got[1].New)
	require.Equal(t, "zhang.san", *got[1].Username)

	require.Equal(t, "workers.insert", got[2].Action)
	require.Equal(t, "db:postgres", *got[2].Username)
	require.Nil(t, got[2].AccountID)
	require.Contains(t, *got[2].New, `"phone_enc": "<changed>"`)
	require.Contains(t, *got[2].New, `"id_number_enc": "<changed>"`)
	require.NotContains(t, *got[2].New, `"phone_hash"`, "a NULL personal-data column is left out")
	require.NotContains(t, *got[2].New, `\\x`, "no ciphertext or keyed hash in the log")
	require.Equal(t, "workers.update", got[3].Action)
	require.Contains(t, *got[3].Old, `"phone_enc": "<changed>"`)
	require.Contains(t, *got[3].New, `"bank_name": "农业银行"`)
	require.NotContains(t, *got[3].New, "id_number", "unchanged columns are left out")

	rep := requireIntact(t, pool, 4)
	require.Equal(t, int64(4), rep.HeadID)
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_pending"))

	// A rolled-back transaction leaves nothing; an update that changes
	// nothing logs nothing.
	tx, err = pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "UPDATE towns SET name = '城西' WHERE code = '330101'")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback(ctx))
	exec(t, pool, "UPDATE towns SET name = name WHERE code = '330101'")
	requireIntact(t, pool, 4)

	// Capture can be switched off for a bulk load.
	tx, err = pool.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "SET LOCAL anxin.audit_capture = 'off'")
	require.NoError(t, err)
	_, err = tx.Exec(ctx, "INSERT INTO towns (code, name) VALUES ('330102', '城西街道')")
	require.NoError(t, err)
	require.NoError(t, audit.Insert(ctx, tx, audit.Entry{Action: "seed.load", Detail: map[string]int{"towns": 1}}))
	require.NoError(t, tx.Commit(ctx))
	require.Equal(t, int64(1), count(t, pool, "SELECT count(*) FROM audit_log WHERE action = 'seed.load'"))
	requireIntact(t, pool, 5)
}

func TestEveryBusinessTableIsCaptured(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	var missing []string
	rows, err := pool.Query(context.Background(), `
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND c.relname NOT LIKE 'audit\_%' AND c.relname NOT IN ('goose_db_version', 'sessions', 'authz_model', 'authz_policy',
      -- counts of failed sign-ins per name and client: each attempt is
      -- itself logged (auth.login)
      'login_throttle',
      -- append-only history of the lead, dispatch and warning workflows,
      -- itself a log: each step's change of the case's row is captured
      'lead_events', 'dispatch_events', 'warning_events',
      -- request bookkeeping like the sessions: the kept answers of create
      -- requests sent with an Idempotency-Key (the request itself and its
      -- row changes are logged)
      'idempotency_keys',
      -- the next case number per kind and year: bookkeeping of the insert
      -- trigger, whose numbered row (lead, dispatch, warning) is captured
      'case_number_counters')
  AND NOT EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname = 'audit_capture')
ORDER BY 1`)
	require.NoError(t, err)
	missing, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Empty(t, missing, "business tables without the audit_capture trigger")
}

func TestEncodingOfAwkwardValues(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	// Empty strings (not NULL), quotes, commas, CR LF, "\.", tabs,
	// backslashes and Chinese, in text and in jsonb; the CSV read back
	// and the Go encoding must give the hashes SQL computed.
	exec(t, pool, `INSERT INTO audit_pending (username, role, domain, ip, user_agent, request_id, action, object_type, object_id, outcome, status, old_values, new_values, detail)
		VALUES ('', '"quoted", and comma', E'line1\r\nline2', E'\\.', E'tab\there', E'back\\slash', 'x.y', '', '0', 'failed', -1,
		        '{"a": "x\"y", "b": [1, 2.50, null, true], "长": "名字"}', '""', E'{"nl": "a\\nb\\r", "u": "\\u0001"}')`)
	exec(t, pool, `INSERT INTO audit_pending (action, at) VALUES ('old', '1969-12-31 23:59:59.999999+00'), ('new', '2026-03-01 08:00:00+08')`)
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(context.Background()) //nolint:errcheck // a failed test must not hold the pool open
	for i := range 3 {
		require.NoError(t, audit.Insert(ctx, tx, audit.Entry{
			Actor:  audit.Actor{Username: fmt.Sprintf("用户%d", i), IP: "::1"},
			Action: "pii.view", ObjectType: "workers", ObjectID: "7", Status: 200,
			Detail: map[string]any{"fields": []string{"id_number"}, "why": "核实\"身份\", ok\n"},
		}))
	}
	require.NoError(t, tx.Commit(ctx))
	rep := requireIntact(t, pool, 6)
	require.Equal(t, int64(6), rep.HeadID)

	// The same export read back verifies too.
	var buf bytes.Buffer
	info, err := audit.Export(ctx, pool, &buf, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, int64(6), info.Rows)
	check, err := audit.VerifyFile(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Equal(t, info.SHA256, check.SHA256)
	require.Equal(t, info.LastHash, rep.Head)
}

func TestAppendOnly(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	require.NoError(t, audit.Generate(ctxT(t), pool, 10, time.Time{}))
	for _, sql := range []string{
		"UPDATE audit_log SET username = 'x' WHERE id = 3",
		"DELETE FROM audit_log WHERE id = 3",
		"TRUNCATE audit_log",
		"DELETE FROM audit_head",
		"DELETE FROM audit_archive",
	} {
		_, err := pool.Exec(context.Background(), sql)
		require.ErrorContains(t, err, "append-only", sql)
	}
	parts := count(t, pool, "SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_log'::regclass")
	rows, err := pool.Query(context.Background(), "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'audit_log'::regclass")
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.EqualValues(t, parts, len(names))
	for _, n := range names {
		_, err := pool.Exec(context.Background(), "TRUNCATE "+n)
		require.ErrorContains(t, err, "append-only", n)
	}
	requireIntact(t, pool, 10)
}

func TestGeneratedRowsHashAsSQLDoes(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	require.NoError(t, audit.Generate(ctx, pool, 3000, time.Now().AddDate(0, -3, 0)))
	require.NoError(t, audit.Generate(ctx, pool, 500, time.Time{}))
	require.Zero(t, count(t, pool, `SELECT count(*) FROM audit_log WHERE hash <> sha256(prev_hash || audit_encode(id, at, account_id, username, role,
		domain, ip, user_agent, request_id, action, object_type, object_id, outcome, status, old_values, new_values, detail))`))
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_log_default"))
	requireIntact(t, pool, 3500)
	// Sealed entries continue the generated chain.
	exec(t, pool, "INSERT INTO towns (code, name) VALUES ('330101', '城东街道')")
	rep := requireIntact(t, pool, 3501)
	require.Equal(t, int64(3501), rep.HeadID)
}

func TestVerifyFindsTheFirstBrokenLink(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) *pgxpool.Pool {
		pool := dbtest.New(t)
		require.NoError(t, audit.Generate(ctxT(t), pool, 200, time.Now().AddDate(0, -2, 0)))
		requireIntact(t, pool, 200)
		return pool
	}
	t.Run("EditedRow", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		tamper(t, pool, "UPDATE audit_log SET username = 'someone.else' WHERE id = 50")
		tamper(t, pool, "UPDATE audit_log SET status = 200 WHERE id = 120 AND status <> 200")
		rep := verify(t, pool)
		require.NotNil(t, rep.Broken)
		require.Equal(t, audit.Break{ID: 50, Kind: audit.BrokenEdited, Detail: "hash mismatch (row edited)"}, *rep.Broken)
		require.Equal(t, int64(200), rep.Rows)
	})
	t.Run("DeletedRow", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		tamper(t, pool, "DELETE FROM audit_log WHERE id IN (50, 51, 52)")
		rep := verify(t, pool)
		require.NotNil(t, rep.Broken)
		require.Equal(t, audit.Break{ID: 50, Kind: audit.BrokenGap, Detail: "gap: rows 50..52 missing (deleted)"}, *rep.Broken)
		require.Equal(t, int64(197), rep.Rows)
		require.Equal(t, int64(1), rep.Problems, "the chain continues after the gap")
	})
	t.Run("RowDeletedFromTheEnd", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		tamper(t, pool, "DELETE FROM audit_log WHERE id = 200")
		rep := verify(t, pool)
		require.NotNil(t, rep.Broken)
		require.Equal(t, int64(200), rep.Broken.ID)
		require.Equal(t, audit.BrokenHead, rep.Broken.Kind)
		require.Contains(t, rep.Broken.Detail, "head does not match (rows removed from the end)")
	})
	t.Run("InsertedRow", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		// A forger copies row 80, changes it, gives it the hash it would
		// have after row 79, and slips it in before the real row 80.
		exec(t, pool, `INSERT INTO audit_log SELECT id, at - interval '1 microsecond', account_id, 'forger', role, domain, ip, user_agent,
			request_id, action, object_type, object_id, outcome, status, old_values, new_values, detail, prev_hash,
			sha256(prev_hash || audit_encode(id, at - interval '1 microsecond', account_id, 'forger', role, domain, ip, user_agent,
			request_id, action, object_type, object_id, outcome, status, old_values, new_values, detail))
			FROM audit_log WHERE id = 80`)
		rep := verify(t, pool)
		require.NotNil(t, rep.Broken)
		require.Equal(t, int64(80), rep.Broken.ID)
		require.Equal(t, audit.BrokenLink, rep.Broken.Kind)
		require.Contains(t, rep.Broken.Detail, "prev_hash does not link (row inserted or reordered)")
		require.Equal(t, int64(201), rep.Rows)
	})
	t.Run("ReorderedRows", func(t *testing.T) {
		t.Parallel()
		pool := setup(t)
		tamper(t, pool, `UPDATE audit_log SET id = CASE id WHEN 60 THEN 61 ELSE 60 END WHERE id IN (60, 61)`)
		rep := verify(t, pool)
		require.NotNil(t, rep.Broken)
		require.Equal(t, int64(60), rep.Broken.ID)
		require.Equal(t, audit.BrokenLink, rep.Broken.Kind)
	})
}

func TestConcurrentTransactionsDoNotDeadlockOnTheHead(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	for i := range 10 {
		exec(t, pool, "INSERT INTO towns (code, name) VALUES ($1, $2)", fmt.Sprintf("3301%02d", i), fmt.Sprintf("镇%d", i))
	}
	base := count(t, pool, "SELECT last_id FROM audit_head")

	// T1 changes A, T2 changes B, then T1 wants B: it waits for T2, which
	// commits (sealing takes the head only at commit, so T2 is not stuck
	// behind T1) and T1 goes on. Had the row trigger locked the head, T2
	// would wait for T1 and T1 for T2: a deadlock.
	t1, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer t1.Rollback(ctx) //nolint:errcheck
	t2, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer t2.Rollback(ctx) //nolint:errcheck
	_, err = t1.Exec(ctx, "UPDATE towns SET sort_order = 1 WHERE code = '330100'")
	require.NoError(t, err)
	_, err = t2.Exec(ctx, "UPDATE towns SET sort_order = 2 WHERE code = '330101'")
	require.NoError(t, err)
	t1done := make(chan error, 1)
	go func() {
		_, err := t1.Exec(ctx, "UPDATE towns SET sort_order = 1 WHERE code = '330101'")
		t1done <- err
	}()
	time.Sleep(100 * time.Millisecond) // let T1 block on B (not a timed assertion: any order passes)
	require.NoError(t, t2.Commit(ctx))
	require.NoError(t, <-t1done)
	require.NoError(t, t1.Commit(ctx))

	// Many writers, each changing several rows in its own order (sorted,
	// so that the rows themselves cannot deadlock): no deadlock, every
	// change sealed, the chain intact.
	const workers, txs = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*txs)
	for w := range workers {
		wg.Go(func() {
			for i := range txs {
				err := func() error {
					tx, err := pool.Begin(ctx)
					if err != nil {
						return err
					}
					defer tx.Rollback(ctx) //nolint:errcheck
					for k := range 3 {
						code := fmt.Sprintf("3301%02d", (w+i+k*3)%10)
						if _, err := tx.Exec(ctx, "UPDATE towns SET sort_order = sort_order + 1, version = version + 1 WHERE code = $1", code); err != nil {
							return err
						}
					}
					if err := audit.Insert(ctx, tx, audit.Entry{Action: "test.write", Detail: map[string]int{"w": w, "i": i}}); err != nil {
						return err
					}
					return tx.Commit(ctx)
				}()
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// 3 updates (one may repeat a row: still one change each) + 1 entry per transaction.
	rep := verify(t, pool)
	require.Nil(t, rep.Broken, rep.String())
	require.Equal(t, base+3+workers*txs*4, rep.HeadID)
}

func TestWriterGroupCommits(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	w := audit.NewWriter(pool, nil)
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			errs <- w.Write(ctx, audit.Entry{
				Actor:  audit.Actor{Username: fmt.Sprintf("u%d", i%17), IP: "10.0.0.1", RequestID: fmt.Sprintf("r%d", i)},
				Action: "GET /api/v1/projects/:id", ObjectType: "projects", ObjectID: fmt.Sprint(i), Status: 200,
				Detail: map[string]int{"ms": i % 50},
			})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	st := w.Stats()
	t.Logf("%d entries in %d transactions", st.Entries, st.Batches)
	require.Equal(t, int64(n), st.Entries)
	require.Less(t, st.Batches, int64(n/4), "concurrent writes share transactions")
	// Written means committed: every entry is in the chain now.
	require.Equal(t, int64(n), count(t, pool, "SELECT count(*) FROM audit_log WHERE action = 'GET /api/v1/projects/:id'"))
	require.Equal(t, int64(n), count(t, pool, "SELECT count(DISTINCT request_id) FROM audit_log"))

	// A bad entry is refused alone; a cancelled caller gets ctx.Err().
	require.ErrorIs(t, w.Write(ctx, audit.Entry{Action: "x", Outcome: "maybe"}), audit.ErrInvalidEntry)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	require.ErrorIs(t, w.Write(cctx, audit.Entry{Action: "late"}), context.Canceled)

	require.NoError(t, w.Write(ctx, audit.Entry{Action: "last"}))
	w.Close()
	w.Close()
	require.ErrorIs(t, w.Write(ctx, audit.Entry{Action: "after close"}), audit.ErrClosed)
	rep := verify(t, pool)
	require.Nil(t, rep.Broken, rep.String())
	require.Equal(t, rep.HeadID, rep.Rows)
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_log WHERE action = 'after close'"))
}

// gz returns a gzip of b.
func regzip(t *testing.T, plain []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, err := zw.Write(plain)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return out.Bytes()
}

func gunzip(t *testing.T, b []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	plain, err := io.ReadAll(zr)
	require.NoError(t, err)
	return plain
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := dbtest.New(t)
	ctx := ctxT(t)
	now := time.Now().UTC()
	require.NoError(t, audit.Generate(ctx, src, 5000, now.AddDate(0, -3, 0)))
	exec(t, src, "INSERT INTO towns (code, name) VALUES ('330101', '城东街道')")
	srcRep := requireIntact(t, src, 5001)

	var file bytes.Buffer
	info, err := audit.Export(ctx, src, &file, time.Time{}, time.Time{})
	require.NoError(t, err)
	require.Equal(t, int64(5001), info.Rows)
	require.Equal(t, int64(1), info.FirstID)
	require.Equal(t, srcRep.Head, info.LastHash)
	require.Len(t, info.SHA256, 64)

	// Restore into a fresh database.
	dst := dbtest.New(t)
	imp, err := audit.Import(ctx, dst, bytes.NewReader(file.Bytes()))
	require.NoError(t, err)
	require.True(t, imp.Extended)
	require.Equal(t, info.SHA256, imp.SHA256)
	rep := requireIntact(t, dst, 5002) // + the audit.import entry
	require.Equal(t, int64(5002), rep.HeadID)
	require.Equal(t, int64(1), count(t, dst, "SELECT count(*) FROM audit_log WHERE action = 'audit.import' AND id = 5002"))
	require.Zero(t, count(t, dst, "SELECT count(*) FROM audit_log_default"))

	// Importing it again is refused, and changes nothing.
	_, err = audit.Import(ctx, dst, bytes.NewReader(file.Bytes()))
	require.ErrorIs(t, err, audit.ErrPresent)
	require.Contains(t, err.Error(), "already holds")
	requireIntact(t, dst, 5002)

	// A file whose rows were edited is refused, and nothing is written.
	plain := gunzip(t, file.Bytes())
	i := bytes.Index(plain, []byte("GET /api/v1/workers/:id"))
	require.Positive(t, i)
	edited := bytes.Clone(plain)
	copy(edited[i:], "PUT")
	fresh := dbtest.New(t)
	_, err = audit.Import(ctx, fresh, bytes.NewReader(regzip(t, edited)))
	require.ErrorIs(t, err, audit.ErrFileBroken)
	require.Contains(t, err.Error(), "hash mismatch (row edited)")
	require.Zero(t, count(t, fresh, "SELECT count(*) FROM audit_log"))
	require.Zero(t, count(t, fresh, "SELECT last_id FROM audit_head"))
	_, err = audit.VerifyFile(bytes.NewReader(regzip(t, edited)))
	require.ErrorIs(t, err, audit.ErrFileBroken)

	// A truncated file is refused too.
	lines := bytes.Split(plain, []byte("\n"))
	short := bytes.Join(lines[:len(lines)-3], []byte("\n"))
	_, err = audit.Import(ctx, fresh, bytes.NewReader(regzip(t, append(short, '\n'))))
	require.ErrorIs(t, err, audit.ErrFileBroken)
	require.Zero(t, count(t, fresh, "SELECT count(*) FROM audit_log"))

	// Export of a range: a month in the middle.
	mid := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	var part bytes.Buffer
	pinfo, err := audit.Export(ctx, src, &part, mid, mid.AddDate(0, 1, 0))
	require.NoError(t, err)
	require.Equal(t, count(t, src, "SELECT count(*) FROM audit_log WHERE at >= $1 AND at < $2", mid, mid.AddDate(0, 1, 0)), pinfo.Rows)
	require.Positive(t, pinfo.FirstID)
	// It does not link to anything in a database that has other rows.
	_, err = audit.Import(ctx, fresh, bytes.NewReader(part.Bytes()))
	require.NoError(t, err, "an empty log takes a partial chain, anchored")
	rep = requireIntact(t, fresh, pinfo.Rows+1)
	require.Equal(t, pinfo.LastID+1, rep.HeadID)
	require.NotEmpty(t, rep.Archived)
}

func TestArchiveAndDropThenRestore(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	now := time.Now().UTC()
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, audit.Generate(ctx, pool, 4000, thisMonth.AddDate(0, -4, 0)))
	exec(t, pool, "INSERT INTO towns (code, name) VALUES ('330101', '城东街道')")
	total := requireIntact(t, pool, 4001).HeadID
	cutoff := thisMonth.AddDate(0, -2, 0)
	old := count(t, pool, "SELECT count(*) FROM audit_log WHERE at < $1", cutoff)
	require.Positive(t, old)

	// An export that cannot be written drops nothing.
	dir := t.TempDir()
	first := thisMonth.AddDate(0, -4, 0)
	blocker := filepath.Join(dir, "audit-"+first.Format("200601")+".csv.gz.tmp")
	require.NoError(t, os.Mkdir(blocker, 0o755))
	_, err := audit.ArchiveAndDrop(ctx, pool, dir, cutoff)
	require.Error(t, err)
	require.Equal(t, old, count(t, pool, "SELECT count(*) FROM audit_log WHERE at < $1", cutoff), "nothing dropped")
	require.NoError(t, os.Remove(blocker))

	done, err := audit.ArchiveAndDrop(ctx, pool, dir, cutoff)
	require.NoError(t, err)
	var withRows []audit.Archived
	for _, a := range done {
		require.False(t, a.Month.AddDate(0, 1, 0).After(cutoff), "only months before the cut-off: %s", a.Month)
		if a.Rows > 0 {
			withRows = append(withRows, a)
		}
	}
	require.Len(t, withRows, 2, "the two generated months before the cut-off")
	require.Equal(t, int64(1), withRows[0].FirstID)
	require.Equal(t, withRows[0].LastID+1, withRows[1].FirstID)
	require.Equal(t, old, withRows[0].Rows+withRows[1].Rows)
	for _, a := range withRows {
		f, err := os.Open(a.File)
		require.NoError(t, err)
		info, err := audit.VerifyFile(f)
		f.Close()
		require.NoError(t, err)
		require.Equal(t, a.SHA256, info.SHA256)
		require.Equal(t, a.Rows, info.Rows)
		require.Equal(t, int64(1), count(t, pool, "SELECT count(*) FROM audit_archive WHERE month = $1 AND file_sha256 = $2 AND dropped_at IS NOT NULL", a.Month, a.SHA256))
	}
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_log WHERE at < $1", cutoff))
	require.Zero(t, count(t, pool, "SELECT count(*) FROM pg_class WHERE relname = $1", "audit_log_"+first.Format("200601")))
	require.Zero(t, count(t, pool, "SELECT count(*) FROM pg_class WHERE relname = 'audit_log_202501'"), "empty old months dropped too")
	require.Equal(t, int64(1), count(t, pool, "SELECT count(*) FROM pg_class WHERE relname = $1", "audit_log_"+cutoff.Format("200601")))

	// The chain still verifies, from the anchor of the last dropped month;
	// each drop was logged.
	rep := verify(t, pool)
	require.Nil(t, rep.Broken, rep.String())
	require.Equal(t, withRows[1].LastID+1, rep.FirstID)
	require.Len(t, rep.Archived, 2)
	// (The failed run had already dropped the empty months before the
	// first one with rows.)
	logged := count(t, pool, "SELECT count(*) FROM audit_log WHERE action = 'audit.archive'")
	require.GreaterOrEqual(t, logged, int64(len(done)))
	require.Equal(t, total+logged, rep.HeadID)

	// Running it again finds nothing to do.
	again, err := audit.ArchiveAndDrop(ctx, pool, dir, cutoff)
	require.NoError(t, err)
	require.Empty(t, again)

	// Restore the older month: it is back, verifies, and cannot be
	// imported twice.
	f, err := os.Open(withRows[0].File)
	require.NoError(t, err)
	defer f.Close()
	imp, err := audit.Import(ctx, pool, f)
	require.NoError(t, err)
	require.False(t, imp.Extended)
	rep = verify(t, pool)
	require.Nil(t, rep.Broken, rep.String())
	require.Equal(t, int64(1), rep.FirstID)
	require.Equal(t, []string{withRows[1].Month.Format("2006-01") + " (" + filepath.Base(withRows[1].File) + ")"}, rep.Archived)
	_, err = f.Seek(0, io.SeekStart)
	require.NoError(t, err)
	_, err = audit.Import(ctx, pool, f)
	require.ErrorIs(t, err, audit.ErrPresent)

	// The month after it is still archived: importing it out of order
	// would not link to anything but its neighbours, which it does.
	f2, err := os.Open(withRows[1].File)
	require.NoError(t, err)
	defer f2.Close()
	_, err = audit.Import(ctx, pool, f2)
	require.NoError(t, err)
	rep = verify(t, pool)
	require.Nil(t, rep.Broken, rep.String())
	require.Empty(t, rep.Archived)
	require.True(t, strings.HasPrefix(rep.String(), fmt.Sprintf("%d rows checked", rep.Rows)))
}

func TestImportRefusesAFileThatDoesNotLink(t *testing.T) {
	t.Parallel()
	a, b := dbtest.New(t), dbtest.New(t)
	ctx := ctxT(t)
	require.NoError(t, audit.Generate(ctx, a, 100, time.Time{}))
	require.NoError(t, audit.Generate(ctx, b, 100, time.Time{}))
	var file bytes.Buffer
	_, err := audit.Export(ctx, a, &file, time.Now().Add(-24*time.Hour), time.Time{})
	require.NoError(t, err)
	// b has its own chain: a's rows neither fit its ids nor its hashes.
	_, err = audit.Import(ctx, b, bytes.NewReader(file.Bytes()))
	require.Error(t, err)
	require.True(t, errors.Is(err, audit.ErrPresent) || errors.Is(err, audit.ErrDoesNotLink), err.Error())
	requireIntact(t, b, 100)
}

// TestEntriesWithNULAreWritten: what a client sends can hold NUL bytes
// and invalid UTF-8, which PostgreSQL text and jsonb refuse. The entry is
// written all the same (those characters become U+FFFD), by Insert, by the
// Writer and as the actor of captured changes, and the chain verifies.
func TestEntriesWithNULAreWritten(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := ctxT(t)
	bad := audit.Actor{Username: "demo\x00admin", UserAgent: "curl\x00/8 \xff", IP: "10.0.0.1", RequestID: "r\x00"}
	e := audit.Entry{Actor: bad, Action: "auth.login", ObjectType: "accounts", ObjectID: "1\x00", Outcome: audit.OutcomeFailed,
		Status: 422, Detail: map[string]any{"query": "q=\x00", "k\x00": []any{"a\x00", 1}}, New: json.RawMessage(`{"x": "\u0000", "y": "\\u0000"}`)}
	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(context.Background()) //nolint:errcheck // a failed test must not hold the pool open
	require.NoError(t, audit.Insert(ctx, tx, e))
	require.NoError(t, audit.SetActor(ctx, tx, bad))
	_, err = tx.Exec(ctx, `INSERT INTO towns (code, name) VALUES ('330199', '测试镇')`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))
	w := audit.NewWriter(pool, nil)
	require.NoError(t, w.Write(ctx, e))
	w.Close()

	require.Equal(t, int64(2), count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'auth.login'
		AND username = 'demo'||U&'\FFFD'||'admin' AND object_id = '1'||U&'\FFFD' AND detail->>'query' = 'q='||U&'\FFFD'
		AND new_values->>'x' = U&'\FFFD' AND new_values->>'y' = '\u0000'`))
	require.Equal(t, int64(1), count(t, pool, `SELECT count(*) FROM audit_log WHERE action = 'towns.insert'
		AND username = 'demo'||U&'\FFFD'||'admin' AND user_agent = 'curl'||U&'\FFFD'||'/8 '||U&'\FFFD'`))
	requireIntact(t, pool, 3)
}

// Migrations load their defaults (rules, policies, calendars) before the
// tables are captured: a freshly migrated database has an empty system
// log, so the chain of a new installation starts with its first real
// change (and tests that generate a past can).
func TestMigrationsLeaveTheLogEmpty(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_log"))
	require.Zero(t, count(t, pool, "SELECT count(*) FROM audit_pending"))
}
