package audit

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrPresent is returned by Import when entries of the file's months or
// ids are already in audit_log.
var ErrPresent = errors.New("audit: already present")

// ErrDoesNotLink is returned by Import when the file's chain does not
// connect to the chain in the database.
var ErrDoesNotLink = errors.New("audit: the file does not link to the chain in the database")

// maintenanceLock serialises Import and ArchiveAndDrop (advisory lock key).
const maintenanceLock = 0x61756469746d6e74

// ImportInfo describes an import.
type ImportInfo struct {
	FileInfo
	// Extended is true when the file continued the chain at its head (a
	// restore), false when it filled in archived months.
	Extended bool
}

// Import loads an export made by Export into audit_log. It refuses a file
// whose chain does not verify (nothing is written: the rows are checked
// as they stream into one transaction), a file whose months or ids are
// already present (ErrPresent: importing a month twice is refused), and a
// file that does not link to the chain in the database (ErrDoesNotLink).
// It creates the month partitions needed. A file that continues the chain
// at its head moves the head (a restore into a fresh database); a file
// that fills an archived range leaves it. The import itself is logged
// (action audit.import).
//
// A restore of a chain that does not start at id 1 into an empty log
// records the file's first prev_hash as an anchor (audit_archive, file name
// "(before <first id>)"): the earlier rows are in older archives.
func Import(ctx context.Context, pool *pgxpool.Pool, r io.Reader) (ImportInfo, error) {
	var info ImportInfo
	fr, err := openFile(r)
	if err != nil {
		return info, err
	}
	h := fr.header
	info.Header = h
	if h.Rows == 0 { // nothing to load; still refuse a file that is not what it says
		if _, err := io.Copy(io.Discard, fr.rows()); err != nil {
			return info, err
		}
		return info, nil
	}

	// Partitions first, in their own short transaction: creating one locks
	// audit_log, which must not be held while the rows stream in.
	if _, err := pool.Exec(ctx, "SELECT audit_ensure_partitions($1, $2)", monthOf(h.FirstAt), monthOf(h.LastAt)); err != nil {
		return info, fmt.Errorf("audit: import: partitions: %w", err)
	}

	conn, tx, end, err := bulkTx(ctx, pool, pgx.TxOptions{})
	if err != nil {
		return info, err
	}
	defer end()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(maintenanceLock)); err != nil {
		return info, err
	}
	if err := checkAbsent(ctx, tx, h); err != nil {
		return info, err
	}
	plan, err := planLinks(ctx, tx, h, fr.first, fr.last)
	if err != nil {
		return info, err
	}

	rows := fr.rows()
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, rows,
		"COPY audit_log ("+strings.Join(Columns, ", ")+") FROM STDIN WITH (FORMAT csv)")
	if rows.err != nil && rows.err != io.EOF {
		return info, rows.err
	}
	if err != nil {
		return info, fmt.Errorf("audit: import: copy: %w", err)
	}
	if tag.RowsAffected() != h.Rows {
		return info, fmt.Errorf("audit: import: copied %d rows, the header says %d", tag.RowsAffected(), h.Rows)
	}
	if _, err := io.Copy(fr.sum, r); err != nil {
		return info, err
	}
	info.SHA256 = hex.EncodeToString(fr.sum.h.Sum(nil))
	info.Bytes = fr.sum.n

	if plan.extend {
		if _, err := tx.Exec(ctx, "UPDATE audit_head SET last_id = $1, last_hash = $2, last_at = greatest(last_at, $3)",
			h.LastID, fr.last[:], h.LastAt); err != nil {
			return info, fmt.Errorf("audit: import: move head: %w", err)
		}
		info.Extended = true
	}
	if plan.anchor {
		if _, err := tx.Exec(ctx, `
INSERT INTO audit_archive (month, first_id, last_id, row_count, first_prev_hash, last_hash, file_name, exported_at, dropped_at)
VALUES (NULL, 1, $1, $1, $2, $3, $4, $5, now())`,
			h.FirstID-1, Genesis[:], fr.first[:], fmt.Sprintf("(before %d)", h.FirstID), h.ExportedAt); err != nil {
			return info, fmt.Errorf("audit: import: record anchor: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `
UPDATE audit_archive SET restored_at = now()
WHERE dropped_at IS NOT NULL AND restored_at IS NULL AND first_id >= $1 AND last_id <= $2`, h.FirstID, h.LastID); err != nil {
		return info, fmt.Errorf("audit: import: mark archives restored: %w", err)
	}
	if err := Insert(ctx, tx, Entry{
		Actor:  Actor{Username: "system"},
		Action: "audit.import", ObjectType: "audit_log", ObjectID: fmt.Sprintf("%d..%d", h.FirstID, h.LastID),
		Detail: map[string]any{"first_id": h.FirstID, "last_id": h.LastID, "rows": h.Rows,
			"last_hash": h.LastHash, "sha256": info.SHA256, "extended": plan.extend},
	}); err != nil {
		return info, err
	}
	if err := tx.Commit(ctx); err != nil {
		return info, fmt.Errorf("audit: import: commit: %w", err)
	}
	return info, nil
}

// monthOf is the first day (UTC) of t's month.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// checkAbsent refuses a file whose months or ids have rows in audit_log.
func checkAbsent(ctx context.Context, tx pgx.Tx, h Header) error {
	lo, hi := monthOf(h.FirstAt), monthOf(h.LastAt).AddDate(0, 1, 0)
	rows, err := tx.Query(ctx, `
SELECT to_char(date_trunc('month', at), 'YYYY-MM'), count(*) FROM audit_log
WHERE `+rangeSQL(lo, hi)+` GROUP BY 1 ORDER BY 1`)
	if err != nil {
		return fmt.Errorf("audit: import: check months: %w", err)
	}
	var present []string
	for rows.Next() {
		var m string
		var n int64
		if err := rows.Scan(&m, &n); err != nil {
			return err
		}
		present = append(present, fmt.Sprintf("%s (%d rows)", m, n))
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(present) > 0 {
		return fmt.Errorf("%w: audit_log already holds %s; a month is imported only into a database without it",
			ErrPresent, strings.Join(present, ", "))
	}
	var n int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE id BETWEEN $1 AND $2", h.FirstID, h.LastID).Scan(&n); err != nil {
		return fmt.Errorf("audit: import: check ids: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("%w: %d entries with ids in %d..%d are in audit_log", ErrPresent, n, h.FirstID, h.LastID)
	}
	return nil
}

type linkPlan struct {
	extend bool // the file continues the chain at the head: move the head
	anchor bool // record the file's first prev_hash as an anchor
}

// planLinks checks that the file connects to the chain in the database at
// both ends, and says what the import must record.
func planLinks(ctx context.Context, tx pgx.Tx, h Header, first, last [HashSize]byte) (linkPlan, error) {
	var plan linkPlan
	// The head is locked when the file may extend it, so that no commit
	// seals entries onto the old head meanwhile.
	headID, headHash, err := readHead(ctx, tx)
	if err != nil {
		return plan, err
	}
	if headID < h.FirstID {
		if _, err := tx.Exec(ctx, "SELECT 1 FROM audit_head FOR UPDATE"); err != nil {
			return plan, err
		}
		if headID, headHash, err = readHead(ctx, tx); err != nil {
			return plan, err
		}
	}
	var empty bool
	if err := tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM audit_log)").Scan(&empty); err != nil {
		return plan, err
	}
	fresh := empty && headID == 0

	// What comes before the file.
	before, found, err := hashOf(ctx, tx, "SELECT hash FROM audit_log WHERE id = $1 ORDER BY at DESC LIMIT 1", h.FirstID-1)
	if err != nil {
		return plan, err
	}
	if !found {
		before, found, err = hashOf(ctx, tx, "SELECT last_hash FROM audit_archive WHERE last_id = $1 AND dropped_at IS NOT NULL ORDER BY id DESC LIMIT 1", h.FirstID-1)
		if err != nil {
			return plan, err
		}
	}
	switch {
	case h.FirstID == 1:
		before, found = Genesis, true
	case !found && headID == h.FirstID-1:
		before, found = headHash, true
	}
	switch {
	case found && before != first:
		return plan, fmt.Errorf("%w: the entry before id %d has hash %s, the file's first prev_hash is %s",
			ErrDoesNotLink, h.FirstID, hexHash(before), hexHash(first))
	case !found && fresh:
		plan.anchor = true
	case !found:
		return plan, fmt.Errorf("%w: nothing in the database ends at id %d (no entry, archive record or head)", ErrDoesNotLink, h.FirstID-1)
	}

	// What comes after it.
	after, found, err := hashOf(ctx, tx, "SELECT prev_hash FROM audit_log WHERE id = $1 ORDER BY at LIMIT 1", h.LastID+1)
	if err != nil {
		return plan, err
	}
	if !found {
		after, found, err = hashOf(ctx, tx, "SELECT first_prev_hash FROM audit_archive WHERE first_id = $1 AND dropped_at IS NOT NULL ORDER BY id DESC LIMIT 1", h.LastID+1)
		if err != nil {
			return plan, err
		}
	}
	switch {
	case found && after != last:
		return plan, fmt.Errorf("%w: the entry after id %d links to %s, the file's last hash is %s",
			ErrDoesNotLink, h.LastID, hexHash(after), hexHash(last))
	case found:
	case headID == h.FirstID-1 || fresh:
		plan.extend = true
	default:
		return plan, fmt.Errorf("%w: the head is id %d, and nothing in the database follows id %d", ErrDoesNotLink, headID, h.LastID)
	}
	return plan, nil
}

func hashOf(ctx context.Context, tx pgx.Tx, sql string, id int64) ([HashSize]byte, bool, error) {
	var out [HashSize]byte
	var b []byte
	err := tx.QueryRow(ctx, sql, id).Scan(&b)
	if errors.Is(err, pgx.ErrNoRows) {
		return out, false, nil
	}
	if err != nil {
		return out, false, err
	}
	copy(out[:], b)
	return out, true, nil
}
