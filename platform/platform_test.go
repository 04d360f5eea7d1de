package platform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/config"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/devtemporal"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/platform"
	"github.com/anxin-city/anxin/seed"
	"github.com/anxin-city/anxin/workflows"
)

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	return requestJSON(t, "GET", url, "", nil, out)
}

// requestJSON sends body (if not nil) as JSON with the bearer token (if
// not empty) and decodes the answer into out (if not nil).
func requestJSON(t *testing.T, method, url, token string, body, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return res.StatusCode
}

// TestDevEndToEnd starts the system exactly as `anxin dev` does — database
// migrated and seeded, embedded Temporal persisted in the data dir, worker,
// API on a real socket — runs a workflow through it, restarts it on the
// same data dir and finds the workflow's history still there.
func TestDevEndToEnd(t *testing.T) {
	t.Parallel()
	_, url := dbtest.NewWithURL(t)
	dataDir := t.TempDir()
	cfg := config.FromEnv()
	cfg.DatabaseURL = url
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = dataDir
	cfg.TemporalPort = 0 // free port: tests run in parallel
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	sys, err := platform.StartDev(ctx, cfg, log)
	require.NoError(t, err)
	base := baseURL(sys)

	require.Equal(t, 200, getJSON(t, base+"/healthz", nil))
	var ready struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	require.Equal(t, 200, getJSON(t, base+"/readyz", &ready))
	require.True(t, ready.Ready)
	require.Equal(t, "ok", ready.Checks["temporal"])

	var towns struct {
		Items []struct {
			Code string `json:"code"`
			Name string `json:"name"`
		} `json:"items"`
	}
	require.Equal(t, 401, getJSON(t, base+"/api/v1/towns", nil), "nothing is open without signing in")
	// Every demo account signs in; the README lists them.
	require.Len(t, sys.DemoAccounts, 7)
	// The banner `anxin dev` prints shows the worker's login (their mobile
	// number) masked.
	banner := strings.Join(sys.DemoBanner(), "\n")
	for _, a := range sys.DemoAccounts {
		if a.Role == "worker" {
			require.NotContains(t, banner, a.Username)
			require.Contains(t, banner, pii.MaskPhone(a.Username))
		} else {
			require.Contains(t, banner, a.Username)
		}
	}
	tokens := map[string]string{}
	for _, a := range sys.DemoAccounts {
		var login struct {
			Token   string `json:"token"`
			Account struct {
				Role string `json:"role"`
			} `json:"account"`
		}
		require.Equal(t, 200, requestJSON(t, "POST", base+"/api/v1/auth/login", "",
			map[string]string{"username": a.Username, "password": seed.DemoPassword}, &login), a.Username)
		require.Equal(t, a.Role, login.Account.Role)
		tokens[a.Role] = login.Token
	}
	require.Equal(t, 200, requestJSON(t, "GET", base+"/api/v1/towns", tokens["city_supervisor"], nil, &towns))
	require.NotEmpty(t, towns.Items, "the demo city was loaded into the empty database")
	found := false
	for _, tw := range towns.Items {
		found = found || (tw.Code == seed.DemoTownCode && tw.Name == seed.DemoTownName)
	}
	require.True(t, found, "the README's demo town is there")

	var doc map[string]any
	require.Equal(t, 200, getJSON(t, base+"/api/v1/openapi.json", &doc))
	require.Equal(t, "3.0.3", doc["openapi"])

	// The README's lead example: the demo worker reports on DEMO-0001,
	// the demo town accepts.
	var projects struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	require.Equal(t, 200, requestJSON(t, "GET", base+"/api/v1/projects?q=DEMO-0001", tokens["worker"], nil, &projects))
	require.Len(t, projects.Items, 1)
	var reported struct {
		LeadID int64 `json:"lead_id"`
		Lead   struct {
			Status string `json:"status"`
		} `json:"lead"`
	}
	require.Equal(t, 201, requestJSON(t, "POST", base+"/api/v1/leads/report", tokens["worker"], map[string]any{
		"project_id": projects.Items[0].ID, "amount_claimed_fen": 1200000, "description": "三个月工资未发"}, &reported))
	require.Equal(t, "dispatched", reported.Lead.Status)
	leadPath := fmt.Sprintf("%s/api/v1/leads/%d", base, reported.LeadID)
	var step struct {
		Status string `json:"status"`
	}
	require.Equal(t, 200, requestJSON(t, "POST", leadPath+"/actions/accept", tokens["town_officer"], map[string]any{}, &step))
	require.Equal(t, "investigating", step.Status)

	run, err := sys.Client.ExecuteWorkflow(ctx, workflows.StartOptions("ping:e2e"), workflows.Ping, workflows.PingInput{Message: "你好"})
	require.NoError(t, err)
	var res workflows.PingResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, "你好", res.Message)
	sys.Stop()

	// Restart on the same data dir: no second seed, the workflow's history
	// survived in the embedded server's file.
	sys, err = platform.StartDev(ctx, cfg, log)
	require.NoError(t, err)
	defer sys.Stop()
	desc, err := sys.Client.DescribeWorkflowExecution(ctx, "ping:e2e", run.GetRunID())
	require.NoError(t, err)
	require.Equal(t, "Completed", desc.WorkflowExecutionInfo.Status.String())
	again, err := sys.Client.ExecuteWorkflow(ctx, workflows.StartOptions("ping:e2e"), workflows.Ping, workflows.PingInput{Message: "再来"})
	require.NoError(t, err)
	require.Equal(t, run.GetRunID(), again.GetRunID(), "starting a business key twice is a no-op")

	// The lead's workflow survived the restart too: it takes the next step.
	for _, a := range sys.DemoAccounts {
		if a.Role == "town_officer" {
			var login struct {
				Token string `json:"token"`
			}
			require.Equal(t, 200, requestJSON(t, "POST", baseURL(sys)+"/api/v1/auth/login", "",
				map[string]string{"username": a.Username, "password": seed.DemoPassword}, &login))
			require.Equal(t, 200, requestJSON(t, "POST", fmt.Sprintf("%s/api/v1/leads/%d/actions/orderRectification", baseURL(sys), reported.LeadID),
				login.Token, map[string]any{"note": "限期五个工作日内足额支付"}, &step))
			require.Equal(t, "rectifying", step.Status)
		}
	}
}

func baseURL(sys *platform.System) string { return "http://" + sys.Addr }

// TestSplitRolesAgainstTemporal runs `anxin api` and `anxin worker` as
// separate roles against a Temporal frontend (here the embedded one of a
// dev system) — the shape of a deployment beyond one machine.
func TestSplitRolesAgainstTemporal(t *testing.T) {
	t.Parallel()
	_, url := dbtest.NewWithURL(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// A Temporal frontend with no worker of its own: only the worker role
	// below can run the workflow.
	tsrv, err := devtemporal.Start(ctx, devtemporal.Options{Logger: log})
	require.NoError(t, err)
	defer tsrv.Stop() //nolint:errcheck
	tc, err := tsrv.NewClient(ctx)
	require.NoError(t, err)
	defer tc.Close()

	roles := config.FromEnv()
	roles.DatabaseURL, roles.DataDir = url, t.TempDir()
	roles.TemporalAddress = tsrv.FrontendHostPort()
	roles.Addr = freeAddr(t)
	roles.PIIKey = "" // outside dev the api refuses to start without a key
	err = platform.RunAPI(ctx, roles, log)
	require.ErrorContains(t, err, "personal-data key")

	roles.PIIKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	roleCtx, stopRoles := context.WithCancel(ctx)
	apiDone := make(chan error, 1)
	go func() { apiDone <- platform.RunAPI(roleCtx, roles, log) }()
	workerDone := make(chan error, 1)
	go func() { workerDone <- platform.RunWorker(roleCtx, roles, log) }()

	require.Eventually(t, func() bool {
		res, err := http.Get("http://" + roles.Addr + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	}, 30*time.Second, 100*time.Millisecond)

	require.Equal(t, 401, getJSON(t, "http://"+roles.Addr+"/api/v1/towns", nil))

	run, err := tc.ExecuteWorkflow(ctx, workflows.StartOptions("ping:roles"), workflows.Ping, workflows.PingInput{Message: "分离部署"})
	require.NoError(t, err)
	var res workflows.PingResult
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, "分离部署", res.Message)

	stopRoles()
	require.NoError(t, <-apiDone)
	require.NoError(t, <-workerDone)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}
