// Package dbtest gives each test its own real Postgres database, cloned
// from a template database that has every migration applied. The template
// is built once per migration set (its name carries a hash of the
// migration files), so a changed migration gets a fresh template.
//
// The server is the one at ANXIN_TEST_DATABASE_URL (default: the local
// one at 127.0.0.1:5432, user postgres); the test user must be allowed to
// create databases.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
)

// DefaultURL is used when ANXIN_TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the URL of the maintenance database tests create theirs from.
func AdminURL() string {
	if u := os.Getenv("ANXIN_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New creates a fresh, migrated database for t and returns a pool on it.
// The database is dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := NewWithURL(t)
	return pool
}

// NewWithURL is New that also returns the database's URL (for code under
// test that opens its own connections).
func NewWithURL(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("dbtest: connect to %s: %v (start Postgres with scripts/pg-ensure.sh, or set ANXIN_TEST_DATABASE_URL)", AdminURL(), err)
	}
	defer admin.Close(ctx)
	tpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("dbtest: template: %v", err)
	}
	name := "anxin_t_" + randHex(8)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl)); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	url := withDatabase(admin.Config(), name)
	pool, err := db.Open(ctx, url)
	if err != nil {
		t.Fatalf("dbtest: open: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	return pool, url
}

func withDatabase(cfg *pgx.ConnConfig, name string) string {
	host := cfg.Host
	if len(host) > 0 && host[0] == '/' {
		return fmt.Sprintf("postgres://%s@/%s?host=%s&port=%d&sslmode=disable", cfg.User, name, host, cfg.Port)
	}
	pw := ""
	if cfg.Password != "" {
		pw = ":" + cfg.Password
	}
	return fmt.Sprintf("postgres://%s%s@%s:%d/%s?sslmode=disable", cfg.User, pw, host, cfg.Port, name)
}

// templateLock serialises template creation across test processes.
const templateLock = 0x616e78696e74

func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := "anxin_tpl_" + migrationsHash()
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock) //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Templates of earlier migration sets are of no use any more, unless
	// several checkouts with different migrations share this server
	// (ANXIN_TEST_KEEP_TEMPLATES=1): then each keeps its own.
	stale, err := staleTemplates(ctx, admin, name)
	if os.Getenv("ANXIN_TEST_KEEP_TEMPLATES") != "" {
		stale = nil
	}
	if err != nil {
		return "", err
	}
	for _, old := range stale {
		if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{old}.Sanitize())); err != nil {
			return "", err
		}
	}
	building := name + "_build"
	if _, err := admin.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", building)); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s", building)); err != nil {
		return "", err
	}
	pool, err := db.Open(ctx, withDatabase(admin.Config(), building))
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, pool, nil)
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	fsys := db.Migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			panic(err)
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func staleTemplates(ctx context.Context, admin *pgx.Conn, keep string) ([]string, error) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'anxin\_tpl\_%' AND datname <> $1`, keep)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
