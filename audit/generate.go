package audit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Generate appends n realistic entries to the chain, fast: a year of API
// accesses, row changes, logins and views of personal data by a few
// thousand accounts. The hashes are computed here and the rows copied
// straight into audit_log (not through audit_pending), the head moved in
// the same transaction. The entries start at start (zero: a year ago) or
// after the head's time, whichever is later, and are spread evenly up to
// now (one millisecond apart at least). A benchmark tool only: the
// entries are invented.
func Generate(ctx context.Context, pool *pgxpool.Pool, n int, start time.Time) error {
	if n <= 0 {
		return nil
	}
	now := time.Now().UTC()
	if start.IsZero() {
		start = now.AddDate(-1, 0, 0)
	}
	head, err := db.Q(pool).AuditHead(ctx)
	if err != nil {
		return fmt.Errorf("audit: generate: %w", err)
	}
	headAt := head.LastAt
	base := start.UTC().Truncate(time.Microsecond)
	if headAt != nil && headAt.After(base) {
		base = headAt.UTC()
	}
	step := now.Sub(base) / time.Duration(n)
	if step < time.Millisecond {
		step = time.Millisecond
	}
	end := base.Add(step * time.Duration(n))
	if err := db.Q(pool).AuditEnsurePartitions(ctx, dbq.AuditEnsurePartitionsParams{FromMonth: monthOf(base), ToMonth: monthOf(end)}); err != nil {
		return fmt.Errorf("audit: generate: partitions: %w", err)
	}

	raw, err := pool.Begin(ctx)
	if err != nil {
		return db.MapError(err)
	}
	tx := db.WrapTx(raw)
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	q := db.QTx(tx)
	if err := q.SetLocal(ctx, dbq.SetLocalParams{Name: "synchronous_commit", Value: "off"}); err != nil {
		return err
	}
	locked, err := q.AuditHeadForUpdate(ctx)
	if err != nil {
		return fmt.Errorf("audit: generate: lock head: %w", err)
	}
	if locked.LastAt != nil && locked.LastAt.After(base) { // moved since we looked
		base = locked.LastAt.UTC()
	}
	g := newGenerator(locked.LastID, locked.LastHash, base, step)
	copied, err := copyRows(ctx, tx, pgx.CopyFromFunc(func() ([]any, error) {
		if g.i >= n {
			return nil, nil
		}
		return g.next(), nil
	}))
	if err != nil {
		return fmt.Errorf("audit: generate: copy: %w", err)
	}
	if copied != int64(n) {
		return fmt.Errorf("audit: generate: copied %d of %d", copied, n)
	}
	if err := q.AuditHeadMove(ctx, dbq.AuditHeadMoveParams{LastID: g.rec.id, LastHash: g.prev[:], LastAt: g.at}); err != nil {
		return fmt.Errorf("audit: generate: move head: %w", err)
	}
	return tx.Commit(ctx)
}

type genRoute struct {
	action, objectType string
	withID             bool
	maxID              int
}

var genRoutes = []genRoute{
	{"GET /api/v1/projects", "projects", false, 0},
	{"GET /api/v1/projects/:id", "projects", true, 2000},
	{"GET /api/v1/workers", "workers", false, 0},
	{"GET /api/v1/workers/:id", "workers", true, 250000},
	{"GET /api/v1/employments", "employments", false, 0},
	{"GET /api/v1/attendance", "attendance", false, 0},
	{"GET /api/v1/payroll/sheets/:id", "payroll_sheets", true, 24000},
	{"GET /api/v1/enterprises/:id", "enterprises", true, 3000},
	{"GET /api/v1/towns", "towns", false, 0},
	{"PATCH /api/v1/projects/:id", "projects", true, 2000},
	{"POST /api/v1/projects/:id/imports/workers", "projects", true, 2000},
}

var genAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49",
	"Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36",
	"anxin-loadtest/1",
}

var genStatuses = []string{"in_construction", "stopped", "completed"}

// generator makes the rows of Generate. JSON values are written in the
// form jsonb prints them (keys by length, then bytes; ", " and ": "), so
// that the text hashed here is the text Postgres will print.
type generator struct {
	rnd   *rand.Rand
	i     int
	base  time.Time
	step  time.Duration
	at    time.Time
	prev  [HashSize]byte
	rec   record
	buf   []byte
	vals  []any
	reqID string
}

func newGenerator(headID int64, headHash []byte, base time.Time, step time.Duration) *generator {
	g := &generator{rnd: rand.New(rand.NewPCG(uint64(headID)+1, 0x616e78696e)), base: base, step: step, vals: make([]any, len(Columns))}
	copy(g.prev[:], headHash)
	g.rec.id = headID
	return g
}

func (g *generator) set(f int, v string) {
	g.rec.text[f] = []byte(v)
	g.rec.null[f] = false
	g.vals[2+f] = v
}

func (g *generator) setNull(f int) {
	g.rec.text[f] = nil
	g.rec.null[f] = true
	g.vals[2+f] = nil
}

func (g *generator) next() []any {
	r := g.rnd
	g.rec.id++
	jitter := time.Duration(r.Int64N(int64(g.step)))
	g.at = g.base.Add(g.step*time.Duration(g.i) + jitter).Truncate(time.Microsecond)
	g.i++
	g.rec.atMicros = g.at.UnixMicro()
	g.vals[0], g.vals[1] = g.rec.id, g.at

	acct := r.IntN(3000) + 1
	role, domain := genRole(acct)
	g.set(fAccountID, strconv.Itoa(acct))
	g.vals[2] = int64(acct)
	g.set(fUsername, fmt.Sprintf("u%05d", acct))
	g.set(fRole, role)
	g.set(fDomain, domain)
	g.set(fIP, fmt.Sprintf("10.%d.%d.%d", acct/250, acct%250, r.IntN(250)+1))
	g.set(fUserAgent, genAgents[acct%len(genAgents)])
	for f := fAction; f <= fDetail; f++ {
		g.setNull(f)
	}
	kind := r.IntN(100)
	if kind < 80 || g.reqID == "" {
		g.reqID = fmt.Sprintf("%016x", r.Uint64())
	}
	g.set(fRequestID, g.reqID)
	switch {
	case kind < 80: // an API access
		rt := genRoutes[r.IntN(len(genRoutes))]
		g.set(fAction, rt.action)
		g.set(fObjectType, rt.objectType)
		if rt.withID {
			g.set(fObjectID, strconv.Itoa(r.IntN(rt.maxID)+1))
		}
		status, outcome := 200, OutcomeOK
		switch x := r.IntN(1000); {
		case x < 20:
			status, outcome = 404, OutcomeDenied
		case x < 30:
			status, outcome = 403, OutcomeDenied
		case x < 40:
			status, outcome = 422, OutcomeFailed
		case x < 41:
			status, outcome = 500, OutcomeError
		}
		g.set(fOutcome, outcome)
		g.set(fStatus, strconv.Itoa(status))
		g.vals[2+fStatus] = int32(status)
		g.set(fDetail, fmt.Sprintf(`{"ms": %d}`, 2+r.IntN(120)))
	case kind < 88: // a project changed
		id := r.IntN(2000) + 1
		v := r.IntN(40) + 1
		g.set(fAction, "projects.update")
		g.set(fObjectType, "projects")
		g.set(fObjectID, strconv.Itoa(id))
		g.set(fOutcome, OutcomeOK)
		g.set(fOldValues, fmt.Sprintf(`{"id": %d, "status": "%s", "version": %d}`, id, genStatuses[v%3], v))
		g.set(fNewValues, fmt.Sprintf(`{"id": %d, "status": "%s", "version": %d}`, id, genStatuses[(v+1)%3], v+1))
	case kind < 95: // attendance recorded
		project, worker := r.IntN(2000)+1, r.IntN(250000)+1
		day := g.at.Format("2006-01-02")
		g.set(fAction, "attendance.insert")
		g.set(fObjectType, "attendance")
		g.set(fObjectID, fmt.Sprintf("%d/%s/%d", project, day, worker))
		g.set(fOutcome, OutcomeOK)
		g.set(fNewValues, fmt.Sprintf(`{"source": "device", "minutes": %d, "team_id": %d, "work_date": "%s", "worker_id": %d, "project_id": %d}`,
			420+r.IntN(8)*15, project*3+r.IntN(3), day, worker, project))
	case kind < 98: // a login
		g.set(fAction, "auth.login")
		g.set(fObjectType, "accounts")
		g.set(fObjectID, strconv.Itoa(acct))
		if r.IntN(10) == 0 {
			g.set(fOutcome, OutcomeFailed)
			g.set(fDetail, `{"reason": "bad_password"}`)
		} else {
			g.set(fOutcome, OutcomeOK)
			g.set(fDetail, `{"method": "password"}`)
		}
	default: // unmasked personal data viewed
		g.set(fAction, "GET /api/v1/workers/:id/personal")
		g.set(fObjectType, "workers")
		g.set(fObjectID, strconv.Itoa(r.IntN(250000)+1))
		g.set(fOutcome, OutcomeOK)
		g.set(fDetail, `{"unmasked": ["id_number", "phone"]}`)
	}
	g.buf = append(g.buf[:0], g.prev[:]...)
	g.buf = g.rec.encode(g.buf)
	h := sha256.Sum256(g.buf)
	prev := g.prev
	g.vals[17], g.vals[18] = prev[:], h[:]
	g.prev = h
	return g.vals
}

func genRole(acct int) (role, domain string) {
	switch {
	case acct <= 20:
		return "city_supervisor", "city"
	case acct <= 25:
		return "city_admin", "city"
	case acct <= 30:
		return "city_auditor", "city"
	case acct <= 150:
		return "town_officer", fmt.Sprintf("town:3301%02d", acct%12+1)
	case acct <= 1500:
		return "enterprise_user", fmt.Sprintf("ent:%d", acct*2)
	case acct <= 2500:
		return "project_manager", fmt.Sprintf("proj:%d", acct-1500)
	default:
		return "worker", fmt.Sprintf("worker:%d", acct*83)
	}
}
