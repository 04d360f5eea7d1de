package audit

import (
	"encoding/hex"
	"fmt"
)

// BreakKind says how the chain is broken.
type BreakKind string

// The ways a chain breaks, as Verify reports them.
const (
	// The stored hash is not the hash of the row's contents: the row was
	// edited after it was sealed.
	BrokenEdited BreakKind = "hash mismatch (row edited)"
	// Ids are missing and no archive record covers them: rows were deleted.
	BrokenGap BreakKind = "gap (rows deleted)"
	// The row's prev_hash is not the hash of the row before it, or its id
	// repeats: a row was inserted or rows were reordered.
	BrokenLink BreakKind = "prev_hash does not link (row inserted or reordered)"
	// The last row is not the chain head: rows were removed from the end
	// (or appended behind the head's back).
	BrokenHead BreakKind = "head does not match (rows removed from the end)"
)

// Break is a broken link of the chain.
type Break struct {
	// ID is the entry where the chain breaks: the edited or misplaced row,
	// the first missing id of a gap, or the id the head names.
	ID   int64
	Kind BreakKind
	// Detail is the whole sentence, e.g. "gap: rows 5..7 missing (deleted)".
	Detail string
}

func (b Break) String() string { return fmt.Sprintf("id %d: %s", b.ID, b.Detail) }

// segment is a run of ids no longer in audit_log (an archived month, or
// the part of a chain before an imported file), known by its ends.
type segment struct {
	firstID, lastID int64
	firstPrev       [HashSize]byte
	lastHash        [HashSize]byte
	label           string
}

// checker follows a chain row by row.
type checker struct {
	nextID   int64          // id the next row should have
	prev     [HashSize]byte // prev_hash the next row should have
	segs     map[int64]segment
	rows     int64
	firstID  int64
	lastID   int64
	first    *Break
	problems int64
	bridged  []string // archive segments crossed
	buf      []byte
}

func newChecker(firstID int64, prev [HashSize]byte, segs map[int64]segment) *checker {
	return &checker{nextID: firstID, prev: prev, segs: segs, buf: make([]byte, 0, 1024)}
}

func (c *checker) fail(id int64, kind BreakKind, detail string) {
	c.problems++
	if c.first == nil {
		c.first = &Break{ID: id, Kind: kind, Detail: detail}
	}
}

// bridge crosses archived segments from c.nextID while they end before
// upTo (exclusive) and link to what precedes them.
func (c *checker) bridge(upTo int64) {
	for c.nextID < upTo {
		s, ok := c.segs[c.nextID]
		if !ok || s.lastID >= upTo || s.firstPrev != c.prev {
			return
		}
		c.bridged = append(c.bridged, s.label)
		c.nextID = s.lastID + 1
		c.prev = s.lastHash
	}
}

// row checks one row, read in id order.
func (c *checker) row(r *record) {
	c.rows++
	if c.rows == 1 {
		c.firstID = r.id
	}
	c.lastID = r.id
	if r.id > c.nextID {
		c.bridge(r.id)
	}
	switch {
	case r.id > c.nextID:
		c.fail(c.nextID, BrokenGap, fmt.Sprintf("gap: rows %d..%d missing (deleted)", c.nextID, r.id-1))
	case r.id < c.nextID:
		c.fail(r.id, BrokenLink, fmt.Sprintf("%s: id %d repeats", BrokenLink, r.id))
		// A repeated id does not move the chain on: the next row must link
		// to the row before this one.
		if want, _ := r.computeHash(&r.prevHash, c.buf); want != r.hash {
			c.fail(r.id, BrokenEdited, string(BrokenEdited))
		}
		return
	case r.prevHash != c.prev:
		c.fail(r.id, BrokenLink, string(BrokenLink))
	}
	var want [HashSize]byte
	want, c.buf = r.computeHash(&r.prevHash, c.buf)
	if want != r.hash {
		c.fail(r.id, BrokenEdited, string(BrokenEdited))
	}
	c.nextID = r.id + 1
	c.prev = r.hash
}

// endAtHead checks that the chain ends at the head (id, hash).
func (c *checker) endAtHead(headID int64, headHash [HashSize]byte) {
	if headID >= c.nextID {
		c.bridge(headID + 1)
	}
	last := c.nextID - 1
	switch {
	case last < headID:
		c.fail(last+1, BrokenHead, fmt.Sprintf("%s: the head is id %d but rows %d..%d are missing", BrokenHead, headID, last+1, headID))
	case last > headID:
		c.fail(headID+1, BrokenHead, fmt.Sprintf("head does not match (rows appended behind its back): the head is id %d, the last row id %d", headID, last))
	case c.prev != headHash:
		c.fail(headID, BrokenHead, fmt.Sprintf("head does not match (last row replaced): head hash %s, row hash %s", hexHash(headHash), hexHash(c.prev)))
	}
}

func hexHash(h [HashSize]byte) string { return hex.EncodeToString(h[:]) }
