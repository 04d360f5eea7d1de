package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/excel"
	"github.com/anxin-city/anxin/ident"
)

// Bulk imports from the Excel templates (templates.go) into one project:
// the roster (workers entering the project), attendance and the monthly
// payroll. Every import is all or nothing:
//
//  1. the upload is checked (at most 20 MB, an .xlsx) and every row is
//     converted and checked on its own (package excel, then the row rules
//     here: ID number, phone and bank card, dates, amounts, duplicates
//     within the file);
//  2. in one transaction, the rows are checked against the database with
//     one query per kind of look-up for all rows (teams by name, workers by
//     ID number, open employments, the employment on the date or in the
//     month);
//  3. only when no row has an error, everything is written in the same
//     transaction with one multi-row statement per table (unnest of
//     arrays), so that 10,000 rows take a few round trips, not 10,000.
//
// A file with any bad row is answered 422 import_invalid with the full
// report (every bad row with its row number, column and Chinese reason)
// and nothing is written; a database error while writing rolls everything
// back and is reported.

// maxImportBytes caps an uploaded file.
const maxImportBytes = 20 << 20

// importKeyBase tags the advisory-lock keys of imports ("IM" in the top
// bytes); the project id fills the rest.
const importKeyBase int64 = 0x494d << 48

// importFileIn documents the multipart form of an import.
type importFileIn struct {
	File string `json:"file" doc:"the filled-in .xlsx template (multipart form field \"file\", at most 20 MB)"`
}

type importOut struct {
	OK   bool `json:"ok"`
	Rows int  `json:"rows" doc:"data rows read, all written"`
	// Created and Updated count, for a roster: workers newly registered and
	// registered workers entered again (phone and bank card updated where
	// given); for attendance: new and corrected worker-days; for payroll:
	// new and replaced lines.
	Created        int      `json:"created" doc:"roster: workers newly registered; attendance: new worker-days; payroll: new lines"`
	Updated        int      `json:"updated" doc:"roster: registered workers entered (phone, bank card updated where given); attendance: corrected worker-days; payroll: replaced lines"`
	Employments    *int     `json:"employments,omitempty" doc:"roster: employments created, one per row"`
	SheetID        *int64   `json:"sheet_id,omitempty" doc:"payroll: the sheet written"`
	SheetCreated   *bool    `json:"sheet_created,omitempty" doc:"payroll: whether the sheet was created by this import"`
	IgnoredColumns []string `json:"ignored_columns,omitempty" doc:"headers of the file that match no column of the template (not imported)"`
}

func (s *Server) importRoutes() {
	s.add(route{Method: "POST", Path: "/projects/:id/imports/workers", Perm: "workers:write", Tag: "excel",
		Summary: "Import a roster (花名册): register new workers and enter every row's worker on the project; all rows or none",
		Body:    importFileIn{}, Consumes: "multipart/form-data", Out: importOut{}, Handler: s.importWorkers})
	s.add(route{Method: "POST", Path: "/projects/:id/imports/attendance", Perm: "attendance:write", Tag: "excel",
		Summary: "Import attendance (考勤) of the project's workers; existing worker-days are corrected; all rows or none",
		Body:    importFileIn{}, Consumes: "multipart/form-data", Out: importOut{}, Handler: s.importAttendance})
	s.add(route{Method: "POST", Path: "/projects/:id/imports/payroll", Perm: "payroll:write", Tag: "excel",
		Summary: "Import the project's payroll (工资表) of a month into its draft sheet (created when missing); all rows or none",
		Query:   []param{{Name: "month", Type: "string", Desc: "YYYY-MM, required; not after the current month"}},
		Body:    importFileIn{}, Consumes: "multipart/form-data", Out: importOut{}, Handler: s.importPayroll})
}

// importProject checks that the caller may import (not a worker) into the
// project of the path: in scope (else 404) and active.
func (s *Server) importProject(c *fiber.Ctx) (dbq.Project, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return dbq.Project{}, err
	}
	r, err := projectGetScoped(c, db.Q(s.deps.Pool), id)
	if err != nil {
		return dbq.Project{}, err
	}
	if !r.Project.Active {
		return dbq.Project{}, &Error{Status: http.StatusConflict, Code: "project_inactive", Message: "项目已停用，不能导入"}
	}
	return r.Project, nil
}

// parseUpload reads the multipart field "file" and parses it against tpl,
// calling fn for every row that converted.
func (s *Server) parseUpload(c *fiber.Ctx, tpl excel.Template, fn excel.RowFunc) (*excel.Report, error) {
	fh, err := c.FormFile("file")
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: "file_required", Message: "请上传要导入的 Excel 文件（表单字段 file）",
			Fields: map[string]string{"file": "必填"}}
	}
	if fh.Size > maxImportBytes {
		msg := fmt.Sprintf("文件大小超过上限 %d MB，请拆分后分批导入", maxImportBytes>>20)
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: excel.CodeFileTooLarge, Message: msg,
			Fields: map[string]string{"file": msg}}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, fmt.Errorf("open upload: %w", err)
	}
	defer func() { _ = f.Close() }()
	return excel.ParseContext(c.UserContext(), f, tpl, excel.Options{MaxBytes: maxImportBytes}, fn)
}

// parseRows parses the upload against tpl: row converts and checks one
// row that excel converted, adding its errors to errs; the rows without
// errors are returned in file order. A file that cannot be read at all is
// answered at once.
func parseRows[R any](s *Server, c *fiber.Ctx, tpl excel.Template, row func(rowNum int, rec excel.Record, errs *rowErrs) R) ([]R, *excel.Report, error) {
	var rows []R
	rep, err := s.parseUpload(c, tpl, func(rowNum int, rec excel.Record) error {
		var errs rowErrs
		r := row(rowNum, rec, &errs)
		if err := errs.err(); err != nil {
			return err
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if rep.Aborted {
		return nil, nil, importRejected(rep)
	}
	return rows, rep, nil
}

// importRejected is the answer to a file with errors: the report, sorted
// by row, beside a 422 (413 for an oversized file).
func importRejected(rep *excel.Report) *Error {
	sort.SliceStable(rep.Errors, func(i, j int) bool { return rep.Errors[i].Row < rep.Errors[j].Row })
	if rep.Aborted {
		for _, e := range rep.Errors {
			if e.Row != 0 {
				continue
			}
			status := http.StatusUnprocessableEntity
			if e.Code == excel.CodeFileTooLarge {
				status = http.StatusRequestEntityTooLarge
			}
			return &Error{Status: status, Code: e.Code, Message: e.Message, Fields: map[string]string{"file": e.Message}, Report: rep}
		}
	}
	msg := fmt.Sprintf("导入文件有%d行错误，未导入任何数据", rep.BadRows)
	return &Error{Status: http.StatusUnprocessableEntity, Code: "import_invalid", Message: msg,
		Fields: map[string]string{"file": msg}, Report: rep}
}

// importWriteFailed reports a database error while writing an import
// (everything is rolled back).
func (s *Server) importWriteFailed(c *fiber.Ctx, err error) error {
	ce := toClientError(err)
	if ce.Status >= http.StatusInternalServerError {
		s.deps.Logger.Error("import write failed", "path", c.Path(), "err", err)
		return &Error{Status: http.StatusInternalServerError, Code: "import_failed",
			Message: "写入数据时出错，已全部撤销，未导入任何数据，请稍后重试"}
	}
	return &Error{Status: ce.Status, Code: ce.Code, Message: "导入失败，已全部撤销，未导入任何数据：" + ce.Message, Fields: ce.Fields}
}

// runImport runs check and then write in one transaction, after taking
// the project's import lock. check adds row errors to rep; write runs
// only when rep is OK, and its errors are reported as write failures.
func (s *Server) runImport(c *fiber.Ctx, project int64, rep *excel.Report, check, write func(q *dbq.Queries) error) error {
	writing := false
	err := s.inTx(c, func(q *dbq.Queries) error {
		if err := q.ImportLock(c.UserContext(), importKeyBase|project); err != nil {
			return err
		}
		if err := check(q); err != nil {
			return err
		}
		if !rep.OK() {
			return importRejected(rep)
		}
		writing = true
		return write(q)
	})
	if err != nil && writing {
		return s.importWriteFailed(c, err)
	}
	return err
}

// rowErrs collects the domain errors of one row.
type rowErrs []error

func (r *rowErrs) add(field, code, msg string) {
	*r = append(*r, excel.NewFieldError(field, code, msg))
}

func (r rowErrs) err() error {
	if len(r) == 0 {
		return nil
	}
	return errors.Join(r...)
}

// addRowError adds an error found in the database phase to the report.
func addRowError(rep *excel.Report, tpl excel.Template, row int, field, code, msg string) {
	e := excel.RowError{Row: row, Field: field, Code: code, Message: msg}
	if col, ok := tpl.Column(field); ok {
		e.Column = col.Header
	}
	rep.Add(e)
}

// parseIDCell parses an ID number cell, explaining the usual Excel
// mistake of a number typed into a General cell (3.30102199001011E+17:
// the last digits are lost).
func (r *rowErrs) parseIDCell(raw string, now time.Time) (ident.ResidentID, bool) {
	rid, err := ident.ParseResidentID(raw, now)
	if err == nil {
		return rid, true
	}
	if looksLikeExcelNumber(raw) {
		r.add(colIDNumber, "stored_as_number", "身份证号码被 Excel 存成了数字（科学计数法），后几位已丢失；请把该列设为“文本”格式后重新填写")
		return rid, false
	}
	var ie *ident.Error
	if errors.As(err, &ie) {
		r.add(colIDNumber, ie.Code, ie.Message)
	} else {
		r.add(colIDNumber, "invalid_value", "身份证号码格式不正确")
	}
	return rid, false
}

// looksLikeExcelNumber reports whether an ID number cell looks like a
// number Excel stored in a General cell: in scientific notation, or with
// the digits after the 15th (Excel keeps 15 significant digits) zeroed.
func looksLikeExcelNumber(raw string) bool {
	if strings.ContainsAny(raw, "eE") && strings.Contains(raw, "+") {
		return true
	}
	if len(raw) < 16 || strings.Trim(raw, "0123456789") != "" {
		return false
	}
	return strings.Trim(raw[15:], "0") == ""
}

// dateRule checks a date cell: in 1990..2100 and not after today.
func (r *rowErrs) dateRule(field, header string, d, today time.Time) bool {
	if y := d.Year(); y < 1990 || y > 2100 {
		r.add(field, "invalid_date", header+"超出合理范围")
		return false
	}
	if d.After(today) {
		r.add(field, "future_date", header+"不能晚于今天")
		return false
	}
	return true
}

// sameName compares the name in a file with the registered one, ignoring
// white space.
func sameName(a, b string) bool {
	strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return strip(a) == strip(b)
}

const nameMismatchMsg = "姓名与该身份证号码登记的姓名“%s”不一致"

// ---- roster ----

type rosterRow struct {
	row      int
	name     string
	rid      ident.ResidentID
	hash     []byte
	phone    *string // canonical; nil when not given
	card     *string
	bankName string
	team     string
	trade    string
	entry    time.Time
	contract *time.Time
	wage     *int64

	teamID   int64 // 0: none
	workerID int64 // registered worker; 0: new
}

func (s *Server) importWorkers(c *fiber.Ctx) error {
	project, err := s.importProject(c)
	if err != nil {
		return err
	}
	now, today := s.deps.Now(), s.today()
	seen := map[string]int{}
	rows, rep, err := parseRows(s, c, rosterTemplate, func(rowNum int, rec excel.Record, errs *rowErrs) *rosterRow {
		r := &rosterRow{row: rowNum, name: rec.Text(colName), bankName: rec.Text(colBankName), team: rec.Text(colTeam),
			trade: rec.Text(colTrade), entry: rec.Date(colEntryDate)}
		if rid, ok := errs.parseIDCell(rec.Text(colIDNumber), now); ok {
			if first, dup := seen[rid.Number]; dup {
				errs.add(colIDNumber, "duplicate_in_file", fmt.Sprintf("身份证号码与第%d行重复", first))
			} else {
				seen[rid.Number] = rowNum
			}
			r.rid = rid
		}
		if rec.Has(colPhone) {
			if n, err := ident.ParseMobile(rec.Text(colPhone)); err != nil {
				errs.add(colPhone, "invalid_phone", err.Error())
			} else {
				r.phone = &n
			}
		}
		if rec.Has(colBankCard) {
			if n, err := ident.ParseBankCard(rec.Text(colBankCard)); err != nil {
				errs.add(colBankCard, "invalid_bank_card", err.Error())
			} else {
				r.card = &n
			}
		}
		entryOK := errs.dateRule(colEntryDate, "进场日期", r.entry, today)
		if rec.Has(colContract) {
			d := rec.Date(colContract)
			if errs.dateRule(colContract, "合同签订日期", d, today) {
				if entryOK && d.Before(r.entry.AddDate(0, 0, -30)) {
					errs.add(colContract, "invalid_date_range", "合同签订日期不能早于进场日期30天以上")
				}
				r.contract = &d
			}
		}
		if rec.Has(colDailyWage) {
			w := rec.Fen(colDailyWage)
			r.wage = &w
		}
		return r
	})
	if err != nil {
		return err
	}
	out := importOut{OK: true, Rows: rep.Rows, IgnoredColumns: rep.IgnoredColumns}
	hashes := make([][]byte, len(rows))
	for i, r := range rows {
		r.hash = s.deps.PII.Hash(kindIDNumber, r.rid.Number)
		hashes[i] = r.hash
	}
	ctx := c.UserContext()
	check := func(q *dbq.Queries) error {
		teams, err := q.ImportTeamsOfProject(ctx, project.ID)
		if err != nil {
			return err
		}
		teamByName := make(map[string]dbq.ImportTeamsOfProjectRow, len(teams))
		for _, t := range teams {
			teamByName[t.Name] = t
		}
		byHash, err := registeredWorkers(ctx, q, hashes)
		if err != nil {
			return err
		}
		var existing []int64
		for _, r := range rows {
			if r.team != "" {
				switch t, ok := teamByName[r.team]; {
				case !ok:
					addRowError(rep, rosterTemplate, r.row, colTeam, "team_not_found",
						fmt.Sprintf("本项目没有名为“%s”的班组，请先建立班组或修改班组名称", r.team))
				case !t.Active:
					addRowError(rep, rosterTemplate, r.row, colTeam, "team_inactive", fmt.Sprintf("班组“%s”已停用", r.team))
				default:
					r.teamID = t.ID
				}
			}
			w, ok := byHash[string(r.hash)]
			if !ok {
				continue
			}
			r.workerID = w.ID
			if !sameName(w.Name, r.name) {
				addRowError(rep, rosterTemplate, r.row, colName, "name_mismatch", fmt.Sprintf(nameMismatchMsg, w.Name))
			}
			if !w.Active {
				addRowError(rep, rosterTemplate, r.row, colIDNumber, "worker_inactive", "该工人已停用，不能进场")
			}
			existing = append(existing, w.ID)
		}
		onSite, err := q.ImportOpenEmployments(ctx, dbq.ImportOpenEmploymentsParams{ProjectID: project.ID, WorkerIds: existing})
		if err != nil {
			return err
		}
		open := make(map[int64]bool, len(onSite))
		for _, id := range onSite {
			open[id] = true
		}
		for _, r := range rows {
			if r.workerID != 0 && open[r.workerID] {
				addRowError(rep, rosterTemplate, r.row, colIDNumber, "already_on_site", "该工人已在本项目在场（未退场），不能重复进场")
			}
		}
		return nil
	}
	write := func(q *dbq.Queries) error {
		var nw dbq.ImportWorkersCreateParams
		var upd dbq.ImportWorkersUpdateContactsParams
		for _, r := range rows {
			phoneEnc, phoneHash, err := s.sealPhone(r.phone)
			if err != nil {
				return err
			}
			cardEnc, _, err := s.seal(kindBankCard, r.card)
			if err != nil {
				return err
			}
			if r.workerID != 0 {
				out.Updated++
				if phoneEnc != nil || cardEnc != nil || r.bankName != "" {
					upd.Ids = append(upd.Ids, r.workerID)
					upd.PhoneEncs = append(upd.PhoneEncs, phoneEnc)
					upd.PhoneHashes = append(upd.PhoneHashes, phoneHash)
					upd.BankCardEncs = append(upd.BankCardEncs, cardEnc)
					upd.BankNames = append(upd.BankNames, r.bankName)
				}
				continue
			}
			idEnc, err := s.deps.PII.Encrypt(kindIDNumber, r.rid.Number)
			if err != nil {
				return err
			}
			nw.Names = append(nw.Names, r.name)
			nw.IDNumberEncs = append(nw.IDNumberEncs, idEnc)
			nw.IDNumberHashes = append(nw.IDNumberHashes, r.hash)
			nw.Genders = append(nw.Genders, string(r.rid.Gender))
			nw.BirthDates = append(nw.BirthDates, r.rid.BirthDate)
			nw.NativeProvinces = append(nw.NativeProvinces, r.rid.ProvinceCode)
			nw.NativeRegions = append(nw.NativeRegions, r.rid.RegionCode)
			nw.PhoneEncs = append(nw.PhoneEncs, phoneEnc)
			nw.PhoneHashes = append(nw.PhoneHashes, phoneHash)
			nw.BankCardEncs = append(nw.BankCardEncs, cardEnc)
			nw.BankNames = append(nw.BankNames, r.bankName)
		}
		if len(nw.Names) > 0 {
			created, err := q.ImportWorkersCreate(ctx, nw)
			if err != nil {
				return err
			}
			ids := make(map[string]int64, len(created))
			for _, w := range created {
				ids[string(w.IDNumberHash)] = w.ID
			}
			for _, r := range rows {
				if r.workerID == 0 {
					r.workerID = ids[string(r.hash)]
				}
			}
			out.Created = len(created)
		}
		if len(upd.Ids) > 0 {
			if _, err := q.ImportWorkersUpdateContacts(ctx, upd); err != nil {
				return err
			}
		}
		emp := dbq.ImportEmploymentsCreateParams{ProjectID: project.ID}
		for _, r := range rows {
			if r.workerID == 0 {
				return fmt.Errorf("roster row %d: worker not created", r.row)
			}
			emp.WorkerIds = append(emp.WorkerIds, r.workerID)
			emp.TeamIds = append(emp.TeamIds, r.teamID)
			emp.Trades = append(emp.Trades, r.trade)
			emp.EntryDates = append(emp.EntryDates, r.entry)
			contract := ""
			if r.contract != nil {
				contract = r.contract.Format(dateLayout)
			}
			emp.ContractDates = append(emp.ContractDates, contract)
			wage := int64(-1)
			if r.wage != nil {
				wage = *r.wage
			}
			emp.DailyWages = append(emp.DailyWages, wage)
		}
		n, err := q.ImportEmploymentsCreate(ctx, emp)
		if err != nil {
			return err
		}
		employments := int(n)
		out.Employments = &employments
		return nil
	}
	if err := s.runImport(c, project.ID, rep, check, write); err != nil {
		return err
	}
	return c.JSON(out)
}

// ---- attendance ----

type attendanceImportRow struct {
	importWorker
	minutes int32
	source  string
}

// parseHours reads a number of hours (0..24, at most two decimals) as
// minutes.
func parseHours(s string) (int32, bool) {
	h, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(h) || h < 0 || h > 24 {
		return 0, false
	}
	if c := h * 100; math.Abs(c-math.Round(c)) > 1e-6 {
		return 0, false
	}
	return int32(math.Round(h * 60)), true
}

func (s *Server) importAttendance(c *fiber.Ctx) error {
	project, err := s.importProject(c)
	if err != nil {
		return err
	}
	now, today := s.deps.Now(), s.today()
	type key struct {
		id   string
		date time.Time
	}
	seen := map[key]int{}
	rows, rep, err := parseRows(s, c, attendanceTemplate, func(rowNum int, rec excel.Record, errs *rowErrs) *attendanceImportRow {
		date := rec.Date(colWorkDate)
		r := &attendanceImportRow{importWorker: importWorker{row: rowNum, name: rec.Text(colName), from: date, to: date},
			minutes: 480, source: "import"}
		rid, idOK := errs.parseIDCell(rec.Text(colIDNumber), now)
		r.rid = rid
		dateOK := errs.dateRule(colWorkDate, "日期", date, today)
		if idOK && dateOK {
			k := key{rid.Number, date}
			if first, dup := seen[k]; dup {
				errs.add(colWorkDate, "duplicate_in_file", fmt.Sprintf("与第%d行重复（同一工人同一天）", first))
			} else {
				seen[k] = rowNum
			}
		}
		var fromHours *int32
		if rec.Has(colHours) {
			if m, ok := parseHours(rec.Text(colHours)); ok {
				fromHours, r.minutes = &m, m
			} else {
				errs.add(colHours, "invalid_hours", "工时应为0到24之间的小时数，最多两位小数")
			}
		}
		if rec.Has(colMinutes) {
			m := rec.Int64(colMinutes)
			switch {
			case m < 0 || m > 1440:
				errs.add(colMinutes, "invalid_minutes", "出勤分钟应在0到1440之间")
			case fromHours != nil && int64(*fromHours) != m:
				errs.add(colMinutes, "hours_minutes_mismatch", fmt.Sprintf("出勤分钟与工时（%d分钟）不一致，请只填写其一", *fromHours))
			default:
				r.minutes = int32(m)
			}
		}
		if rec.Has(colSource) {
			r.source = rec.Enum(colSource)
		}
		return r
	})
	if err != nil {
		return err
	}
	out := importOut{OK: true, Rows: rep.Rows, IgnoredColumns: rep.IgnoredColumns}
	check := func(q *dbq.Queries) error {
		return s.checkImportWorkers(c, q, rep, attendanceTemplate, project.ID, workersOf(rows), colWorkDate, notEmployedOnDate)
	}
	write := func(q *dbq.Queries) error {
		recs := make([]attendanceRecord, len(rows))
		for i, r := range rows {
			// A row's period is its work date (from = to).
			recs[i] = attendanceRecord{project: project.ID, worker: r.workerID, date: r.from, minutes: r.minutes, source: r.source, team: r.team}
		}
		var err error
		out.Created, out.Updated, err = upsertAttendance(c.UserContext(), q, recs)
		return err
	}
	if err := s.runImport(c, project.ID, rep, check, write); err != nil {
		return err
	}
	return c.JSON(out)
}

// importWorker is what an attendance or payroll row says of its worker
// and what the database check finds.
type importWorker struct {
	row      int // in the file
	name     string
	rid      ident.ResidentID
	from, to time.Time // the worker must be employed on the project at some time in [from, to]

	workerID int64  // the registered worker (0 until found)
	team     *int64 // the team of that employment
}

func (w *importWorker) worker() *importWorker { return w }

// workersOf returns the importWorker of every row.
func workersOf[R interface{ worker() *importWorker }](rows []R) []*importWorker {
	out := make([]*importWorker, len(rows))
	for i, r := range rows {
		out[i] = r.worker()
	}
	return out
}

// registeredWorkers looks up the registered workers with the given ID
// number hashes (one query), keyed by hash.
func registeredWorkers(ctx context.Context, q *dbq.Queries, hashes [][]byte) (map[string]dbq.ImportWorkersByHashesRow, error) {
	registered, err := q.ImportWorkersByHashes(ctx, hashes)
	if err != nil {
		return nil, err
	}
	byHash := make(map[string]dbq.ImportWorkersByHashesRow, len(registered))
	for _, w := range registered {
		byHash[string(w.IDNumberHash)] = w
	}
	return byHash, nil
}

// checkImportWorkers finds the registered worker of every row by ID number
// (one query) and checks the name against the registration, then checks
// (one query) that each found worker was employed on the project in the
// row's period, reporting a row without such an employment under field
// with notEmployedMsg, and stores the employment's team.
func (s *Server) checkImportWorkers(c *fiber.Ctx, q *dbq.Queries, rep *excel.Report, tpl excel.Template, project int64,
	rows []*importWorker, field, notEmployedMsg string) error {
	ctx := c.UserContext()
	hashes := make([][]byte, len(rows))
	for i, r := range rows {
		hashes[i] = s.deps.PII.Hash(kindIDNumber, r.rid.Number)
	}
	byHash, err := registeredWorkers(ctx, q, hashes)
	if err != nil {
		return err
	}
	var reqs []employmentReq
	var found []*importWorker
	for i, r := range rows {
		w, ok := byHash[string(hashes[i])]
		switch {
		case !ok:
			addRowError(rep, tpl, r.row, colIDNumber, "worker_not_registered", "该身份证号码尚未实名登记，请先通过花名册导入或登记工人")
		case !sameName(w.Name, r.name):
			addRowError(rep, tpl, r.row, colName, "name_mismatch", fmt.Sprintf(nameMismatchMsg, w.Name))
		default:
			r.workerID = w.ID
			reqs = append(reqs, employmentReq{project: project, worker: w.ID, from: r.from, to: r.to})
			found = append(found, r)
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	checked, err := s.employmentCheck(c, q, reqs)
	if err != nil {
		return err
	}
	for k, e := range checked {
		r := found[k]
		if e.EmploymentID == 0 {
			addRowError(rep, tpl, r.row, field, "not_employed", notEmployedMsg)
		}
		r.team = e.EmploymentTeamID
	}
	return nil
}

// ---- payroll ----

type payrollImportRow struct {
	importWorker
	days        int32
	due, paid   int64
	paidOn      *time.Time
	transferRef string
	paidVia     string
}

func (s *Server) importPayroll(c *fiber.Ctx) error {
	project, err := s.importProject(c)
	if err != nil {
		return err
	}
	today := s.today()
	var v check
	monthText := queryValue(c, "month")
	month := v.monthField("month", &monthText, true)
	if month != nil && month.After(today) {
		v.fail("month", "future_month", "不能为未来月份导入工资表")
	}
	if err := v.err(); err != nil {
		return err
	}
	last := lastOfMonth(*month)
	maxDays := int64(last.Day())
	now := s.deps.Now()
	seen := map[string]int{}
	rows, rep, err := parseRows(s, c, payrollTemplate, func(rowNum int, rec excel.Record, errs *rowErrs) *payrollImportRow {
		r := &payrollImportRow{importWorker: importWorker{row: rowNum, name: rec.Text(colName), from: *month, to: last},
			due: rec.Fen(colAmountDue), paid: rec.Fen(colAmountPaid), transferRef: rec.Text(colTransferRef), paidVia: "wage_account"}
		if rid, ok := errs.parseIDCell(rec.Text(colIDNumber), now); ok {
			if first, dup := seen[rid.Number]; dup {
				errs.add(colIDNumber, "duplicate_in_file", fmt.Sprintf("身份证号码与第%d行重复，每名工人只能有一行", first))
			} else {
				seen[rid.Number] = rowNum
			}
			r.rid = rid
		}
		if rec.Has(colDaysWorked) {
			if d := rec.Int64(colDaysWorked); d < 0 || d > maxDays {
				errs.add(colDaysWorked, "invalid_days", fmt.Sprintf("出勤天数应在0到当月天数%d之间", maxDays))
			} else {
				r.days = int32(d)
			}
		}
		if r.paid > r.due {
			errs.add(colAmountPaid, "paid_exceeds_due", "实发工资不能大于应发工资")
		}
		if rec.Has(colPaidOn) {
			d := rec.Date(colPaidOn)
			if errs.dateRule(colPaidOn, "发放日期", d, today) {
				r.paidOn = &d
			}
		} else if r.paid > 0 {
			errs.add(colPaidOn, "required", "实发工资大于零时必须填写发放日期")
		}
		if rec.Has(colPaidVia) {
			r.paidVia = rec.Enum(colPaidVia)
		}
		return r
	})
	if err != nil {
		return err
	}
	out := importOut{OK: true, Rows: rep.Rows, IgnoredColumns: rep.IgnoredColumns}
	ctx := c.UserContext()
	var sheet *dbq.PayrollSheet
	check := func(q *dbq.Queries) error {
		sh, err := q.ImportPayrollSheetLock(ctx, dbq.ImportPayrollSheetLockParams{ProjectID: project.ID, Month: *month})
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			return err
		case sh.Status != "draft":
			return &Error{Status: http.StatusConflict, Code: "sheet_not_draft",
				Message: fmt.Sprintf("%s工资表已提交或已发放，不能再导入", monthString(*month)),
				Fields:  map[string]string{"month": "该月工资表不是草稿状态"}}
		default:
			sheet = &sh
		}
		return s.checkImportWorkers(c, q, rep, payrollTemplate, project.ID, workersOf(rows), colIDNumber, notEmployedInMonth)
	}
	write := func(q *dbq.Queries) error {
		created := sheet == nil
		if created {
			sh, err := q.PayrollSheetCreate(ctx, dbq.PayrollSheetCreateParams{ProjectID: project.ID, Month: *month, Note: "Excel 导入"})
			if err != nil {
				return err
			}
			sheet = &sh
		}
		p := dbq.ImportPayrollLinesUpsertParams{SheetID: sheet.ID}
		for _, r := range rows {
			p.WorkerIds = append(p.WorkerIds, r.workerID)
			p.TeamIds = append(p.TeamIds, deref(r.team))
			p.DaysWorked = append(p.DaysWorked, r.days)
			p.AmountsDue = append(p.AmountsDue, r.due)
			p.AmountsPaid = append(p.AmountsPaid, r.paid)
			paidOn := ""
			if r.paidOn != nil {
				paidOn = r.paidOn.Format(dateLayout)
			}
			p.PaidOns = append(p.PaidOns, paidOn)
			p.TransferRefs = append(p.TransferRefs, r.transferRef)
			p.PaidVias = append(p.PaidVias, r.paidVia)
		}
		inserted, err := q.ImportPayrollLinesUpsert(ctx, p)
		if err != nil {
			return err
		}
		out.Created, out.Updated = countUpserts(inserted)
		out.SheetID, out.SheetCreated = &sheet.ID, &created
		return nil
	}
	if err := s.runImport(c, project.ID, rep, check, write); err != nil {
		return err
	}
	return c.JSON(out)
}
