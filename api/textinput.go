package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// Text input may not carry control characters. PostgreSQL refuses a NUL
// byte (U+0000) in text and jsonb outright, so one that reached a query
// used to fail the request with a 500 (and the system-log entry written
// in the same transaction with it); the other C0 controls are invisible
// and have no business in names, numbers or descriptions. Tab, line feed
// and carriage return remain text. The checks are central: the guard
// checks the query string and the path parameters of every request
// (400), decodeBody every string of a JSON body (422), and package excel
// every cell of an import (a row error). All answer invalid_character
// naming the field.

const (
	codeInvalidCharacter = "invalid_character"
	msgInvalidCharacter  = "输入内容含有不允许的控制字符"
	msgControlField      = "不能包含控制字符（如空字符 U+0000）"
	msgInvalidUTF8       = "不是有效的 UTF-8 文本"
)

// maxCharFields caps how many bad fields one answer names.
const maxCharFields = 20

// isControl reports whether r is a control character that text input may
// not carry: a C0 control other than tab, line feed and carriage return.
func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r'
}

// hasControl reports whether s holds such a character.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return true
		}
	}
	return false
}

// textProblem says what is wrong with a piece of text input from the
// query string or the path ("" when nothing is).
func textProblem(s string) string {
	switch {
	case hasControl(s):
		return msgControlField
	case !utf8.ValidString(s):
		return msgInvalidUTF8
	}
	return ""
}

// printable is s as it may be shown (an error's field name, a log):
// invalid UTF-8 and control characters replaced by U+FFFD.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !hasControl(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return utf8.RuneError
		}
		return r
	}, s)
}

func errCharacters(status int, fields map[string]string) *Error {
	return &Error{Status: status, Code: codeInvalidCharacter, Message: msgInvalidCharacter, Fields: fields}
}

// checkRequestText checks the query string (as decoded) and the path
// parameters of a request: 400 invalid_character naming each bad one.
func checkRequestText(c *fiber.Ctx) error {
	var fields map[string]string
	add := func(name, problem string) {
		if fields == nil {
			fields = map[string]string{}
		}
		if len(fields) < maxCharFields {
			fields[printable(name)] = problem
		}
	}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) {
		key := string(k)
		if p := textProblem(key); p != "" {
			add(key, p)
		} else if p := textProblem(string(v)); p != "" {
			add(key, p)
		}
	})
	for _, name := range c.Route().Params {
		// Fiber hands path parameters over still percent-encoded
		// (/towns/3301%0001), and a raw control character never makes a
		// route match: look at what the parameter means, decoded.
		v := c.Params(name)
		if d, err := url.PathUnescape(v); err == nil {
			v = d
		}
		if p := textProblem(v); p != "" {
			add(name, p)
		}
	}
	if fields == nil {
		return nil
	}
	return errCharacters(http.StatusBadRequest, fields)
}

// checkBodyText finds the strings (values and keys) of a well-formed JSON
// body that hold control characters: 422 invalid_character naming each
// by its path (name, records[2].name).
func checkBodyText(b []byte) error {
	// Control characters can only be in a JSON text escaped (\u0000 …
	// \u001f): raw ones are invalid JSON, refused before this.
	if !bytes.Contains(b, []byte(`\u00`)) {
		return nil
	}
	bad := controlPaths(b)
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	fields := map[string]string{}
	for _, p := range bad {
		if len(fields) == maxCharFields {
			break
		}
		fields[p] = msgControlField
	}
	return errCharacters(http.StatusUnprocessableEntity, fields)
}

// controlPaths walks the JSON value b and returns the paths of the
// strings holding control characters.
func controlPaths(b []byte) []string {
	type frame struct {
		object  bool
		wantKey bool
		key     string
		index   int
	}
	var stack []frame
	path := func() string {
		var sb strings.Builder
		for _, f := range stack {
			if f.object {
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(printable(f.key))
			} else {
				sb.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		}
		if sb.Len() == 0 {
			return "body"
		}
		return sb.String()
	}
	done := func() { // a value of the innermost container is complete
		if n := len(stack); n > 0 {
			if stack[n-1].object {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].index++
			}
		}
	}
	seen := map[string]bool{}
	var bad []string
	mark := func() {
		if p := path(); !seen[p] {
			seen[p] = true
			bad = append(bad, p)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return bad
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				if hasControl(t) {
					mark()
				}
				continue
			}
			if hasControl(t) {
				mark()
			}
			done()
		default:
			done()
		}
	}
}
