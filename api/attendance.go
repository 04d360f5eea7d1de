package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// Attendance 考勤 is one row per project, worker and day (the table is
// partitioned by month). Rows are never deleted: a correction is an upsert
// of the same key (PUT /attendance, or a batch), which overwrites minutes,
// source and team; the previous values are not kept here (the audit log of
// R7 records changes). There is no get by key: list with worker_id and a
// one-day range.
//
// This file also holds the helpers that every labour-data handler shares
// (attendance, work records, payroll, wage accounts, deposits): scope
// checks of the project a write names, the employment check, and parsing
// of dates and months with the offending field named.

// maxAttendanceBatch caps one batch write.
const maxAttendanceBatch = 5000

// maxAttendanceRange caps the days of an attendance list query.
const maxAttendanceRange = 366

// chinaTime is the zone "today" is reckoned in (no daylight saving).
var chinaTime = time.FixedZone("CST", 8*3600)

// labourToday is today's date in China as a UTC midnight, the form in
// which dates are parsed and read from the database.
func (s *Server) labourToday() time.Time {
	y, m, d := s.deps.Now().In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// labourWriter refuses writes by workers: labour data is entered by the
// enterprise and project side (and by government users within their scope).
func labourWriter(c *fiber.Ctx) error {
	if scopeOf(c).Worker != nil {
		return errForbidden
	}
	return nil
}

// dateField parses an optional YYYY-MM-DD value and reports a bad one
// under field. Dates must lie in 1990..2100 (typos such as 0202-01-01).
func (v *check) dateField(field string, s *string, required bool) *time.Time {
	if s == nil || strings.TrimSpace(*s) == "" {
		if required {
			v.fail(field, "required", "必填")
		}
		return nil
	}
	t, err := time.Parse(dateLayout, strings.TrimSpace(*s))
	if err != nil {
		v.fail(field, "invalid_date", "日期格式应为 YYYY-MM-DD")
		return nil
	}
	if y := t.Year(); y < 1990 || y > 2100 {
		v.fail(field, "invalid_date", "日期超出合理范围")
		return nil
	}
	return &t
}

// notFuture refuses a date after today.
func (v *check) notFuture(field string, t *time.Time, today time.Time) {
	if t != nil && t.After(today) {
		v.fail(field, "future_date", "不能晚于今天")
	}
}

const monthLayout = "2006-01"

// monthField parses an optional YYYY-MM value to the first day of the month.
func (v *check) monthField(field string, s *string, required bool) *time.Time {
	if s == nil || strings.TrimSpace(*s) == "" {
		if required {
			v.fail(field, "required", "必填")
		}
		return nil
	}
	t, err := time.Parse(monthLayout, strings.TrimSpace(*s))
	if err != nil {
		v.fail(field, "invalid_month", "月份格式应为 YYYY-MM")
		return nil
	}
	if y := t.Year(); y < 1990 || y > 2100 {
		v.fail(field, "invalid_month", "月份超出合理范围")
		return nil
	}
	return &t
}

// positiveID checks that a required or optional id is positive.
func (v *check) positiveID(field string, id *int64, required bool) {
	if id == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	if *id <= 0 {
		v.fail(field, "invalid_value", "应为正整数")
	}
}

// queryMonth reads an optional YYYY-MM query parameter.
func queryMonth(c *fiber.Ctx, name string) (*time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(monthLayout, s)
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "月份格式应为 YYYY-MM"}}
	}
	return &t, nil
}

func monthString(t time.Time) string { return t.Format(monthLayout) }

func lastOfMonth(first time.Time) time.Time { return first.AddDate(0, 1, -1) }

func errQueryRequired(name string) error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "必填"}}
}

// projectRefMsg is what a client hears of a project it may not see: the
// same as of one that does not exist.
const projectRefMsg = "项目不存在或无权访问"

// labourProjects loads the given projects as far as they are in the
// caller's scope, keyed by id.
func (s *Server) labourProjects(c *fiber.Ctx, q *dbq.Queries, ids []int64) (map[int64]dbq.LabourProjectsInScopeRow, error) {
	sc := scopeOf(c)
	rows, err := q.LabourProjectsInScope(c.UserContext(), dbq.LabourProjectsInScopeParams{Ids: ids,
		ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise, ScopeProject: sc.Project, ScopeWorker: sc.Worker})
	if err != nil {
		return nil, err
	}
	out := make(map[int64]dbq.LabourProjectsInScopeRow, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

// labourProjectWritable checks that the project a write names is in scope
// (else 422 on project_id, as for a project that does not exist) and
// active.
func (s *Server) labourProjectWritable(c *fiber.Ctx, q *dbq.Queries, id int64) error {
	ps, err := s.labourProjects(c, q, []int64{id})
	if err != nil {
		return err
	}
	p, ok := ps[id]
	if !ok {
		return errField("project_id", "reference_not_found", projectRefMsg)
	}
	if !p.Active {
		return errField("project_id", "project_inactive", "项目已停用")
	}
	return nil
}

// employmentReq asks whether a worker was employed on a project at some
// time in [from, to], and whether team (0 = none) belongs to the project.
type employmentReq struct {
	project, worker int64
	from, to        time.Time
	team            int64
}

func (s *Server) employmentCheck(c *fiber.Ctx, q *dbq.Queries, reqs []employmentReq) ([]dbq.LabourEmploymentCheckRow, error) {
	p := dbq.LabourEmploymentCheckParams{
		ProjectIds: make([]int64, len(reqs)), WorkerIds: make([]int64, len(reqs)),
		FromDates: make([]time.Time, len(reqs)), ToDates: make([]time.Time, len(reqs)), TeamIds: make([]int64, len(reqs)),
	}
	for i, r := range reqs {
		p.ProjectIds[i], p.WorkerIds[i], p.FromDates[i], p.ToDates[i], p.TeamIds[i] = r.project, r.worker, r.from, r.to, r.team
	}
	rows, err := q.LabourEmploymentCheck(c.UserContext(), p)
	if err != nil {
		return nil, err
	}
	if len(rows) != len(reqs) {
		return nil, fmt.Errorf("employment check: %d rows for %d requests", len(rows), len(reqs))
	}
	return rows, nil
}

// employedOne checks one worker's employment on a project over [from,
// to] and the team; it returns the team to record (the given one, else the
// employment's).
func (s *Server) employedOne(c *fiber.Ctx, q *dbq.Queries, project, worker int64, from, to time.Time, team *int64, notEmployedMsg string) (*int64, error) {
	rows, err := s.employmentCheck(c, q, []employmentReq{{project: project, worker: worker, from: from, to: to, team: deref(team)}})
	if err != nil {
		return nil, err
	}
	var v check
	if rows[0].EmploymentID == 0 {
		v.fail("worker_id", "not_employed", notEmployedMsg)
	}
	if !rows[0].TeamOk {
		v.fail("team_id", "team_not_on_project", "班组不属于该项目")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if team != nil {
		return team, nil
	}
	return rows[0].EmploymentTeamID, nil
}

type attendanceOut struct {
	ProjectID  int64     `json:"project_id"`
	WorkerID   int64     `json:"worker_id"`
	WorkerName string    `json:"worker_name,omitempty"`
	WorkDate   Date      `json:"work_date"`
	TeamID     *int64    `json:"team_id"`
	Minutes    int32     `json:"minutes"`
	Source     string    `json:"source" enum:"device,manual,import"`
	CreatedAt  time.Time `json:"created_at"`
}

type attendanceIn struct {
	ProjectID *int64  `json:"project_id,omitempty" required:"true"`
	WorkerID  *int64  `json:"worker_id,omitempty" required:"true"`
	WorkDate  *string `json:"work_date,omitempty" required:"true" doc:"YYYY-MM-DD; not in the future, within an employment of the worker on the project"`
	Minutes   *int32  `json:"minutes,omitempty" doc:"0..1440, default 480"`
	Source    *string `json:"source,omitempty" enum:"device,manual,import" doc:"default manual"`
	TeamID    *int64  `json:"team_id,omitempty" doc:"a team of the project; default the team of the worker's employment"`
}

type attendanceBatchIn struct {
	Records []attendanceIn `json:"records" doc:"1 to 5000 records; all are written or none"`
}

type attendanceBatchOut struct {
	Written  int `json:"written"`
	Inserted int `json:"inserted"`
	Updated  int `json:"updated"`
}

type attendanceSummaryOut struct {
	ProjectID  int64  `json:"project_id"`
	WorkerID   int64  `json:"worker_id"`
	WorkerName string `json:"worker_name"`
	Days       int64  `json:"days" doc:"days with minutes above zero"`
	Minutes    int64  `json:"minutes"`
	FirstDate  Date   `json:"first_date"`
	LastDate   Date   `json:"last_date"`
}

func attendanceFrom(a dbq.Attendance, workerName string) attendanceOut {
	return attendanceOut{ProjectID: a.ProjectID, WorkerID: a.WorkerID, WorkerName: workerName, WorkDate: Date{a.WorkDate},
		TeamID: a.TeamID, Minutes: a.Minutes, Source: a.Source, CreatedAt: a.CreatedAt}
}

var (
	attendanceSorts        = []string{"work_date", "-work_date"}
	attendanceSummarySorts = []string{"worker_id", "-days", "-minutes"}
)

func (s *Server) attendanceRoutes() {
	s.add(route{Method: "GET", Path: "/attendance", Tag: "attendance", Summary: "List attendance in scope (project_id required except for workers; range at most 366 days)",
		Query: append(pageParams(attendanceSorts...),
			param{Name: "project_id", Type: "integer", Desc: "required unless the caller is a worker"},
			param{Name: "date_from", Type: "string", Desc: "YYYY-MM-DD, required"},
			param{Name: "date_to", Type: "string", Desc: "YYYY-MM-DD, required"},
			param{Name: "worker_id", Type: "integer"},
			param{Name: "team_id", Type: "integer"}),
		Out: listOut[attendanceOut]{}, Handler: s.attendanceList})
	s.add(route{Method: "GET", Path: "/attendance/summary", Tag: "attendance", Summary: "Per-worker attendance of one month: days attended and total minutes",
		Query: append(pageParams(attendanceSummarySorts...),
			param{Name: "project_id", Type: "integer", Desc: "required unless the caller is a worker"},
			param{Name: "month", Type: "string", Desc: "YYYY-MM, required"},
			param{Name: "team_id", Type: "integer"}),
		Out: listOut[attendanceSummaryOut]{}, Handler: s.attendanceSummary})
	s.add(route{Method: "PUT", Path: "/attendance", Tag: "attendance", Summary: "Record or correct one worker-day (upsert; 201 when new)",
		Body: attendanceIn{}, Out: attendanceOut{}, Handler: s.attendancePut})
	s.add(route{Method: "POST", Path: "/attendance/batch", Tag: "attendance", Summary: "Record up to 5000 worker-days: all or nothing, every bad record reported as records[i].field",
		Body: attendanceBatchIn{}, Out: attendanceBatchOut{}, Handler: s.attendanceBatch})
}

func (s *Server) attendanceList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, attendanceSorts...)
	if err != nil {
		return err
	}
	project, err := queryID(c, "project_id")
	if err != nil {
		return err
	}
	if project == nil && sc.Worker == nil {
		return errQueryRequired("project_id")
	}
	from, err := queryDate(c, "date_from")
	if err != nil {
		return err
	}
	to, err := queryDate(c, "date_to")
	if err != nil {
		return err
	}
	if from == nil {
		return errQueryRequired("date_from")
	}
	if to == nil {
		return errQueryRequired("date_to")
	}
	if to.Before(from.Time) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{"date_to": "结束日期不能早于开始日期"}}
	}
	if to.Sub(from.Time) >= maxAttendanceRange*24*time.Hour {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{"date_to": fmt.Sprintf("查询范围不能超过%d天", maxAttendanceRange)}}
	}
	worker, err := queryID(c, "worker_id")
	if err != nil {
		return err
	}
	team, err := queryID(c, "team_id")
	if err != nil {
		return err
	}
	rows, err := dbq.New(s.deps.Pool).AttendanceList(c.UserContext(), dbq.AttendanceListParams{
		ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise, ScopeProject: sc.Project, ScopeWorker: sc.Worker,
		DateFrom: from.Time, DateTo: to.Time, ProjectID: project, WorkerID: worker, TeamID: team,
		Sort: p.Sort, Lim: p.limit(), Off: p.offset(),
	})
	if err != nil {
		return err
	}
	out := make([]attendanceOut, len(rows))
	var total int64
	for i, r := range rows {
		out[i] = attendanceFrom(r.Attendance, r.WorkerName)
		total = r.Total
	}
	return listResponse(c, p, out, total)
}

func (s *Server) attendanceSummary(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, attendanceSummarySorts...)
	if err != nil {
		return err
	}
	project, err := queryID(c, "project_id")
	if err != nil {
		return err
	}
	if project == nil && sc.Worker == nil {
		return errQueryRequired("project_id")
	}
	month, err := queryMonth(c, "month")
	if err != nil {
		return err
	}
	if month == nil {
		return errQueryRequired("month")
	}
	team, err := queryID(c, "team_id")
	if err != nil {
		return err
	}
	rows, err := dbq.New(s.deps.Pool).AttendanceSummary(c.UserContext(), dbq.AttendanceSummaryParams{
		ScopeTown: sc.Town, ScopeEnterprise: sc.Enterprise, ScopeProject: sc.Project, ScopeWorker: sc.Worker,
		MonthFirst: *month, MonthLast: lastOfMonth(*month), ProjectID: project, TeamID: team,
		Sort: p.Sort, Lim: p.limit(), Off: p.offset(),
	})
	if err != nil {
		return err
	}
	out := make([]attendanceSummaryOut, len(rows))
	var total int64
	for i, r := range rows {
		out[i] = attendanceSummaryOut{ProjectID: r.ProjectID, WorkerID: r.WorkerID, WorkerName: r.WorkerName,
			Days: r.Days, Minutes: r.Minutes, FirstDate: Date{r.FirstDate}, LastDate: Date{r.LastDate}}
		total = r.Total
	}
	return listResponse(c, p, out, total)
}

// attendanceRecord is a validated record.
type attendanceRecord struct {
	project, worker int64
	date            time.Time
	minutes         int32
	source          string
	team            *int64
}

// validate checks one record; prefix ("" or "records[i].") is put before
// every field name.
func (in *attendanceIn) validate(v *check, prefix string, today time.Time) attendanceRecord {
	v.positiveID(prefix+"project_id", in.ProjectID, true)
	v.positiveID(prefix+"worker_id", in.WorkerID, true)
	d := v.dateField(prefix+"work_date", in.WorkDate, true)
	v.notFuture(prefix+"work_date", d, today)
	if in.Minutes != nil && (*in.Minutes < 0 || *in.Minutes > 1440) {
		v.fail(prefix+"minutes", "invalid_minutes", "工时应在0到1440分钟之间")
	}
	v.enum(prefix+"source", in.Source, false, registry.AttendanceSources)
	v.positiveID(prefix+"team_id", in.TeamID, false)
	r := attendanceRecord{project: deref(in.ProjectID), worker: deref(in.WorkerID), minutes: 480, source: "manual", team: in.TeamID}
	if d != nil {
		r.date = *d
	}
	set(&r.minutes, in.Minutes)
	set(&r.source, in.Source)
	return r
}

const notEmployedOnDate = "该工人在该日期未在此项目登记用工（进场至退场期间）"

func (s *Server) attendancePut(c *fiber.Ctx) error {
	if err := labourWriter(c); err != nil {
		return err
	}
	var in attendanceIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	r := in.validate(&v, "", s.labourToday())
	if err := v.err(); err != nil {
		return err
	}
	var out dbq.AttendanceUpsertRow
	err := db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
		if err := s.labourProjectWritable(c, q, r.project); err != nil {
			return err
		}
		team, err := s.employedOne(c, q, r.project, r.worker, r.date, r.date, r.team, notEmployedOnDate)
		if err != nil {
			return err
		}
		out, err = q.AttendanceUpsert(c.UserContext(), dbq.AttendanceUpsertParams{ProjectID: r.project, WorkerID: r.worker,
			WorkDate: r.date, TeamID: team, Minutes: r.minutes, Source: r.source})
		return err
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if out.Inserted {
		status = http.StatusCreated
	}
	return c.Status(status).JSON(attendanceFrom(out.Attendance, ""))
}

// attendanceBatch validates every record and writes all of them in one
// statement, or none. Each record is decoded on its own so that a wrong
// type in one record is reported with its index too.
func (s *Server) attendanceBatch(c *fiber.Ctx) error {
	if err := labourWriter(c); err != nil {
		return err
	}
	var body struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := decodeBody(c, &body); err != nil {
		return err
	}
	if len(body.Records) == 0 {
		return errField("records", "required", "至少提交一条考勤记录")
	}
	if len(body.Records) > maxAttendanceBatch {
		return errField("records", "too_many", fmt.Sprintf("一次最多提交%d条考勤记录", maxAttendanceBatch))
	}
	today := s.labourToday()
	var v check
	recs := make([]attendanceRecord, len(body.Records))
	good := make([]bool, len(body.Records))
	type key struct {
		project, worker int64
		date            time.Time
	}
	seen := make(map[key]int, len(body.Records))
	projectIDs := []int64{}
	for i, raw := range body.Records {
		prefix := fmt.Sprintf("records[%d].", i)
		var in attendanceIn
		if err := decodeRecord(raw, &in); err != nil {
			reportPrefixed(&v, prefix, err)
			continue
		}
		before := len(v.fields)
		recs[i] = in.validate(&v, prefix, today)
		if len(v.fields) != before {
			continue
		}
		k := key{recs[i].project, recs[i].worker, recs[i].date}
		if j, dup := seen[k]; dup {
			v.fail(prefix+"work_date", "duplicate_record", fmt.Sprintf("与第%d条记录重复（同一项目、工人、日期）", j))
			continue
		}
		seen[k] = i
		good[i] = true
		projectIDs = append(projectIDs, recs[i].project)
	}
	var out attendanceBatchOut
	err := db.InTx(c.UserContext(), s.deps.Pool, func(q *dbq.Queries, _ pgx.Tx) error {
		projects, err := s.labourProjects(c, q, projectIDs)
		if err != nil {
			return err
		}
		var reqs []employmentReq
		var idx []int
		for i, r := range recs {
			if !good[i] {
				continue
			}
			prefix := fmt.Sprintf("records[%d].", i)
			p, ok := projects[r.project]
			switch {
			case !ok:
				v.fail(prefix+"project_id", "reference_not_found", projectRefMsg)
			case !p.Active:
				v.fail(prefix+"project_id", "project_inactive", "项目已停用")
			default:
				reqs = append(reqs, employmentReq{project: r.project, worker: r.worker, from: r.date, to: r.date, team: deref(r.team)})
				idx = append(idx, i)
			}
		}
		if len(reqs) > 0 {
			rows, err := s.employmentCheck(c, q, reqs)
			if err != nil {
				return err
			}
			for k, row := range rows {
				i := idx[k]
				prefix := fmt.Sprintf("records[%d].", i)
				if row.EmploymentID == 0 {
					v.fail(prefix+"worker_id", "not_employed", notEmployedOnDate)
				}
				if !row.TeamOk {
					v.fail(prefix+"team_id", "team_not_on_project", "班组不属于该项目")
				}
				if recs[i].team == nil {
					recs[i].team = row.EmploymentTeamID
				}
			}
		}
		if err := v.err(); err != nil {
			return err
		}
		p := dbq.AttendanceUpsertManyParams{}
		for _, r := range recs {
			p.ProjectIds = append(p.ProjectIds, r.project)
			p.WorkerIds = append(p.WorkerIds, r.worker)
			p.WorkDates = append(p.WorkDates, r.date)
			p.TeamIds = append(p.TeamIds, deref(r.team))
			p.Minutes = append(p.Minutes, r.minutes)
			p.Sources = append(p.Sources, r.source)
		}
		inserted, err := q.AttendanceUpsertMany(c.UserContext(), p)
		if err != nil {
			return err
		}
		out.Written = len(inserted)
		for _, ins := range inserted {
			if ins {
				out.Inserted++
			} else {
				out.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// decodeRecord decodes one element of a batch strictly.
func decodeRecord(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	return nil
}

// reportPrefixed records a decoding error of one batch element under
// prefix + field.
func reportPrefixed(v *check, prefix string, err error) {
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for f, msg := range e.Fields {
			if f == "body" {
				f = "record"
			}
			v.fail(prefix+f, e.Code, msg)
		}
		return
	}
	v.fail(strings.TrimSuffix(prefix, "."), "invalid_json", "记录不是有效的JSON对象")
}

func init() {
	for k, v := range map[string][2]string{
		"attendance_project_id_fkey": {"project_id", "项目不存在"},
		"attendance_worker_id_fkey":  {"worker_id", "工人不存在"},
		"attendance_team_id_fkey":    {"team_id", "班组不存在"},
	} {
		constraintFields[k] = v
	}
}
