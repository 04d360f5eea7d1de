package audit

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// FileFormat and FileVersion name the export format: a gzip stream of one
// JSON header line followed by the rows as Postgres CSV (COPY … FORMAT
// csv, with TimeZone UTC, DateStyle ISO and bytea in hex) in Columns
// order, jsonb exactly as its text output (what the hashes cover).
const (
	FileFormat  = "anxin-audit-log"
	FileVersion = 1
)

// Header is the first line of an export.
type Header struct {
	Format  string   `json:"format"`
	Version int      `json:"version"`
	Columns []string `json:"columns"`
	// From and To are the requested range of at (To exclusive); nil means
	// unbounded.
	From *time.Time `json:"from,omitempty"`
	To   *time.Time `json:"to,omitempty"`
	// The rows: ids FirstID..LastID, Rows of them, at from FirstAt to
	// LastAt; FirstPrevHash is the prev_hash of the first (what it links
	// to), LastHash the hash of the last (the anchor of what follows).
	FirstID       int64     `json:"first_id"`
	LastID        int64     `json:"last_id"`
	Rows          int64     `json:"rows"`
	FirstAt       time.Time `json:"first_at"`
	LastAt        time.Time `json:"last_at"`
	FirstPrevHash string    `json:"first_prev_hash"`
	LastHash      string    `json:"last_hash"`
	ExportedAt    time.Time `json:"exported_at"`
}

// FileInfo describes an export file: its header and the sha256 (hex) of
// the file's bytes.
type FileInfo struct {
	Header
	SHA256 string
	Bytes  int64
}

// countingHash hashes and counts what is written through it.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// Export writes the entries with at in [from, to) (zero: unbounded) to w
// as a gzip'd CSV stream with a header (see FileFormat), read in one
// snapshot, and returns the header and the sha256 of the bytes written.
// It writes nothing but the stream. It does not verify the chain (a
// broken chain must still be exportable as evidence); VerifyFile does.
func Export(ctx context.Context, pool *pgxpool.Pool, w io.Writer, from, to time.Time) (FileInfo, error) {
	var info FileInfo
	conn, tx, end, err := bulkTx(ctx, pool, readOnly)
	if err != nil {
		return info, err
	}
	defer end()
	h := Header{Format: FileFormat, Version: FileVersion, Columns: Columns, ExportedAt: time.Now().UTC()}
	if !from.IsZero() {
		f := from.UTC()
		h.From = &f
	}
	if !to.IsZero() {
		t := to.UTC()
		h.To = &t
	}
	q := db.QTx(tx)
	atFrom, atTo := bound(from), bound(to)
	sm, err := q.AuditRangeSummary(ctx, dbq.AuditRangeSummaryParams{AtFrom: atFrom, AtTo: atTo})
	if err != nil {
		return info, fmt.Errorf("audit: export: count: %w", err)
	}
	h.Rows = sm.Entries
	if h.Rows > 0 {
		h.FirstID, h.LastID, h.FirstAt, h.LastAt = sm.FirstID, sm.LastID, sm.FirstAt.UTC(), sm.LastAt.UTC()
		fp, err := q.AuditPrevHashOf(ctx, dbq.AuditPrevHashOfParams{ID: h.FirstID, AtFrom: atFrom, AtTo: atTo})
		if err != nil {
			return info, fmt.Errorf("audit: export: first row: %w", err)
		}
		lh, err := q.AuditHashOf(ctx, dbq.AuditHashOfParams{ID: h.LastID, AtFrom: atFrom, AtTo: atTo})
		if err != nil {
			return info, fmt.Errorf("audit: export: last row: %w", err)
		}
		h.FirstPrevHash, h.LastHash = hex.EncodeToString(fp), hex.EncodeToString(lh)
	}

	sum := &countingHash{h: sha256.New()}
	zw, err := gzip.NewWriterLevel(io.MultiWriter(w, sum), gzip.BestSpeed)
	if err != nil {
		return info, err
	}
	line, err := json.Marshal(h)
	if err != nil {
		return info, err
	}
	if _, err := zw.Write(append(line, '\n')); err != nil {
		return info, fmt.Errorf("audit: export: write: %w", err)
	}
	bw := bufio.NewWriterSize(zw, 1<<20)
	tag, err := copyOut(ctx, conn, bw, from, to)
	if err != nil {
		return info, fmt.Errorf("audit: export: copy: %w", err)
	}
	if tag.RowsAffected() != h.Rows {
		return info, fmt.Errorf("audit: export: copied %d rows, counted %d", tag.RowsAffected(), h.Rows)
	}
	if err := bw.Flush(); err != nil {
		return info, fmt.Errorf("audit: export: write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return info, fmt.Errorf("audit: export: write: %w", err)
	}
	return FileInfo{Header: h, SHA256: hex.EncodeToString(sum.h.Sum(nil)), Bytes: sum.n}, nil
}

// bound is a range bound for the queries: nil when zero (unbounded), to
// the microsecond (as rangeSQL).
func bound(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Microsecond)
	return &t
}

// fileReader opens an export stream: it checks the header and hashes the
// raw bytes as they are read.
type fileReader struct {
	sum    *countingHash
	zr     *gzip.Reader
	header Header
	csv    *csvReader
	first  [HashSize]byte
	last   [HashSize]byte
}

func openFile(r io.Reader) (*fileReader, error) {
	fr := &fileReader{sum: &countingHash{h: sha256.New()}}
	zr, err := gzip.NewReader(io.TeeReader(r, fr.sum))
	if err != nil {
		return nil, fmt.Errorf("audit: not a gzip'd export: %w", err)
	}
	zr.Multistream(false)
	fr.zr = zr
	br := bufio.NewReaderSize(zr, 1<<20)
	line, err := br.ReadSlice('\n')
	if err != nil {
		return nil, fmt.Errorf("audit: read header: %w", err)
	}
	h := &fr.header
	if err := json.Unmarshal(line, h); err != nil {
		return nil, fmt.Errorf("audit: header: %w", err)
	}
	if h.Format != FileFormat || h.Version != FileVersion {
		return nil, fmt.Errorf("audit: not an audit export (format %q version %d, want %q %d)", h.Format, h.Version, FileFormat, FileVersion)
	}
	if !slices.Equal(h.Columns, Columns) {
		return nil, fmt.Errorf("audit: export columns %v, want %v", h.Columns, Columns)
	}
	if h.Rows > 0 {
		if err := decodeHash(&fr.first, h.FirstPrevHash); err != nil {
			return nil, fmt.Errorf("audit: header first_prev_hash: %w", err)
		}
		if err := decodeHash(&fr.last, h.LastHash); err != nil {
			return nil, fmt.Errorf("audit: header last_hash: %w", err)
		}
		if h.LastID-h.FirstID+1 != h.Rows {
			return nil, fmt.Errorf("audit: header: ids %d..%d but %d rows", h.FirstID, h.LastID, h.Rows)
		}
		if h.FirstID == 1 && fr.first != Genesis {
			return nil, errors.New("audit: header: id 1 must follow the genesis (zero) hash")
		}
	}
	fr.csv = newCSVReader(br)
	return fr, nil
}

func decodeHash(dst *[HashSize]byte, s string) error {
	b, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b) != HashSize {
		return fmt.Errorf("%d bytes, want %d", len(b), HashSize)
	}
	copy(dst[:], b)
	return nil
}

// ErrFileBroken is returned when an export's rows do not form the chain
// its header announces.
var ErrFileBroken = errors.New("audit: the file's chain does not verify")

// rows is a stream of verified rows of the file. Read hands out the raw CSV
// of rows already checked; a break ends the stream with an error before
// the rows after it, and the end of the stream is io.EOF only once the
// whole file verified against its header and the gzip checksum.
type verifiedRows struct {
	fr      *fileReader
	c       *checker
	rec     record
	out     []byte
	pending []byte
	err     error
}

func (fr *fileReader) rows() *verifiedRows {
	return &verifiedRows{fr: fr, c: newChecker(fr.header.FirstID, fr.first, nil), out: make([]byte, 0, 512<<10)}
}

func (v *verifiedRows) Read(p []byte) (int, error) {
	for len(v.pending) == 0 {
		if v.err != nil {
			return 0, v.err
		}
		v.fill()
		v.pending = v.out
	}
	n := copy(p, v.pending)
	v.pending = v.pending[n:]
	return n, nil
}

func (v *verifiedRows) fill() {
	v.out = v.out[:0]
	for len(v.out) < 256<<10 {
		ok, err := v.fr.csv.next()
		if err != nil {
			v.err = fmt.Errorf("audit: read rows: %w", err)
			return
		}
		if !ok {
			v.err = v.finish()
			return
		}
		if err := v.fr.csv.record(&v.rec); err != nil {
			v.err = fmt.Errorf("audit: %w", err)
			return
		}
		v.c.row(&v.rec)
		if v.c.first != nil {
			v.err = fmt.Errorf("%w: %s", ErrFileBroken, v.c.first)
			return
		}
		v.out = append(v.out, v.fr.csv.raw...)
	}
}

func (v *verifiedRows) finish() error {
	h := v.fr.header
	if h.Rows == 0 {
		if v.c.rows != 0 {
			return fmt.Errorf("%w: header says no rows, the file has %d", ErrFileBroken, v.c.rows)
		}
	} else {
		v.c.endAtHead(h.LastID, v.fr.last)
		if v.c.first != nil {
			return fmt.Errorf("%w: %s", ErrFileBroken, strings.Replace(v.c.first.String(), "head", "header's last entry", 1))
		}
		if v.c.rows != h.Rows {
			return fmt.Errorf("%w: %d rows, the header says %d", ErrFileBroken, v.c.rows, h.Rows)
		}
	}
	// Drain the gzip stream: its checksum is checked at its end.
	if _, err := io.Copy(io.Discard, v.fr.zr); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return io.EOF
}

// VerifyFile reads an export and checks its chain: every hash, dense ids,
// each prev_hash linking, the first row following the header's
// first_prev_hash and the last one being the header's last_hash, and the
// row count. It returns the header and the sha256 of the file, and
// ErrFileBroken (wrapped, naming the first broken link) when the chain
// does not verify.
func VerifyFile(r io.Reader) (FileInfo, error) {
	fr, err := openFile(r)
	if err != nil {
		return FileInfo{}, err
	}
	if _, err := io.Copy(io.Discard, fr.rows()); err != nil {
		return FileInfo{Header: fr.header}, err
	}
	// Hash whatever follows the gzip stream too: the checksum is of the file.
	if _, err := io.Copy(fr.sum, r); err != nil {
		return FileInfo{Header: fr.header}, err
	}
	return FileInfo{Header: fr.header, SHA256: hex.EncodeToString(fr.sum.h.Sum(nil)), Bytes: fr.sum.n}, nil
}
