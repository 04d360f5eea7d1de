package db_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/pii"
	"github.com/anxin-city/anxin/seed"
)

func TestScope(t *testing.T) {
	t.Parallel()
	town, ent, proj, worker := "330101", int64(2), int64(1), int64(6)

	zero := db.Scope{}
	assert.False(t, zero.Valid())
	assert.False(t, zero.IsCity())
	assert.Equal(t, "", zero.Level())
	assert.Equal(t, "none", zero.String())

	city := db.CityScope()
	assert.True(t, city.Valid())
	assert.True(t, city.IsCity())
	assert.Equal(t, [2]string{"city", ""}, [2]string{city.Level(), city.Key()})

	sc := db.TownScope(town)
	got, ok := sc.TownCode()
	assert.True(t, ok)
	assert.Equal(t, town, got)
	assert.Equal(t, [2]string{"town", town}, [2]string{sc.Level(), sc.Key()})
	_, ok = sc.EnterpriseID()
	assert.False(t, ok, "a town scope has no enterprise")
	assert.False(t, sc.IsCity())

	for _, c := range []struct {
		sc    db.Scope
		level string
		get   func(db.Scope) (int64, bool)
	}{
		{db.EnterpriseScope(ent), db.LevelEnterprise, db.Scope.EnterpriseID},
		{db.ProjectScope(proj), db.LevelProject, db.Scope.ProjectID},
		{db.WorkerScope(worker), db.LevelWorker, db.Scope.WorkerID},
	} {
		assert.True(t, c.sc.Valid(), c.level)
		assert.Equal(t, c.level, c.sc.Level())
		id, ok := c.get(c.sc)
		assert.True(t, ok, c.level)
		assert.Equal(t, c.sc.Key(), strconv.FormatInt(id, 10))
		_, ok = c.sc.TownCode()
		assert.False(t, ok, c.level)
	}

	// Constructors refuse what is not a key: the zero scope.
	assert.Equal(t, zero, db.TownScope(""))
	assert.Equal(t, zero, db.EnterpriseScope(0))
	assert.Equal(t, zero, db.WorkerScope(-3))

	// An account's binding: none is the city, one is its level, more is
	// no scope at all.
	assert.Equal(t, city, db.BindingScope(nil, nil, nil, nil))
	assert.Equal(t, db.TownScope(town), db.BindingScope(&town, nil, nil, nil))
	assert.Equal(t, db.EnterpriseScope(ent), db.BindingScope(nil, &ent, nil, nil))
	assert.Equal(t, db.ProjectScope(proj), db.BindingScope(nil, nil, &proj, nil))
	assert.Equal(t, db.WorkerScope(worker), db.BindingScope(nil, nil, nil, &worker))
	assert.Equal(t, zero, db.BindingScope(&town, &ent, nil, nil))
	empty := ""
	assert.Equal(t, zero, db.BindingScope(&empty, nil, nil, nil))
}

// unscopedReads are the queries that read the city's rows (a list, or a
// get of a table in scopedTables) without the scope parameters, each
// with the reason it may. Everything else that reads those tables takes
// scope_level and scope_key (TestListQueriesAreScoped).
var unscopedReads = map[string]string{
	// sign-in and the caller's own session and account
	"AccountForLogin":       "sign-in: the account a login names, before there is a caller",
	"AccountUsernameTaken":  "login names are unique city-wide",
	"WorkerForRegistration": "a worker registers against their record by ID number and phone, before there is a caller",
	"SessionLookup":         "the guard resolves the session token into the caller",
	"SessionListLive":       "the caller's own sessions, by the session's account id",
	// writes that follow a scoped get of the same row or its parent
	"WageDepositLock":        "locks a deposit after depositGetScoped",
	"PayrollSheetLock":       "locks a sheet after payrollSheetGetScoped",
	"CaseTaskForAssign":      "locks a task after taskGetScoped (CaseTaskList)",
	"CaseTasksOfAssignee":    "reassignment: each task found is then checked with taskInScope",
	"CaseTaskAssignable":     "whether the target account belongs to the task's office, after taskInScope",
	"TeamRef":                "a team a write names, after the project was found in scope",
	"TeamLeaderEligible":     "whether a leader is on site on a project found in scope",
	"LabourEmploymentCheck":  "employments of projects already found by LabourProjectsInScope",
	"ProjectEnterpriseGet":   "a party a project write names (type and active only)",
	"ProjectWageSystemList":  "the wage systems of a project read through projectGetScoped",
	"ProjectWageSystemGet":   "a wage system of a project read through projectGetScoped",
	"WorkerByIDNumberHash":   "whoever holds the full ID number may name the worker (to enter them on a project)",
	"ImportWorkersByHashes":  "as WorkerByIDNumberHash, for a roster's ID numbers",
	"ImportTeamsOfProject":   "the teams of a project found in scope (projectGetScoped) for an import",
	"ImportOpenEmployments":  "the open employments on a project found in scope for an import",
	"ImportPayrollSheetLock": "the sheet of a project found in scope for an import",
	// children read after their parent was found in scope
	"EnterpriseCreditListingList": "after enterpriseGetScoped",
	"EnterpriseCreditListingGet":  "after enterpriseGetScoped, narrowed to that enterprise",
	"EvidenceGet":                 "then its case is checked with leadGetScoped, warningGetScoped or dispatchGetScoped",
	"EvidenceForUpdate":           "then its case is checked with leadGetScoped, warningGetScoped or dispatchGetScoped",
	"EvidenceListOfCase":          "after the case's scoped get (leadGetScoped, warningGetScoped, dispatchGetScoped)",
	"EvidenceCountOfCase":         "after the case's scoped get (an upload's limit)",
	"EvidenceCompleteOfCase":      "evidence of a case found in scope (an action's evidence_ids)",
	"LeadEvents":                  "after leadGetScoped",
	"LeadClaimantsOfLead":         "after leadGetScoped (the detail's lines; a merge's lead found in scope)",
	"LeadClaimantOfWorker":        "intake: the reporting worker's line on the open lead intake links to",
	"LeadClaimantsForStart":       "the start of a recorded lead's workflow (intake, the stalled sweep), not a caller's read",
	"WorkersWithAccount":          "intake: whether the claimants found in scope use the app",
	// dispatches: what follows a scoped DispatchList, and the workflows' own
	"DispatchTownsOf":             "the towns' parts of dispatches the caller's DispatchList answered",
	"DispatchEvents":              "after DispatchList narrowed to the dispatch",
	"DispatchStalledWithRecorder": "the stalled-case sweep (the platform's own, no caller)",
	"WarningStalled":              "the stalled-case sweep (the platform's own, no caller)",
	"DispatchSeq":                 "the projection's step number of a dispatch",
	"DispatchOfLeadStep":          "the lead workflow's own supervision dispatch (activities.RecordLeadDispatch, no caller)",
	"DispatchOpenOfLead":          "the lead workflow's own check for an open supervision dispatch (no caller)",
	// warnings: the workflows' own
	"WarningSeq":             "the projection's step number of a warning",
	"WarningEvents":          "after WarningList narrowed to the warning",
	"WarningOpenOfRules":     "the warning scan (the platform's own, no caller)",
	"WarningProjectTowns":    "the warning scan: the town of a hit's project",
	"WarningEnterpriseTowns": "the warning scan: the town of a hit's enterprise",
	// lead intake and the workflows' own look-ups
	"LeadOpenFor":                       "intake links a report to the worker's open lead on the project",
	"LeadByExternal":                    "import from the national platform is idempotent by external id (city only)",
	"LeadGetRaw":                        "the workflows' projection and intake, not a caller's read",
	"LeadSeq":                           "the projection's step number of a lead",
	"LoginKnownClient":                  "sign-in: whether the account signed in from this address before (no caller yet)",
	"ProjectIDByCode":                   "a project id by its code (import), then read through the scoped ProjectList",
	"ProjectHasParty":                   "whether an enterprise takes part in a lead's project (who may be ordered to rectify)",
	"WorkerAsReporter":                  "intake: the reporting worker (the caller's own id) or a worker named by ID number",
	"TownActive":                        "intake: whether the town a lead is sent to is active",
	"LeadStalledWithProjectAndRecorder": "the API's background start of stalled leads, not a caller's read",
	"LeadsForRecount":                   "the calendar recount's fan-out (a worker activity) signals every open lead, not a caller's read",
	"DispatchesForRecount":              "the calendar recount's fan-out (a worker activity) signals every open dispatch, not a caller's read",
	"WarningsForRecount":                "the calendar recount's fan-out (a worker activity) signals every open warning, not a caller's read",
	// the consistency check (anxin cases check)
	"ReconcileLeadPage":      "anxin cases check reads the whole projection",
	"ReconcileDispatches":    "anxin cases check reads the whole projection",
	"ReconcileDispatch":      "anxin cases check reads the whole projection",
	"ReconcileDispatchTowns": "anxin cases check reads the whole projection",
	"ReconcileDispatchTasks": "anxin cases check reads the whole projection",
	"ReconcileDispatchSeqs":  "anxin cases check reads the whole projection",
	"ReconcileWarnings":      "anxin cases check reads the whole projection",
	"ReconcileWarning":       "anxin cases check reads the whole projection",
	"ReconcileWarningTasks":  "anxin cases check reads the whole projection",
	"ReconcileWarningSeqs":   "anxin cases check reads the whole projection",
	"ReconcileOpenTasks":     "anxin cases check reads the whole projection",
	"ReconcileEventSeqs":     "anxin cases check reads the whole projection",
	// notifications (package notify): per account, and the projections' own
	"NotificationList":      "the caller's own notifications, by the caller's account id (like SessionListLive)",
	"NotifyTaskRef":         "the projection's own look-up of the task its step just wrote (no caller)",
	"NotifyTaskReminders":   "the projection's own reminders of its case's tasks, before its step (no caller)",
	"NotifyWorkerPhone":     "the projection texts the worker a case step is for (no caller; the phone stays encrypted)",
	"NotifyReporterPhone":   "the projection texts the reporter of its lead (no caller; the phone stays encrypted)",
	"NotifyEnterprisePhone": "the projection texts an order to the enterprise of its case (no caller; the phone stays encrypted)",
	"SmsOutboxList":         "the city's delivery log (permission sms-outbox:read, city roles only; phones masked)",
	// lists that hold no domain rows
	"AuditLogList":     "the system log: only auditors (a city role) read it",
	"CalendarDays":     "the working-day calendar is the same for everyone",
	"CalendarYears":    "the working-day calendar is the same for everyone",
	"CalendarYearDays": "the working-day calendar is the same for everyone",
	"CasePolicyList":   "case policies are city-wide settings",
	// the warning rules (rules package): definitions are city-wide
	// settings; the rule queries are the system's scan over the whole
	// city (and the city supervisor's dry-run), each hit carrying its
	// project for the warning's own scope
	"WarningRuleCurrentList": "warning rules are city-wide settings",
	"RulePayrollUnpaid":      "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RulePayRatio":           "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleBelowMinimumWage":   "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleTransferGap":        "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleDepositMissing":     "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleDepositNotToppedUp": "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleExitUnsettled":      "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleNoticeBoardMissing": "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleContractUnsigned":   "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleNoAttendance":       "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"RuleGroupArrears":       "the warning scan evaluates the city (a system task, or a city supervisor's dry-run)",
	"WarningRuleTownsKnown":  "whether the towns a rule is limited to exist (a city setting)",
	"WarningHitProjects":     "names the hits of a dry-run (a city supervisor's, city-wide)",
	"WarningHitEnterprises":  "names the hits of a dry-run (a city supervisor's, city-wide)",
	"WarningHitEmployments":  "names the hits of a dry-run (a city supervisor's, city-wide)",
}

// scopedTables hold rows that belong to a town, enterprise, project or
// worker: a read of one of them takes the scope or is in unscopedReads.
var scopedTables = strings.Fields(`towns enterprises enterprise_credit_listings projects project_wage_systems
	teams workers employments attendance work_records payroll_sheets payroll_lines wage_accounts
	labour_cost_transfers wage_deposits wage_deposit_movements safety_homes safety_supervisors
	safety_activities accounts sessions leads lead_claimants lead_events case_tasks evidence_files dispatches dispatch_towns
	dispatch_events warnings warning_events`)

// sqlQuery is one named query of queries/*.sql.
type sqlQuery struct {
	name, file string
	read       bool     // a SELECT (or WITH … SELECT)
	tables     []string // the scoped tables it reads
}

var (
	listName  = regexp.MustCompile(`List(?:[A-Z]|$)`) // XList, XListByY; not XListing
	sqlName   = regexp.MustCompile(`(?m)^-- name: (\w+) :\w+\n`)
	sqlTables = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)`)
)

// sqlQueries reads the named queries of queries/*.sql.
func sqlQueries(t *testing.T) []sqlQuery {
	t.Helper()
	files, err := filepath.Glob("../queries/*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	scoped := map[string]bool{}
	for _, s := range scopedTables {
		scoped[s] = true
	}
	var out []sqlQuery
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		src := string(b)
		idx := sqlName.FindAllStringSubmatchIndex(src, -1)
		for i, m := range idx {
			end := len(src)
			if i+1 < len(idx) {
				end = idx[i+1][0]
			}
			var code []string
			for _, l := range strings.Split(src[m[1]:end], "\n") {
				if !strings.HasPrefix(strings.TrimSpace(l), "--") {
					code = append(code, l)
				}
			}
			body := strings.TrimSpace(strings.Join(code, "\n"))
			first := strings.ToUpper(strings.SplitN(body+" ", " ", 2)[0])
			first = strings.TrimSpace(strings.SplitN(first, "\n", 2)[0])
			q := sqlQuery{name: src[m[2]:m[3]], file: filepath.Base(f), read: first == "SELECT" || first == "WITH"}
			seen := map[string]bool{}
			for _, tm := range sqlTables.FindAllStringSubmatch(body, -1) {
				if tb := strings.ToLower(tm[1]); scoped[tb] && !seen[tb] {
					seen[tb] = true
					q.tables = append(q.tables, tb)
				}
			}
			out = append(out, q)
		}
	}
	return out
}

// scopedMethod is a query method of dbq.Queries whose parameters carry
// the row scope.
type scopedMethod struct {
	name   string
	fn     reflect.Value
	params reflect.Type
}

var queriesType = reflect.TypeFor[*dbq.Queries]()

// hasScope reports whether a method's parameter struct has the scope
// fields, and what that struct is.
func hasScope(m reflect.Method) (reflect.Type, bool) {
	ft := m.Type // receiver, ctx, params
	if ft.NumIn() != 3 || ft.In(2).Kind() != reflect.Struct {
		return nil, false
	}
	p := ft.In(2)
	lvl, ok1 := p.FieldByName("ScopeLevel")
	key, ok2 := p.FieldByName("ScopeKey")
	return p, ok1 && ok2 && lvl.Type.Kind() == reflect.String && key.Type.Kind() == reflect.String
}

func scopedMethods(q *dbq.Queries) []scopedMethod {
	var out []scopedMethod
	v := reflect.ValueOf(q)
	for i := range queriesType.NumMethod() {
		m := queriesType.Method(i)
		if p, ok := hasScope(m); ok {
			out = append(out, scopedMethod{name: m.Name, fn: v.Method(i), params: p})
		}
	}
	return out
}

// TestListQueriesAreScoped fails for a list or get query that reads the
// city's rows without the scope parameters and is not on the list of
// deliberately unscoped reads: every method named …List…, and every
// SELECT of queries/*.sql that reads a table of scopedTables.
func TestListQueriesAreScoped(t *testing.T) {
	t.Parallel()
	methods := map[string]reflect.Method{}
	scoped := map[string]bool{}
	for i := range queriesType.NumMethod() {
		m := queriesType.Method(i)
		methods[m.Name] = m
		_, scoped[m.Name] = hasScope(m)
	}
	queries := sqlQueries(t)
	var missing []string
	need := func(name, why string) {
		if scoped[name] {
			return
		}
		if _, ok := unscopedReads[name]; ok {
			return
		}
		missing = append(missing, name+" ("+why+")")
	}
	for name := range methods {
		if listName.MatchString(name) {
			need(name, "a list")
		}
	}
	for _, q := range queries {
		_, ok := methods[q.name]
		require.True(t, ok, "query %s of %s has no method in dbq: run bin/sqlc generate", q.name, q.file)
		if q.read && len(q.tables) > 0 {
			need(q.name, q.file+" reads "+strings.Join(q.tables, ", "))
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "queries without @scope_level/@scope_key (see queries/projects.sql), "+
		"or add them to unscopedReads with the reason they may read unscoped")

	// The allow-list stays true: every entry is a query, and unscoped.
	for name := range unscopedReads {
		_, ok := methods[name]
		assert.True(t, ok, "unscopedReads names %s, which is no query", name)
		assert.False(t, scoped[name], "%s takes the scope now: remove it from unscopedReads", name)
	}

	// Every query that declares the scope parameters is read by the test
	// below (a scope on a write would mean a write that skips it).
	for name, ok := range scoped {
		if !ok {
			continue
		}
		found := false
		for _, q := range queries {
			if q.name == name {
				found = true
				assert.True(t, q.read, "%s takes the scope but is not a SELECT", name)
			}
		}
		assert.True(t, found, "%s", name)
	}
}

// TestScopedQueriesRefuseWithoutScope runs every query that takes the
// scope on a city with rows in every table: with the zero db.Scope, an
// unknown level and malformed keys it must answer no rows (and no
// error); with the city scope it must answer rows (so the first half can
// fail); and with a real key of each level it must run.
func TestScopedQueriesRefuseWithoutScope(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	keys := populate(t, pool)
	q := dbq.New(pool)
	methods := scopedMethods(q)
	require.GreaterOrEqual(t, len(methods), 23, "the scoped queries (reflection found too few)")

	refused := []struct {
		name       string
		level, key string
	}{
		{"ZeroScope", db.Scope{}.Level(), db.Scope{}.Key()},
		{"UnknownLevel", "nation", ""},
		{"CityMisspelt", "City", ""},
		{"TownWithoutKey", "town", ""},
		{"TownUnknown", "town", "999999"},
		{"EnterpriseNotANumber", "enterprise", "2 OR true"},
		{"ProjectEmptyKey", "project", ""},
		{"WorkerTooLong", "worker", "123456789012345678901234567890"},
		{"WorkerNegative", "worker", "-1"},
	}
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			for _, c := range refused {
				n, err := runScoped(ctx, m, c.level, c.key)
				require.NoError(t, err, c.name)
				assert.Zero(t, n, "%s: %s with scope_level %q, scope_key %q answered rows", m.name, c.name, c.level, c.key)
			}
			city := db.CityScope()
			n, err := runScoped(ctx, m, city.Level(), city.Key())
			require.NoError(t, err)
			assert.Positive(t, n, "%s with the city scope answered no rows: the refusals above prove nothing", m.name)
			for _, sc := range keys {
				_, err := runScoped(ctx, m, sc.Level(), sc.Key())
				require.NoError(t, err, sc.String())
			}
		})
	}
}

// runScoped calls a scoped query with the given scope and every other
// parameter at its widest: filters nil, limits large, date ranges over
// every year, id arrays covering every row. It answers the number of
// rows.
func runScoped(ctx context.Context, m scopedMethod, level, key string) (int, error) {
	p := reflect.New(m.params).Elem()
	for i := range m.params.NumField() {
		f, v := m.params.Field(i), p.Field(i)
		switch {
		case f.Name == "ScopeLevel":
			v.SetString(level)
		case f.Name == "ScopeKey":
			v.SetString(key)
		case f.Name == "WithTotal":
			v.SetBool(true)
		case f.Type == reflect.TypeFor[time.Time]():
			switch {
			case strings.HasSuffix(f.Name, "From") || strings.HasSuffix(f.Name, "First"):
				v.Set(reflect.ValueOf(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)))
			case strings.HasSuffix(f.Name, "To") || strings.HasSuffix(f.Name, "Last"):
				v.Set(reflect.ValueOf(time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)))
			default:
				v.Set(reflect.ValueOf(time.Now()))
			}
		case f.Type.Kind() == reflect.Int32 && (f.Name == "Lim" || strings.HasSuffix(f.Name, "Limit")):
			v.SetInt(1 << 20)
		case f.Type == reflect.TypeFor[[]int64]():
			ids := make([]int64, 10000)
			for j := range ids {
				ids[j] = int64(j + 1)
			}
			v.Set(reflect.ValueOf(ids))
		}
	}
	out := m.fn.Call([]reflect.Value{reflect.ValueOf(ctx), p})
	if err, _ := out[1].Interface().(error); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, nil
		}
		return 0, err
	}
	if out[0].Kind() == reflect.Slice {
		return out[0].Len(), nil
	}
	return 1, nil
}

// populate loads the demo city (every registry and labour table) and adds
// what it lacks: an enterprise account and a lead with an open town task.
// It answers a real scope of each level.
func populate(t *testing.T, pool *pgxpool.Pool) []db.Scope {
	t.Helper()
	ctx := context.Background()
	keys, err := pii.New(pii.GenerateKey())
	require.NoError(t, err)
	_, err = seed.Run(ctx, pool, seed.Options{Scale: seed.ScaleDemo, Keys: keys})
	require.NoError(t, err)

	var town string
	var project, contractor, worker int64
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT p.town_code, p.id, p.contractor_id, e.worker_id
		FROM projects p JOIN employments e ON e.project_id = p.id
		ORDER BY p.id, e.id LIMIT 1`).Scan(&town, &project, &contractor, &worker))
	_, err = pool.Exec(ctx, `INSERT INTO accounts (username, display_name, role, enterprise_id, password_hash)
		VALUES ('scope.test', 'scope test', 'enterprise_user', $1, 'x')`, contractor)
	require.NoError(t, err)

	q := dbq.New(pool)
	now := time.Now()
	lead, err := q.LeadInsert(ctx, dbq.LeadInsertParams{Source: "worker_app", WorkerID: &worker, ReporterName: "工人",
		ProjectID: &project, AmountClaimedFen: 100000, WorkersClaimed: 1, Description: "欠薪", ReceivedAt: now})
	require.NoError(t, err)
	_, err = q.LeadProjectState(ctx, dbq.LeadProjectStateParams{ID: lead.ID, Seq: 1, Status: "dispatched",
		TownCode: &town, Supervision: "none", At: now})
	require.NoError(t, err)
	require.NoError(t, q.CaseTaskUpsert(ctx, dbq.CaseTaskUpsertParams{LeadID: lead.ID, Key: "accept", Kind: "accept",
		Actor: "town", TownCode: &town, OpenedSeq: 1, OpenedAt: now}))
	line, err := q.LeadClaimantInsert(ctx, dbq.LeadClaimantInsertParams{LeadID: lead.ID, WorkerID: &worker, Name: "工人",
		AmountOwedFen: 100000})
	require.NoError(t, err)
	seq := int32(1)
	require.NoError(t, q.LeadClaimantsProject(ctx, dbq.LeadClaimantsProjectParams{LeadID: lead.ID, Seq: &seq, At: now,
		Ids: []int64{line}, Statuses: []string{"open"}, Apps: []bool{true}, Owed: []int64{100000}, Recovered: []int64{-1},
		MovedFrom: []int64{0}}))
	var city int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT id FROM accounts ORDER BY id LIMIT 1`).Scan(&city))
	d, err := q.DispatchInsert(ctx, dbq.DispatchInsertParams{Title: "专项检查", Instructions: "请排查", Level: "supervised",
		DueDays: 5, CreatedBy: city})
	require.NoError(t, err)
	require.NoError(t, q.DispatchTownInsert(ctx, dbq.DispatchTownInsertParams{DispatchID: d.ID, TownCode: town}))
	require.NoError(t, q.DispatchTaskUpsert(ctx, dbq.DispatchTaskUpsertParams{DispatchID: &d.ID, Key: "report", Kind: "dispatch_report",
		Actor: "town", TownCode: &town, OpenedSeq: 1, OpenedAt: now}))

	_, err = q.WarningInsert(ctx, dbq.WarningInsertParams{RuleCode: "payroll_unpaid", RuleVersion: 1, Level: "orange",
		SubjectKind: "project", ProjectID: &project, EnterpriseID: &contractor, TownCode: &town, Period: "2026-01",
		Figures: []byte(`{}`), Key: "payroll_unpaid/project:" + strconv.FormatInt(project, 10) + "/2026-01"})
	require.NoError(t, err)

	for _, table := range scopedTables {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n))
		if table != "sessions" && table != "lead_events" && table != "evidence_files" && table != "enterprise_credit_listings" &&
			table != "dispatch_events" && table != "warning_events" {
			require.Positive(t, n, "populate left %s empty", table)
		}
	}
	return []db.Scope{db.TownScope(town), db.EnterpriseScope(contractor), db.ProjectScope(project), db.WorkerScope(worker)}
}
