package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Actor is who acts: the account behind a request and where it came from.
type Actor struct {
	AccountID *int64
	Username  string
	Role      string
	Domain    string
	IP        string
	UserAgent string
	RequestID string
}

type actorJSON struct {
	AccountID *int64 `json:"account_id,omitempty"`
	Username  string `json:"username,omitempty"`
	Role      string `json:"role,omitempty"`
	Domain    string `json:"domain,omitempty"`
	IP        string `json:"ip,omitempty"`
	UserAgent string `json:"user_agent,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// SetActor names the actor of the rest of transaction tx: every row change
// it makes is logged with a's fields (the setting anxin.actor, local to the
// transaction). Without it the database logs "db:<user>".
func SetActor(ctx context.Context, tx pgx.Tx, a Actor) error {
	a.Username, a.Role, a.Domain = clean(a.Username), clean(a.Role), clean(a.Domain)
	a.IP, a.UserAgent, a.RequestID = clean(a.IP), clean(a.UserAgent), clean(a.RequestID)
	b, err := json.Marshal(actorJSON(a))
	if err != nil {
		return err
	}
	if err := db.QTx(tx).AuditSetActor(ctx, string(b)); err != nil {
		return fmt.Errorf("audit: set actor: %w", err)
	}
	return nil
}

// Outcomes of an entry.
const (
	OutcomeOK     = "ok"
	OutcomeDenied = "denied" // refused: not logged in, no permission, out of scope
	OutcomeFailed = "failed" // the caller's fault: bad password, invalid input
	OutcomeError  = "error"  // the system's fault
)

// Entry is an event that is not a row change: a login, a refused request,
// an API access, a view of unmasked personal data.
type Entry struct {
	Actor
	// At is when it happened; zero means now. Sealing raises it to the
	// previous entry's time if needed, so that time never runs backwards
	// along the chain.
	At time.Time
	// Action: "auth.login", "GET /api/v1/workers/:id", "auth.register", …
	Action     string
	ObjectType string
	ObjectID   string
	// Outcome is OutcomeOK (default), OutcomeDenied, OutcomeFailed or
	// OutcomeError.
	Outcome string
	// Status is the HTTP status of an API access (0: none).
	Status int
	// Old, New and Detail are stored as jsonb: json.RawMessage and []byte
	// as they are (must be JSON), anything else through encoding/json;
	// nil is NULL.
	Old, New, Detail any
}

// ErrInvalidEntry is returned for an entry without action or with an
// unknown outcome.
var ErrInvalidEntry = errors.New("audit: invalid entry")

func (e *Entry) validate() error {
	if e.Action == "" {
		return fmt.Errorf("%w: no action", ErrInvalidEntry)
	}
	switch e.Outcome {
	case "":
		e.Outcome = OutcomeOK
	case OutcomeOK, OutcomeDenied, OutcomeFailed, OutcomeError:
	default:
		return fmt.Errorf("%w: outcome %q", ErrInvalidEntry, e.Outcome)
	}
	return nil
}

// entry returns e as a row of audit_pending (queries AuditPendingInsert
// and AuditPendingCopy); at is now when e.At is zero.
func (e *Entry) entry(now time.Time) (dbq.AuditPendingInsertParams, error) {
	at := e.At
	if at.IsZero() {
		at = now
	}
	var status *int32
	if e.Status != 0 {
		s := int32(e.Status)
		status = &s
	}
	old, err := jsonValue(e.Old)
	if err != nil {
		return dbq.AuditPendingInsertParams{}, fmt.Errorf("audit: old values: %w", err)
	}
	nw, err := jsonValue(e.New)
	if err != nil {
		return dbq.AuditPendingInsertParams{}, fmt.Errorf("audit: new values: %w", err)
	}
	detail, err := jsonValue(e.Detail)
	if err != nil {
		return dbq.AuditPendingInsertParams{}, fmt.Errorf("audit: detail: %w", err)
	}
	return dbq.AuditPendingInsertParams{
		At: at, AccountID: e.AccountID, Username: str(e.Username), Role: str(e.Role), Domain: str(e.Domain),
		Ip: str(e.IP), UserAgent: str(e.UserAgent), RequestID: str(e.RequestID),
		Action: clean(e.Action), ObjectType: str(e.ObjectType), ObjectID: str(e.ObjectID), Outcome: e.Outcome, Status: status,
		OldValues: old, NewValues: nw, Detail: detail,
	}, nil
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	c := clean(s)
	return &c
}

// clean makes s storable as PostgreSQL text: a NUL byte (which text and
// jsonb refuse) and invalid UTF-8 become U+FFFD. An entry is about what a
// client sent, and a client can send anything: the entry must be written
// all the same (the API refuses such input, but logs the request).
func clean(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// nulEscape is how JSON writes a NUL character, which jsonb refuses.
var nulEscape = []byte(`\u0000`)

// jsonValue returns v as JSON for a jsonb column, or nil (NULL).
func jsonValue(v any) ([]byte, error) {
	var b []byte
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if x == nil {
			return nil, nil
		}
		b = x
	case []byte:
		if x == nil {
			return nil, nil
		}
		b = x
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, err
		}
		if string(b) == "null" {
			return nil, nil
		}
	}
	if bytes.Contains(b, nulEscape) {
		return cleanJSON(b)
	}
	return b, nil
}

// cleanJSON rewrites a JSON text with every NUL character in its strings
// (and keys) replaced by U+FFFD.
func cleanJSON(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(cleanValue(v))
}

func cleanValue(v any) any {
	switch x := v.(type) {
	case string:
		return clean(x)
	case []any:
		for i := range x {
			x[i] = cleanValue(x[i])
		}
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[clean(k)] = cleanValue(e)
		}
		return m
	}
	return v
}

// Insert logs e as part of transaction tx: it is sealed into the chain
// when tx commits, and vanishes if tx rolls back.
func Insert(ctx context.Context, tx pgx.Tx, e Entry) error {
	if err := e.validate(); err != nil {
		return err
	}
	row, err := e.entry(time.Now())
	if err != nil {
		return err
	}
	if err := db.QTx(tx).AuditPendingInsert(ctx, row); err != nil {
		return fmt.Errorf("audit: insert %s: %w", e.Action, err)
	}
	return nil
}
