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

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// ErrPresent is returned by Import when entries of the file's months or
// ids are already in audit_log.
var ErrPresent = errors.New("audit: already present")

// ErrDoesNotLink is returned by Import when the file's chain does not
// connect to the chain in the database.
var ErrDoesNotLink = errors.New("audit: the file does not link to the chain in the database")

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
	if err := db.Q(pool).AuditEnsurePartitions(ctx, dbq.AuditEnsurePartitionsParams{FromMonth: monthOf(h.FirstAt), ToMonth: monthOf(h.LastAt)}); err != nil {
		return info, fmt.Errorf("audit: import: partitions: %w", err)
	}

	conn, tx, end, err := bulkTx(ctx, pool, pgx.TxOptions{})
	if err != nil {
		return info, err
	}
	defer end()
	q := db.QTx(tx)
	if err := q.AuditMaintenanceLock(ctx); err != nil {
		return info, err
	}
	if err := checkAbsent(ctx, q, h); err != nil {
		return info, err
	}
	plan, err := planLinks(ctx, q, h, fr.first, fr.last)
	if err != nil {
		return info, err
	}

	rows := fr.rows()
	tag, err := copyIn(ctx, conn, rows)
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
		if err := q.AuditHeadMove(ctx, dbq.AuditHeadMoveParams{LastID: h.LastID, LastHash: fr.last[:], LastAt: h.LastAt}); err != nil {
			return info, fmt.Errorf("audit: import: move head: %w", err)
		}
		info.Extended = true
	}
	if plan.anchor {
		if err := q.AuditArchiveRecordAnchor(ctx, dbq.AuditArchiveRecordAnchorParams{LastID: h.FirstID - 1,
			FirstPrevHash: Genesis[:], LastHash: fr.first[:], FileName: fmt.Sprintf("(before %d)", h.FirstID),
			ExportedAt: h.ExportedAt}); err != nil {
			return info, fmt.Errorf("audit: import: record anchor: %w", err)
		}
	}
	if err := q.AuditArchiveMarkRestored(ctx, dbq.AuditArchiveMarkRestoredParams{FirstID: h.FirstID, LastID: h.LastID}); err != nil {
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
func checkAbsent(ctx context.Context, q *dbq.Queries, h Header) error {
	months, err := q.AuditMonthCounts(ctx, dbq.AuditMonthCountsParams{AtFrom: monthOf(h.FirstAt), AtTo: monthOf(h.LastAt).AddDate(0, 1, 0)})
	if err != nil {
		return fmt.Errorf("audit: import: check months: %w", err)
	}
	var present []string
	for _, m := range months {
		present = append(present, fmt.Sprintf("%s (%d rows)", m.Month, m.Entries))
	}
	if len(present) > 0 {
		return fmt.Errorf("%w: audit_log already holds %s; a month is imported only into a database without it",
			ErrPresent, strings.Join(present, ", "))
	}
	n, err := q.AuditIDsCount(ctx, dbq.AuditIDsCountParams{FirstID: h.FirstID, LastID: h.LastID})
	if err != nil {
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
func planLinks(ctx context.Context, q *dbq.Queries, h Header, first, last [HashSize]byte) (linkPlan, error) {
	var plan linkPlan
	headID, headHash, err := readHead(ctx, q)
	if err != nil {
		return plan, err
	}
	if headID < h.FirstID {
		// The head is locked when the file may extend it, so that no
		// commit seals entries onto the old head meanwhile.
		head, err := q.AuditHeadForUpdate(ctx)
		if err != nil {
			return plan, fmt.Errorf("audit: lock head: %w", err)
		}
		headID = head.LastID
		copy(headHash[:], head.LastHash)
	}
	empty, err := q.AuditLogEmpty(ctx)
	if err != nil {
		return plan, err
	}
	fresh := empty && headID == 0

	// What comes before the file.
	before, found, err := hashFound(q.AuditHashOf(ctx, dbq.AuditHashOfParams{ID: h.FirstID - 1}))
	if err != nil {
		return plan, err
	}
	if !found {
		before, found, err = hashFound(q.AuditArchiveLastHashEndingAt(ctx, h.FirstID-1))
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
	after, found, err := hashFound(q.AuditPrevHashOf(ctx, dbq.AuditPrevHashOfParams{ID: h.LastID + 1}))
	if err != nil {
		return plan, err
	}
	if !found {
		after, found, err = hashFound(q.AuditArchiveFirstPrevHashStartingAt(ctx, h.LastID+1))
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

// hashFound is the hash a query read, or found false when it read no row.
func hashFound(b []byte, err error) ([HashSize]byte, bool, error) {
	var out [HashSize]byte
	if errors.Is(err, db.ErrNotFound) {
		return out, false, nil
	}
	if err != nil {
		return out, false, err
	}
	copy(out[:], b)
	return out, true, nil
}
