package authz

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// ErrReadOnly is what the adapter's write methods return: the permission
// rules change only through migrations (authz_policy) and the role grants
// only through accounts, never through casbin's management API.
var ErrReadOnly = errors.New("authz: the casbin policy is managed by migrations (authz_policy) and accounts, not written through casbin")

// ModelName is the authz_model row the model is read from.
const ModelName = "default"

// Adapter is a read-only casbin adapter over Postgres: p rules come from
// authz_policy, g rules from the active accounts (user:<id>, role, domain),
// the model from authz_model. LoadPolicy reads both kinds of rule from one
// REPEATABLE READ snapshot and streams the accounts (no slice of 250,000
// rows is built).
type Adapter struct {
	pool *pgxpool.Pool
}

var (
	_ persist.Adapter        = (*Adapter)(nil)
	_ persist.ContextAdapter = (*Adapter)(nil)
)

// NewAdapter returns an adapter reading through pool.
func NewAdapter(pool *pgxpool.Pool) *Adapter { return &Adapter{pool: pool} }

// LoadModel reads the model text of authz_model 'default' and parses it.
func (a *Adapter) LoadModel(ctx context.Context) (model.Model, error) {
	m, _, err := readModel(ctx, db.Q(a.pool))
	return m, err
}

// LoadPolicy loads every p and g rule into m (persist.Adapter). It has no
// context; LoadPolicyCtx is the same with one.
func (a *Adapter) LoadPolicy(m model.Model) error {
	return a.LoadPolicyCtx(context.Background(), m)
}

// LoadPolicyCtx loads every p and g rule into m, both from one snapshot.
func (a *Adapter) LoadPolicyCtx(ctx context.Context, m model.Model) error {
	_, err := a.load(ctx, m, false)
	return err
}

// loadCounts says how many rules a load read.
type loadCounts struct{ p, g int }

// load reads, in one read-only REPEATABLE READ transaction, the model (when
// withModel; returned in place of m) and the p and g rules into it.
func (a *Adapter) load(ctx context.Context, m model.Model, withModel bool) (loadResult, error) {
	var res loadResult
	raw, err := a.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return res, fmt.Errorf("authz: begin: %w", db.MapError(err))
	}
	tx := db.WrapTx(raw)
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	q := db.QTx(tx)
	if withModel {
		if m, res.modelText, err = readModel(ctx, q); err != nil {
			return res, err
		}
	}
	if res.counts.p, err = loadPRules(ctx, q, m); err != nil {
		return res, err
	}
	if res.counts.g, err = loadGRules(ctx, tx, m); err != nil {
		return res, err
	}
	// Commit only ends the read-only transaction; the snapshot was read.
	if err := tx.Commit(ctx); err != nil {
		return res, fmt.Errorf("authz: end load: %w", err)
	}
	res.model = m
	return res, nil
}

type loadResult struct {
	model     model.Model
	modelText string // when read
	counts    loadCounts
}

func readModel(ctx context.Context, q *dbq.Queries) (model.Model, string, error) {
	body, err := q.AuthzModelBody(ctx, ModelName)
	if err != nil {
		if errors.Is(err, db.ErrNotFound) {
			return nil, "", fmt.Errorf("authz: no model %q in authz_model", ModelName)
		}
		return nil, "", fmt.Errorf("authz: read model: %w", err)
	}
	m, err := model.NewModelFromString(body)
	if err != nil {
		return nil, "", fmt.Errorf("authz: parse model %q: %w", ModelName, err)
	}
	return m, body, nil
}

func loadPRules(ctx context.Context, q *dbq.Queries, m model.Model) (int, error) {
	rules, err := q.AuthzPolicyRules(ctx)
	if err != nil {
		return 0, fmt.Errorf("authz: read authz_policy: %w", err)
	}
	for i, r := range rules {
		if err := m.AddPolicy("p", r.Ptype, []string{r.V0, r.V1, r.V2, r.V3}); err != nil {
			return i, fmt.Errorf("authz: p rule %s, %s, %s, %s: %w", r.V0, r.V1, r.V2, r.V3, err)
		}
	}
	return len(rules), nil
}

// loadGRules streams the active accounts into g rules. Role names (seven)
// and shared domains (towns, enterprises, projects) are interned so 250,000
// rules do not hold 250,000 copies of "town_officer".
func loadGRules(ctx context.Context, q dbq.DBTX, m model.Model) (int, error) {
	rows, err := queryGrants(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("authz: read accounts: %w", err)
	}
	defer rows.Close()
	if _, err := m.GetAssertion("g", "g"); err != nil {
		return 0, fmt.Errorf("authz: the model has no role definition g: %w", err)
	}
	intern := make(map[string]string, 1024)
	internBytes := func(b []byte) string {
		if s, ok := intern[string(b)]; ok { // no allocation for the lookup
			return s
		}
		s := string(b)
		if len(intern) < 1<<16 {
			intern[s] = s
		}
		return s
	}
	fds := rows.FieldDescriptions()
	n := 0
	for rows.Next() {
		// The raw values point into pgx's read buffer: no string is made
		// for a role or a shared domain already seen.
		raw := rows.RawValues()
		if len(raw) != 3 || raw[0] == nil || raw[1] == nil || raw[2] == nil {
			return n, fmt.Errorf("authz: read accounts: unexpected row %q", raw)
		}
		id, err := int8Value(raw[0], fds[0].Format)
		if err != nil {
			return n, fmt.Errorf("authz: read accounts: id: %w", err)
		}
		rule := []string{Subject(id), internBytes(raw[1]), internBytes(raw[2])}
		// Account ids are unique: no duplicate check (persist.LoadPolicyArray
		// would do one per row).
		if err := m.AddPolicy("g", "g", rule); err != nil {
			return n, fmt.Errorf("authz: g rule %v: %w", rule, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("authz: read accounts: %w", err)
	}
	return n, nil
}

// int8Value decodes a bigint column in either wire format.
func int8Value(b []byte, format int16) (int64, error) {
	if format == pgx.BinaryFormatCode {
		if len(b) != 8 {
			return 0, fmt.Errorf("binary int8 of %d bytes", len(b))
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	}
	return strconv.ParseInt(string(b), 10, 64)
}

// Subject is the casbin subject of an account: "user:<id>".
func Subject(accountID int64) string {
	return "user:" + strconv.FormatInt(accountID, 10)
}

// SavePolicy refuses: see ErrReadOnly.
func (a *Adapter) SavePolicy(model.Model) error { return ErrReadOnly }

// AddPolicy refuses: see ErrReadOnly.
func (a *Adapter) AddPolicy(string, string, []string) error { return ErrReadOnly }

// RemovePolicy refuses: see ErrReadOnly.
func (a *Adapter) RemovePolicy(string, string, []string) error { return ErrReadOnly }

// RemoveFilteredPolicy refuses: see ErrReadOnly.
func (a *Adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return ErrReadOnly }

// SavePolicyCtx refuses: see ErrReadOnly.
func (a *Adapter) SavePolicyCtx(context.Context, model.Model) error { return ErrReadOnly }

// AddPolicyCtx refuses: see ErrReadOnly.
func (a *Adapter) AddPolicyCtx(context.Context, string, string, []string) error { return ErrReadOnly }

// RemovePolicyCtx refuses: see ErrReadOnly.
func (a *Adapter) RemovePolicyCtx(context.Context, string, string, []string) error {
	return ErrReadOnly
}

// RemoveFilteredPolicyCtx refuses: see ErrReadOnly.
func (a *Adapter) RemoveFilteredPolicyCtx(context.Context, string, string, int, ...string) error {
	return ErrReadOnly
}
