package excel

import (
	"fmt"
	"time"
)

// Record is one converted data row, handed to the row callback. All values
// passed conversion. Getters take the column key; an optional column that
// was empty (or absent from the sheet) yields the zero value — use Has to
// tell. Asking for an unknown key or with the getter of another Kind is a
// programming error and panics.
//
// A Record stays valid after the callback returns and may be retained.
type Record struct {
	s    *schema
	row  int
	vals []value
	raw  []string
}

// Row returns the 1-based Excel row number.
func (r Record) Row() int { return r.row }

// Has reports whether the field has a non-empty value.
func (r Record) Has(key string) bool { return r.vals[r.index(key, -1)].set }

// Raw returns the cell text as found in the sheet, trimmed ("" if absent).
func (r Record) Raw(key string) string { return r.raw[r.index(key, -1)] }

// Text returns a Text field.
func (r Record) Text(key string) string { return r.vals[r.index(key, Text)].s }

// Int64 returns an Int field.
func (r Record) Int64(key string) int64 { return r.vals[r.index(key, Int)].i }

// Fen returns a Money field in fen (1 yuan = 100 fen).
func (r Record) Fen(key string) int64 { return r.vals[r.index(key, Money)].i }

// Date returns a Date field as midnight UTC of that calendar day (zero time
// if empty). Use Year/Month/Day or Format("2006-01-02"); do not convert it
// to another time zone.
func (r Record) Date(key string) time.Time { return r.vals[r.index(key, Date)].t }

// Bool returns a Bool field.
func (r Record) Bool(key string) bool { return r.vals[r.index(key, Bool)].b }

// Enum returns the code of an Enum field ("" if empty).
func (r Record) Enum(key string) string { return r.vals[r.index(key, Enum)].s }

func (r Record) index(key string, kind Kind) int {
	if r.s == nil {
		panic("excel: zero Record")
	}
	i, ok := r.s.byKey[key]
	if !ok {
		panic(fmt.Sprintf("excel: unknown field key %q", key))
	}
	if kind >= 0 && r.s.cols[i].Kind != kind {
		panic(fmt.Sprintf("excel: field %q is %s, not %s", key, r.s.cols[i].Kind, kind))
	}
	return i
}
