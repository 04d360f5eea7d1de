package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/auth"
	"github.com/anxin-city/anxin/pii"
)

// DemoPassword is the password of every demo account. Demo accounts are
// flagged in the database and refused by an API that is not in dev mode
// (`anxin dev`), so this well-known password opens nothing in production.
const DemoPassword = "Demo@2026"

// DemoAccount is one well-known account of the demo city.
type DemoAccount struct {
	Username    string
	DisplayName string
	Role        string
	// Bound is what the account is bound to, for the README ("" for city).
	Bound string
}

// EnsureDemoAccounts creates the demo city's accounts for every level
// when they are missing (it is idempotent) and returns them: the city's
// supervisor, account administrator and auditor; an officer of the demo
// town; a user of the demo project's general contractor; the demo
// project's labour manager; and a worker on the demo project, whose login
// name is their mobile number.
func EnsureDemoAccounts(ctx context.Context, pool *pgxpool.Pool, keys *pii.Keyring) ([]DemoAccount, error) {
	var projectID, contractorID int64
	err := pool.QueryRow(ctx, `SELECT id, contractor_id FROM projects WHERE code = ANY($1) ORDER BY code LIMIT 1`,
		[]string{DemoProjectCode, "PRJ-00001"}).Scan(&projectID, &contractorID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("seed: demo accounts: no demo project %s", DemoProjectCode)
	}
	if err != nil {
		return nil, fmt.Errorf("seed: demo accounts: %w", err)
	}
	var workerID int64
	var workerName string
	var phoneEnc []byte
	err = pool.QueryRow(ctx, `
		SELECT w.id, w.name, w.phone_enc FROM employments e JOIN workers w ON w.id = e.worker_id
		WHERE e.project_id = $1 AND e.exit_date IS NULL AND w.active AND w.phone_enc IS NOT NULL
		ORDER BY w.id LIMIT 1`, projectID).Scan(&workerID, &workerName, &phoneEnc)
	if err != nil {
		return nil, fmt.Errorf("seed: demo accounts: a worker on the demo project: %w", err)
	}
	phone, err := keys.Decrypt(pii.KindPhone, phoneEnc)
	if err != nil {
		return nil, fmt.Errorf("seed: demo accounts: worker phone: %w", err)
	}
	hash, err := auth.HashPassword(ctx, DemoPassword)
	if err != nil {
		return nil, err
	}
	type binding struct {
		town              *string
		ent, proj, worker *int64
	}
	town := DemoTownCode
	accounts := []struct {
		DemoAccount
		b binding
	}{
		{DemoAccount{"demo.supervisor", "演示·市级监管人员", "city_supervisor", ""}, binding{}},
		{DemoAccount{"demo.admin", "演示·市级账号管理员", "city_admin", ""}, binding{}},
		{DemoAccount{"demo.auditor", "演示·市级审计员", "city_auditor", ""}, binding{}},
		{DemoAccount{"demo.town", "演示·" + DemoTownName + "监察员", "town_officer", "town " + DemoTownCode}, binding{town: &town}},
		{DemoAccount{"demo.enterprise", "演示·施工总承包企业", "enterprise_user", fmt.Sprintf("enterprise %d (general contractor of %s)", contractorID, DemoProjectCode)}, binding{ent: &contractorID}},
		{DemoAccount{"demo.pm", "演示·劳资专管员", "project_manager", "project " + DemoProjectCode}, binding{proj: &projectID}},
		{DemoAccount{phone, workerName, "worker", fmt.Sprintf("worker %d on %s", workerID, DemoProjectCode)}, binding{worker: &workerID}},
	}
	out := make([]DemoAccount, 0, len(accounts))
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if err := audit.SetActor(ctx, tx, audit.Actor{Username: "seed"}); err != nil {
		return nil, err
	}
	for _, a := range accounts {
		_, err := tx.Exec(ctx, `
			INSERT INTO accounts (username, display_name, role, town_code, enterprise_id, project_id, worker_id, password_hash, demo)
			SELECT $1, $2, $3, $4, $5, $6, $7, $8, true
			WHERE NOT EXISTS (SELECT 1 FROM accounts WHERE username = $1 OR ($7::bigint IS NOT NULL AND worker_id = $7))`,
			a.Username, a.DisplayName, a.Role, a.b.town, a.b.ent, a.b.proj, a.b.worker, hash)
		if err != nil {
			return nil, fmt.Errorf("seed: demo account %s: %w", a.Username, err)
		}
		out = append(out, a.DemoAccount)
	}
	return out, tx.Commit(ctx)
}
