package audit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/db/dbtest"
)

func accessEntry(i int) audit.Entry {
	id := int64(i%3000 + 1)
	return audit.Entry{
		Actor: audit.Actor{AccountID: &id, Username: fmt.Sprintf("u%05d", id), Role: "town_officer", Domain: "town:330101",
			IP: "10.0.3.7", UserAgent: "Mozilla/5.0 (bench)", RequestID: fmt.Sprintf("%016x", i)},
		Action: "GET /api/v1/projects/:id", ObjectType: "projects", ObjectID: fmt.Sprint(i % 2000), Status: 200,
		Detail: map[string]int{"ms": i % 90},
	}
}

// BenchmarkWriter is the per-request access log: many requests writing at
// once through one group-commit Writer. ns/op is wall time per entry over
// all goroutines (1e9/ns_op entries per second); entries/tx the batching.
func BenchmarkWriter(b *testing.B) {
	for _, par := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", par*2), func(b *testing.B) {
			pool := dbtest.New(b)
			w := audit.NewWriter(pool, nil)
			defer w.Close()
			ctx := context.Background()
			b.SetParallelism(par) // × GOMAXPROCS goroutines
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if err := w.Write(ctx, accessEntry(i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			st := w.Stats()
			if st.Batches > 0 {
				b.ReportMetric(float64(st.Entries)/float64(st.Batches), "entries/tx")
			}
		})
	}
}

// BenchmarkTx is the cost of the system log inside a request's own
// transaction: a transaction that changes one row with capture off (the
// baseline), the same with the change captured, and one that also logs an
// event with Insert. Each commit seals, so each takes the head once. The
// transactions commit with synchronous_commit off: with it on, the WAL
// flush of the commit (1–4 ms on the benchmark machine's disk) dominates
// and varies more than the audit overhead being measured.
func BenchmarkTx(b *testing.B) {
	pool := dbtest.New(b)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "INSERT INTO towns (code, name) VALUES ('330101', '城东街道')"); err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name    string
		capture bool
		insert  bool
	}{
		{"row change, capture off", false, false},
		{"row change, captured", true, false},
		{"row change captured + Insert", true, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				tx, err := pool.Begin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off"); err != nil {
					b.Fatal(err)
				}
				if !c.capture {
					if _, err := tx.Exec(ctx, "SET LOCAL anxin.audit_capture = 'off'"); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := tx.Exec(ctx, "UPDATE towns SET sort_order = $1 WHERE code = '330101'", i); err != nil {
					b.Fatal(err)
				}
				if c.insert {
					if err := audit.Insert(ctx, tx, accessEntry(i)); err != nil {
						b.Fatal(err)
					}
				}
				if err := tx.Commit(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWriterOfferedLoad offers the Writer 1,000 requests per second
// (one goroutine per request, as an HTTP server would) for b.N requests
// and reports the transactions per second that cost (overall, and after
// the first two seconds, once the Writer has seen the load) and the mean
// time a request waits for its entry to commit.
//
// MaxDelay 10ms is what the API uses (platform/identity.go); 100ms is the
// Writer's default.
func BenchmarkWriterOfferedLoad(b *testing.B) {
	for _, d := range []time.Duration{10 * time.Millisecond, 100 * time.Millisecond} {
		b.Run(fmt.Sprintf("MaxDelay=%s", d), func(b *testing.B) { offeredLoad(b, d) })
	}
}

func offeredLoad(b *testing.B, maxDelay time.Duration) {
	pool := dbtest.New(b)
	w := audit.NewWriterOptions(pool, nil, audit.WriterOptions{MaxDelay: maxDelay})
	defer w.Close()
	ctx := context.Background()
	const perSecond = 1000
	var wg sync.WaitGroup
	var waited atomic.Int64
	tick := time.NewTicker(time.Second / perSecond)
	defer tick.Stop()
	b.ResetTimer()
	start := time.Now()
	var steadyAt time.Time
	var steady audit.WriterStats
	for i := 0; i < b.N; i++ {
		<-tick.C
		if i == 2*perSecond {
			steadyAt, steady = time.Now(), w.Stats()
		}
		wg.Go(func() {
			t := time.Now()
			if err := w.Write(ctx, accessEntry(i)); err != nil {
				b.Error(err)
			}
			waited.Add(int64(time.Since(t)))
		})
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	st := w.Stats()
	b.ReportMetric(float64(st.Batches)/el.Seconds(), "tx/s")
	if !steadyAt.IsZero() {
		b.ReportMetric(float64(st.Batches-steady.Batches)/time.Since(steadyAt).Seconds(), "tx/s-after-2s")
	}
	b.ReportMetric(float64(st.Entries)/float64(st.Batches), "entries/tx")
	b.ReportMetric(float64(waited.Load())/float64(b.N)/1e6, "ms-wait/req")
}
