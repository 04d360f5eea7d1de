package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/excel"
	"github.com/anxin-city/anxin/registry"
)

// Exports: GET /exports/{entity}.xlsx with the filters of the entity's
// list answers the whole filtered list, in the caller's scope, as one
// .xlsx sheet with Chinese headers. Personal data is masked exactly as
// in the API output (the rows go through the same conversion as the
// list's items); money is in yuan.
//
// Every export runs the list query of its entity itself, so each scope
// rule and filter exists once. The rows never all sit in memory: the
// query is run in chunks of exportChunk rows, paged by key (after_id in id
// order; attendance after (date, worker) within its project, the
// attendance summary after (project, worker)), the list's sort parameter
// not applying, and without the total where the list computes it
// separately (skip_total / with_total; the small lists total with a window
// count, which a chunk of a small table recomputes cheaply). Towns and an
// enterprise's credit listings are not paged lists (a few dozen rows): they
// are read at once. All of it happens inside one REPEATABLE READ READ ONLY
// transaction (one consistent snapshot), and each row is handed to
// excel.Exporter, which encodes it at once and spills to a temporary
// file. Only then is the response
// started: a problem while reading (a database error, more rows than a
// sheet holds) is still answered as a JSON error. The zip is finally
// written straight into the response body by a body stream writer, so
// the finished file is never held in memory either.

// exportChunk is the number of rows read per round trip.
const exportChunk = 2000

var errExportTooLarge = &Error{Status: http.StatusUnprocessableEntity, Code: "export_too_large",
	Message: fmt.Sprintf("导出数据超过 Excel 单个工作表的上限（%d 行），请缩小筛选范围后分批导出", excel.MaxExportRows)}

// exportEmit writes one row (values in column order).
type exportEmit func(values ...any) error

// exportRun feeds every row of an export to emit, reading with q.
type exportRun func(ctx context.Context, q *dbq.Queries, emit exportEmit) error

// exportSpec is one exportable list.
type exportSpec struct {
	entity   string // in the path: /exports/{entity}.xlsx, and the file's ASCII name
	path     string // overrides the path (relative to /api/v1) when the list has path parameters
	title    string // Chinese sheet and file name
	listPath string // the list route whose filters apply
	notes    string // added to the summary
	// params overrides the description of some list parameters.
	params map[string]string
	cols   []excel.Column
	// prepare reads and checks the filters (answering 400 before anything
	// is read) and returns the reading of the rows.
	prepare func(c *fiber.Ctx) (exportRun, error)
}

func (s *Server) exportSpecs() []exportSpec {
	return []exportSpec{
		{entity: "enterprises", title: "企业名单", listPath: "/enterprises", cols: enterpriseExportCols, prepare: s.exportEnterprises},
		{entity: "projects", title: "项目名单", listPath: "/projects", cols: projectExportCols, prepare: s.exportProjects},
		{entity: "teams", title: "班组名单", listPath: "/teams", cols: teamExportCols, prepare: s.exportTeams},
		{entity: "workers", title: "工人名单", listPath: "/workers", cols: workerExportCols, prepare: s.exportWorkers},
		{entity: "employments", title: "用工名单", listPath: "/employments", cols: employmentExportCols, prepare: s.exportEmployments},
		{entity: "attendance", title: "考勤记录", listPath: "/attendance", cols: attendanceExportCols, prepare: s.exportAttendance,
			notes:  "; project_id, date_from and date_to are required for every caller (range at most 366 days)",
			params: map[string]string{"project_id": "required (for workers too)"}},
		{entity: "payroll-lines", title: "工资明细", listPath: "/payroll-lines", cols: payrollLineExportCols, prepare: s.exportPayrollLines},
		{entity: "work-records", title: "记工记录", listPath: "/work-records", cols: workRecordExportCols, prepare: s.exportWorkRecords},
		{entity: "safety-homes", title: "安薪之家", listPath: "/safety-homes", cols: safetyHomeExportCols, prepare: s.exportSafetyHomes},
		{entity: "towns", title: "镇街名单", listPath: "/towns", cols: townExportCols, prepare: s.exportTowns},
		{entity: "credit-listings", path: "/exports/enterprises/:id/credit-listings.xlsx", title: "企业信用名单",
			listPath: "/enterprises/:id/credit-listings", cols: creditListingExportCols, prepare: s.exportCreditListings},
		{entity: "attendance-summary", title: "考勤汇总", listPath: "/attendance/summary", cols: attendanceSummaryExportCols,
			prepare: s.exportAttendanceSummary},
		{entity: "payroll-sheets", title: "工资表", listPath: "/payroll-sheets", cols: payrollSheetExportCols, prepare: s.exportPayrollSheets},
		{entity: "wage-accounts", title: "工资专用账户", listPath: "/wage-accounts", cols: wageAccountExportCols, prepare: s.exportWageAccounts,
			notes: "; account numbers masked as in the list"},
		{entity: "labour-cost-transfers", title: "人工费用拨付", listPath: "/labour-cost-transfers", cols: transferExportCols,
			prepare: s.exportTransfers},
		{entity: "wage-deposits", title: "工资保证金", listPath: "/wage-deposits", cols: depositExportCols, prepare: s.exportDeposits},
		{entity: "wage-deposit-movements", title: "保证金收支", listPath: "/wage-deposit-movements", cols: movementExportCols,
			prepare: s.exportMovements},
		{entity: "safety-supervisors", title: "安薪监督员", listPath: "/safety-supervisors", cols: supervisorExportCols,
			prepare: s.exportSupervisors},
		{entity: "safety-activities", title: "安薪之家活动", listPath: "/safety-activities", cols: activityExportCols,
			prepare: s.exportActivities},
	}
}

func (s *Server) exportRoutes() {
	for _, sp := range s.exportSpecs() {
		path := sp.path
		if path == "" {
			path = "/exports/" + sp.entity + ".xlsx"
		}
		s.add(route{Method: "GET", Path: path, Perm: s.permOf("GET", sp.listPath), Tag: "excel",
			Summary: fmt.Sprintf("Export the list GET %s (same filters and scope; personal data masked) as .xlsx, streamed, "+
				"in key order; the row count is in the X-Export-Rows header%s", sp.listPath, sp.notes),
			Query: s.listFilters(sp.listPath, sp.params), Produces: xlsxMIME, Handler: s.exportHandler(sp)})
	}
}

// permOf is the permission of a registered route (an export needs what
// its list needs).
func (s *Server) permOf(method, path string) string {
	for _, r := range s.routes {
		if r.Method == method && r.Path == path {
			return r.Perm
		}
	}
	panic("api: no route " + method + " " + path)
}

// listFilters returns the query parameters of a list route without
// paging and sorting, with the descriptions in desc. The list route must
// be registered already.
func (s *Server) listFilters(path string, desc map[string]string) []param {
	for _, r := range s.routes {
		if r.Method != "GET" || r.Path != path {
			continue
		}
		var out []param
		for _, p := range r.Query {
			if p.Name == "page" || p.Name == "page_size" || p.Name == "sort" {
				continue
			}
			if d, ok := desc[p.Name]; ok {
				p.Desc = d
			}
			out = append(out, p)
		}
		return out
	}
	panic("api: export of " + path + " registered before its list route")
}

func (s *Server) exportHandler(sp exportSpec) fiber.Handler {
	return func(c *fiber.Ctx) error {
		run, err := sp.prepare(c)
		if err != nil {
			return err
		}
		e, err := excel.NewExporter(sp.title, sp.cols)
		if err != nil {
			return err
		}
		streaming := false
		defer func() {
			if !streaming {
				_ = e.Close()
			}
		}()
		if err := s.exportRows(c.UserContext(), run, e); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, xlsxMIME)
		setAttachment(c, fmt.Sprintf("%s_%s.xlsx", sp.title, s.today().Format("20060102")), sp.entity+".xlsx")
		c.Set(fiber.HeaderCacheControl, "no-store")
		c.Set("X-Export-Rows", strconv.Itoa(e.Rows()))
		streaming = true
		log, path := s.deps.Logger, c.Path()
		c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
			// Finish writes the zip into w and releases the exporter (also
			// when w fails because the client went away).
			if err := e.Finish(w); err != nil {
				log.Warn("export: writing the response failed", "path", path, "err", err)
			}
		})
		return nil
	}
}

// exportRows runs the export's reading in one read-only snapshot.
func (s *Server) exportRows(ctx context.Context, run exportRun, e *excel.Exporter) error {
	tx, err := s.deps.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	return run(ctx, db.QTx(tx), func(values ...any) error {
		err := e.WriteRow(values...)
		if errors.Is(err, excel.ErrTooManyRows) {
			return errExportTooLarge
		}
		return err
	})
}

// exportByID reads an export in chunks of exportChunk rows, in id order:
// fetch returns the rows with an id above after, id reads a row's id and
// values its cells (in the order of the columns).
func exportByID[R any](fetch func(ctx context.Context, q *dbq.Queries, after int64) ([]R, error),
	id func(R) int64, values func(R) []any) exportRun {
	return func(ctx context.Context, q *dbq.Queries, emit exportEmit) error {
		var after int64
		for {
			rows, err := fetch(ctx, q, after)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := emit(values(r)...); err != nil {
					return err
				}
			}
			if len(rows) < exportChunk {
				return nil
			}
			after = id(rows[len(rows)-1])
		}
	}
}

// Export columns. Headers are Chinese and, where an import template has
// the same column, the same as the template's.
func col(key, header string, kind excel.Kind, width float64) excel.Column {
	return excel.Column{Key: key, Header: header, Kind: kind, Width: width}
}

func enumCol(key, header string, e registry.Enum) excel.Column {
	return excel.Column{Key: key, Header: header, Kind: excel.Enum, Enum: enumValues(e)}
}

var employmentStatuses = registry.EmploymentStatuses

var (
	idCol       = col("id", "编号", excel.Int, 10)
	activeCol   = col("active", "是否有效", excel.Bool, 10)
	idNumberCol = col("id_number", "身份证号码", excel.Text, 22)

	enterpriseExportCols = []excel.Column{
		idCol,
		col("credit_code", "统一社会信用代码", excel.Text, 22),
		col("name", "企业名称", excel.Text, 30),
		enumCol("type", "企业类型", registry.EnterpriseTypes),
		col("town", "所属镇街", excel.Text, 14),
		col("legal_person", "法定代表人", excel.Text, 12),
		col("contact_name", "联系人", excel.Text, 12),
		col("contact_phone", "联系电话", excel.Text, 16),
		col("address", "地址", excel.Text, 30),
		activeCol,
		col("created", "登记日期", excel.Date, 12),
	}
	projectExportCols = []excel.Column{
		idCol,
		col("code", "项目编号", excel.Text, 14),
		col("name", "项目名称", excel.Text, 30),
		col("town", "所属镇街", excel.Text, 14),
		enumCol("industry", "行业", registry.Industries),
		col("builder", "建设单位", excel.Text, 26),
		col("contractor", "施工总承包单位", excel.Text, 26),
		col("contract_value", "合同金额(元)", excel.Money, 18),
		col("start_date", "开工日期", excel.Date, 12),
		col("planned_end_date", "计划竣工日期", excel.Date, 14),
		col("completed_on", "竣工日期", excel.Date, 12),
		enumCol("status", "项目状态", registry.ProjectStatuses),
		col("implemented", "六项制度已落实项数", excel.Int, 20),
		col("fully_implemented", "六项制度全部落实", excel.Bool, 18),
		col("address", "项目地址", excel.Text, 30),
		activeCol,
	}
	teamExportCols = []excel.Column{
		idCol,
		col("name", "班组名称", excel.Text, 16),
		col("project", "所属项目", excel.Text, 28),
		col("labour_firm", "劳务企业", excel.Text, 26),
		col("trade", "工种", excel.Text, 10),
		col("leader", "班组长", excel.Text, 10),
		col("on_site", "在场人数", excel.Int, 10),
		activeCol,
	}
	workerExportCols = []excel.Column{
		idCol,
		col("name", "姓名", excel.Text, 10),
		idNumberCol,
		enumCol("gender", "性别", registry.Genders),
		col("birth_date", "出生日期", excel.Date, 12),
		col("age", "年龄", excel.Int, 8),
		col("native_province", "籍贯", excel.Text, 14),
		col("phone", "手机号码", excel.Text, 14),
		col("bank_card", "银行卡号", excel.Text, 22),
		col("bank_name", "开户银行", excel.Text, 22),
		col("on_site", "是否在场", excel.Bool, 10),
		activeCol,
		col("created", "登记日期", excel.Date, 12),
	}
	employmentExportCols = []excel.Column{
		idCol,
		col("name", "姓名", excel.Text, 10),
		idNumberCol,
		col("project", "项目", excel.Text, 28),
		col("team", "班组", excel.Text, 14),
		col("trade", "工种", excel.Text, 10),
		col("entry_date", "进场日期", excel.Date, 12),
		col("exit_date", "退场日期", excel.Date, 12),
		col("exit_reason", "退场原因", excel.Text, 20),
		col("settled_on", "退场结算日期", excel.Date, 14),
		enumCol("status", "用工状态", employmentStatuses),
		col("contract_signed_on", "合同签订日期", excel.Date, 14),
		col("contract_confirmed", "工人已确认合同", excel.Bool, 16),
		col("daily_wage", "日工资(元)", excel.Money, 12),
	}
	attendanceExportCols = []excel.Column{
		col("work_date", "日期", excel.Date, 12),
		col("name", "姓名", excel.Text, 10),
		idNumberCol,
		col("team", "班组", excel.Text, 14),
		// Hours with two decimals: the Money kind is a number with two
		// decimals (the value is in hundredths of an hour).
		col("hours", "工时(小时)", excel.Money, 12),
		col("minutes", "出勤分钟", excel.Int, 10),
		enumCol("source", "来源", registry.AttendanceSources),
	}
	payrollLineExportCols = []excel.Column{
		idCol,
		col("month", "工资月份", excel.Text, 10),
		col("project", "项目", excel.Text, 28),
		col("name", "姓名", excel.Text, 10),
		idNumberCol,
		col("days_worked", "出勤天数", excel.Int, 10),
		col("amount_due", "应发工资(元)", excel.Money, 14),
		col("amount_paid", "实发工资(元)", excel.Money, 14),
		col("unpaid", "未发工资(元)", excel.Money, 14),
		col("paid_on", "发放日期", excel.Date, 12),
		col("transfer_ref", "银行流水号", excel.Text, 24),
		enumCol("paid_via", "发放方式", registry.PaidVia),
		enumCol("sheet_status", "工资表状态", registry.PayrollStatuses),
		enumCol("confirmation", "工人确认", registry.Confirmations),
		col("dispute_reason", "异议原因", excel.Text, 24),
	}
	workRecordExportCols = []excel.Column{
		idCol,
		col("work_date", "日期", excel.Date, 12),
		col("project", "项目", excel.Text, 28),
		col("name", "姓名", excel.Text, 10),
		idNumberCol,
		col("team", "班组", excel.Text, 14),
		col("item", "计量项目", excel.Text, 20),
		col("unit", "单位", excel.Text, 8),
		col("quantity", "数量", excel.Text, 12),
		col("amount", "金额(元)", excel.Money, 14),
		activeCol,
	}
	safetyHomeExportCols = []excel.Column{
		idCol,
		col("name", "名称", excel.Text, 26),
		col("town", "所属镇街", excel.Text, 14),
		col("project", "所在项目", excel.Text, 28),
		col("address", "地址", excel.Text, 30),
		col("established_on", "成立日期", excel.Date, 12),
		col("supervisors", "在岗监督员人数", excel.Int, 16),
		col("activities", "活动次数", excel.Int, 10),
		activeCol,
	}
)

// chinaDate is the calendar day of t in China (date cells take the date
// in the value's own location).
func chinaDate(t time.Time) time.Time { return t.In(chinaTime) }

// maskedIDNumber decrypts and masks an ID number as the worker API shows it.
func (s *Server) maskedIDNumber(enc []byte) string { return s.masked(kindIDNumber, enc) }

// milliText renders thousandths as a decimal ("12.5", "3").
func milliText(m int64) string {
	s := strconv.FormatFloat(float64(m)/1000, 'f', 3, 64)
	for s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

func (s *Server) exportEnterprises(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.EnterpriseListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		TownCode: queryText(c, "town_code"), Type: qe.enum(c, "type", registry.EnterpriseTypes),
		CreditKind: qe.enum(c, "credit_kind", registry.CreditKinds), Active: qe.boolean(c, "active"), Q: qe.like(c, "q"),
		Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.EnterpriseListRow, error) {
		arg.AfterID = &after
		return q.EnterpriseList(ctx, arg)
	}, func(r dbq.EnterpriseListRow) int64 { return r.Enterprise.ID }, func(r dbq.EnterpriseListRow) []any {
		e := s.enterpriseFrom(r.Enterprise)
		return []any{e.ID, e.CreditCode, e.Name, e.Type, r.TownName, e.LegalPerson, e.ContactName, e.ContactPhone,
			e.Address, e.Active, chinaDate(e.CreatedAt)}
	}), nil
}

func (s *Server) exportProjects(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.ProjectListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		TownCode: queryText(c, "town_code"), Status: qe.enum(c, "status", registry.ProjectStatuses),
		Industry: qe.enum(c, "industry", registry.Industries), BuilderID: qe.id(c, "builder_id"),
		ContractorID: qe.id(c, "contractor_id"), EnterpriseID: qe.id(c, "enterprise_id"), Active: qe.boolean(c, "active"),
		Q: qe.like(c, "q"), StartFrom: qe.date(c, "start_from"), StartTo: qe.date(c, "start_to"),
		WageSystemMissing: qe.enum(c, "wage_system_missing", registry.WageSystems), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.ProjectListRow, error) {
		arg.AfterID = &after
		return q.ProjectList(ctx, arg)
	}, func(r dbq.ProjectListRow) int64 { return r.Project.ID }, func(r dbq.ProjectListRow) []any {
		p := projectFrom(r.Project, r.BuilderName, r.ContractorName, int(r.ImplementedCount), int(r.ExemptCount))
		return []any{p.ID, p.Code, p.Name, r.TownName, p.Industry, p.BuilderName, p.ContractorName, p.ContractValueFen,
			p.StartDate.Time, p.PlannedEndDate.Time, r.Project.CompletedOn, p.Status, p.ImplementedCount, p.FullyImplemented,
			p.Address, p.Active}
	}), nil
}

func (s *Server) exportTeams(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.TeamListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), LabourFirmID: qe.id(c, "labour_firm_id"), Active: qe.boolean(c, "active"),
		Q: qe.like(c, "q"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.TeamListRow, error) {
		arg.AfterID = &after
		return q.TeamList(ctx, arg)
	}, func(r dbq.TeamListRow) int64 { return r.Team.ID }, func(r dbq.TeamListRow) []any {
		t := teamFrom(r)
		return []any{t.ID, t.Name, t.ProjectName, t.LabourFirmName, t.Trade, t.LeaderName, t.OnSiteCount, t.Active}
	}), nil
}

// exportWorkers reads the filters as workerList does and reads through
// the same list query (WorkerList, or WorkerListByEmployment when the
// scope or a filter concerns the employments), in id order, without the
// total.
func (s *Server) exportWorkers(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	f, err := s.parseWorkerFilter(c)
	if err != nil {
		return nil, err
	}
	values := func(w dbq.Worker, onSite bool) []any {
		o := s.workerFrom(w, onSite)
		return []any{o.ID, o.Name, o.IDNumber, o.Gender, o.BirthDate.Time, o.Age, o.NativeProvinceName, o.Phone,
			o.BankCard, o.BankName, o.OnSite, o.Active, chinaDate(o.CreatedAt)}
	}
	if f.byEmployment(sc) {
		arg := dbq.WorkerListByEmploymentParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), ProjectID: f.projectID, TeamID: f.teamID, TownCode: f.townCode, OnSite: f.onSite,
			IDNumberHash: f.idHash, PhoneHash: f.phoneHash, Gender: f.gender, NativeProvince: f.province,
			BornFrom: f.bornFrom, BornTo: f.bornTo, Active: f.active, Q: f.q, Lim: exportChunk}
		return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.WorkerListByEmploymentRow, error) {
			arg.AfterID = &after
			return q.WorkerListByEmployment(ctx, arg)
		}, func(r dbq.WorkerListByEmploymentRow) int64 { return r.Worker.ID }, func(r dbq.WorkerListByEmploymentRow) []any {
			return values(r.Worker, r.OnSite)
		}), nil
	}
	arg := dbq.WorkerListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), IDNumberHash: f.idHash, PhoneHash: f.phoneHash,
		Gender: f.gender, NativeProvince: f.province, BornFrom: f.bornFrom, BornTo: f.bornTo, Active: f.active,
		Q: f.q, Lim: exportChunk}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.WorkerListRow, error) {
		arg.AfterID = &after
		return q.WorkerList(ctx, arg)
	}, func(r dbq.WorkerListRow) int64 { return r.Worker.ID }, func(r dbq.WorkerListRow) []any {
		return values(r.Worker, r.OnSite)
	}), nil
}

func (s *Server) exportEmployments(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.EmploymentListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), WorkerID: qe.id(c, "worker_id"), TeamID: qe.id(c, "team_id"),
		OnSite: qe.boolean(c, "on_site"), ContractSigned: qe.boolean(c, "contract_signed"), UnsettledExits: qe.boolean(c, "unsettled_exits"),
		EntryFrom: qe.date(c, "entry_from"), EntryTo: qe.date(c, "entry_to"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.EmploymentListRow, error) {
		arg.AfterID = &after
		return q.EmploymentList(ctx, arg)
	}, func(r dbq.EmploymentListRow) int64 { return r.Employment.ID }, func(r dbq.EmploymentListRow) []any {
		e := employmentFrom(r)
		x := r.Employment
		return []any{e.ID, e.WorkerName, s.maskedIDNumber(r.IDNumberEnc), e.ProjectName, e.TeamName, e.Trade, x.EntryDate,
			x.ExitDate, e.ExitReason, x.SettledOn, e.Status, x.ContractSignedOn, e.ContractConfirmedAt != nil, e.DailyWageFen}
	}), nil
}

// exportAttendance reads the filters as attendanceList does, except that
// the project is required for every caller: the keyset (work_date,
// worker_id) is unique, and the order of the primary key, within one
// project.
func (s *Server) exportAttendance(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	f, err := parseAttendanceFilter(c, true)
	if err != nil {
		return nil, err
	}
	arg := dbq.AttendanceListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), DateFrom: f.from, DateTo: f.to, ProjectID: f.project, WorkerID: f.worker, TeamID: f.team,
		Lim: exportChunk}
	return func(ctx context.Context, q *dbq.Queries, emit exportEmit) error {
		for {
			rows, err := q.AttendanceList(ctx, arg)
			if err != nil {
				return err
			}
			for _, r := range rows {
				a := attendanceFrom(r.Attendance, r.WorkerName)
				if err := emit(a.WorkDate.Time, a.WorkerName, s.maskedIDNumber(r.IDNumberEnc), r.TeamName, hundredthsOfHour(int64(a.Minutes)),
					a.Minutes, a.Source); err != nil {
					return err
				}
			}
			if len(rows) < exportChunk {
				return nil
			}
			last := rows[len(rows)-1].Attendance
			arg.AfterDate, arg.AfterWorker = &last.WorkDate, last.WorkerID
		}
	}, nil
}

// hundredthsOfHour converts minutes to hundredths of an hour, rounded
// (shown with two decimals in a Money column).
func hundredthsOfHour(minutes int64) int64 { return (minutes*100 + 30) / 60 }

func (s *Server) exportPayrollLines(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.PayrollLineListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), SheetID: qe.id(c, "sheet_id"), ProjectID: qe.id(c, "project_id"), WorkerID: qe.id(c, "worker_id"),
		Confirmation: qe.enum(c, "confirmation", registry.Confirmations), Unpaid: deref(qe.boolean(c, "unpaid")), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.PayrollLineListRow, error) {
		arg.AfterID = &after
		return q.PayrollLineList(ctx, arg)
	}, func(r dbq.PayrollLineListRow) int64 { return r.PayrollLine.ID }, func(r dbq.PayrollLineListRow) []any {
		l := payrollLineFrom(r)
		return []any{l.ID, l.Month, r.ProjectName, l.WorkerName, s.maskedIDNumber(r.IDNumberEnc), l.DaysWorked, l.AmountDueFen,
			l.AmountPaidFen, l.UnpaidFen, r.PayrollLine.PaidOn, l.TransferRef, l.PaidVia, l.SheetStatus, l.Confirmation,
			l.DisputeReason}
	}), nil
}

func (s *Server) exportWorkRecords(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.WorkRecordListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), ProjectID: qe.id(c, "project_id"), WorkerID: qe.id(c, "worker_id"), TeamID: qe.id(c, "team_id"),
		DateFrom: qe.date(c, "date_from"), DateTo: qe.date(c, "date_to"), Active: qe.boolean(c, "active"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.WorkRecordListRow, error) {
		arg.AfterID = &after
		return q.WorkRecordList(ctx, arg)
	}, func(r dbq.WorkRecordListRow) int64 { return r.WorkRecord.ID }, func(r dbq.WorkRecordListRow) []any {
		w := workRecordFrom(r.WorkRecord, r.WorkerName)
		return []any{w.ID, w.WorkDate.Time, r.ProjectName, w.WorkerName, s.maskedIDNumber(r.IDNumberEnc), r.TeamName, w.Item,
			w.Unit, milliText(w.QuantityMilli), w.AmountFen, w.Active}
	}), nil
}

func (s *Server) exportSafetyHomes(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.SafetyHomeListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		TownCode: queryText(c, "town_code"), ProjectID: qe.id(c, "project_id"), Active: qe.boolean(c, "active"),
		Q: qe.like(c, "q"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.SafetyHomeListRow, error) {
		arg.AfterID = &after
		return q.SafetyHomeList(ctx, arg)
	}, func(r dbq.SafetyHomeListRow) int64 { return r.SafetyHome.ID }, func(r dbq.SafetyHomeListRow) []any {
		h := safetyHomeFrom(r.SafetyHome, r.SupervisorCount, r.ActivityCount)
		return []any{h.ID, h.Name, r.TownName, r.ProjectName, h.Address, h.EstablishedOn.Time, h.SupervisorCount,
			h.ActivityCount, h.Active}
	}), nil
}

// Exports of the smaller lists. Their list queries total with a window
// count, which each 2,000-row chunk recomputes: the tables are small
// (towns and credit listings tens of rows, sheets, accounts, transfers,
// deposits and the safety-home lists thousands to tens of thousands), so
// that costs a few milliseconds per chunk and keeps one query per list.

var (
	townExportCols = []excel.Column{
		col("code", "镇街代码", excel.Text, 14),
		col("name", "镇街名称", excel.Text, 16),
		col("sort_order", "排序", excel.Int, 8),
		activeCol,
	}
	creditListingExportCols = []excel.Column{
		idCol,
		col("enterprise", "企业名称", excel.Text, 30),
		enumCol("kind", "名单类型", registry.CreditKinds),
		col("listed_on", "列入日期", excel.Date, 12),
		col("removed_on", "移出日期", excel.Date, 12),
		col("current", "是否在列", excel.Bool, 10),
		col("authority", "认定机关", excel.Text, 24),
		col("reason", "列入事由", excel.Text, 30),
	}
	attendanceSummaryExportCols = []excel.Column{
		col("project_id", "项目编号", excel.Int, 10),
		col("worker_id", "工人编号", excel.Int, 10),
		col("name", "姓名", excel.Text, 10),
		col("days", "出勤天数", excel.Int, 10),
		col("hours", "工时(小时)", excel.Money, 12), // hundredths of an hour, as in the attendance export
		col("minutes", "出勤分钟", excel.Int, 10),
		col("first_date", "首次出勤日期", excel.Date, 14),
		col("last_date", "末次出勤日期", excel.Date, 14),
	}
	payrollSheetExportCols = []excel.Column{
		idCol,
		col("month", "工资月份", excel.Text, 10),
		col("project", "项目", excel.Text, 28),
		enumCol("status", "工资表状态", registry.PayrollStatuses),
		col("line_count", "人数", excel.Int, 8),
		col("due", "应发合计(元)", excel.Money, 16),
		col("paid", "实发合计(元)", excel.Money, 16),
		col("confirmed", "已确认人数", excel.Int, 12),
		col("submitted", "提交日期", excel.Date, 12),
		col("note", "备注", excel.Text, 24),
	}
	wageAccountExportCols = []excel.Column{
		idCol,
		col("project", "项目", excel.Text, 28),
		col("bank_name", "开户银行", excel.Text, 22),
		col("account_name", "账户名称", excel.Text, 26),
		col("account_no", "账号", excel.Text, 26),
		col("opened_on", "开户日期", excel.Date, 12),
		col("closed_on", "销户日期", excel.Date, 12),
		activeCol,
	}
	transferExportCols = []excel.Column{
		idCol,
		col("month", "所属月份", excel.Text, 10),
		col("project", "项目", excel.Text, 28),
		col("account_id", "专户编号", excel.Int, 10),
		col("amount", "拨付金额(元)", excel.Money, 16),
		col("transferred_on", "拨付日期", excel.Date, 12),
		col("reference", "银行流水号", excel.Text, 24),
		activeCol,
	}
	depositExportCols = []excel.Column{
		idCol,
		col("project", "项目", excel.Text, 28),
		enumCol("form", "缴存形式", registry.DepositForms),
		col("required", "应缴金额(元)", excel.Money, 16),
		col("amount", "余额(元)", excel.Money, 16),
		col("shortfall", "差额(元)", excel.Money, 14),
		col("bank_name", "存储银行/出具机构", excel.Text, 22),
		col("reference", "凭证编号", excel.Text, 22),
		col("paid_on", "缴存日期", excel.Date, 12),
		col("expires_on", "到期日期", excel.Date, 12),
		enumCol("status", "状态", registry.DepositStatuses),
	}
	movementExportCols = []excel.Column{
		idCol,
		col("deposit_id", "保证金编号", excel.Int, 12),
		col("project", "项目", excel.Text, 28),
		enumCol("kind", "类型", registry.DepositMovementKinds),
		col("amount", "金额(元)", excel.Money, 16),
		col("occurred_on", "发生日期", excel.Date, 12),
		col("reference", "凭证编号", excel.Text, 22),
		col("note", "备注", excel.Text, 24),
	}
	supervisorExportCols = []excel.Column{
		idCol,
		col("name", "姓名", excel.Text, 10),
		col("phone", "联系电话", excel.Text, 16),
		col("party_member", "是否党员", excel.Bool, 10),
		col("home", "所属安薪之家", excel.Text, 26),
		col("town", "所属镇街", excel.Text, 14),
		activeCol,
	}
	activityExportCols = []excel.Column{
		idCol,
		col("held_on", "活动日期", excel.Date, 12),
		col("title", "活动主题", excel.Text, 28),
		enumCol("kind", "活动类型", registry.ActivityKinds),
		col("participants", "参加人数", excel.Int, 10),
		col("home", "所属安薪之家", excel.Text, 26),
		col("town", "所属镇街", excel.Text, 14),
		col("description", "活动内容", excel.Text, 40),
		activeCol,
	}
)

// chinaDatePtr is chinaDate of an optional timestamp.
func chinaDatePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := chinaDate(*t)
	return &d
}

// exportTowns reads the town list at once: it is not paged (a few dozen
// rows) and keeps the list's order (sort_order, code).
func (s *Server) exportTowns(c *fiber.Ctx) (exportRun, error) {
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.TownListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Active: qe.boolean(c, "active"), Q: qe.like(c, "q")}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, q *dbq.Queries, emit exportEmit) error {
		rows, err := q.TownList(ctx, arg)
		if err != nil {
			return err
		}
		for _, t := range rows {
			o := townFrom(t)
			if err := emit(o.Code, o.Name, o.SortOrder, o.Active); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// exportCreditListings exports the credit listings of one enterprise as
// its list does: the enterprise must be in scope (else 404, answered
// before the file is started), and the listings are read at once in the
// list's order (a handful of rows).
func (s *Server) exportCreditListings(c *fiber.Ctx) (exportRun, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, q *dbq.Queries, emit exportEmit) error {
		e, err := enterpriseGetScoped(c, q, id)
		if err != nil {
			return err
		}
		rows, err := q.EnterpriseCreditListingList(ctx, id)
		if err != nil {
			return err
		}
		for _, r := range rows {
			l := creditListingFrom(r)
			if err := emit(l.ID, e.Name, l.Kind, r.ListedOn, r.RemovedOn, l.Current, l.Authority, l.Reason); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// exportAttendanceSummary reads the filters as attendanceSummary does and
// pages by (project_id, worker_id), the list's default order.
func (s *Server) exportAttendanceSummary(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	project, month, team := qe.id(c, "project_id"), qe.month(c, "month"), qe.id(c, "team_id")
	qe.required("project_id", project != nil || sc.Level() == db.LevelWorker)
	qe.required("month", month != nil)
	if err := qe.err(); err != nil {
		return nil, err
	}
	arg := dbq.AttendanceSummaryParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		MonthFirst: *month, MonthLast: lastOfMonth(*month), ProjectID: project, TeamID: team, Lim: exportChunk}
	return func(ctx context.Context, q *dbq.Queries, emit exportEmit) error {
		for {
			rows, err := q.AttendanceSummary(ctx, arg)
			if err != nil {
				return err
			}
			for _, r := range rows {
				if err := emit(r.ProjectID, r.WorkerID, r.WorkerName, r.Days, hundredthsOfHour(r.Minutes), r.Minutes,
					r.FirstDate, r.LastDate); err != nil {
					return err
				}
			}
			if len(rows) < exportChunk {
				return nil
			}
			last := rows[len(rows)-1]
			arg.AfterProject, arg.AfterWorker = &last.ProjectID, last.WorkerID
		}
	}, nil
}

func (s *Server) exportPayrollSheets(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.PayrollSheetListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), MonthFrom: qe.month(c, "month_from"), MonthTo: qe.month(c, "month_to"),
		Status: qe.enum(c, "status", registry.PayrollStatuses), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.PayrollSheetListRow, error) {
		arg.AfterID = &after
		return q.PayrollSheetList(ctx, arg)
	}, func(r dbq.PayrollSheetListRow) int64 { return r.PayrollSheet.ID }, func(r dbq.PayrollSheetListRow) []any {
		o := payrollSheetFrom(r.PayrollSheet, r.LineCount, r.DueFen, r.PaidFen, r.ConfirmedCount)
		return []any{o.ID, o.Month, r.ProjectName, o.Status, o.LineCount, o.DueFen, o.PaidFen, o.ConfirmedCount,
			chinaDatePtr(o.SubmittedAt), o.Note}
	}), nil
}

func (s *Server) exportWageAccounts(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.WageAccountListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), TownCode: queryText(c, "town_code"), Active: qe.boolean(c, "active"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.WageAccountListRow, error) {
		arg.AfterID = &after
		return q.WageAccountList(ctx, arg)
	}, func(r dbq.WageAccountListRow) int64 { return r.WageAccount.ID }, func(r dbq.WageAccountListRow) []any {
		a := wageAccountFrom(r.WageAccount, true) // masked, as the list shows it
		return []any{a.ID, r.ProjectName, a.BankName, a.AccountName, a.AccountNo, r.WageAccount.OpenedOn, r.WageAccount.ClosedOn,
			a.Active}
	}), nil
}

func (s *Server) exportTransfers(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.LabourCostTransferListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), AccountID: qe.id(c, "account_id"), ProjectID: qe.id(c, "project_id"),
		MonthFrom: qe.month(c, "month_from"), MonthTo: qe.month(c, "month_to"), Active: qe.boolean(c, "active"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.LabourCostTransferListRow, error) {
		arg.AfterID = &after
		return q.LabourCostTransferList(ctx, arg)
	}, func(r dbq.LabourCostTransferListRow) int64 { return r.LabourCostTransfer.ID }, func(r dbq.LabourCostTransferListRow) []any {
		t := transferFrom(r.LabourCostTransfer, r.ProjectID)
		return []any{t.ID, t.Month, r.ProjectName, t.AccountID, t.AmountFen, t.TransferredOn.Time, t.Reference, t.Active}
	}), nil
}

func (s *Server) exportDeposits(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.WageDepositListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), TownCode: queryText(c, "town_code"), Status: qe.enum(c, "status", registry.DepositStatuses),
		Form: qe.enum(c, "form", registry.DepositForms), Short: deref(qe.boolean(c, "short")), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.WageDepositListRow, error) {
		arg.AfterID = &after
		return q.WageDepositList(ctx, arg)
	}, func(r dbq.WageDepositListRow) int64 { return r.WageDeposit.ID }, func(r dbq.WageDepositListRow) []any {
		d := depositFrom(r.WageDeposit)
		return []any{d.ID, r.ProjectName, d.Form, d.RequiredFen, d.AmountFen, d.ShortfallFen, d.BankName, d.Reference,
			r.WageDeposit.PaidOn, r.WageDeposit.ExpiresOn, d.Status}
	}), nil
}

// exportMovements reads the movement list in id order (sort "id", which
// only the export uses: the list's default order is by date).
func (s *Server) exportMovements(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.WageDepositMovementListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), DepositID: qe.id(c, "deposit_id"), ProjectID: qe.id(c, "project_id"),
		Kind: qe.enum(c, "kind", registry.DepositMovementKinds), DateFrom: qe.date(c, "date_from"), DateTo: qe.date(c, "date_to"),
		Sort: "id", Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.WageDepositMovementListRow, error) {
		arg.AfterID = &after
		return q.WageDepositMovementList(ctx, arg)
	}, func(r dbq.WageDepositMovementListRow) int64 { return r.WageDepositMovement.ID }, func(r dbq.WageDepositMovementListRow) []any {
		m := movementFrom(r.WageDepositMovement, r.ProjectID)
		return []any{m.ID, m.DepositID, r.ProjectName, m.Kind, m.AmountFen, m.OccurredOn.Time, m.Reference, m.Note}
	}), nil
}

func (s *Server) exportSupervisors(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.SafetySupervisorListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), HomeID: qe.id(c, "home_id"), TownCode: queryText(c, "town_code"),
		PartyMember: qe.boolean(c, "party_member"), Active: qe.boolean(c, "active"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.SafetySupervisorListRow, error) {
		arg.AfterID = &after
		return q.SafetySupervisorList(ctx, arg)
	}, func(r dbq.SafetySupervisorListRow) int64 { return r.SafetySupervisor.ID }, func(r dbq.SafetySupervisorListRow) []any {
		o := s.supervisorFrom(r.SafetySupervisor, r.TownCode) // phone masked, as in the list
		return []any{o.ID, o.Name, o.Phone, o.PartyMember, r.HomeName, r.TownName, o.Active}
	}), nil
}

func (s *Server) exportActivities(c *fiber.Ctx) (exportRun, error) {
	sc := scopeOf(c)
	var qe queryErrs
	arg := dbq.SafetyActivityListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), HomeID: qe.id(c, "home_id"), TownCode: queryText(c, "town_code"),
		Kind: qe.enum(c, "kind", registry.ActivityKinds), DateFrom: qe.date(c, "date_from"), DateTo: qe.date(c, "date_to"),
		Active: qe.boolean(c, "active"), Lim: exportChunk}
	if err := qe.err(); err != nil {
		return nil, err
	}
	return exportByID(func(ctx context.Context, q *dbq.Queries, after int64) ([]dbq.SafetyActivityListRow, error) {
		arg.AfterID = &after
		return q.SafetyActivityList(ctx, arg)
	}, func(r dbq.SafetyActivityListRow) int64 { return r.SafetyActivity.ID }, func(r dbq.SafetyActivityListRow) []any {
		a := activityFrom(r.SafetyActivity, r.TownCode)
		return []any{a.ID, a.HeldOn.Time, a.Title, a.Kind, a.Participants, r.HomeName, r.TownName, a.Description, a.Active}
	}), nil
}
