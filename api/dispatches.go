package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/activities"
	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/workflows"
)

// Dispatches (交办/督办, issue 10): the city assigns a matter to towns;
// each town reports back on its part; the city accepts or returns each
// report. Reads come from the projection; a create records the dispatch
// and starts its workflow (caseclient); every action is an Update from
// the dispatch's table of actions (workflows.DispatchActions), refused
// for a caller who may not take it before the body is read.

type dispatchOut struct {
	ID            int64       `json:"id"`
	CaseNo        string      `json:"case_no" doc:"the case number, JB-<year>-<6 digits> (交办编号)"`
	Title         string      `json:"title"`
	Instructions  string      `json:"instructions"`
	LeadID        *int64      `json:"lead_id" doc:"the lead this dispatch supervises"`
	Level         string      `json:"level" doc:"supervised (督办) or listed (挂牌督办)" codes:"dispatch_levels"`
	LevelLabel    string      `json:"level_label"`
	DueDays       int32       `json:"due_days" doc:"each town's deadline in working days"`
	Status        string      `json:"status" codes:"dispatch_statuses"`
	StatusLabel   string      `json:"status_label"`
	Step          int32       `json:"step" doc:"the last workflow step projected"`
	CreatedBy     int64       `json:"created_by"`
	CreatedByName string      `json:"created_by_name"`
	CreatedAt     time.Time   `json:"created_at"`
	ClosedAt      *time.Time  `json:"closed_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	TownsTotal    int32       `json:"towns_total"`
	TownsAccepted int32       `json:"towns_accepted"`
	TownsOverdue  int32       `json:"towns_overdue"`
	Towns         []dispTown  `json:"towns" doc:"each town's part"`
	Actions       []actionRef `json:"actions" doc:"the actions the caller may take now"`
}

type dispTown struct {
	TownCode           string        `json:"town_code"`
	TownName           string        `json:"town_name"`
	Status             string        `json:"status" codes:"dispatch_town_statuses"`
	StatusLabel        string        `json:"status_label"`
	DueAt              *time.Time    `json:"due_at" doc:"the town's deadline to report"`
	DueEstimated       bool          `json:"due_estimated" doc:"due_at was counted without the official holiday arrangement of a year it passes through (weekdays only; 期限为估算): it is recounted once the city enters that year's holidays"`
	RemindedAt         *time.Time    `json:"reminded_at"`
	Overdue            bool          `json:"overdue"`
	Returned           int32         `json:"returned" doc:"times the city returned the town's report"`
	Report             string        `json:"report"`
	ReportedAt         *time.Time    `json:"reported_at"`
	AcceptedAt         *time.Time    `json:"accepted_at"`
	ReviewDue          *time.Time    `json:"review_due" doc:"the city's deadline to accept or return the town's last report (null before one)"`
	ReviewDueEstimated bool          `json:"review_due_estimated" doc:"the same mark for review_due"`
	EvidenceIDs        []int64       `json:"evidence_ids" doc:"the evidence files the town's last report was submitted with"`
	Evidence           []evidenceRef `json:"evidence,omitempty" doc:"the dispatch's detail (and an action's answer): those files (names, sizes, types, links)"`
}

type dispatchEventOut struct {
	Seq             *int32          `json:"seq" doc:"workflow step; null for office actions (claim, assignment)"`
	At              time.Time       `json:"at"`
	Action          string          `json:"action" codes:"dispatch_steps"`
	ActionLabel     string          `json:"action_label"`
	TownCode        *string         `json:"town_code" doc:"the town whose part the step concerns"`
	ActorID         *int64          `json:"actor_id"`
	ActorName       string          `json:"actor_name"`
	ActorRole       string          `json:"actor_role" doc:"system for a rule" codes:"actor_roles"`
	ActorRoleLabel  string          `json:"actor_role_label"`
	IP              string          `json:"ip"`
	FromStatus      *string         `json:"from_status" codes:"dispatch_statuses"`
	FromStatusLabel string          `json:"from_status_label"`
	ToStatus        string          `json:"to_status" codes:"dispatch_statuses"`
	ToStatusLabel   string          `json:"to_status_label"`
	Changes         json.RawMessage `json:"changes" doc:"field → [old, new]"`
	Note            string          `json:"note"`
	Rule            string          `json:"rule"`
}

type dispatchDetailOut struct {
	dispatchOut
	Events []dispatchEventOut `json:"events"`
	Tasks  []taskOut          `json:"tasks" doc:"the caller's open tasks on the dispatch (the city: every office's)"`
}

type dispatchIn struct {
	Title        *string  `json:"title,omitempty" required:"true"`
	Instructions *string  `json:"instructions,omitempty" required:"true"`
	TownCodes    []string `json:"town_codes,omitempty" required:"true" doc:"the towns assigned (1–50)"`
	DueDays      *int     `json:"due_days,omitempty" required:"true" doc:"each town's deadline in working days (1–365)"`
	LeadID       *int64   `json:"lead_id,omitempty" doc:"the lead this dispatch supervises (督办)"`
	Level        *string  `json:"level,omitempty" doc:"supervised (default) or listed"`
}

type dispatchActionIn struct {
	Note        *string `json:"note,omitempty"`
	TownCode    *string `json:"town_code,omitempty" doc:"acceptReport, returnReport: the town whose report"`
	DueDays     *int    `json:"due_days,omitempty" doc:"returnReport: the new deadline in working days"`
	EvidenceIDs []int64 `json:"evidence_ids,omitempty" doc:"report: completed uploads for the town's report (POST /dispatches/{id}/evidence), at most 20"`
}

func (s *Server) dispatchRoutes() {
	acts := workflows.DispatchActions()
	s.add(route{Method: "GET", Path: "/dispatches", Perm: "dispatches:read", Tag: "dispatches",
		Summary: "List dispatches (交办/督办) in scope: the city every one, a town those it is assigned",
		Query: append([]param{{Name: "status", Type: "string", Enum: registry.DispatchStatuses.Codes},
			{Name: "lead_id", Type: "integer"}, {Name: "town_code", Type: "string"}, {Name: "overdue", Type: "boolean"},
			{Name: "case_no", Type: "string", Desc: caseNoDesc("JB")}},
			pageParams("id", "-id")...),
		Out: listOut[dispatchOut]{}, Handler: s.dispatchList})
	s.add(route{Method: "GET", Path: "/dispatches/:id", Perm: "dispatches:read", Tag: "dispatches",
		Summary: "A dispatch with every town's part, its history and the caller's open tasks", Out: dispatchDetailOut{},
		Handler: s.dispatchGet})
	s.add(route{Method: "POST", Path: "/dispatches", Perm: "dispatches:create", Tag: "dispatches",
		Summary: "Assign a matter to towns with instructions and a deadline (交办), or supervise a lead (督办)",
		Body:    dispatchIn{}, Out: dispatchDetailOut{}, Status: http.StatusCreated, Handler: s.dispatchCreate})
	s.add(route{Method: "POST", Path: "/dispatches/:id/actions/:action", Perm: "dispatches:act", Tag: "dispatches",
		Summary:  "Take a step on a dispatch; answers the dispatch as GET /dispatches/{id} does (the dispatch's table of actions, docs/API.md)",
		PathEnum: map[string][]string{"action": acts.Offered()}, PathDesc: map[string]string{"action": actionsDoc(acts)},
		Body: dispatchActionIn{}, Out: dispatchDetailOut{}, Handler: s.dispatchAct})
}

// dispatchGetScoped loads a dispatch as the caller sees it.
func dispatchGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.DispatchListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.DispatchList(c.UserContext(), dbq.DispatchListParams{ID: &id, ScopeLevel: sc.Level(), ScopeKey: sc.Key(),
		Sort: "id", Lim: 1}))
}

// dispatchTowns are the parts of the dispatches ids, by dispatch.
func dispatchTowns(c *fiber.Ctx, q *dbq.Queries, ids []int64) (map[int64][]dbq.DispatchTownsOfRow, error) {
	rows, err := q.DispatchTownsOf(c.UserContext(), ids)
	if err != nil {
		return nil, err
	}
	out := map[int64][]dbq.DispatchTownsOfRow{}
	for _, r := range rows {
		out[r.DispatchTown.DispatchID] = append(out[r.DispatchTown.DispatchID], r)
	}
	return out, nil
}

func dispatchFrom(r dbq.DispatchListRow, towns []dbq.DispatchTownsOfRow, actor cases.Actor) dispatchOut {
	d := r.Dispatch
	out := dispatchOut{ID: d.ID, CaseNo: d.CaseNo, Title: d.Title, Instructions: d.Instructions, LeadID: d.LeadID, Level: d.Level,
		DueDays: d.DueDays, Status: d.Status,
		Step: d.Seq, CreatedBy: d.CreatedBy,
		CreatedByName: r.CreatedByName, CreatedAt: d.CreatedAt, ClosedAt: d.ClosedAt, UpdatedAt: d.UpdatedAt,
		TownsTotal: r.Towns, TownsAccepted: r.TownsAccepted, TownsOverdue: r.TownsOverdue, Towns: []dispTown{}}
	var codes []string
	for _, t := range towns {
		x := t.DispatchTown
		codes = append(codes, x.TownCode)
		out.Towns = append(out.Towns, dispTown{TownCode: x.TownCode, TownName: t.TownName, Status: x.Status,
			DueAt: x.DueAt, DueEstimated: x.DueEstimated,
			RemindedAt: x.RemindedAt, ReviewDue: x.ReviewDue, ReviewDueEstimated: x.ReviewDueEstimated,
			Overdue: x.Overdue, Returned: x.Returned, Report: x.Report, ReportedAt: x.ReportedAt, AcceptedAt: x.AcceptedAt,
			EvidenceIDs: append([]int64{}, x.EvidenceIds...)})
	}
	out.Actions = actionsAllowed(workflows.DispatchActions(), func(a cases.ActionSpec) *workflows.Refusal {
		return workflows.PrecheckDispatch(a, actor, cases.DispatchStatus(d.Status), cases.Parties{Towns: codes})
	})
	return out
}

func (s *Server) dispatchList(c *fiber.Ctx) error {
	p, err := parsePage(c, "id", "-id")
	if err != nil {
		return err
	}
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.DispatchListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Status: qe.enum(c, "status", registry.DispatchStatuses),
		LeadID: qe.id(c, "lead_id"), TownCode: queryText(c, "town_code"), Overdue: qe.boolean(c, "overdue"),
		CaseNo: qe.caseNo(c, "case_no", caseNoDispatch), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	actor := actorOf(c)
	var towns map[int64][]dbq.DispatchTownsOfRow
	return listPage(c, p, func(lim, off int32) ([]dbq.DispatchListRow, error) {
		arg.Lim, arg.Off = lim, off
		rows, err := q.DispatchList(c.UserContext(), arg)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.Dispatch.ID
		}
		towns, err = dispatchTowns(c, q, ids)
		return rows, err
	}, func(r dbq.DispatchListRow) int64 { return r.Total },
		func(r dbq.DispatchListRow) dispatchOut { return dispatchFrom(r, towns[r.Dispatch.ID], actor) })
}

func (s *Server) dispatchGet(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	row, err := dispatchGetScoped(c, q, id)
	if err != nil {
		return err
	}
	out, err := s.dispatchDetail(c, q, row)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// dispatchDetail is a dispatch as the caller sees it.
func (s *Server) dispatchDetail(c *fiber.Ctx, q *dbq.Queries, row dbq.DispatchListRow) (dispatchDetailOut, error) {
	id := row.Dispatch.ID
	towns, err := dispatchTowns(c, q, []int64{id})
	if err != nil {
		return dispatchDetailOut{}, err
	}
	evs, err := q.DispatchEvents(c.UserContext(), id)
	if err != nil {
		return dispatchDetailOut{}, err
	}
	out := dispatchDetailOut{dispatchOut: dispatchFrom(row, towns[id], actorOf(c)), Events: make([]dispatchEventOut, len(evs))}
	files, err := q.EvidenceListOfCase(c.UserContext(), evidenceCase{kind: evidenceOfDispatch, id: id}.params())
	if err != nil {
		return dispatchDetailOut{}, err
	}
	for i := range out.Towns {
		t := &out.Towns[i]
		t.Evidence = evidenceRefs(slices.DeleteFunc(slices.Clone(files), func(f dbq.EvidenceFile) bool {
			return deref(f.DispatchTown) != t.TownCode
		}), t.EvidenceIDs)
	}
	for i, e := range evs {
		out.Events[i] = dispatchEventOut{Seq: e.Seq, At: e.At, Action: e.Action, TownCode: e.TownCode, ActorID: e.ActorID, ActorName: e.ActorName, ActorRole: e.ActorRole, IP: e.Ip,
			FromStatus: e.FromStatus, ToStatus: e.ToStatus, Changes: e.Changes, Note: e.Note, Rule: e.Rule}
	}
	tp := s.taskParams(c)
	tp.DispatchID, tp.Lim = &id, 100
	tasks, err := q.CaseTaskList(c.UserContext(), tp)
	if err != nil {
		return dispatchDetailOut{}, err
	}
	out.Tasks = make([]taskOut, len(tasks))
	for i, t := range tasks {
		out.Tasks[i] = taskFrom(t)
	}
	return out, nil
}

func (s *Server) dispatchCreate(c *fiber.Ctx) error {
	var in dispatchIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.text("title", in.Title, true, 200)
	v.text("instructions", in.Instructions, true, 4000)
	if in.Title != nil && len([]rune(*in.Title)) < 2 && v.ok("title") {
		v.fail("title", "too_short", "标题至少2个字")
	}
	if in.Instructions != nil && len([]rune(*in.Instructions)) < 2 && v.ok("instructions") {
		v.fail("instructions", "too_short", "请填写交办要求")
	}
	if in.DueDays == nil {
		v.fail("due_days", "required", "请填写办理期限")
	} else if *in.DueDays < 1 || *in.DueDays > 365 {
		v.fail("due_days", "out_of_range", "期限应为1至365个工作日")
	}
	level := "supervised"
	v.enum("level", in.Level, false, registry.DispatchLevels)
	if in.Level != nil {
		level = *in.Level
	}
	v.positiveID("lead_id", in.LeadID, false)
	towns := slices.Compact(slices.Sorted(slices.Values(in.TownCodes)))
	switch {
	case len(towns) == 0:
		v.fail("town_codes", "required", "请选择承办镇街")
	case len(towns) > 50:
		v.fail("town_codes", "out_of_range", "每次最多交办50个镇街")
	case len(towns) != len(in.TownCodes):
		v.fail("town_codes", "duplicate", "承办镇街重复")
	}
	if err := v.err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	q := db.Q(s.deps.Pool)
	for _, t := range towns {
		active, err := q.TownActive(ctx, t)
		if errors.Is(err, db.ErrNotFound) || (err == nil && !active) {
			v.fail("town_codes", "not_found", "镇街"+t+"不存在或已停用")
		} else if err != nil {
			return err
		}
	}
	if in.LeadID != nil {
		if _, err := leadGetScoped(c, q, *in.LeadID); errors.Is(err, db.ErrNotFound) {
			v.fail("lead_id", "not_found", "线索不存在")
		} else if err != nil {
			return err
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	id, err := s.openDispatch(c, dispatchRecord{title: *in.Title, instructions: *in.Instructions, towns: towns,
		dueDays: *in.DueDays, leadID: in.LeadID, level: level})
	if err != nil {
		return err
	}
	row, err := dispatchGetScoped(c, q, id)
	if err != nil {
		return err
	}
	out, err := s.dispatchDetail(c, q, row)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// dispatchRecord is a checked dispatch to record and start.
type dispatchRecord struct {
	title, instructions string
	towns               []string // sorted, distinct, active
	dueDays             int
	leadID              *int64
	level               string
}

// openDispatch records a dispatch and its towns' parts in one
// transaction, then starts its workflow (the stalled-case sweep starts it
// if that fails after the commit); it answers the dispatch's id.
func (s *Server) openDispatch(c *fiber.Ctx, r dispatchRecord) (int64, error) {
	if s.deps.Temporal == nil {
		return 0, caseclient.ErrUnavailable
	}
	ctx := c.UserContext()
	actor := actorOf(c)
	var d dbq.Dispatch
	err := s.inTx(c, func(q *dbq.Queries) error {
		var err error
		d, err = activities.RecordDispatch(ctx, q, activities.DispatchRecord{Title: r.title, Instructions: r.instructions,
			Towns: r.towns, DueDays: r.dueDays, LeadID: r.leadID, Level: r.level, CreatedBy: actor.AccountID})
		return err
	})
	if err != nil {
		return 0, err
	}
	st, err := s.cases.StartDispatch(ctx, workflows.DispatchInput{DispatchID: d.ID, By: actor, Towns: r.towns,
		DueDays: r.dueDays, LeadID: deref(r.leadID)})
	if err != nil {
		return 0, err
	}
	auditDetail(c, "dispatch_step", st.Seq)
	return d.ID, nil
}

func (s *Server) dispatchAct(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	spec, ok := workflows.DispatchActions().Find(c.Params("action"))
	if !ok {
		return errUnknownAction
	}
	q := db.Q(s.deps.Pool)
	row, err := dispatchGetScoped(c, q, id)
	if err != nil {
		return err
	}
	towns, err := dispatchTowns(c, q, []int64{id})
	if err != nil {
		return err
	}
	codes := make([]string, len(towns[id]))
	for i, t := range towns[id] {
		codes[i] = t.DispatchTown.TownCode
	}
	actor := actorOf(c)
	if r := workflows.PrecheckDispatch(spec, actor, cases.DispatchStatus(row.Dispatch.Status), cases.Parties{Towns: codes}); r != nil {
		return caseclient.Refused(caseclient.Dispatch, *r)
	}
	var in dispatchActionIn
	keys, err := decodeBodyKeys(c, &in)
	if err != nil {
		return err
	}
	var v check
	notApplicable(&v, spec, keys)
	v.text("note", in.Note, false, 4000)
	act := workflows.DispatchActionInput{Actor: actor, Note: deref(in.Note), TownCode: deref(in.TownCode)}
	if in.DueDays != nil {
		act.DueDays = *in.DueDays
		if *in.DueDays < 1 || *in.DueDays > 365 {
			v.fail("due_days", "out_of_range", "期限应为1至365个工作日")
		}
	}
	if act.EvidenceIDs, err = evidenceIDsOfCase(c, q, &v, evidenceCase{kind: evidenceOfDispatch, id: id, town: actor.TownCode},
		in.EvidenceIDs); err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	st, err := s.cases.ActDispatch(c.UserContext(), id, spec.Name, act)
	if err != nil {
		return err
	}
	auditDetail(c, "dispatch_step", st.Seq)
	row, err = dispatchGetScoped(c, q, id)
	if err != nil {
		return err
	}
	out, err := s.dispatchDetail(c, q, row)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
