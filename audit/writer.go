package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// maxGap is the longest pause in arrivals a gathering batch waits out.
const maxGap = time.Millisecond

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("audit: writer closed")

// WriterOptions tune a Writer; zero fields take the defaults.
type WriterOptions struct {
	// MaxBatch is the most entries committed in one transaction (2,000).
	MaxBatch int
	// BusyRate (entries per second, default 200), MaxDelay (default
	// 100 ms) and TargetBatch (default 100): while entries arrive faster
	// than BusyRate, a batch waits up to MaxDelay after its first entry
	// for more, or until it holds TargetBatch entries, so that 1,000
	// requests a second cost about ten transactions, not a thousand. Below
	// that rate a batch commits at once (with whatever queued while the
	// previous one committed): a quiet system adds no delay to a request.
	BusyRate    float64
	MaxDelay    time.Duration
	TargetBatch int
}

// Writer writes entries with group commit, for the per-request access
// log: Write queues an entry and waits until it is committed; one
// goroutine takes everything queued, writes it with one COPY into
// audit_pending and commits, so the chain head is locked once per batch,
// not once per request. While a batch commits the next one gathers, and
// under load (WriterOptions.BusyRate) a batch waits a little for more.
type Writer struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	opts WriterOptions

	queue  chan *writeReq
	mu     sync.RWMutex // held for reading while queueing; Close takes it to close
	closed bool
	done   chan struct{}

	batches, entries atomic.Int64
}

type writeReq struct {
	row  dbq.AuditPendingCopyParams
	done chan error
}

// WriterStats counts what a Writer has committed.
type WriterStats struct {
	Batches int64 // transactions committed
	Entries int64 // entries committed
}

// NewWriter starts a Writer on pool with the default options. logger
// receives failed batches (nil: slog.Default()). Close it to flush and
// stop.
func NewWriter(pool *pgxpool.Pool, logger *slog.Logger) *Writer {
	return NewWriterOptions(pool, logger, WriterOptions{})
}

// NewWriterOptions is NewWriter with options.
func NewWriterOptions(pool *pgxpool.Pool, logger *slog.Logger, opts WriterOptions) *Writer {
	if logger == nil {
		logger = slog.Default()
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 2000
	}
	if opts.BusyRate <= 0 {
		opts.BusyRate = 200
	}
	if opts.MaxDelay <= 0 {
		opts.MaxDelay = 100 * time.Millisecond
	}
	if opts.TargetBatch <= 0 {
		opts.TargetBatch = 100
	}
	w := &Writer{pool: pool, log: logger, opts: opts, queue: make(chan *writeReq, 4*opts.MaxBatch), done: make(chan struct{})}
	go w.run()
	return w
}

// Write logs e and returns once it is committed. If ctx ends first Write
// returns ctx.Err(); an entry already queued is still written (an access
// that happened stays logged even when its client went away).
func (w *Writer) Write(ctx context.Context, e Entry) error {
	if err := e.validate(); err != nil {
		return err
	}
	row, err := e.entry(time.Now())
	if err != nil {
		return err
	}
	req := &writeReq{row: dbq.AuditPendingCopyParams(row), done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.queue <- req:
		w.mu.RUnlock()
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting entries, writes those queued and returns when they
// are committed.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.queue)
	}
	w.mu.Unlock()
	<-w.done
}

// Stats returns what has been committed so far.
func (w *Writer) Stats() WriterStats {
	return WriterStats{Batches: w.batches.Load(), Entries: w.entries.Load()}
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]*writeReq, 0, w.opts.MaxBatch)
	// The arrival rate, measured over windows of at least a second.
	var rate float64
	window, arrived := time.Now(), 0
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	// While gathering, a gap with no arrival longer than about two mean
	// inter-arrival times (at most maxGap) ends the wait early: when the
	// writers are few and each waits for its entry (a handful of clients
	// in a loop), no more will come until this batch commits, and waiting
	// longer would only add latency. (The cap matters: with such clients
	// the measured rate falls as the latency grows, which would otherwise
	// lengthen the gap in turn.)
	gapTimer := time.NewTimer(time.Hour)
	gapTimer.Stop()
	var gap time.Duration
	for {
		req, ok := <-w.queue
		if !ok {
			return
		}
		batch = append(batch[:0], req)
		if el := time.Since(window); el >= time.Second {
			rate = float64(arrived) / el.Seconds()
			window, arrived = time.Now(), 0
		}
		var wait <-chan time.Time // nil: take only what is queued
		if rate >= w.opts.BusyRate {
			timer.Reset(w.opts.MaxDelay)
			wait = timer.C
			gap = min(max(time.Duration(2*float64(time.Second)/rate), 250*time.Microsecond), maxGap, w.opts.MaxDelay)
			gapTimer.Reset(gap)
		}
	gather:
		for len(batch) < w.opts.MaxBatch {
			if wait == nil {
				select {
				case req, ok := <-w.queue:
					if !ok {
						break gather
					}
					batch = append(batch, req)
				default:
					break gather
				}
				continue
			}
			select {
			case req, ok := <-w.queue:
				if !ok {
					break gather
				}
				batch = append(batch, req)
				if len(batch) >= w.opts.TargetBatch {
					wait = nil // take the rest that is queued, without waiting
					timer.Stop()
					gapTimer.Stop()
				} else {
					gapTimer.Reset(gap)
				}
			case <-gapTimer.C:
				timer.Stop()
				wait = nil
				break gather
			case <-wait:
				gapTimer.Stop()
				wait = nil
				break gather
			}
		}
		if wait != nil {
			timer.Stop() // (Go 1.23+ timers: no stale tick to drain)
			gapTimer.Stop()
		}
		arrived += len(batch)
		w.commit(batch)
	}
}

func (w *Writer) commit(batch []*writeReq) {
	err := w.write(batch)
	if err != nil && len(batch) > 1 {
		// One bad entry must not lose the others: write them one by one.
		w.log.Warn("audit: batch failed, writing its entries one by one", "entries", len(batch), "err", err)
		for _, r := range batch {
			r.done <- w.write([]*writeReq{r})
		}
		return
	}
	if err != nil {
		w.log.Error("audit: write failed", "err", err)
	}
	for _, r := range batch {
		r.done <- err
	}
}

func (w *Writer) write(batch []*writeReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows := make([]dbq.AuditPendingCopyParams, len(batch))
	for i, r := range batch {
		rows[i] = r.row
	}
	err := db.InTx(ctx, w.pool, func(q *dbq.Queries, _ pgx.Tx) error {
		_, err := q.AuditPendingCopy(ctx, rows)
		return err
	})
	if err != nil {
		return fmt.Errorf("audit: write %d entries: %w", len(batch), err)
	}
	w.batches.Add(1)
	w.entries.Add(int64(len(batch)))
	return nil
}
