// Package casetest builds the registry rows a case test needs — two towns,
// their enterprises, a project in each, a worker, and an account of every
// role that acts on a lead — directly in a test database, and records
// leads the way the API's intake does.
package casetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
)

// Fixture is the rows of one test database.
type Fixture struct {
	Pool *pgxpool.Pool
	// Town1 has Project1 (built by Builder1, contracted to Contractor1);
	// Town2 has Project2 (Contractor2).
	Town1, Town2              string
	Builder1, Contractor1     int64
	Contractor2               int64
	Project1, Project2        int64
	Worker, OtherWorker       int64
	City, Officer1, Officer1b cases.Actor
	Officer2                  cases.Actor
	Enterprise1, Enterprise2  cases.Actor
	Manager1                  cases.Actor
	WorkerActor, OtherActor   cases.Actor
}

// New fills pool (a migrated test database) with the fixture's rows.
func New(t testing.TB, pool *pgxpool.Pool) *Fixture {
	t.Helper()
	ctx := context.Background()
	f := &Fixture{Pool: pool, Town1: "330101", Town2: "330102"}
	exec := func(sql string, args ...any) {
		_, err := pool.Exec(ctx, sql, args...)
		require.NoError(t, err, sql)
	}
	id := func(sql string, args ...any) int64 {
		var v int64
		require.NoError(t, pool.QueryRow(ctx, sql, args...).Scan(&v), sql)
		return v
	}
	exec(`INSERT INTO towns (code, name) VALUES ($1, '上城街道'), ($2, '下城街道') ON CONFLICT DO NOTHING`, f.Town1, f.Town2)
	ent := func(code, name, typ, town string) int64 {
		return id(`INSERT INTO enterprises (credit_code, name, type, town_code) VALUES ($1, $2, $3, $4) RETURNING id`, code, name, typ, town)
	}
	f.Builder1 = ent("913301000000000001", "安城置业有限公司", "builder", f.Town1)
	f.Contractor1 = ent("913301000000000002", "安城建工集团有限公司", "general_contractor", f.Town1)
	f.Contractor2 = ent("913301000000000003", "下城建设有限公司", "general_contractor", f.Town2)
	proj := func(code, name, town string, builder, contractor int64) int64 {
		return id(`INSERT INTO projects (code, name, town_code, industry, builder_id, contractor_id, contract_value_fen,
			start_date, planned_end_date, status) VALUES ($1, $2, $3, 'housing', $4, $5, 100000000, '2026-01-01', '2027-12-31',
			'in_construction') RETURNING id`, code, name, town, builder, contractor)
	}
	f.Project1 = proj("CASE-0001", "安城花园一期", f.Town1, f.Builder1, f.Contractor1)
	f.Project2 = proj("CASE-0002", "下城学校", f.Town2, f.Builder1, f.Contractor2)
	worker := func(n int, name string) int64 {
		return id(`INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region)
			VALUES ($1, $2, $3, 'male', '1980-01-01', '51', '510100') RETURNING id`, name, []byte{byte(n)}, []byte(fmt.Sprintf("hash-%d", n)))
	}
	f.Worker = worker(1, "张三")
	f.OtherWorker = worker(2, "李四")
	account := func(username, name, role string, town *string, ent, proj, worker *int64) cases.Actor {
		acc := id(`INSERT INTO accounts (username, display_name, role, town_code, enterprise_id, project_id, worker_id, password_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'x') RETURNING id`, username, name, role, town, ent, proj, worker)
		a := cases.Actor{AccountID: acc, Name: name, Role: role, Domain: "city", IP: "192.0.2.10"}
		switch {
		case town != nil:
			a.TownCode, a.Domain = *town, "town:"+*town
		case ent != nil:
			a.EnterpriseID, a.Domain = *ent, fmt.Sprintf("ent:%d", *ent)
		case proj != nil:
			a.ProjectID, a.Domain = *proj, fmt.Sprintf("proj:%d", *proj)
		case worker != nil:
			a.WorkerID, a.Domain = *worker, fmt.Sprintf("worker:%d", *worker)
		}
		return a
	}
	f.City = account("city.sup", "市监管员", "city_supervisor", nil, nil, nil, nil)
	f.Officer1 = account("town1.a", "上城监察员甲", "town_officer", &f.Town1, nil, nil, nil)
	f.Officer1b = account("town1.b", "上城监察员乙", "town_officer", &f.Town1, nil, nil, nil)
	f.Officer2 = account("town2.a", "下城监察员", "town_officer", &f.Town2, nil, nil, nil)
	f.Enterprise1 = account("ent1.user", "安城建工劳资员", "enterprise_user", nil, &f.Contractor1, nil, nil)
	f.Enterprise2 = account("ent2.user", "下城建设劳资员", "enterprise_user", nil, &f.Contractor2, nil, nil)
	f.Manager1 = account("proj1.pm", "花园一期专管员", "project_manager", nil, nil, &f.Project1, nil)
	f.WorkerActor = account("13800000001", "张三", "worker", nil, nil, nil, &f.Worker)
	f.OtherActor = account("13800000002", "李四", "worker", nil, nil, nil, &f.OtherWorker)
	return f
}

// Lead is what a test reports.
type Lead struct {
	Source    cases.Source
	ProjectID int64 // 0: unknown project
	WorkerID  int64 // 0: no worker record
	Amount    int64
	Workers   int
	At        time.Time
	By        cases.Actor
}

// Record inserts the lead row as the API's intake does and returns its
// id, with the project's town and contractor (empty when none).
func (f *Fixture) Record(t testing.TB, l Lead) (id int64, town string, contractor int64) {
	t.Helper()
	ctx := context.Background()
	if l.Source == "" {
		l.Source = cases.SourceWorkerApp
	}
	if l.Workers == 0 {
		l.Workers = 1
	}
	var project, worker *int64
	if l.ProjectID != 0 {
		project = &l.ProjectID
		require.NoError(t, f.Pool.QueryRow(ctx, `SELECT town_code, contractor_id FROM projects WHERE id = $1`, l.ProjectID).Scan(&town, &contractor))
	}
	if l.WorkerID != 0 {
		worker = &l.WorkerID
	}
	var by *int64
	if l.By.AccountID != 0 {
		by = &l.By.AccountID
	}
	require.NoError(t, f.Pool.QueryRow(ctx, `INSERT INTO leads (source, worker_id, reporter_name, project_id, amount_claimed_fen,
		workers_claimed, description, received_at, received_by) VALUES ($1, $2, '张三', $3, $4, $5, '拖欠三个月工资', $6, $7) RETURNING id`,
		l.Source, worker, project, l.Amount, l.Workers, l.At, by).Scan(&id))
	return id, town, contractor
}
