package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

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
// This file also holds the checks that every labour-data handler shares
// (attendance, work records, payroll, wage accounts, deposits): scope
// checks of the project a write names and the employment check.

// maxAttendanceBatch caps one batch write.
const maxAttendanceBatch = 5000

// maxAttendanceRange caps the days of an attendance list query.
const maxAttendanceRange = 366

// projectRefMsg is what a client hears of a project it may not see: the
// same as of one that does not exist.
const projectRefMsg = "项目不存在或无权访问"

// labourProjects loads the given projects as far as they are in the
// caller's scope, keyed by id.
func (s *Server) labourProjects(c *fiber.Ctx, q *dbq.Queries, ids []int64) (map[int64]dbq.LabourProjectsInScopeRow, error) {
	sc := scopeOf(c)
	rows, err := q.LabourProjectsInScope(c.UserContext(), dbq.LabourProjectsInScopeParams{Ids: ids,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key()})
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
	ProjectID   int64     `json:"project_id"`
	WorkerID    int64     `json:"worker_id"`
	WorkerName  string    `json:"worker_name,omitempty"`
	WorkDate    Date      `json:"work_date"`
	TeamID      *int64    `json:"team_id"`
	Minutes     int32     `json:"minutes"`
	Source      string    `json:"source" codes:"attendance_sources"`
	SourceLabel string    `json:"source_label"`
	CreatedAt   time.Time `json:"created_at"`
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
	s.add(route{Method: "GET", Path: "/attendance", Perm: "attendance:read", Tag: "attendance", Summary: "List attendance in scope (project_id required except for workers; range at most 366 days)",
		Query: append(pageParams(attendanceSorts...),
			param{Name: "project_id", Type: "integer", Desc: "required unless the caller is a worker"},
			param{Name: "date_from", Type: "string", Desc: "YYYY-MM-DD, required"},
			param{Name: "date_to", Type: "string", Desc: "YYYY-MM-DD, required"},
			param{Name: "worker_id", Type: "integer"},
			param{Name: "team_id", Type: "integer"}),
		Out: listOut[attendanceOut]{}, Handler: s.attendanceList})
	s.add(route{Method: "GET", Path: "/attendance/summary", Perm: "attendance:read", Tag: "attendance", Summary: "Per-worker attendance of one month: days attended and total minutes",
		Query: append(pageParams(attendanceSummarySorts...),
			param{Name: "project_id", Type: "integer", Desc: "required unless the caller is a worker"},
			param{Name: "month", Type: "string", Desc: "YYYY-MM, required"},
			param{Name: "team_id", Type: "integer"}),
		Out: listOut[attendanceSummaryOut]{}, Handler: s.attendanceSummary})
	s.add(route{Method: "PUT", Path: "/attendance", Perm: "attendance:write", Tag: "attendance", Summary: "Record or correct one worker-day (upsert; 201 when new)",
		Body: attendanceIn{}, Out: attendanceOut{}, Handler: s.attendancePut})
	s.add(route{Method: "POST", Path: "/attendance/batch", Perm: "attendance:write", Tag: "attendance", Summary: "Record up to 5000 worker-days: all or nothing, every bad record reported as records[i].field",
		Body: attendanceBatchIn{}, Out: attendanceBatchOut{}, Handler: s.attendanceBatch})
}

// attendanceFilter is the filters of the attendance list and its export:
// a project (required except for workers; the export requires it of
// everyone), a date range of at most maxAttendanceRange days, and
// optionally a worker and a team.
type attendanceFilter struct {
	project      *int64
	from, to     time.Time
	worker, team *int64
}

func parseAttendanceFilter(c *fiber.Ctx, projectRequired bool) (attendanceFilter, error) {
	var f attendanceFilter
	var qe queryErrs
	f.project = qe.id(c, "project_id")
	from, to := qe.date(c, "date_from"), qe.date(c, "date_to")
	f.worker, f.team = qe.id(c, "worker_id"), qe.id(c, "team_id")
	qe.required("project_id", f.project != nil || !projectRequired)
	qe.required("date_from", from != nil)
	qe.required("date_to", to != nil)
	if from != nil && to != nil {
		switch {
		case to.Before(*from):
			qe.fail("date_to", "结束日期不能早于开始日期")
		case to.Sub(*from) >= maxAttendanceRange*24*time.Hour:
			qe.fail("date_to", fmt.Sprintf("查询范围不能超过%d天", maxAttendanceRange))
		default:
			f.from, f.to = *from, *to
		}
	}
	return f, qe.err()
}

func (s *Server) attendanceList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, attendanceSorts...)
	if err != nil {
		return err
	}
	f, err := parseAttendanceFilter(c, sc.Level() != db.LevelWorker)
	if err != nil {
		return err
	}
	arg := dbq.AttendanceListParams{WithTotal: true, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		DateFrom: f.from, DateTo: f.to, ProjectID: f.project, WorkerID: f.worker, TeamID: f.team, Sort: p.Sort}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.AttendanceListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.AttendanceList(c.UserContext(), arg)
	}, func(r dbq.AttendanceListRow) int64 { return r.Total }, func(r dbq.AttendanceListRow) attendanceOut {
		return attendanceFrom(r.Attendance, r.WorkerName)
	})
}

func (s *Server) attendanceSummary(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, attendanceSummarySorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	project, month, team := qe.id(c, "project_id"), qe.month(c, "month"), qe.id(c, "team_id")
	qe.required("project_id", project != nil || sc.Level() == db.LevelWorker)
	qe.required("month", month != nil)
	if err := qe.err(); err != nil {
		return err
	}
	arg := dbq.AttendanceSummaryParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		MonthFirst: *month, MonthLast: lastOfMonth(*month), ProjectID: project, TeamID: team, Sort: p.Sort}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.AttendanceSummaryRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.AttendanceSummary(c.UserContext(), arg)
	}, func(r dbq.AttendanceSummaryRow) int64 { return r.Total }, func(r dbq.AttendanceSummaryRow) attendanceSummaryOut {
		return attendanceSummaryOut{ProjectID: r.ProjectID, WorkerID: r.WorkerID, WorkerName: r.WorkerName,
			Days: r.Days, Minutes: r.Minutes, FirstDate: Date{r.FirstDate}, LastDate: Date{r.LastDate}}
	})
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
	var in attendanceIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	r := in.validate(&v, "", s.today())
	if err := v.err(); err != nil {
		return err
	}
	var out dbq.AttendanceUpsertRow
	err := s.inTx(c, func(q *dbq.Queries) error {
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
	today := s.today()
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
		if err := decodeStrict(raw, &in); err != nil {
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
	err := s.inTx(c, func(q *dbq.Queries) error {
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
		out.Inserted, out.Updated, err = upsertAttendance(c.UserContext(), q, recs)
		out.Written = out.Inserted + out.Updated
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// upsertAttendance writes attendance records in one statement and counts
// the new and the corrected worker-days.
func upsertAttendance(ctx context.Context, q *dbq.Queries, recs []attendanceRecord) (inserted, updated int, err error) {
	var p dbq.AttendanceUpsertManyParams
	for _, r := range recs {
		p.ProjectIds = append(p.ProjectIds, r.project)
		p.WorkerIds = append(p.WorkerIds, r.worker)
		p.WorkDates = append(p.WorkDates, r.date)
		p.TeamIds = append(p.TeamIds, deref(r.team))
		p.Minutes = append(p.Minutes, r.minutes)
		p.Sources = append(p.Sources, r.source)
	}
	ins, err := q.AttendanceUpsertMany(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	inserted, updated = countUpserts(ins)
	return inserted, updated, nil
}

// countUpserts counts the rows an upsert inserted and those it updated,
// from its "inserted" flags.
func countUpserts(inserted []bool) (ins, upd int) {
	for _, i := range inserted {
		if i {
			ins++
		} else {
			upd++
		}
	}
	return ins, upd
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
