package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// The working-day calendar and the case policies are data the city keeps:
// each November the State Council publishes next year's holidays, which
// are entered here; the time limits per case kind can be changed. A
// running case keeps the policy it started with; its deadlines through a
// year entered or corrected are recounted (RecountDeadlines, started once
// the change is committed; see workflows/lead_recount.go).

type calendarDayOut struct {
	Day     Date   `json:"day"`
	Workday bool   `json:"workday" doc:"true: a weekend day worked (调休上班); false: a public holiday"`
	Name    string `json:"name"`
}

type calendarYearOut struct {
	Year   int32            `json:"year"`
	Source string           `json:"source" doc:"the notice the arrangement comes from"`
	Days   []calendarDayOut `json:"days"`
	// Recount is set by PUT only: the fan-out that has the open cases
	// recount their deadlines through the year.
	Recount *recountOut `json:"recount,omitempty" doc:"PUT only: the recount of the running deadlines through this year"`
}

type recountOut struct {
	WorkflowID string `json:"workflow_id,omitempty" doc:"the Temporal workflow that signals the open cases (calendar-recount:<year>)"`
	Started    bool   `json:"started" doc:"false: Temporal was unreachable; the calendar is saved, and entering the year again starts the recount"`
}

type calendarDayIn struct {
	Day     *Date   `json:"day,omitempty" required:"true"`
	Workday *bool   `json:"workday,omitempty" required:"true"`
	Name    *string `json:"name,omitempty" required:"true"`
}

type calendarYearIn struct {
	Source *string         `json:"source,omitempty" required:"true" doc:"e.g. 国务院办公厅关于2027年部分节假日安排的通知"`
	Days   []calendarDayIn `json:"days" required:"true"`
}

type casePolicyOut struct {
	Kind            string    `json:"kind" codes:"case_policy_kinds"`
	KindLabel       string    `json:"kind_label"`
	AcceptDays      int32     `json:"accept_days"`
	HandleDays      int32     `json:"handle_days"`
	ExtendDays      int32     `json:"extend_days"`
	RectifyDays     int32     `json:"rectify_days"`
	ConfirmDays     int32     `json:"confirm_days"`
	RemindDays      int32     `json:"remind_days"`
	ListedAfterDays int32     `json:"listed_after_days"`
	MajorWorkers    int32     `json:"major_workers"`
	MajorAmountFen  int64     `json:"major_amount_fen"`
	TriageDays      int32     `json:"triage_days" doc:"the city's triage (分拨) of a lead, working days"`
	ReviewDays      int32     `json:"review_days" doc:"the city's review (复核) of a major case, working days"`
	SuperviseDays   int32     `json:"supervise_days" doc:"the city's supervision (督办) of a lead whose town missed its limit, working days"`
	Version         int32     `json:"version"`
	UpdatedAt       time.Time `json:"updated_at"`
}

type casePolicyIn struct {
	AcceptDays      *int32 `json:"accept_days,omitempty" doc:"1–60 working days"`
	HandleDays      *int32 `json:"handle_days,omitempty" doc:"1–365"`
	ExtendDays      *int32 `json:"extend_days,omitempty" doc:"0–365 (0: no extension)"`
	RectifyDays     *int32 `json:"rectify_days,omitempty" doc:"1–365"`
	ConfirmDays     *int32 `json:"confirm_days,omitempty" doc:"1–60"`
	RemindDays      *int32 `json:"remind_days,omitempty" doc:"0–30 (0: no reminder)"`
	ListedAfterDays *int32 `json:"listed_after_days,omitempty" doc:"0–365 (0: never listed)"`
	MajorWorkers    *int32 `json:"major_workers,omitempty"`
	MajorAmountFen  *int64 `json:"major_amount_fen,omitempty"`
	TriageDays      *int32 `json:"triage_days,omitempty" doc:"1–60"`
	ReviewDays      *int32 `json:"review_days,omitempty" doc:"1–60"`
	SuperviseDays   *int32 `json:"supervise_days,omitempty" doc:"1–60"`
	Version         *int32 `json:"version,omitempty" required:"true"`
}

func policyFrom(p dbq.CasePolicy) casePolicyOut {
	return casePolicyOut{Kind: p.Kind, AcceptDays: p.AcceptDays, HandleDays: p.HandleDays, ExtendDays: p.ExtendDays,
		RectifyDays: p.RectifyDays, ConfirmDays: p.ConfirmDays, RemindDays: p.RemindDays, ListedAfterDays: p.ListedAfterDays,
		MajorWorkers: p.MajorWorkers, MajorAmountFen: p.MajorAmountFen, TriageDays: p.TriageDays, ReviewDays: p.ReviewDays,
		SuperviseDays: p.SuperviseDays, Version: p.Version, UpdatedAt: p.UpdatedAt}
}

func (s *Server) calendarRoutes() {
	s.add(route{Method: "GET", Path: "/calendar", Perm: "calendar:read", Tag: "cases", Summary: "The years the working-day calendar holds",
		Out: listOut[calendarYearOut]{}, Handler: s.calendarYears})
	s.add(route{Method: "GET", Path: "/calendar/:year", Perm: "calendar:read", Tag: "cases", Summary: "One year's holidays and adjusted working days",
		Out: calendarYearOut{}, Handler: s.calendarYear})
	s.add(route{Method: "PUT", Path: "/calendar/:year", Perm: "calendar:write", Tag: "cases", Summary: "Enter (or correct) a year's official holiday arrangement",
		Body: calendarYearIn{}, Out: calendarYearOut{}, Handler: s.calendarPut})
	s.add(route{Method: "GET", Path: "/case-policies", Perm: "case-policies:read", Tag: "cases", Summary: "Time limits and thresholds per case kind",
		Out: listOut[casePolicyOut]{}, Handler: s.casePolicies})
	s.add(route{Method: "PATCH", Path: "/case-policies/:kind", Perm: "case-policies:write", Tag: "cases", Summary: "Change a case kind's time limits (new cases only)",
		Body: casePolicyIn{}, Out: casePolicyOut{}, Handler: s.casePolicyUpdate})
}

func (s *Server) calendarYears(c *fiber.Ctx) error {
	q := db.Q(s.deps.Pool)
	years, err := q.CalendarYears(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]calendarYearOut, len(years))
	for i, y := range years {
		out[i] = calendarYearOut{Year: y.Year, Source: y.Source, Days: []calendarDayOut{}}
	}
	return wholeList(c, out)
}

func yearParam(c *fiber.Ctx) (int32, error) {
	y, err := strconv.Atoi(c.Params("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, errNotFound
	}
	return int32(y), nil
}

func (s *Server) calendarYear(c *fiber.Ctx) error {
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	return s.answerYear(c, db.Q(s.deps.Pool), y)
}

func (s *Server) answerYear(c *fiber.Ctx, q *dbq.Queries, y int32) error {
	out, err := yearOut(c, q, y)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func yearOut(c *fiber.Ctx, q *dbq.Queries, y int32) (calendarYearOut, error) {
	years, err := q.CalendarYears(c.UserContext())
	if err != nil {
		return calendarYearOut{}, err
	}
	out := calendarYearOut{Year: y, Days: []calendarDayOut{}}
	found := false
	for _, r := range years {
		if r.Year == y {
			out.Source, found = r.Source, true
		}
	}
	if !found {
		return calendarYearOut{}, errNotFound
	}
	days, err := q.CalendarYearDays(c.UserContext(), y)
	if err != nil {
		return calendarYearOut{}, err
	}
	for _, d := range days {
		out.Days = append(out.Days, calendarDayOut{Day: Date{d.Day}, Workday: d.Workday, Name: d.Name})
	}
	return out, nil
}

func (s *Server) calendarPut(c *fiber.Ctx) error {
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	var in calendarYearIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.text("source", in.Source, true, 200)
	if len(in.Days) == 0 || len(in.Days) > 80 {
		v.fail("days", "out_of_range", "请填写1至80个节假日或调休上班日")
	}
	seen := map[string]bool{}
	for i, d := range in.Days {
		f := fmt.Sprintf("days[%d]", i)
		switch {
		case d.Day == nil || d.Workday == nil || d.Name == nil:
			v.fail(f, "required", "日期、是否上班和名称均须填写")
		case d.Day.Year() != int(y):
			v.fail(f, "wrong_year", "日期不在该年度内")
		case seen[d.Day.Format(dateLayout)]:
			v.fail(f, "duplicate", "日期重复")
		case *d.Workday && d.Day.Weekday() != time.Saturday && d.Day.Weekday() != time.Sunday:
			v.fail(f, "not_weekend", "调休上班日应为周六或周日")
		case len([]rune(*d.Name)) < 1 || len([]rune(*d.Name)) > 32:
			v.fail(f, "invalid_length", "名称应为1至32个字")
		}
		if d.Day != nil {
			seen[d.Day.Format(dateLayout)] = true
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	var out calendarYearOut
	err = s.inTx(c, func(q *dbq.Queries) error {
		ctx := c.UserContext()
		if err := q.CalendarYearUpsert(ctx, dbq.CalendarYearUpsertParams{Year: y, Source: *in.Source}); err != nil {
			return err
		}
		if err := q.CalendarYearClear(ctx, y); err != nil {
			return err
		}
		for _, d := range in.Days {
			if err := q.CalendarDayInsert(ctx, dbq.CalendarDayInsertParams{Day: d.Day.Time, Workday: *d.Workday, Name: *d.Name}); err != nil {
				return err
			}
		}
		out, err = yearOut(c, q, y)
		return err
	})
	if err != nil {
		return err
	}
	// Committed: the running deadlines through the year are recounted by
	// a workflow (RecountDeadlines), which survives this process. Should
	// Temporal not answer, the calendar stays saved and the answer says
	// the recount did not start (entering the year again starts it).
	id, err := s.cases.StartRecount(c.UserContext(), int(y))
	out.Recount = &recountOut{WorkflowID: id, Started: err == nil}
	return c.JSON(out)
}

func (s *Server) casePolicies(c *fiber.Ctx) error {
	rows, err := db.Q(s.deps.Pool).CasePolicyList(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]casePolicyOut, len(rows))
	for i, p := range rows {
		out[i] = policyFrom(p)
	}
	return wholeList(c, out)
}

func (s *Server) casePolicyUpdate(c *fiber.Ctx) error {
	kind := c.Params("kind")
	var in casePolicyIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("version", in.Version != nil)
	rng := func(field string, n *int32, lo, hi int32) {
		if n != nil && (*n < lo || *n > hi) {
			v.fail(field, "out_of_range", fmt.Sprintf("应为%d至%d", lo, hi))
		}
	}
	rng("accept_days", in.AcceptDays, 1, 60)
	rng("handle_days", in.HandleDays, 1, 365)
	rng("extend_days", in.ExtendDays, 0, 365)
	rng("rectify_days", in.RectifyDays, 1, 365)
	rng("confirm_days", in.ConfirmDays, 1, 60)
	rng("remind_days", in.RemindDays, 0, 30)
	rng("listed_after_days", in.ListedAfterDays, 0, 365)
	rng("major_workers", in.MajorWorkers, 0, 100000)
	rng("triage_days", in.TriageDays, 1, 60)
	rng("review_days", in.ReviewDays, 1, 60)
	rng("supervise_days", in.SuperviseDays, 1, 60)
	v.fen("major_amount_fen", in.MajorAmountFen, false)
	if err := v.err(); err != nil {
		return err
	}
	var row dbq.CasePolicy
	err := s.inTx(c, func(q *dbq.Queries) error {
		cur, err := q.CasePolicyGet(c.UserContext(), kind)
		if errors.Is(err, db.ErrNotFound) {
			return errNotFound
		}
		if err != nil {
			return err
		}
		pick := func(n *int32, old int32) int32 {
			if n != nil {
				return *n
			}
			return old
		}
		amount := cur.MajorAmountFen
		if in.MajorAmountFen != nil {
			amount = *in.MajorAmountFen
		}
		row, err = q.CasePolicyUpdate(c.UserContext(), dbq.CasePolicyUpdateParams{Kind: kind, Version: *in.Version,
			AcceptDays: pick(in.AcceptDays, cur.AcceptDays), HandleDays: pick(in.HandleDays, cur.HandleDays),
			ExtendDays: pick(in.ExtendDays, cur.ExtendDays), RectifyDays: pick(in.RectifyDays, cur.RectifyDays),
			ConfirmDays: pick(in.ConfirmDays, cur.ConfirmDays), RemindDays: pick(in.RemindDays, cur.RemindDays),
			ListedAfterDays: pick(in.ListedAfterDays, cur.ListedAfterDays), MajorWorkers: pick(in.MajorWorkers, cur.MajorWorkers),
			MajorAmountFen: amount, TriageDays: pick(in.TriageDays, cur.TriageDays), ReviewDays: pick(in.ReviewDays, cur.ReviewDays),
			SuperviseDays: pick(in.SuperviseDays, cur.SuperviseDays)})
		return versioned(err)
	})
	if err != nil {
		return err
	}
	return c.Status(http.StatusOK).JSON(policyFrom(row))
}
