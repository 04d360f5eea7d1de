package audit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Retention limits (SPEC R7: the system log is kept at least six months).
const (
	DefaultRetentionMonths = 12
	MinRetentionMonths     = 6
)

// RetentionCutoff is the first instant retention keeps for a retention of
// months whole months before now's month (UTC): ArchiveAndDrop drops the
// months that end at or before it.
func RetentionCutoff(now time.Time, months int) time.Time {
	return monthOf(now).AddDate(0, -months, 0)
}

// Archived is a month that ArchiveAndDrop exported and dropped.
type Archived struct {
	Month     time.Time // first day (UTC)
	Partition string
	FirstID   int64
	LastID    int64
	Rows      int64
	File      string // path of the export; "" for an empty month
	SHA256    string
	LastHash  string // the anchor: hash of LastID
}

// ErrNotPrefix is returned when the oldest month's ids are not the lowest
// ids still in audit_log: dropping it would cut a hole in the chain.
var ErrNotPrefix = errors.New("audit: partition is not the start of the chain")

// ArchiveAndDrop archives every whole month partition of audit_log that
// ends at or before olderThan, oldest first: it exports the month to
// dir/audit-YYYYMM.csv.gz (written under a temporary name, synced, then
// renamed), reads the file back and verifies its chain and checksum
// against the database, records it in audit_archive (with its last hash,
// the anchor Verify continues from) and only then detaches and drops the
// partition, logging audit.archive. It stops at the first month that
// fails; a month whose export did not verify is never dropped. It returns
// the months archived.
func ArchiveAndDrop(ctx context.Context, pool *pgxpool.Pool, dir string, olderThan time.Time) ([]Archived, error) {
	parts, err := monthPartitions(ctx, pool)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("audit: archive dir: %w", err)
	}
	var done []Archived
	for _, p := range parts {
		if p.month.AddDate(0, 1, 0).After(olderThan) {
			break
		}
		a, err := archiveMonth(ctx, pool, dir, p)
		if err != nil {
			return done, fmt.Errorf("audit: archive %s: %w", p.month.Format("2006-01"), err)
		}
		done = append(done, a)
	}
	return done, nil
}

type partition struct {
	name  string
	month time.Time
}

// monthPartitions lists the month partitions of audit_log, oldest first.
func monthPartitions(ctx context.Context, pool *pgxpool.Pool) ([]partition, error) {
	names, err := db.Q(pool).AuditMonthPartitions(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: list partitions: %w", err)
	}
	var out []partition
	for _, n := range names {
		m, err := time.Parse("200601", n[len("audit_log_"):])
		if err != nil {
			continue
		}
		out = append(out, partition{name: n, month: m})
	}
	return out, nil
}

type partStats struct {
	rows, first, last int64
}

func archiveMonth(ctx context.Context, pool *pgxpool.Pool, dir string, p partition) (Archived, error) {
	a := Archived{Month: p.month, Partition: p.name}
	st, err := partitionStats(ctx, pool, p)
	if err != nil {
		return a, err
	}
	a.FirstID, a.LastID, a.Rows = st.first, st.last, st.rows
	var file FileInfo
	if st.rows > 0 {
		if st.last-st.first+1 != st.rows {
			return a, fmt.Errorf("ids %d..%d but %d rows: the month is not a whole piece of the chain (run anxin audit verify)", st.first, st.last, st.rows)
		}
		a.File = filepath.Join(dir, "audit-"+p.month.Format("200601")+".csv.gz")
		if file, err = exportFile(ctx, pool, a.File, p.month, p.month.AddDate(0, 1, 0)); err != nil {
			return a, err
		}
		// Read the file back from disk and verify it before anything is dropped.
		f, err := os.Open(a.File)
		if err != nil {
			return a, err
		}
		check, err := VerifyFile(f)
		f.Close()
		if err != nil {
			return a, fmt.Errorf("export %s does not verify: %w", a.File, err)
		}
		if check.SHA256 != file.SHA256 || check.FirstID != st.first || check.LastID != st.last || check.Rows != st.rows {
			return a, fmt.Errorf("export %s is not the month: file ids %d..%d (%d rows, sha256 %s), month ids %d..%d (%d rows, sha256 %s)",
				a.File, check.FirstID, check.LastID, check.Rows, check.SHA256, st.first, st.last, st.rows, file.SHA256)
		}
		a.SHA256, a.LastHash = file.SHA256, file.LastHash
	}
	// Drop: maintenance lock, then the head (the order sealing takes it
	// in, before audit_log), then the partition, each waiting at most a
	// few seconds (a long reader such as Verify makes it fail; the next
	// run retries).
	for attempt := 1; ; attempt++ {
		err = dropMonth(ctx, pool, p, st, file, a)
		var pgErr interface{ SQLState() string }
		if err == nil || attempt == 3 || !errors.As(err, &pgErr) || pgErr.SQLState() != "55P03" { // lock_not_available
			break
		}
		select {
		case <-ctx.Done():
			return a, ctx.Err()
		case <-time.After(time.Duration(attempt) * 5 * time.Second):
		}
	}
	return a, err
}

func dropMonth(ctx context.Context, pool *pgxpool.Pool, p partition, st partStats, file FileInfo, a Archived) error {
	raw, err := pool.Begin(ctx)
	if err != nil {
		return db.MapError(err)
	}
	tx := db.WrapTx(raw)
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	q := db.QTx(tx)
	if err := q.SetLocal(ctx, dbq.SetLocalParams{Name: "lock_timeout", Value: "5s"}); err != nil {
		return err
	}
	if err := q.AuditMaintenanceLock(ctx); err != nil {
		return err
	}
	if _, err := q.AuditHeadForUpdate(ctx); err != nil {
		return err
	}
	now, err := partitionStats(ctx, tx, p)
	if err != nil {
		return err
	}
	if now != st {
		return fmt.Errorf("%s changed while it was exported (%+v, then %+v)", p.name, st, now)
	}
	if st.rows > 0 {
		older, err := q.AuditIDsOutsideRange(ctx, dbq.AuditIDsOutsideRangeParams{MaxID: st.last, AtFrom: p.month, AtTo: p.month.AddDate(0, 1, 0)})
		if err != nil {
			return err
		}
		if older {
			return fmt.Errorf("%w: entries with ids up to %d remain outside %s", ErrNotPrefix, st.last, p.name)
		}
		fp, _ := decodeHashString(file.FirstPrevHash)
		lh, _ := decodeHashString(file.LastHash)
		month, sha := p.month, file.SHA256
		if err := q.AuditArchiveRecordMonth(ctx, dbq.AuditArchiveRecordMonthParams{Month: &month, FirstID: st.first,
			LastID: st.last, RowCount: st.rows, FirstPrevHash: fp, LastHash: lh, FileName: fileName(a.File),
			FileSha256: &sha, ExportedAt: file.ExportedAt}); err != nil {
			return fmt.Errorf("record archive: %w", err)
		}
	}
	if err := Insert(ctx, tx, Entry{
		Actor:  Actor{Username: "system"},
		Action: "audit.archive", ObjectType: "audit_log", ObjectID: p.month.Format("2006-01"),
		Detail: map[string]any{"partition": p.name, "first_id": st.first, "last_id": st.last, "rows": st.rows,
			"file": fileName(a.File), "sha256": file.SHA256, "last_hash": file.LastHash},
	}); err != nil {
		return err
	}
	if err := detachAndDrop(ctx, tx, p); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func decodeHashString(s string) ([]byte, error) {
	var h [HashSize]byte
	if err := decodeHash(&h, s); err != nil {
		return nil, err
	}
	return h[:], nil
}

// exportFile exports [from, to) to path: written to a temporary name,
// synced, renamed, and the directory synced.
func exportFile(ctx context.Context, pool *pgxpool.Pool, path string, from, to time.Time) (FileInfo, error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return FileInfo{}, err
	}
	info, err := Export(ctx, pool, f, from, to)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return info, fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return info, err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return info, nil
}

func fileName(path string) string {
	if path == "" {
		return ""
	}
	return filepath.Base(path)
}
