package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

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
		Action: e.Action, ObjectType: str(e.ObjectType), ObjectID: str(e.ObjectID), Outcome: e.Outcome, Status: status,
		OldValues: old, NewValues: nw, Detail: detail,
	}, nil
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// jsonValue returns v as JSON for a jsonb column, or nil (NULL).
func jsonValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return x, nil
	case []byte:
		return x, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return b, nil
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
