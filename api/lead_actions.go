package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/workflows"
)

// Actions on a lead. The lead's table of actions (workflows.LeadActions)
// says who may take each, from which status and with which fields; the
// handler refuses a caller who may not act before it reads their input,
// checks what needs the database (the town exists, the enterprise takes
// part in the project, the evidence belongs to the lead), and sends the
// action to the workflow, whose validator decides. The answer is the lead
// as GET /leads/{id} shows it.

type leadActionIn struct {
	Note               *string            `json:"note,omitempty"`
	TownCode           *string            `json:"town_code,omitempty" doc:"dispatch, transfer"`
	EnterpriseID       *int64             `json:"enterprise_id,omitempty" doc:"orderRectification (default the general contractor)"`
	DueDays            *int               `json:"due_days,omitempty" doc:"orderRectification, rejectEvidence: working days"`
	EvidenceIDs        []int64            `json:"evidence_ids,omitempty" doc:"submitEvidence: completed uploads of this lead"`
	AmountPaidFen      *int64             `json:"amount_paid_fen,omitempty" doc:"submitEvidence"`
	ClosureCode        *string            `json:"closure_code,omitempty" doc:"reportResult"`
	AmountRecoveredFen *int64             `json:"amount_recovered_fen,omitempty" doc:"reportResult"`
	WorkersCovered     *int               `json:"workers_covered,omitempty" doc:"reportResult"`
	Level              *string            `json:"level,omitempty" doc:"supervise: supervised or listed"`
	ClaimantID         *int64             `json:"claimant_id,omitempty" doc:"confirm, dispute (the town's, when more than one line is open), recordUnreachable: the claimant's line"`
	ClaimantAmounts    []claimantAmountIn `json:"claimant_amounts,omitempty" doc:"reportResult with a paid code: every claimant's amount recovered"`
	OverClaimReason    *string            `json:"over_claim_reason,omitempty" doc:"reportResult: why a claimant recovered more than claimed (required then)"`
	LeadID             *int64             `json:"lead_id,omitempty" doc:"merge: the lead merged into this one"`
}

// claimantAmountIn is what one claimant recovered.
type claimantAmountIn struct {
	ClaimantID         *int64 `json:"claimant_id,omitempty" required:"true"`
	AmountRecoveredFen *int64 `json:"amount_recovered_fen,omitempty" required:"true"`
}

var errUnknownAction = &Error{Status: http.StatusNotFound, Code: "unknown_action", Message: "不支持的操作"}

// leadParties is who a lead is with, as its projected row says.
func leadParties(r dbq.LeadListRow) cases.Parties {
	l := r.Lead
	return cases.Parties{TownCode: deref(l.TownCode), EnterpriseID: deref(l.RectifyEnterpriseID),
		ProjectID: deref(l.ProjectID), WorkerID: deref(l.WorkerID), WorkerIDs: r.ClaimantWorkerIds}
}

// leadActionsFor are the actions actor may take on lead r now.
func leadActionsFor(actor cases.Actor, r dbq.LeadListRow) []actionRef {
	return actionsAllowed(workflows.LeadActions(), func(a cases.ActionSpec) *workflows.Refusal {
		return workflows.PrecheckLead(a, actor, cases.Status(r.Lead.Status), leadParties(r))
	})
}

// actionsAllowed are the offered actions of a kind's table that its
// pre-check lets through: what a caller may take on a case now.
func actionsAllowed(t cases.Actions, precheck func(cases.ActionSpec) *workflows.Refusal) []actionRef {
	out := []actionRef{}
	for _, a := range t {
		if !a.Internal && precheck(a) == nil {
			out = append(out, actionRef{Name: a.Name, Label: a.Label})
		}
	}
	return out
}

func (s *Server) leadAct(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	spec, ok := workflows.LeadActions().Find(c.Params("action"))
	if !ok || spec.Internal {
		return errUnknownAction
	}
	q := db.Q(s.deps.Pool)
	row, err := leadGetScoped(c, q, id)
	if err != nil {
		return err
	}
	actor := actorOf(c)
	// who first, then when, then what: a caller who may not act learns
	// nothing from their input's faults
	if r := workflows.PrecheckLead(spec, actor, cases.Status(row.Lead.Status), leadParties(row)); r != nil {
		return caseclient.Refused(caseclient.Lead, *r)
	}
	var in leadActionIn
	keys, err := decodeBodyKeys(c, &in)
	if err != nil {
		return err
	}
	act, err := s.leadActionInput(c, q, spec, row.Lead, in, keys)
	if err != nil {
		return err
	}
	act.Actor = actor
	st, err := s.cases.ActLead(c.UserContext(), id, spec.Name, act)
	if err != nil {
		return err
	}
	auditDetail(c, "lead_step", st.Seq)
	// A supervision (督办) becomes a dispatch to the lead's town inside
	// the workflow's step (workflows: change "supervise-dispatch"): the
	// step is not answered before its dispatch is recorded and started,
	// so the API records none. No fallback here for runs that started on
	// the code before: the version is asked at the step itself, and a
	// step the worker takes on the new code always takes the new path;
	// only replays of steps taken earlier skip it, and those steps had
	// their dispatch from the API of their time. (Deploy the worker with
	// or before the API: an old worker's step would record no dispatch.)
	return s.leadAnswer(c, q, id)
}

// leadActionInput checks the body of action spec on lead l — no field the
// action does not read, lengths and ranges, and what needs the database —
// and makes the workflow's input of it.
func (s *Server) leadActionInput(c *fiber.Ctx, q *dbq.Queries, spec cases.ActionSpec, l dbq.Lead, in leadActionIn,
	keys bodyKeys) (workflows.ActionInput, error) {
	ctx := c.UserContext()
	var v check
	notApplicable(&v, spec, keys)
	act := workflows.ActionInput{Note: deref(in.Note), EvidenceIDs: in.EvidenceIDs, AmountPaidFen: in.AmountPaidFen,
		AmountRecoveredFen: in.AmountRecoveredFen, WorkersCovered: in.WorkersCovered}
	v.text("note", in.Note, false, 2000)
	if in.DueDays != nil {
		act.DueDays = *in.DueDays
		if *in.DueDays < 1 || *in.DueDays > 365 {
			v.fail("due_days", "out_of_range", "期限应为1至365个工作日")
		}
	}
	if in.ClosureCode != nil {
		act.ClosureCode = cases.ClosureCode(*in.ClosureCode)
	}
	if in.Level != nil {
		act.Level = cases.Supervision(*in.Level)
	}
	if in.TownCode != nil && v.ok("town_code") {
		act.TownCode = *in.TownCode
		active, err := q.TownActive(ctx, *in.TownCode)
		if errors.Is(err, db.ErrNotFound) || (err == nil && !active) {
			v.fail("town_code", "not_found", "镇街不存在或已停用")
		} else if err != nil {
			return act, err
		}
	}
	if in.EnterpriseID != nil && v.ok("enterprise_id") {
		act.EnterpriseID = *in.EnterpriseID
		var party *bool
		if l.ProjectID != nil {
			var err error
			if party, err = q.ProjectHasParty(ctx, dbq.ProjectHasPartyParams{ProjectID: *l.ProjectID, EnterpriseID: *in.EnterpriseID}); err != nil {
				return act, err
			}
		}
		if party == nil || !*party {
			v.fail("enterprise_id", "not_project_party", "该企业不是本项目的参建单位")
		}
	}
	v.text("over_claim_reason", in.OverClaimReason, false, 500)
	act.OverClaimReason = deref(in.OverClaimReason)
	if in.ClaimantID != nil {
		v.positiveID("claimant_id", in.ClaimantID, false)
		act.ClaimantID = *in.ClaimantID
	}
	if len(in.ClaimantAmounts) > maxIntakeClaimants*4 {
		v.fail("claimant_amounts", "out_of_range", "工人明细过多")
	}
	for i, a := range in.ClaimantAmounts {
		f := func(n string) string { return fmt.Sprintf("claimant_amounts[%d].%s", i, n) }
		v.positiveID(f("claimant_id"), a.ClaimantID, true)
		v.fen(f("amount_recovered_fen"), a.AmountRecoveredFen, true)
		if a.ClaimantID != nil && a.AmountRecoveredFen != nil {
			act.ClaimantAmounts = append(act.ClaimantAmounts,
				workflows.ClaimantAmount{ClaimantID: *a.ClaimantID, AmountRecoveredFen: *a.AmountRecoveredFen})
		}
	}
	if in.LeadID != nil && v.ok("lead_id") {
		v.positiveID("lead_id", in.LeadID, true)
		if v.ok("lead_id") {
			lines, err := s.mergeLines(c, q, l, *in.LeadID, &v)
			if err != nil {
				return act, err
			}
			act.LeadID, act.Claimants = *in.LeadID, lines
		}
	}
	if len(in.EvidenceIDs) > 0 && v.ok("evidence_ids") {
		n, err := q.EvidenceCompleteOfCase(ctx, dbq.EvidenceCompleteOfCaseParams{LeadID: &l.ID, Ids: in.EvidenceIDs})
		if err != nil {
			return act, err
		}
		if int(n) != len(slices.Compact(slices.Sorted(slices.Values(in.EvidenceIDs)))) {
			v.fail("evidence_ids", "not_found", "整改凭证不存在、未上传完成或不属于本线索")
		}
	}
	return act, v.err()
}

// notApplicable refuses every field of the body that action spec does
// not read.
func notApplicable(v *check, spec cases.ActionSpec, keys bodyKeys) {
	for k := range keys {
		if !spec.Uses(k) {
			v.fail(k, "not_applicable", fmt.Sprintf("“%s”操作不使用此字段", spec.Label))
		}
	}
}

// leadAnswer is the answer of a step on lead id: the lead as GET shows
// it (leadSeen of the caller's own step).
func (s *Server) leadAnswer(c *fiber.Ctx, q *dbq.Queries, id int64) error {
	row, err := s.leadSeen(c, q, id, true)
	if err != nil {
		return err
	}
	return s.leadJSON(c, q, row)
}

// leadShown is lead id as GET shows it to the caller (leadSeen), or nil
// when the caller may not see it.
func (s *Server) leadShown(c *fiber.Ctx, q *dbq.Queries, id int64, own bool) (*leadDetailOut, error) {
	row, err := s.leadSeen(c, q, id, own)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := s.leadDetail(c, q, row)
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// leadSeen loads lead id as the caller sees it. After the caller's own
// step (own) a lead may have left the caller's domain — a town returned
// it to the city, an officer's entry went to the city's triage — and the
// caller still sees where their step left it, with the history and tasks
// their domain shows; otherwise a lead outside it is not found.
func (s *Server) leadSeen(c *fiber.Ctx, q *dbq.Queries, id int64, own bool) (dbq.LeadListRow, error) {
	row, err := leadGetScoped(c, q, id)
	if own && errors.Is(err, db.ErrNotFound) {
		sc := cityWide() // the caller's own step, just taken
		row, err = oneRow(q.LeadList(c.UserContext(), dbq.LeadListParams{ID: &id, ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Lim: 1}))
	}
	return row, err
}

// actionsDoc describes a table of actions for the OpenAPI document.
func actionsDoc(t cases.Actions) string {
	var b strings.Builder
	for _, a := range t {
		if a.Internal {
			continue
		}
		fmt.Fprintf(&b, "%s (%s): %s; by %s; from %s", a.Name, a.Label, a.Doc, a.By.Doc(), a.FromDoc())
		if len(a.Fields) > 0 {
			fmt.Fprintf(&b, "; fields %s", strings.Join(a.Fields, ", "))
		}
		b.WriteString(". ")
	}
	return strings.TrimSpace(b.String())
}

// ActionsMarkdown is a table of actions as docs/API.md shows it.
func ActionsMarkdown(t cases.Actions) string {
	var b strings.Builder
	b.WriteString("| action | 名称 | who | from status | fields (required*) | note | what it does |\n|---|---|---|---|---|---|---|\n")
	for _, a := range t {
		if a.Internal {
			continue
		}
		fields := make([]string, len(a.Fields))
		for i, f := range a.Fields {
			fields[i] = "`" + f + "`"
			if slices.Contains(a.Required, f) {
				fields[i] += "*"
			}
		}
		note := "optional"
		if a.NoteMin > 0 {
			note = fmt.Sprintf("required (%s)", a.NoteWhat)
		} else if a.NoteWhat != "" {
			note = fmt.Sprintf("depends (%s)", a.NoteWhat)
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s | %s |\n", a.Name, a.Label, a.By.Doc(), a.FromDoc(),
			strings.Join(fields, ", "), note, a.Doc)
	}
	return b.String()
}

// mergeLines checks lead id for a merge into lead l — found in the
// caller's scope (the town's own), the same project, still being handled
// (not at the city's triage, confirming, in review or closed), not l —
// and reads its lines for the workflow. The workflow's merge step decides
// (and refuses it when id's run is over).
func (s *Server) mergeLines(c *fiber.Ctx, q *dbq.Queries, l dbq.Lead, id int64, v *check) ([]cases.Claimant, error) {
	b, err := leadGetScoped(c, q, id)
	if errors.Is(err, db.ErrNotFound) {
		v.fail("lead_id", "not_found", "线索不存在")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	switch st := cases.Status(b.Lead.Status); {
	case id == l.ID:
		v.fail("lead_id", "invalid_value", "不能与本线索并案")
	case l.ProjectID == nil || b.Lead.ProjectID == nil || *l.ProjectID != *b.Lead.ProjectID:
		v.fail("lead_id", "not_same_project", "只能合并同一项目的线索")
	case deref(b.Lead.TownCode) != deref(l.TownCode):
		v.fail("lead_id", "not_same_town", "只能合并本镇街办理中的线索")
	case !slices.Contains([]cases.Status{cases.Dispatched, cases.Investigating, cases.Rectifying, cases.Verifying}, st):
		v.fail("lead_id", "wrong_state", "被并案的线索当前状态（"+registry.LeadStatuses.Label(string(st))+"）不能并案")
	}
	if !v.ok("lead_id") {
		return nil, nil
	}
	rows, err := q.LeadClaimantsOfLead(c.UserContext(), id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		v.fail("lead_id", "no_claimants", "被并案的线索没有工人明细（登记于工人明细功能上线前），不能并案")
		return nil, nil
	}
	out := make([]cases.Claimant, len(rows))
	for i, r := range rows {
		out[i] = cases.Claimant{ID: r.ID, WorkerID: deref(r.WorkerID), AmountOwedFen: r.AmountOwedFen, App: r.App,
			Status: cases.ClaimantOpen}
	}
	return out, nil
}
