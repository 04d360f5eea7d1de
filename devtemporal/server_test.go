package devtemporal_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/anxin-city/anxin/devtemporal"
)

// testLogger shows what the server reports at warn and above, or at the
// level in DEVTEMPORAL_TEST_LOG (debug, info, …) to chase a problem.
func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel()}))
}

func testLogLevel() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(os.Getenv("DEVTEMPORAL_TEST_LOG"))); err != nil {
		return slog.LevelWarn
	}
	return l
}

// start starts a server and stops it when the test ends.
func start(t *testing.T, opts devtemporal.Options) *devtemporal.Server {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger()
		opts.ServerLogLevel = testLogLevel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	began := time.Now()
	s, err := devtemporal.Start(ctx, opts)
	require.NoError(t, err)
	t.Logf("server started in %s (data dir %q)", time.Since(began).Round(time.Millisecond), opts.DataDir)
	t.Cleanup(func() { require.NoError(t, s.Stop()) })
	return s
}

func TestStart(t *testing.T) {
	t.Parallel()
	s := start(t, devtemporal.Options{Namespace: "anxin-test"})
	require.Equal(t, "anxin-test", s.Namespace())
	require.Regexp(t, `^127\.0\.0\.1:\d+$`, s.FrontendHostPort())

	ctx := context.Background()
	c, err := s.NewClient(ctx)
	require.NoError(t, err)
	defer c.Close()
	ns, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: "anxin-test"})
	require.NoError(t, err)
	require.Equal(t, devtemporal.Retention, ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration())

	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "a second Stop is a no-op")
}

func TestStartOnGivenPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	s := start(t, devtemporal.Options{FrontendPort: port})
	require.Equal(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), s.FrontendHostPort())
	require.Equal(t, devtemporal.DefaultNamespace, s.Namespace())

	_, err = devtemporal.Start(context.Background(), devtemporal.Options{FrontendPort: port, Logger: testLogger()})
	require.Error(t, err, "the port is taken by the first server")
}
