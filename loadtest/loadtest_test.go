package loadtest

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if got := pct(d, 50); got != 50*time.Millisecond {
		t.Fatalf("p50 = %v", got)
	}
	if got := pct(d, 95); got != 95*time.Millisecond {
		t.Fatalf("p95 = %v", got)
	}
	if got := pct(d[:1], 99); got != time.Millisecond {
		t.Fatalf("p99 of one = %v", got)
	}
}

func TestRunCountsRequestsAndErrors(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Query().Get("fail") == "1" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok")) //nolint:errcheck
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Options{BaseURL: srv.URL, Requests: 50, Concurrency: 3}, []Scenario{
		{Name: "ok", Path: func(*rand.Rand) string { return "/x" }},
		{Name: "half", Path: func(r *rand.Rand) string {
			if r.IntN(2) == 0 {
				return "/x?fail=1"
			}
			return "/x"
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 100 || res[0].Requests != 50 || res[0].Errors != 0 || res[0].Bytes != 100 {
		t.Fatalf("unexpected: hits=%d %+v", hits.Load(), res[0])
	}
	if res[1].Errors == 0 || res[1].Errors == 50 || res[1].FirstError == "" {
		t.Fatalf("expected some errors: %+v", res[1])
	}
}
