package audit

import (
	"crypto/sha256"
	"strconv"
)

// HashSize is the size of prev_hash and hash.
const HashSize = sha256.Size

// Genesis is the prev_hash of the first entry of the chain (id 1): 32 zero
// bytes.
var Genesis [HashSize]byte

// Columns are the columns of audit_log in encoding order, followed by
// prev_hash and hash. Exports carry them in this order.
var Columns = []string{
	"id", "at", "account_id", "username", "role", "domain", "ip", "user_agent", "request_id",
	"action", "object_type", "object_id", "outcome", "status", "old_values", "new_values", "detail",
	"prev_hash", "hash",
}

// nText is the number of fields after id and at, hashed as their text:
// account_id … detail.
const nText = 15

// Indexes into record.text.
const (
	fAccountID = iota
	fUsername
	fRole
	fDomain
	fIP
	fUserAgent
	fRequestID
	fAction
	fObjectType
	fObjectID
	fOutcome
	fStatus
	fOldValues
	fNewValues
	fDetail
)

// record is one entry of the chain: the text of its fields exactly as
// Postgres prints them (bigint and integer in decimal, jsonb as its text
// output), id and at as numbers.
type record struct {
	id       int64
	atMicros int64 // microseconds since 1970-01-01 00:00 UTC
	text     [nText][]byte
	null     [nText]bool
	prevHash [HashSize]byte
	hash     [HashSize]byte
}

// encode appends the encoding of r to dst. The encoding is the fields id,
// at, account_id, username, role, domain, ip, user_agent, request_id,
// action, object_type, object_id, outcome, status, old_values, new_values,
// detail, in that order, each written "N" when NULL and
// "S<byte length>:<bytes>" otherwise; id and at (integer microseconds
// since the Unix epoch) and account_id and status in decimal, jsonb as its
// text output, all UTF-8. audit_encode() in db/migrations/00004_audit.sql
// is the same function in SQL.
func (r *record) encode(dst []byte) []byte {
	dst = appendIntField(dst, r.id)
	dst = appendIntField(dst, r.atMicros)
	for i := range r.text {
		dst = appendField(dst, r.text[i], r.null[i])
	}
	return dst
}

// computeHash returns sha256(prev || encoding of r), using buf as scratch
// space (returned, possibly grown, for reuse).
func (r *record) computeHash(prev *[HashSize]byte, buf []byte) ([HashSize]byte, []byte) {
	buf = append(buf[:0], prev[:]...)
	buf = r.encode(buf)
	return sha256.Sum256(buf), buf
}

func appendField(dst, v []byte, null bool) []byte {
	if null {
		return append(dst, 'N')
	}
	dst = append(dst, 'S')
	dst = strconv.AppendInt(dst, int64(len(v)), 10)
	dst = append(dst, ':')
	return append(dst, v...)
}

func appendIntField(dst []byte, v int64) []byte {
	var num [24]byte
	d := strconv.AppendInt(num[:0], v, 10)
	dst = append(dst, 'S')
	dst = strconv.AppendInt(dst, int64(len(d)), 10)
	dst = append(dst, ':')
	return append(dst, d...)
}
