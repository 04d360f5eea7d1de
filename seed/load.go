package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/audit"
)

// seedTables are the tables Run fills, in dependency order.
var seedTables = []string{
	"towns", "enterprises", "enterprise_credit_listings", "projects", "project_wage_systems",
	"workers", "teams", "employments", "wage_accounts", "labour_cost_transfers",
	"wage_deposits", "wage_deposit_movements", "payroll_sheets", "payroll_lines", "work_records",
	"attendance", "safety_homes", "safety_supervisors", "safety_activities",
}

// load writes everything in one transaction. To make COPY fast, the
// foreign keys and the secondary (non-constraint) indexes of the seeded
// tables are dropped at the start and recreated, from their catalogue
// definitions, at the end of the same transaction: the load is all or
// nothing, and the schema is exactly as it was (a test checks this).
// Primary keys and unique constraints stay in place throughout.
func (g *gen) load(ctx context.Context, pool *pgxpool.Pool) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("seed: acquire connection: %w", err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("seed: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	l := &loader{g: g, tx: tx}

	// Serialise concurrent seeders, then refuse a database with data.
	if _, err := tx.Exec(ctx, "LOCK TABLE towns IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("seed: lock towns (is the database migrated?): %w", err)
	}
	if table, err := firstNonEmpty(ctx, tx); err != nil {
		return err
	} else if table != "" {
		return fmt.Errorf("%w (table %s has rows)", ErrNotEmpty, table)
	}
	for _, s := range []string{
		"SET LOCAL maintenance_work_mem = '256MB'",
		"SET LOCAL work_mem = '64MB'",
		"SET LOCAL synchronous_commit = off",
		// No system-log entry per copied row: one summary (seed.load) below.
		"SET LOCAL anxin.audit_capture = 'off'",
	} {
		if _, err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("seed: %s: %w", s, err)
		}
	}
	if _, err := tx.Exec(ctx, "SELECT attendance_ensure_partitions($1, $2)", g.winStart.time(), g.today.time()); err != nil {
		return fmt.Errorf("seed: attendance partitions: %w", err)
	}

	// Dropping indexes and foreign keys needs ownership of the tables; a
	// role without it loads with them in place, only more slowly.
	t0 := time.Now()
	if _, err := tx.Exec(ctx, "SAVEPOINT seed_drop"); err != nil {
		return fmt.Errorf("seed: savepoint: %w", err)
	}
	restore, err := dropForLoad(ctx, tx)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42501": // insufficient_privilege
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT seed_drop"); err != nil {
			return fmt.Errorf("seed: rollback to savepoint: %w", err)
		}
		g.log.Warn("seed: not the owner of the tables; loading with indexes and foreign keys in place (slower)", "error", pgErr.Message)
		restore = nil
	case err != nil:
		return err
	}
	g.timing("drop indexes and foreign keys", int64(len(restore)), time.Since(t0))

	for _, step := range []func(context.Context) error{
		l.towns, l.enterprises, l.listings, l.projects, l.systems, l.workers, l.teams, l.employments,
		l.accounts, l.transfers, l.deposits, l.movements, l.payroll, l.workRecords, l.attendance, l.homes,
	} {
		if err := step(ctx); err != nil {
			return err
		}
	}

	for _, d := range restore {
		t := time.Now()
		if _, err := tx.Exec(ctx, d.create); err != nil {
			return fmt.Errorf("seed: restore %s: %w", d.name, err)
		}
		g.timing("restore "+d.name, 0, time.Since(t))
	}
	t0 = time.Now()
	if err := setSequences(ctx, tx); err != nil {
		return err
	}
	m := g.manifest
	if err := audit.Insert(ctx, tx, audit.Entry{
		Actor:  audit.Actor{Username: "seed"},
		Action: "seed.load", ObjectType: "seed", ObjectID: m.Scale,
		Detail: map[string]any{"scale": m.Scale, "seed": m.Seed, "now": m.Now, "counts": m.Counts},
	}); err != nil {
		return fmt.Errorf("seed: system log: %w", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("seed: commit: %w", err)
	}
	g.timing("restore sequences and commit", 0, time.Since(t0))

	// VACUUM as well as ANALYZE: it sets the visibility map, without which
	// index-only scans visit the heap until autovacuum gets round to the
	// freshly loaded tables.
	t0 = time.Now()
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(seedTables, ", ")); err != nil {
		return fmt.Errorf("seed: vacuum analyze: %w", err)
	}
	g.timing("vacuum analyze", 0, time.Since(t0))
	g.log.Info("seed: vacuumed and analyzed", "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

func firstNonEmpty(ctx context.Context, tx pgx.Tx) (string, error) {
	var parts []string
	for _, t := range seedTables {
		parts = append(parts, fmt.Sprintf("SELECT '%s' AS t WHERE EXISTS (SELECT 1 FROM %s)", t, t))
	}
	var table string
	err := tx.QueryRow(ctx, strings.Join(parts, " UNION ALL ")+" LIMIT 1").Scan(&table)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("seed: check that the database is empty: %w", err)
	}
	return table, nil
}

type restoreDDL struct{ name, create string }

// dropForLoad drops the foreign keys and the secondary indexes of the
// seeded tables and returns the statements that recreate them: indexes
// first, then foreign keys.
func dropForLoad(ctx context.Context, tx pgx.Tx) ([]restoreDDL, error) {
	const q = `
SELECT 0 AS ord, i.indexrelid::regclass::text, format('DROP INDEX %s', i.indexrelid::regclass),
       replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
FROM pg_index i
WHERE i.indrelid = ANY($1::text[]::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
UNION ALL
SELECT 1, c.conname::text, format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.contype = 'f' AND c.conparentid = 0 AND c.conrelid = ANY($1::text[]::regclass[])
ORDER BY 1, 2`
	rows, err := tx.Query(ctx, q, seedTables)
	if err != nil {
		return nil, fmt.Errorf("seed: read indexes and foreign keys: %w", err)
	}
	type item struct{ name, drop, create string }
	var items []item
	for rows.Next() {
		var ord int
		var it item
		if err := rows.Scan(&ord, &it.name, &it.drop, &it.create); err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("seed: read indexes and foreign keys: %w", err)
	}
	var restore []restoreDDL
	// drop foreign keys first (they may depend on nothing we drop, but
	// keep the reverse order of creation)
	for i := len(items) - 1; i >= 0; i-- {
		if _, err := tx.Exec(ctx, items[i].drop); err != nil {
			return nil, fmt.Errorf("seed: %s: %w", items[i].drop, err)
		}
	}
	for _, it := range items {
		restore = append(restore, restoreDDL{name: it.name, create: it.create})
	}
	return restore, nil
}

// identityTables have a GENERATED ALWAYS AS IDENTITY id, which COPY sets
// explicitly (COPY FROM always writes the identity values it is given).
var identityTables = []string{
	"enterprises", "enterprise_credit_listings", "projects", "workers", "teams", "employments",
	"wage_accounts", "labour_cost_transfers", "wage_deposits", "wage_deposit_movements",
	"payroll_sheets", "payroll_lines", "work_records", "safety_homes", "safety_supervisors", "safety_activities",
}

// setSequences moves every identity sequence past the ids loaded, so that
// the API's inserts get fresh ids.
func setSequences(ctx context.Context, tx pgx.Tx) error {
	for _, t := range identityTables {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) FROM %s", t, t)
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("seed: advance the id sequence of %s: %w", t, err)
		}
	}
	return nil
}

// loader copies the generated rows.
type loader struct {
	g  *gen
	tx pgx.Tx
}

// copy streams n rows into table; row fills the values of row i into v
// (the slice is reused: pgx encodes each row before asking for the next).
func (l *loader) copy(ctx context.Context, table string, cols []string, n int, row func(i int, v []any)) error {
	v := make([]any, len(cols))
	i := -1
	return l.copySource(ctx, table, cols, pgx.CopyFromFunc(func() ([]any, error) {
		i++
		if i >= n {
			return nil, nil
		}
		row(i, v)
		return v, nil
	}))
}

func (l *loader) copySource(ctx context.Context, table string, cols []string, src pgx.CopyFromSource) error {
	t := time.Now()
	n, err := l.tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
	if err != nil {
		return fmt.Errorf("seed: copy %s: %w", table, err)
	}
	l.g.manifest.Counts[table] += n
	l.g.timing("copy "+table, n, time.Since(t))
	l.g.log.Info("seed: copied", "table", table, "rows", n, "took", time.Since(t).Round(time.Millisecond))
	return nil
}

func nullInt(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (l *loader) towns(ctx context.Context) error {
	g := l.g
	return l.copy(ctx, "towns", []string{"code", "name", "outline", "sort_order"}, len(g.towns), func(i int, v []any) {
		t := &g.towns[i]
		v[0], v[1], v[2], v[3] = t.code, t.name, t.outline, int32(i+1)
	})
}

func (l *loader) enterprises(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "credit_code", "name", "type", "town_code", "legal_person", "contact_name", "contact_phone_enc", "contact_phone_hash", "address"}
	return l.copy(ctx, "enterprises", cols, len(g.ents), func(i int, v []any) {
		e := &g.ents[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9] = e.id, e.code, e.name, e.typ, e.town, e.legal, e.contact, e.phoneEnc, e.phoneHash, e.address
	})
}

func (l *loader) listings(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "enterprise_id", "kind", "listed_on", "removed_on", "authority", "reason"}
	return l.copy(ctx, "enterprise_credit_listings", cols, len(g.listings), func(i int, v []any) {
		x := &g.listings[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = x.id, x.ent, x.kind, x.listed.val(), x.removed.val(), x.authority, x.reason
	})
}

func (l *loader) projects(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "code", "name", "town_code", "industry", "builder_id", "contractor_id", "contract_value_fen",
		"start_date", "planned_end_date", "completed_on", "status", "address"}
	return l.copy(ctx, "projects", cols, len(g.projects), func(i int, v []any) {
		p := &g.projects[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = p.id, p.code, p.name, p.town, p.industry, p.builder, p.contractor
		v[7], v[8], v[9], v[10], v[11], v[12] = p.value, p.start.val(), p.plannedEnd.val(), p.completed.val(), p.status, p.address
	})
}

func (l *loader) systems(ctx context.Context) error {
	g := l.g
	cols := []string{"project_id", "system", "state", "evidence", "checked_on"}
	return l.copy(ctx, "project_wage_systems", cols, len(g.projects)*numSystems, func(i int, v []any) {
		p, s := &g.projects[i/numSystems], i%numSystems
		v[0], v[1], v[2], v[3], v[4] = p.id, systemCodes[s], p.systems[s], p.sysEvidence[s], p.sysChecked[s].val()
	})
}

func (l *loader) workers(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "name", "id_number_enc", "id_number_hash", "gender", "birth_date", "native_province", "native_region",
		"phone_enc", "phone_hash", "bank_card_enc", "bank_name"}
	return l.copy(ctx, "workers", cols, len(g.workers), func(i int, v []any) {
		w := &g.workers[i]
		gender := "female"
		if w.male {
			gender = "male"
		}
		v[0], v[1], v[2], v[3], v[4], v[5] = w.id, w.name, w.idEnc, w.idHash, gender, w.birth.val()
		v[6], v[7], v[8], v[9], v[10], v[11] = w.region[:2], w.region, w.phoneEnc, w.phoneHash, w.cardEnc, w.bank
	})
}

func (l *loader) teams(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "project_id", "labour_firm_id", "name", "trade", "leader_worker_id"}
	return l.copy(ctx, "teams", cols, len(g.teams), func(i int, v []any) {
		t := &g.teams[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = t.id, t.project, t.firm, t.name, trades[t.trade].worker, g.emps[t.leaderEmp].worker
	})
}

func (l *loader) employments(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "worker_id", "project_id", "team_id", "trade", "entry_date", "exit_date", "exit_reason",
		"settled_on", "contract_signed_on", "contract_confirmed_at", "daily_wage_fen"}
	return l.copy(ctx, "employments", cols, len(g.emps), func(i int, v []any) {
		e := &g.emps[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = e.id, e.worker, g.projects[e.pidx].id, g.teams[e.tidx].id, trades[e.trade].worker, e.entry.val()
		v[6], v[7], v[8], v[9], v[10], v[11] = e.exit.val(), nullStr(e.exitReason), e.settled.val(), e.signed.val(), nullTime(e.confirmed), e.wage
	})
}

func (l *loader) accounts(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "project_id", "bank_name", "account_name", "account_no", "opened_on", "closed_on"}
	return l.copy(ctx, "wage_accounts", cols, len(g.accounts), func(i int, v []any) {
		a := &g.accounts[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = a.id, a.project, a.bank, a.name, a.no, a.opened.val(), a.closed.val()
	})
}

func (l *loader) transfers(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "account_id", "month", "amount_fen", "transferred_on", "reference"}
	return l.copy(ctx, "labour_cost_transfers", cols, len(g.transfers), func(i int, v []any) {
		t := &g.transfers[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = t.id, t.account, t.month.first().val(), t.amount, t.on.val(), t.ref
	})
}

func (l *loader) deposits(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "project_id", "form", "required_fen", "amount_fen", "bank_name", "reference", "paid_on", "expires_on", "status"}
	return l.copy(ctx, "wage_deposits", cols, len(g.deposits), func(i int, v []any) {
		d := &g.deposits[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9] = d.id, d.project, d.form, d.required, d.amount, d.bank, d.ref, d.paid.val(), d.expires.val(), d.status
	})
}

func (l *loader) movements(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "deposit_id", "kind", "amount_fen", "occurred_on", "reference", "note"}
	return l.copy(ctx, "wage_deposit_movements", cols, len(g.movements), func(i int, v []any) {
		m := &g.movements[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = m.id, m.deposit, m.kind, m.amount, m.on.val(), m.ref, m.note
	})
}

func (l *loader) homes(ctx context.Context) error {
	g := l.g
	if err := l.copy(ctx, "safety_homes", []string{"id", "town_code", "project_id", "name", "address", "established_on"}, len(g.homes), func(i int, v []any) {
		h := &g.homes[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = h.id, h.town, nullInt(h.project), h.name, h.addr, h.established.val()
	}); err != nil {
		return err
	}
	if err := l.copy(ctx, "safety_supervisors", []string{"id", "home_id", "name", "phone_enc", "phone_hash", "party_member"}, len(g.supervisors), func(i int, v []any) {
		s := &g.supervisors[i]
		v[0], v[1], v[2], v[3], v[4], v[5] = s.id, s.home, s.name, s.phoneEnc, s.phoneHash, s.party
	}); err != nil {
		return err
	}
	return l.copy(ctx, "safety_activities", []string{"id", "home_id", "held_on", "title", "kind", "participants", "description"}, len(g.activities), func(i int, v []any) {
		a := &g.activities[i]
		v[0], v[1], v[2], v[3], v[4], v[5], v[6] = a.id, a.home, a.on.val(), a.title, a.kind, int32(a.participants), a.desc
	})
}
