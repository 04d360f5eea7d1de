// Package loadtest measures the API as a client sees it: it sends HTTP
// requests built from real IDs of the database (sampled at start) to a
// running server from several concurrent clients and reports latency
// percentiles per scenario. It backs `anxin loadtest` and the numbers in
// docs/BENCHMARKS.md; it only ever targets the address it is given
// (loopback in this project's measurements) and stops after a bounded
// number of requests.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Scenario is one kind of request; Path returns a path (with query) under
// the base URL, drawing IDs from r.
type Scenario struct {
	Name string
	Path func(r *rand.Rand) string
}

// Result is the measurement of one scenario.
type Result struct {
	Name     string
	Requests int
	Errors   int // transport errors and non-2xx answers
	P50, P95 time.Duration
	P99, Max time.Duration
	Rate     float64 // requests per second over the scenario's wall time
	Bytes    int64
	// FirstError describes the first failure, for the report.
	FirstError string
}

func (r Result) String() string {
	return fmt.Sprintf("%-38s n=%-5d err=%-3d p50=%-8s p95=%-8s p99=%-8s max=%-8s %.0f req/s",
		r.Name, r.Requests, r.Errors, r.P50.Round(10*time.Microsecond), r.P95.Round(10*time.Microsecond),
		r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.Rate)
}

// Options bound a run.
type Options struct {
	BaseURL     string // e.g. http://127.0.0.1:8080
	Requests    int    // per scenario
	Concurrency int
	Seed        uint64
	Header      http.Header // sent with every request (e.g. Authorization)
}

// Run runs every scenario in turn (so their numbers do not mix) and
// returns one result each.
func Run(ctx context.Context, opts Options, scenarios []Scenario) ([]Result, error) {
	if opts.Requests <= 0 {
		opts.Requests = 200
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: opts.Concurrency}}
	var out []Result
	for i, sc := range scenarios {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		out = append(out, runOne(ctx, client, opts, sc, opts.Seed+uint64(i)))
	}
	return out, nil
}

func runOne(ctx context.Context, client *http.Client, opts Options, sc Scenario, seed uint64) Result {
	res := Result{Name: sc.Name, Requests: opts.Requests}
	lat := make([]time.Duration, 0, opts.Requests)
	var mu sync.Mutex
	next := make(chan string)
	rng := rand.New(rand.NewPCG(seed, 0x616e78696e))
	go func() {
		defer close(next)
		for i := 0; i < opts.Requests; i++ {
			select {
			case next <- sc.Path(rng):
			case <-ctx.Done():
				return
			}
		}
	}()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < opts.Concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range next {
				t0 := time.Now()
				n, err := fetch(ctx, client, opts, path)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				res.Bytes += n
				if err != nil {
					res.Errors++
					if res.FirstError == "" {
						res.FirstError = path + ": " + err.Error()
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	slices.Sort(lat)
	res.Requests = len(lat)
	if len(lat) > 0 {
		res.P50 = pct(lat, 50)
		res.P95 = pct(lat, 95)
		res.P99 = pct(lat, 99)
		res.Max = lat[len(lat)-1]
		res.Rate = float64(len(lat)) / wall.Seconds()
	}
	return res
}

func fetch(ctx context.Context, client *http.Client, opts Options, path string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, opts.BaseURL+path, nil)
	if err != nil {
		return 0, err
	}
	for k, v := range opts.Header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, err
	}
	if resp.StatusCode/100 != 2 {
		return n, fmt.Errorf("status %d", resp.StatusCode)
	}
	return n, nil
}

// pct returns the p-th percentile (nearest rank) of sorted durations.
func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p+99)/100 - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

// Login signs in to the API at base and returns the session token.
func Login(ctx context.Context, base, username, password string) (string, error) {
	body, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/auth/login", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("loadtest: sign in: %w", err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Token == "" {
		return "", fmt.Errorf("loadtest: sign in as %s: HTTP %d", username, res.StatusCode)
	}
	return out.Token, nil
}
