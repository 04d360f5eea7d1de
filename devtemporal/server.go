package devtemporal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	persistencesql "go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives/timestamp"
	"go.temporal.io/server/common/resolver"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const (
	// DefaultNamespace is the namespace used when Options.Namespace is empty.
	DefaultNamespace = "default"
	// Retention is how long closed workflows of the namespace stay readable.
	Retention = 30 * 24 * time.Hour

	clusterName    = "active"
	loopback       = "127.0.0.1"
	readyTimeout   = time.Minute
	readyPollEvery = 50 * time.Millisecond
	// readinessTaskQueue is a task queue every namespace has anyway: the
	// server's own per-namespace system workers poll it.
	readinessTaskQueue = "temporal-sys-per-ns-tq"
	serverLogMinimum   = slog.LevelWarn
)

// Options configures an embedded server. The zero value is an in-memory
// server on free loopback ports with the "default" namespace.
type Options struct {
	// DataDir holds the SQLite file at <DataDir>/temporal/temporal.db,
	// created with its schema on first start. Empty means an in-memory
	// database that disappears with the server: for tests.
	DataDir string
	// FrontendIP is the IP address the frontend listens on; default
	// 127.0.0.1 (0.0.0.0 serves other machines: there is no TLS or auth).
	// The other services always listen on loopback only.
	FrontendIP string
	// FrontendPort is the frontend's gRPC port; 0 picks a free one. The
	// other services (history, matching, worker) and every membership port
	// are always picked free, so parallel servers never collide.
	FrontendPort int
	// Namespace is registered (if missing) before the server starts;
	// default "default".
	Namespace string
	// Logger receives the server's records at ServerLogLevel and above,
	// and the records of the SDK clients made by NewClient; default
	// slog.Default().
	Logger *slog.Logger
	// ServerLogLevel is the least level of the server's own records that
	// reach Logger; nil means warn. The server is chatty at info (membership,
	// shards, queues); debug is for chasing a server problem.
	ServerLogLevel slog.Leveler
}

// Server is a running embedded Temporal server.
type Server struct {
	srv       temporal.Server
	hostPort  string
	namespace string
	logger    *slog.Logger
	logLevel  *slog.LevelVar // minimum level of the server's own records
	release   func()

	stopOnce sync.Once
	stopErr  error
}

// Start creates the database if needed, registers the namespace, starts all
// services and returns once frontend, matching and history answer requests
// in the namespace. ctx bounds the wait (at most a minute when it has no
// deadline); it does not bound the server's life: call Stop.
//
// Records the server logs while it starts are held back: dropped when the
// start succeeds (services coming up warn about each other), written to
// Options.Logger when it fails.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.FrontendIP == "" {
		opts.FrontendIP = loopback
	}
	if net.ParseIP(opts.FrontendIP) == nil {
		return nil, fmt.Errorf("temporal frontend address %q is not an IP address", opts.FrontendIP)
	}
	if opts.Namespace == "" {
		opts.Namespace = DefaultNamespace
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}

	release := func() {}
	sqlCfg := &config.SQL{PluginName: sqlite.PluginName, ConnectAttributes: map[string]string{}}
	if opts.DataDir == "" {
		// A shared-cache in-memory database lives as long as one connection
		// to it does; the sqlite plugin keeps its connections for the life
		// of the process and creates the schema when it opens one.
		sqlCfg.DatabaseName = "devtemporal-" + strconv.FormatUint(rand.Uint64(), 36)
		sqlCfg.ConnectAttributes["mode"] = "memory"
		sqlCfg.ConnectAttributes["cache"] = "shared"
	} else {
		var err error
		sqlCfg.DatabaseName, release, err = prepareFile(opts.DataDir)
		if err != nil {
			return nil, err
		}
		sqlCfg.ConnectAttributes["mode"] = "rwc"
	}

	s, err := start(ctx, opts, sqlCfg)
	if err != nil {
		release()
		return nil, err
	}
	s.release = release
	return s, nil
}

func start(ctx context.Context, opts Options, sqlCfg *config.SQL) (*Server, error) {
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, nil)
	if err != nil {
		return nil, fmt.Errorf("namespace %s: %w", opts.Namespace, err)
	}
	ns.Detail.Config.Retention = timestamp.DurationPtr(Retention)
	if err := sqliteschema.CreateNamespaces(sqlCfg, ns); err != nil { // no-op when it exists
		return nil, fmt.Errorf("register namespace %s: %w", opts.Namespace, err)
	}

	// Frontend, history, matching, worker: a gRPC and a membership port each.
	ports, err := freePorts(8)
	if err != nil {
		return nil, err
	}
	if opts.FrontendPort != 0 {
		// The server treats a port it cannot bind as fatal and exits the
		// process; check first so that Start can return an error instead.
		l, err := net.Listen("tcp", net.JoinHostPort(opts.FrontendIP, strconv.Itoa(opts.FrontendPort)))
		if err != nil {
			return nil, fmt.Errorf("temporal frontend port: %w", err)
		}
		_ = l.Close()
		ports[0] = opts.FrontendPort
	}
	clientIP := opts.FrontendIP
	if ip := net.ParseIP(clientIP); ip != nil && ip.IsUnspecified() {
		clientIP = loopback
	}
	hostPort := net.JoinHostPort(clientIP, strconv.Itoa(ports[0]))

	cfg := serverConfig(sqlCfg, opts.FrontendIP, hostPort, ports)
	logLevel := new(slog.LevelVar)
	logLevel.Set(serverLogMinimum)
	if opts.ServerLogLevel != nil {
		logLevel.Set(opts.ServerLogLevel.Level())
	}
	logger := newServerLogger(opts.Logger, logLevel)
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("create temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		logger.gate.flush(logger.l)
		_ = srv.Stop()
		return nil, fmt.Errorf("start temporal server: %w", err)
	}
	s := &Server{srv: srv, hostPort: hostPort, namespace: opts.Namespace, logger: opts.Logger, logLevel: logLevel}
	if err := s.waitReady(ctx); err != nil {
		logger.gate.flush(logger.l)
		_ = srv.Stop()
		return nil, err
	}
	logger.gate.open()
	return s, nil
}

// prepareFile makes <dataDir>/temporal, locks it, and creates the database
// with its schema when the file does not exist yet.
func prepareFile(dataDir string) (path string, release func(), err error) {
	// Absolute, so that the sqlite plugin's connection pool, keyed by the
	// DSN, never sees one file under two names.
	dataDir, err = filepath.Abs(dataDir)
	if err != nil {
		return "", nil, fmt.Errorf("temporal data directory: %w", err)
	}
	dir := filepath.Join(dataDir, "temporal")
	path = filepath.Join(dir, "temporal.db")
	if strings.ContainsAny(path, "?#") {
		return "", nil, fmt.Errorf("temporal data directory %q: '?' and '#' are not allowed in the path", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, fmt.Errorf("temporal data directory: %w", err)
	}
	release, err = lockDir(dir)
	if err != nil {
		return "", nil, fmt.Errorf("temporal data directory: %w", err)
	}
	cfg := &config.SQL{
		PluginName:        sqlite.PluginName,
		DatabaseName:      path,
		ConnectAttributes: map[string]string{"mode": "rwc"},
	}
	_, err = os.Stat(path)
	switch {
	case err == nil:
		if err := forgetMembers(cfg); err != nil {
			release()
			return "", nil, err
		}
	case errors.Is(err, os.ErrNotExist):
		if err := sqliteschema.SetupSchema(cfg); err != nil {
			// Leave no half-made file behind: the next start would take
			// it for a complete one.
			_ = os.Remove(path)
			release()
			return "", nil, fmt.Errorf("create temporal schema in %s: %w", path, err)
		}
	default:
		release()
		return "", nil, fmt.Errorf("temporal database: %w", err)
	}
	return path, release, nil
}

// forgetMembers deletes the cluster membership rows the previous run left.
// Each service seeds its membership ring (ringpop) with the hosts that
// heartbeated in the last 20 s; after a quick restart those are the dead
// previous services on their old random ports, and joining them stalls the
// ring for its whole 30 s join timeout, with history unable to reach
// matching ("Not enough hosts to serve the request"). Holding the directory
// lock, this process is the only member there can be.
func forgetMembers(cfg *config.SQL) error {
	db, err := persistencesql.NewSQLDB(sqlplugin.DbKindMain, cfg, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("open temporal database: %w", err)
	}
	defer func() { _ = db.Close() }()
	// Rows expire 48 h after their last heartbeat: a year ahead is all of them.
	all := &sqlplugin.PruneClusterMembershipFilter{PruneRecordsBefore: time.Now().AddDate(1, 0, 0)}
	if _, err := db.PruneClusterMembership(context.Background(), all); err != nil {
		return fmt.Errorf("clear temporal cluster membership: %w", err)
	}
	return nil
}

// serverConfig is the static configuration: every service in this process
// on its own loopback ports, sqlite for both stores, one history shard (the
// shard count is fixed for the life of a database), archival off.
func serverConfig(sqlCfg *config.SQL, frontendIP, hostPort string, ports []int) *config.Config {
	service := func(grpc, membership int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: grpc, MembershipPort: membership, BindOnLocalHost: true}}
	}
	frontend := service(ports[0], ports[1])
	if frontendIP != loopback {
		frontend.RPC.BindOnLocalHost = false
		frontend.RPC.BindOnIP = frontendIP
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: loopback},
			// No Metrics: the server uses a no-op handler. PProf port 0: off.
		},
		Persistence: config.Persistence{
			DefaultStore:     sqlite.PluginName,
			VisibilityStore:  sqlite.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqlite.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: hostPort},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": frontend,
			"history":  service(ports[2], ports[3]),
			"matching": service(ports[4], ports[5]),
			"worker":   service(ports[6], ports[7]),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		// The worker service (system workflows) dials the frontend here;
		// without it the server panics at start.
		PublicClient: config.PublicClient{HostPort: hostPort},
	}
}

// dynamicConfig holds the settings that differ from the server's defaults.
func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// One machine, one worker: a task queue partition each way avoids
		// forwarding polls and tasks between partitions.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// Nexus needs the frontend's HTTP port, which stays closed; left on,
		// it only logs that it is off, and its endpoint cache errors.
		dynamicconfig.EnableNexus.Key(): false,
		// A client waiting for a workflow's result long-polls history, which
		// pushes new events through a one-slot channel and drops what does
		// not fit: when a workflow's last events come in a burst (a short
		// workflow on a loaded machine) the closing one can be lost, and the
		// waiter only learns of it when its poll expires — 20 s by default,
		// seen in the end-to-end tests. A short poll bounds that delay;
		// re-polling costs nothing here. Updates use the same interval as
		// their server-side wait, and the SDK re-polls them the same way.
		dynamicconfig.HistoryLongPollExpirationInterval.Key(): 3 * time.Second,
		// The transfer queue (new activity and workflow tasks) is read at
		// most 20 times a second per shard by default, and there is one
		// shard: every hand-off waited up to 50 ms, two per lead step
		// (≈ 100 ms a step). Reading on demand brings a step to ≈ 30 ms
		// (docs/BENCHMARKS.md, "Arrears lead workflows").
		dynamicconfig.TransferProcessorMaxPollRPS.Key(): 1000,
	}
}

// waitReady polls until the services answer: see ping.
func (s *Server) waitReady(ctx context.Context) error {
	var lastErr error
	for {
		lastErr = s.ping(ctx)
		if lastErr == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("temporal frontend %s not ready: %w (last error: %v)", s.hostPort, ctx.Err(), lastErr)
		case <-time.After(readyPollEvery):
		}
	}
}

func (s *Server) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.hostPort,
		Namespace: s.namespace,
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		return err
	}
	defer c.Close()
	svc := c.WorkflowService()
	// The frontend, persistence and the namespace cache.
	if _, err := svc.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: s.namespace}); err != nil {
		return err
	}
	// Matching: answers once it is in the membership ring.
	if _, err := svc.DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
		Namespace:     s.namespace,
		TaskQueue:     &taskqueuepb.TaskQueue{Name: readinessTaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
		TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
	}); err != nil {
		return err
	}
	// History: "not found" once the shard is in the ring and loaded.
	_, err = svc.DescribeWorkflowExecution(ctx, &workflowservice.DescribeWorkflowExecutionRequest{
		Namespace: s.namespace,
		Execution: &commonpb.WorkflowExecution{WorkflowId: "devtemporal-readiness-probe"},
	})
	var notFound *serviceerror.NotFound
	if err == nil || errors.As(err, &notFound) {
		return nil
	}
	return err
}

// FrontendHostPort is the host:port clients dial.
func (s *Server) FrontendHostPort() string { return s.hostPort }

// Namespace is the namespace registered at start.
func (s *Server) Namespace() string { return s.namespace }

// NewClient dials the server in its namespace; the client logs to the
// server's Logger. The caller closes it, before Stop.
func (s *Server) NewClient(ctx context.Context) (client.Client, error) {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.hostPort,
		Namespace: s.namespace,
		Logger:    sdklog.NewStructuredLogger(s.logger),
	})
	if err != nil {
		return nil, fmt.Errorf("dial temporal at %s: %w", s.hostPort, err)
	}
	return c, nil
}

// Stop stops all services and releases the data directory. It is safe to
// call more than once; later calls return the first call's result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		// Services going down one after another complain about each
		// other (the system workers' polls fail, matching finds no peers,
		// connections are refused), at warn and error level: expected, so
		// only Panic and Fatal records are let through from here on.
		s.logLevel.Set(slog.LevelError + 1)
		s.stopErr = s.srv.Stop()
		if s.release != nil {
			s.release()
		}
	})
	return s.stopErr
}
