package platform_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// TestPgEnsureStartsAPrivateCluster runs scripts/pg-ensure.sh against a
// port where nothing answers — the fresh-machine path of `make run` and
// `make test` — and requires a running server with the database created,
// then a second run that finds it and changes nothing.
func TestPgEnsureStartsAPrivateCluster(t *testing.T) {
	if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb"); len(m) == 0 {
		t.Skip("no PostgreSQL packages installed (the script would install them: not in a test)")
	}
	t.Parallel()
	dir, err := os.MkdirTemp("", "anxin-pg-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755)) // the cluster may run as the postgres user
	port := freePort(t)
	url := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/anxin_private?sslmode=disable", port)
	script, err := filepath.Abs("../scripts/pg-ensure.sh")
	require.NoError(t, err)

	run := func() string {
		cmd := exec.Command("bash", script, url)
		cmd.Env = append(os.Environ(), "ANXIN_DATA_DIR="+dir)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	out := run()
	t.Cleanup(func() {
		bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
		args := []string{bins[len(bins)-1], "-D", filepath.Join(dir, "pg"), "-m", "immediate", "stop"}
		if os.Geteuid() == 0 {
			args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
		}
		_ = exec.Command(args[0], args[1:]...).Run()
		os.RemoveAll(dir)
	})
	require.Contains(t, out, "starting the private cluster")
	require.Contains(t, out, "creating database anxin_private")

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	var one int
	require.NoError(t, conn.QueryRow(ctx, "SELECT 1").Scan(&one))
	require.NoError(t, conn.Close(ctx))

	again := run()
	require.NotContains(t, again, "starting the private cluster", "a running server is reused")
	require.NotContains(t, again, "creating database")
}

func freePort(t *testing.T) int {
	t.Helper()
	addr := freeAddr(t)
	var port int
	_, err := fmt.Sscanf(addr[len("127.0.0.1:"):], "%d", &port)
	require.NoError(t, err)
	return port
}
