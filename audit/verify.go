package audit

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// VerifyOptions tune Verify; the zero value is fine.
type VerifyOptions struct {
	// Progress, when set, is called every ProgressEvery rows with the rows
	// checked so far.
	Progress      func(rows int64)
	ProgressEvery int64 // default 1,000,000
}

// Report is the outcome of Verify.
type Report struct {
	Rows    int64 // rows read and checked
	FirstID int64 // first and last id in audit_log (0 when empty)
	LastID  int64
	HeadID  int64  // the chain head
	Head    string // its hash, hex
	// Archived names the archived (dropped) ranges the chain was followed
	// across, oldest first.
	Archived []string
	// Broken is the first broken link in id order; nil when the chain
	// verifies. Problems counts every broken link found (those after the
	// first are often its consequences).
	Broken   *Break
	Problems int64
	Elapsed  time.Duration
}

// OK reports whether the chain verified.
func (r *Report) OK() bool { return r.Broken == nil }

func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rows checked", r.Rows)
	if r.Rows > 0 {
		fmt.Fprintf(&b, " (ids %d..%d)", r.FirstID, r.LastID)
	}
	fmt.Fprintf(&b, " in %s; head id %d hash %s", r.Elapsed.Round(time.Millisecond), r.HeadID, r.Head)
	if len(r.Archived) > 0 {
		fmt.Fprintf(&b, "; followed across archived %s", strings.Join(r.Archived, ", "))
	}
	if r.Broken == nil {
		b.WriteString("; chain intact")
	} else {
		fmt.Fprintf(&b, "; BROKEN, first broken link at %s (%d problems)", r.Broken, r.Problems)
	}
	return b.String()
}

// sessionSettings make Postgres print values the way csvReader parses
// them and the hashes expect (timestamps in UTC ISO, bytea in hex), for
// the rest of the transaction.
var sessionSettings = []dbq.SetLocalParams{
	{Name: "TimeZone", Value: "UTC"},
	{Name: "DateStyle", Value: "ISO, YMD"},
	{Name: "bytea_output", Value: "hex"},
}

// bulkTx acquires a connection (for raw COPY on it) and begins a
// transaction with opts and sessionSettings (errors mapped, db.WrapTx).
// end rolls back (a no-op after a commit) and releases the connection.
func bulkTx(ctx context.Context, pool *pgxpool.Pool, opts pgx.TxOptions) (conn *pgxpool.Conn, tx pgx.Tx, end func(), err error) {
	if conn, err = pool.Acquire(ctx); err != nil {
		return nil, nil, nil, db.MapError(err)
	}
	if tx, err = conn.BeginTx(ctx, opts); err != nil {
		conn.Release()
		return nil, nil, nil, db.MapError(err)
	}
	tx = db.WrapTx(tx)
	end = func() {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		conn.Release()
	}
	q := db.QTx(tx)
	for _, st := range sessionSettings {
		if err := q.SetLocal(ctx, st); err != nil {
			end()
			return nil, nil, nil, err
		}
	}
	return conn, tx, end, nil
}

// readOnly is the transaction of a consistent read of the log.
var readOnly = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}

// Verify reads the whole chain in id order, in one snapshot, recomputes
// every hash, and checks that ids are dense, that each prev_hash is the
// hash of the entry before, that the first entry follows the genesis or
// the archived months before it, and that the last entry is the head. It
// returns an error only when it could not read the chain; a broken chain
// is reported in Report.Broken.
func Verify(ctx context.Context, pool *pgxpool.Pool, opts VerifyOptions) (Report, error) {
	start := time.Now()
	var rep Report
	if opts.ProgressEvery <= 0 {
		opts.ProgressEvery = 1_000_000
	}
	conn, tx, end, err := bulkTx(ctx, pool, readOnly)
	if err != nil {
		return rep, err
	}
	defer end()
	q := db.QTx(tx)
	headID, headHash, err := readHead(ctx, q)
	if err != nil {
		return rep, err
	}
	segs, err := readSegments(ctx, q)
	if err != nil {
		return rep, err
	}
	c := newChecker(1, Genesis, segs)

	pr, pw := io.Pipe()
	copyDone := make(chan error, 1)
	go func() {
		_, err := copyOut(ctx, conn, pw, time.Time{}, time.Time{})
		pw.CloseWithError(err)
		copyDone <- err
	}()
	rd := newCSVReader(bufio.NewReaderSize(pr, 1<<20))
	var r record
	for {
		ok, err := rd.next()
		if err != nil {
			pr.CloseWithError(err)
			<-copyDone
			return rep, fmt.Errorf("audit: verify: read rows: %w", err)
		}
		if !ok {
			break
		}
		if err := rd.record(&r); err != nil {
			pr.CloseWithError(err)
			<-copyDone
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		c.row(&r)
		if opts.Progress != nil && c.rows%opts.ProgressEvery == 0 {
			opts.Progress(c.rows)
		}
	}
	if err := <-copyDone; err != nil {
		return rep, fmt.Errorf("audit: verify: copy: %w", err)
	}
	c.endAtHead(headID, headHash)
	rep = Report{
		Rows: c.rows, FirstID: c.firstID, LastID: c.lastID,
		HeadID: headID, Head: hexHash(headHash),
		Archived: c.bridged, Broken: c.first, Problems: c.problems,
		Elapsed: time.Since(start),
	}
	return rep, nil
}

func readHead(ctx context.Context, q *dbq.Queries) (int64, [HashSize]byte, error) {
	var hash [HashSize]byte
	h, err := q.AuditHead(ctx)
	if err != nil {
		return 0, hash, fmt.Errorf("audit: read head: %w", err)
	}
	copy(hash[:], h.LastHash)
	return h.LastID, hash, nil
}

// readSegments returns the dropped ranges recorded in audit_archive, by
// first id.
func readSegments(ctx context.Context, q *dbq.Queries) (map[int64]segment, error) {
	rows, err := q.AuditArchivedSegments(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: read archive records: %w", err)
	}
	segs := make(map[int64]segment, len(rows))
	for _, r := range rows {
		s := segment{firstID: r.FirstID, lastID: r.LastID, label: r.Label}
		copy(s.firstPrev[:], r.FirstPrevHash)
		copy(s.lastHash[:], r.LastHash)
		segs[s.firstID] = s
	}
	return segs, nil
}
