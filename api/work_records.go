package api

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Work records 记工计量: piece work or measured quantities of a worker on a
// day. The worker must be employed on the project on that day. Records
// are deactivated with a reason, never deleted.

type workRecordOut struct {
	ID                 int64     `json:"id"`
	ProjectID          int64     `json:"project_id"`
	WorkerID           int64     `json:"worker_id"`
	WorkerName         string    `json:"worker_name"`
	TeamID             *int64    `json:"team_id"`
	WorkDate           Date      `json:"work_date"`
	Item               string    `json:"item"`
	Unit               string    `json:"unit"`
	QuantityMilli      int64     `json:"quantity_milli" doc:"thousandths of the unit"`
	AmountFen          int64     `json:"amount_fen"`
	Active             bool      `json:"active"`
	DeactivationReason *string   `json:"deactivation_reason"`
	Version            int32     `json:"version"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

type workRecordIn struct {
	ProjectID     *int64  `json:"project_id,omitempty" required:"true" doc:"create only"`
	WorkerID      *int64  `json:"worker_id,omitempty" required:"true" doc:"create only"`
	TeamID        *int64  `json:"team_id,omitempty" doc:"a team of the project; default the team of the worker's employment"`
	WorkDate      *string `json:"work_date,omitempty" required:"true" doc:"YYYY-MM-DD; not in the future, within an employment of the worker"`
	Item          *string `json:"item,omitempty" required:"true"`
	Unit          *string `json:"unit,omitempty"`
	QuantityMilli *int64  `json:"quantity_milli,omitempty" required:"true" doc:"thousandths of the unit, >= 0"`
	AmountFen     *int64  `json:"amount_fen,omitempty" doc:"fen, >= 0, default 0"`
	Version       *int32  `json:"version,omitempty" doc:"the version read; required on update"`
}

func workRecordFrom(r dbq.WorkRecord, workerName string) workRecordOut {
	return workRecordOut{ID: r.ID, ProjectID: r.ProjectID, WorkerID: r.WorkerID, WorkerName: workerName, TeamID: r.TeamID,
		WorkDate: Date{r.WorkDate}, Item: r.Item, Unit: r.Unit, QuantityMilli: r.QuantityMilli, AmountFen: r.AmountFen,
		Active: r.Active, DeactivationReason: r.DeactivationReason, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

var workRecordSorts = []string{"work_date", "-work_date", "-amount_fen", "-id"}

func (s *Server) workRecordRoutes() {
	s.add(route{Method: "GET", Path: "/work-records", Perm: "work-records:read", Tag: "work-records", Summary: "List work records in scope",
		Query: append(pageParams(workRecordSorts...),
			param{Name: "project_id", Type: "integer"},
			param{Name: "worker_id", Type: "integer"},
			param{Name: "team_id", Type: "integer"},
			param{Name: "date_from", Type: "string", Desc: "YYYY-MM-DD"},
			param{Name: "date_to", Type: "string", Desc: "YYYY-MM-DD"},
			param{Name: "active", Type: "boolean"}),
		Out: listOut[workRecordOut]{}, Handler: s.workRecordList})
	s.add(route{Method: "GET", Path: "/work-records/:id", Perm: "work-records:read", Tag: "work-records", Summary: "Get a work record", Out: workRecordOut{}, Handler: getHandler(s, idParam, workRecordGetScoped, workRecordRowOut)})
	s.add(route{Method: "POST", Path: "/work-records", Perm: "work-records:write", Tag: "work-records", Summary: "Record work done", Body: workRecordIn{}, Out: workRecordOut{}, Status: 201, Handler: s.workRecordCreate})
	s.add(route{Method: "PATCH", Path: "/work-records/:id", Perm: "work-records:write", Tag: "work-records", Summary: "Correct a work record", Body: workRecordIn{}, Out: workRecordOut{}, Handler: s.workRecordUpdate})
	s.add(route{Method: "POST", Path: "/work-records/:id/deactivate", Perm: "work-records:write", Tag: "work-records", Summary: "Deactivate a work record", Body: activeIn{}, Out: workRecordOut{}, Handler: s.workRecordSetActive(false)})
	s.add(route{Method: "POST", Path: "/work-records/:id/reactivate", Perm: "work-records:write", Tag: "work-records", Summary: "Reactivate a work record", Body: activeIn{}, Out: workRecordOut{}, Handler: s.workRecordSetActive(true)})
}

func (s *Server) workRecordList(c *fiber.Ctx) error {
	sc := scopeOf(c)
	p, err := parsePage(c, workRecordSorts...)
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.WorkRecordListParams{WithTotal: true, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		ProjectID: qe.id(c, "project_id"), WorkerID: qe.id(c, "worker_id"), TeamID: qe.id(c, "team_id"),
		DateFrom: qe.date(c, "date_from"), DateTo: qe.date(c, "date_to"), Active: qe.boolean(c, "active"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.WorkRecordListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.WorkRecordList(c.UserContext(), arg)
	}, func(r dbq.WorkRecordListRow) int64 { return r.Total }, workRecordRowOut)
}

// workRecordGetScoped loads a work record the caller may see (else not found).
func workRecordGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.WorkRecordListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.WorkRecordList(c.UserContext(), dbq.WorkRecordListParams{ID: &id,
		ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
}

func workRecordRowOut(r dbq.WorkRecordListRow) workRecordOut {
	return workRecordFrom(r.WorkRecord, r.WorkerName)
}

// validate checks the fields present; on create every required field must
// be present. It returns the parsed work date, if given.
func (in *workRecordIn) validate(create bool, today time.Time) (*time.Time, error) {
	var v check
	if create {
		v.positiveID("project_id", in.ProjectID, true)
		v.positiveID("worker_id", in.WorkerID, true)
	} else {
		v.required("version", in.Version != nil)
	}
	v.positiveID("team_id", in.TeamID, false)
	d := v.dateField("work_date", in.WorkDate, create)
	v.notFuture("work_date", d, today)
	v.text("item", in.Item, create, 128)
	v.text("unit", in.Unit, false, 16)
	if in.QuantityMilli == nil {
		if create {
			v.fail("quantity_milli", "required", "必填")
		}
	} else if *in.QuantityMilli < 0 || *in.QuantityMilli > 1_000_000_000_000_000 {
		v.fail("quantity_milli", "invalid_quantity", "数量应为非负数且不超过允许范围")
	}
	v.fen("amount_fen", in.AmountFen, false)
	return d, v.err()
}

func (s *Server) workRecordCreate(c *fiber.Ctx) error {
	var in workRecordIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	d, err := in.validate(true, s.today())
	if err != nil {
		return err
	}
	var out dbq.WorkRecord
	var name string
	err = s.inTx(c, func(q *dbq.Queries) error {
		if err := s.labourProjectWritable(c, q, *in.ProjectID); err != nil {
			return err
		}
		team, err := s.employedOne(c, q, *in.ProjectID, *in.WorkerID, *d, *d, in.TeamID, notEmployedOnDate)
		if err != nil {
			return err
		}
		out, err = q.WorkRecordCreate(c.UserContext(), dbq.WorkRecordCreateParams{ProjectID: *in.ProjectID, WorkerID: *in.WorkerID,
			TeamID: team, WorkDate: *d, Item: *in.Item, Unit: deref(in.Unit), QuantityMilli: *in.QuantityMilli, AmountFen: deref(in.AmountFen)})
		if err != nil {
			return err
		}
		got, err := workRecordGetScoped(c, q, out.ID)
		name = got.WorkerName
		return err
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(workRecordFrom(out, name))
}

func (s *Server) workRecordUpdate(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in workRecordIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	d, err := in.validate(false, s.today())
	if err != nil {
		return err
	}
	return changeRow(s, c, id, workRecordGetScoped, func(q *dbq.Queries, cur dbq.WorkRecordListRow) (workRecordOut, error) {
		r := cur.WorkRecord
		if in.ProjectID != nil && *in.ProjectID != r.ProjectID {
			return workRecordOut{}, errField("project_id", "immutable", "所属项目不可修改，请停用后重新登记")
		}
		if in.WorkerID != nil && *in.WorkerID != r.WorkerID {
			return workRecordOut{}, errField("worker_id", "immutable", "工人不可修改，请停用后重新登记")
		}
		if err := s.labourProjectWritable(c, q, r.ProjectID); err != nil {
			return workRecordOut{}, err
		}
		p := dbq.WorkRecordUpdateParams{ID: id, Version: *in.Version, TeamID: r.TeamID, WorkDate: r.WorkDate, Item: r.Item,
			Unit: r.Unit, QuantityMilli: r.QuantityMilli, AmountFen: r.AmountFen}
		if d != nil {
			p.WorkDate = *d
		}
		set(&p.Item, in.Item)
		set(&p.Unit, in.Unit)
		set(&p.QuantityMilli, in.QuantityMilli)
		set(&p.AmountFen, in.AmountFen)
		if in.TeamID != nil {
			p.TeamID = in.TeamID
		}
		if d != nil || in.TeamID != nil {
			if _, err := s.employedOne(c, q, r.ProjectID, r.WorkerID, p.WorkDate, p.WorkDate, in.TeamID, notEmployedOnDate); err != nil {
				return workRecordOut{}, err
			}
		}
		w, err := q.WorkRecordUpdate(c.UserContext(), p)
		if err != nil {
			return workRecordOut{}, versioned(err)
		}
		return workRecordFrom(w, cur.WorkerName), nil
	})
}

func (s *Server) workRecordSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, workRecordGetScoped, (*dbq.Queries).WorkRecordSetActive,
		func(_ *fiber.Ctx, _ *dbq.Queries, cur dbq.WorkRecordListRow, r dbq.WorkRecord) (any, error) {
			return workRecordFrom(r, cur.WorkerName), nil
		})
}

func init() {
	for k, v := range map[string][2]string{
		"work_records_project_id_fkey": {"project_id", "项目不存在"},
		"work_records_worker_id_fkey":  {"worker_id", "工人不存在"},
		"work_records_team_id_fkey":    {"team_id", "班组不存在"},
	} {
		constraintFields[k] = v
	}
}
