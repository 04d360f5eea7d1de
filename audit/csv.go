package audit

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// csvReader reads the CSV that Postgres writes with COPY … (FORMAT csv):
// fields separated by ',', rows ended by '\n', a field quoted with '"' when
// it holds a delimiter, quote, CR or LF or is empty (quotes inside doubled),
// and NULL as an unquoted empty field. encoding/csv cannot be used: it
// does not tell NULL from an empty string and turns CRLF inside quotes into LF, and the
// hashes need every byte exactly.
type csvReader struct {
	r          io.Reader
	buf        []byte
	start, end int // unread bytes are buf[start:end]
	eof        bool

	fields  [][]byte
	quoted  []bool
	scratch [][]byte
	raw     []byte // the last row as read, with its '\n'
}

var errTruncated = errors.New("truncated: the last row has no end")

func newCSVReader(r io.Reader) *csvReader {
	return &csvReader{r: r, buf: make([]byte, 1<<20)}
}

// next reads the next row into c.fields (valid until the following call).
// It returns false at the end of the input.
func (c *csvReader) next() (bool, error) {
	for {
		n, err := c.parse(c.buf[c.start:c.end])
		if err != nil {
			return false, err
		}
		if n > 0 {
			c.raw = c.buf[c.start : c.start+n]
			c.start += n
			return true, nil
		}
		if c.eof {
			if c.start == c.end {
				return false, nil
			}
			return false, errTruncated
		}
		if err := c.fill(); err != nil {
			return false, err
		}
	}
}

func (c *csvReader) fill() error {
	if c.start > 0 {
		c.end = copy(c.buf, c.buf[c.start:c.end])
		c.start = 0
	}
	if c.end == len(c.buf) {
		nb := make([]byte, 2*len(c.buf))
		copy(nb, c.buf[:c.end])
		c.buf = nb
	}
	n, err := c.r.Read(c.buf[c.end:])
	c.end += n
	if err == io.EOF {
		c.eof = true
		return nil
	}
	return err
}

// parse parses one row from b. It returns the bytes consumed, or 0 when b
// does not hold a whole row yet.
func (c *csvReader) parse(b []byte) (int, error) {
	c.fields = c.fields[:0]
	c.quoted = c.quoted[:0]
	i := 0
	for {
		if i >= len(b) {
			return 0, nil
		}
		var val []byte
		quoted := b[i] == '"'
		if quoted {
			j := i + 1
			esc := false
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return 0, nil
				}
				j += k
				if j+1 >= len(b) {
					return 0, nil // need the byte after the quote
				}
				if b[j+1] == '"' {
					esc = true
					j += 2
					continue
				}
				break
			}
			val = b[i+1 : j]
			if esc {
				val = c.unescape(len(c.fields), val)
			}
			i = j + 1
		} else {
			j := i
			for j < len(b) && b[j] != ',' && b[j] != '\n' {
				j++
			}
			val = b[i:j]
			i = j
		}
		c.fields = append(c.fields, val)
		c.quoted = append(c.quoted, quoted)
		if i >= len(b) {
			return 0, nil
		}
		switch b[i] {
		case ',':
			i++
		case '\n':
			return i + 1, nil
		default:
			return 0, fmt.Errorf("csv: unexpected %q after a quoted field", b[i])
		}
	}
}

func (c *csvReader) unescape(field int, v []byte) []byte {
	for len(c.scratch) <= field {
		c.scratch = append(c.scratch, nil)
	}
	out := c.scratch[field][:0]
	for len(v) > 0 {
		k := bytes.IndexByte(v, '"')
		if k < 0 {
			out = append(out, v...)
			break
		}
		out = append(out, v[:k+1]...)
		v = v[k+2:] // skip the doubled quote
	}
	c.scratch[field] = out
	return out
}

// record fills r from the current row (Columns, in order). Slices in r
// point into the reader's buffer.
func (c *csvReader) record(r *record) error {
	if len(c.fields) != len(Columns) {
		return fmt.Errorf("row has %d fields, want %d", len(c.fields), len(Columns))
	}
	id, err := strconv.ParseInt(string(c.fields[0]), 10, 64)
	if err != nil {
		return fmt.Errorf("id %q: %w", c.fields[0], err)
	}
	r.id = id
	if r.atMicros, err = parseTimestamptz(c.fields[1]); err != nil {
		return fmt.Errorf("id %d: at %q: %w", id, c.fields[1], err)
	}
	for i := range nText {
		f := c.fields[2+i]
		r.text[i] = f
		r.null[i] = len(f) == 0 && !c.quoted[2+i]
	}
	if err := parseHash(&r.prevHash, c.fields[17]); err != nil {
		return fmt.Errorf("id %d: prev_hash: %w", id, err)
	}
	if err := parseHash(&r.hash, c.fields[18]); err != nil {
		return fmt.Errorf("id %d: hash: %w", id, err)
	}
	return nil
}

// parseHash decodes a bytea in hex output (\x…). A value that is not 32
// bytes is zeroed rather than refused: verification then reports the row
// as broken, which is what it is.
func parseHash(dst *[HashSize]byte, v []byte) error {
	if len(v) < 2 || v[0] != '\\' || v[1] != 'x' {
		return fmt.Errorf("not a hex bytea: %.20q", v)
	}
	v = v[2:]
	if len(v) != 2*HashSize {
		*dst = [HashSize]byte{}
		return nil
	}
	if _, err := hex.Decode(dst[:], v); err != nil {
		return err
	}
	return nil
}

// parseTimestamptz parses a timestamptz as Postgres prints it with
// DateStyle ISO and TimeZone UTC ("2026-03-01 08:00:00.123456+00") into
// microseconds since the Unix epoch.
func parseTimestamptz(v []byte) (int64, error) {
	s := string(v)
	if len(s) >= 22 && s[4] == '-' && s[7] == '-' && s[10] == ' ' && s[13] == ':' && s[16] == ':' && s[len(s)-3:] == "+00" {
		year, e1 := atoi(s[0:4])
		month, e2 := atoi(s[5:7])
		day, e3 := atoi(s[8:10])
		hh, e4 := atoi(s[11:13])
		mm, e5 := atoi(s[14:16])
		ss, e6 := atoi(s[17:19])
		frac := s[19 : len(s)-3]
		us := 0
		ok := e1 == nil && e2 == nil && e3 == nil && e4 == nil && e5 == nil && e6 == nil
		if ok && frac != "" {
			if frac[0] != '.' || len(frac) > 7 || len(frac) < 2 {
				ok = false
			} else {
				n, err := atoi(frac[1:])
				ok = err == nil
				for i := len(frac) - 1; i < 6; i++ {
					n *= 10
				}
				us = n
			}
		}
		if ok {
			t := time.Date(year, time.Month(month), day, hh, mm, ss, 0, time.UTC)
			return t.Unix()*1_000_000 + int64(us), nil
		}
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999Z07", s)
	if err != nil {
		return 0, err
	}
	return t.UnixMicro(), nil
}

func atoi(s string) (int, error) {
	n := 0
	if s == "" {
		return 0, errors.New("empty number")
	}
	for i := 0; i < len(s); i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, fmt.Errorf("bad digit in %q", s)
		}
		n = n*10 + int(d)
	}
	return n, nil
}
