package audit_test

import (
	"context"
	"fmt"
	"testing"

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
// baseline), the same with the change captured, and one that logs an
// event with Insert. Each commit seals, so each takes the head once.
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
