package api

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
)

// Claimants of a lead (集体欠薪). An intake may list its claimants: one
// lead with a line per claimant (a worker of the real-name records, or a
// name and a phone; the amount owed, the period, the team leader). Without
// a list, the lead has one line: the reporter's, with the whole claim.
// The lines' personal data is here (names, phones encrypted at rest,
// masked in every answer); the workflow holds their ids, workers, amounts
// and states.

// claimantIn is one claimant of an intake.
type claimantIn struct {
	WorkerID      *int64  `json:"worker_id,omitempty" doc:"the claimant's real-name record: an officer's within their domain, a worker's their own"`
	Name          *string `json:"name,omitempty" doc:"required without worker_id"`
	Phone         *string `json:"phone,omitempty" doc:"mobile number: stored encrypted, shown masked"`
	AmountOwedFen *int64  `json:"amount_owed_fen,omitempty" required:"true" doc:"the amount owed to this claimant, fen (> 0)"`
	PeriodFrom    *string `json:"period_from,omitempty" doc:"欠薪期间 from, YYYY-MM"`
	PeriodTo      *string `json:"period_to,omitempty" doc:"欠薪期间 to, YYYY-MM"`
	TeamLeader    *string `json:"team_leader,omitempty" doc:"包工头/班组长, as the claimant names them"`
}

// maxIntakeClaimants bounds the claimants of one intake.
const maxIntakeClaimants = 500

// claimantOut is a line as a lead's detail shows it.
type claimantOut struct {
	ID                 int64   `json:"id"`
	WorkerID           *int64  `json:"worker_id"`
	Name               string  `json:"name"`
	Phone              string  `json:"phone" doc:"masked"`
	AmountOwedFen      int64   `json:"amount_owed_fen"`
	AmountRecoveredFen *int64  `json:"amount_recovered_fen" doc:"once a paid result is reported"`
	PeriodFrom         *string `json:"period_from" doc:"YYYY-MM"`
	PeriodTo           *string `json:"period_to" doc:"YYYY-MM"`
	TeamLeader         string  `json:"team_leader"`
	App                bool    `json:"app" doc:"the claimant uses the app (told there; silence confirms); the others are called back (回访)"`
	Status             string  `json:"status" codes:"claimant_statuses" doc:"open, confirmed, disputed, unreachable"`
	StatusLabel        string  `json:"status_label"`
	MovedFrom          *int64  `json:"moved_from" doc:"the lead the line came from in a merge (并案)"`
}

// checkClaimants checks the shape of an intake's claimants (no database):
// each line's fields by their path (claimants[3].amount_owed_fen), phones
// normalised in place.
func checkClaimants(v *check, list []claimantIn) {
	if len(list) > maxIntakeClaimants {
		v.fail("claimants", "out_of_range", fmt.Sprintf("每条线索最多%d名工人", maxIntakeClaimants))
		return
	}
	workers := map[int64]int{}
	for i := range list {
		c := &list[i]
		f := func(name string) string { return fmt.Sprintf("claimants[%d].%s", i, name) }
		v.positiveID(f("worker_id"), c.WorkerID, false)
		v.text(f("name"), c.Name, false, 64)
		if c.WorkerID == nil && (c.Name == nil || *c.Name == "") && v.ok(f("name")) {
			v.fail(f("name"), "required", "请填写工人姓名或选择实名登记的工人")
		}
		if c.WorkerID != nil && *c.WorkerID > 0 {
			if j, dup := workers[*c.WorkerID]; dup {
				v.fail(f("worker_id"), "duplicate", fmt.Sprintf("与第%d名工人重复", j+1))
			}
			workers[*c.WorkerID] = i
		}
		if c.Phone != nil && *c.Phone != "" {
			if n, err := ident.ParsePhone(*c.Phone); err != nil {
				v.identErr(f("phone"), err)
			} else {
				num := n.Number
				c.Phone = &num
			}
		}
		v.fen(f("amount_owed_fen"), c.AmountOwedFen, true)
		if c.AmountOwedFen != nil && *c.AmountOwedFen == 0 {
			v.fail(f("amount_owed_fen"), "out_of_range", "欠薪金额应大于0")
		}
		from := v.monthField(f("period_from"), c.PeriodFrom, false)
		to := v.monthField(f("period_to"), c.PeriodTo, false)
		if from != nil && to != nil && to.Before(*from) {
			v.fail(f("period_to"), "invalid_date_range", "欠薪期间的结束月份不能早于开始月份")
		}
		v.text(f("team_leader"), c.TeamLeader, false, 64)
	}
}

// claimantRows resolves an intake's checked claimants into rows to
// record: workers looked up within the caller's domain (a worker: only
// themself, self), phones sealed. A worker's report must list its
// reporter. Nothing is written.
func (s *Server) claimantRows(c *fiber.Ctx, q *dbq.Queries, list []claimantIn, self int64) ([]dbq.LeadClaimantInsertParams, error) {
	var v check
	rows := make([]dbq.LeadClaimantInsertParams, len(list))
	hasSelf := false
	for i, in := range list {
		f := func(name string) string { return fmt.Sprintf("claimants[%d].%s", i, name) }
		r := dbq.LeadClaimantInsertParams{Name: deref(in.Name), AmountOwedFen: *in.AmountOwedFen, TeamLeader: deref(in.TeamLeader)}
		if in.PeriodFrom != nil && *in.PeriodFrom != "" {
			t, _ := time.Parse(monthLayout, *in.PeriodFrom)
			r.PeriodFrom = &t
		}
		if in.PeriodTo != nil && *in.PeriodTo != "" {
			t, _ := time.Parse(monthLayout, *in.PeriodTo)
			r.PeriodTo = &t
		}
		var err error
		if r.PhoneEnc, r.PhoneHash, err = s.sealPhone(in.Phone); err != nil {
			return nil, err
		}
		if in.WorkerID != nil {
			switch {
			case self != 0 && *in.WorkerID != self:
				v.fail(f("worker_id"), "not_found", "只能填写本人的实名记录，其他工人请填写姓名和电话")
			case self != 0:
				hasSelf = true
				w, err := q.WorkerAsReporter(c.UserContext(), dbq.WorkerAsReporterParams{ID: &self})
				if err != nil {
					return nil, err
				}
				r.WorkerID, r.Name = &w.ID, w.Name
				if r.PhoneEnc == nil {
					r.PhoneEnc, r.PhoneHash = w.PhoneEnc, w.PhoneHash
				}
			default:
				w, err := workerFindScoped(c, q, in.WorkerID, nil)
				if errors.Is(err, db.ErrNotFound) {
					v.fail(f("worker_id"), "not_found", "工人不存在")
					continue
				}
				if err != nil {
					return nil, err
				}
				r.WorkerID, r.Name = &w.Worker.ID, w.Worker.Name
				if r.PhoneEnc == nil {
					r.PhoneEnc, r.PhoneHash = w.Worker.PhoneEnc, w.Worker.PhoneHash
				}
			}
		}
		rows[i] = r
	}
	if self != 0 && !hasSelf && v.ok("claimants") {
		v.fail("claimants", "required", "工人明细中应包含本人（填写本人的 worker_id）")
	}
	return rows, v.err()
}

// markApp marks the lines whose worker has an active account.
func markApp(c *fiber.Ctx, q *dbq.Queries, rows []dbq.LeadClaimantInsertParams) error {
	var ids []int64
	for _, r := range rows {
		if r.WorkerID != nil {
			ids = append(ids, *r.WorkerID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	with, err := q.WorkersWithAccount(c.UserContext(), ids)
	if err != nil {
		return err
	}
	for i := range rows {
		rows[i].App = rows[i].WorkerID != nil && slices.Contains(with, *rows[i].WorkerID)
	}
	return nil
}

// insertClaimants records the lines of lead id and answers them as the
// workflow's input holds them.
func insertClaimants(c *fiber.Ctx, q *dbq.Queries, id int64, rows []dbq.LeadClaimantInsertParams) ([]cases.Claimant, error) {
	out := make([]cases.Claimant, len(rows))
	for i, r := range rows {
		r.LeadID = id
		cid, err := q.LeadClaimantInsert(c.UserContext(), r)
		if err != nil {
			return nil, err
		}
		out[i] = cases.Claimant{ID: cid, WorkerID: deref(r.WorkerID), AmountOwedFen: r.AmountOwedFen, App: r.App,
			Status: cases.ClaimantOpen}
	}
	return out, nil
}

// claimantsOf are lead id's lines as the caller may see them: the offices
// and the enterprise see every line (the enterprise must know whom to
// pay), a worker their own; phones masked for all.
func (s *Server) claimantsOf(c *fiber.Ctx, q *dbq.Queries, id int64) ([]claimantOut, error) {
	rows, err := q.LeadClaimantsOfLead(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	self, worker := scopeOf(c).WorkerID()
	out := []claimantOut{}
	for _, r := range rows {
		if worker && deref(r.WorkerID) != self {
			continue
		}
		o := claimantOut{ID: r.ID, WorkerID: r.WorkerID, Name: r.Name, Phone: s.maskedPhone(r.PhoneEnc),
			AmountOwedFen: r.AmountOwedFen, AmountRecoveredFen: r.AmountRecoveredFen, TeamLeader: r.TeamLeader, App: r.App,
			Status: r.Status, StatusLabel: registry.ClaimantStatuses.Label(r.Status), MovedFrom: r.MovedFrom}
		if r.WorkerName != "" {
			o.Name = r.WorkerName
		}
		if r.PeriodFrom != nil {
			m := r.PeriodFrom.Format(monthLayout)
			o.PeriodFrom = &m
		}
		if r.PeriodTo != nil {
			m := r.PeriodTo.Format(monthLayout)
			o.PeriodTo = &m
		}
		out = append(out, o)
	}
	return out, nil
}
