package workflows

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
)

// The lead's table of actions checked entry by entry, without Temporal:
// the validator refuses the wrong actor before anything else, each
// required field when it is missing, and accepts a complete input.

// tableLead is a lead in status s with a town, a project, a worker and an
// enterprise ordered to rectify, and two claimants (the worker, with the
// app, and one known by name only).
func tableLead(s cases.Status) *lead {
	return &lead{
		lines: true,
		st: cases.LeadState{LeadID: 1, Seq: 3, Status: s, TownCode: "330101", ProjectID: 7, WorkerID: 9,
			RectifyEnterpriseID: 5, Supervision: cases.SupervisionNone, Claimants: []cases.Claimant{
				{ID: 11, WorkerID: 9, App: true, AmountOwedFen: 100, Status: cases.ClaimantOpen},
				{ID: 12, AmountOwedFen: 100, Status: cases.ClaimantOpen}}},
		in:     LeadInput{LeadID: 1, TownCode: "330101", ProjectID: 7, WorkerID: 9, ContractorID: 5},
		policy: cases.Policy{ExtendDays: 30},
	}
}

// actorFor is an actor of party p on tableLead.
func actorFor(p cases.Party) cases.Actor {
	switch p {
	case cases.ByCity:
		return cases.Actor{AccountID: 1, Role: cases.RoleCitySupervisor}
	case cases.ByTown, cases.ByWorkerOrTown:
		return cases.Actor{AccountID: 2, Role: cases.RoleTownOfficer, TownCode: "330101"}
	case cases.ByEnterprise:
		return cases.Actor{AccountID: 3, Role: cases.RoleEnterprise, EnterpriseID: 5}
	case cases.ByWorker:
		return cases.Actor{AccountID: 4, Role: cases.RoleWorker, WorkerID: 9}
	}
	return cases.Actor{AccountID: 6, Role: cases.RoleTownOfficer, TownCode: "330101"}
}

// outsiders are actors who are no party to tableLead at all.
var outsiders = []cases.Actor{
	{AccountID: 20, Role: cases.RoleTownOfficer, TownCode: "330102"},
	{AccountID: 21, Role: cases.RoleEnterprise, EnterpriseID: 6},
	{AccountID: 22, Role: cases.RoleProjectManager, ProjectID: 8},
	{AccountID: 23, Role: cases.RoleWorker, WorkerID: 10},
	{AccountID: 24, Role: "city_auditor"},
}

func int64p(n int64) *int64 { return &n }
func intp(n int) *int       { return &n }

// validInput is a complete input of each action (linkReport's actor is
// set by the test).
var validInput = map[string]ActionInput{
	ActDispatch:     {TownCode: "330102"},
	ActTransfer:     {TownCode: "330102", Note: "转办原因"},
	ActAccept:       {},
	ActReturn:       {Note: "不属本镇"},
	ActOrderRectify: {EnterpriseID: 5, DueDays: 10, Note: "限期支付"},
	ActSubmit:       {EvidenceIDs: []int64{1}, AmountPaidFen: int64p(100)},
	ActReject:       {DueDays: 5, Note: "凭证不全"},
	ActReport: {ClosureCode: cases.PaidInFull, AmountRecoveredFen: int64p(200), WorkersCovered: intp(2), Note: "已支付",
		ClaimantAmounts: []ClaimantAmount{{ClaimantID: 11, AmountRecoveredFen: 100}, {ClaimantID: 12, AmountRecoveredFen: 100}}},
	ActExtend:      {Note: "案情复杂"},
	ActConfirm:     {Note: "电话确认", ClaimantID: 11},
	ActDispute:     {Note: "未收到", ClaimantID: 11},
	ActUnreachable: {Note: "两次致电无人接听", ClaimantID: 12},
	ActMerge:       {LeadID: 2, Claimants: []cases.Claimant{{ID: 21, AmountOwedFen: 50}}},
	ActApprove:     {},
	ActSendBack:    {Note: "材料不全"},
	ActSupervise:   {Level: cases.Supervised, Note: "加快办理"},
	ActLinkReport: {Note: "再次反映", AmountClaimedFen: 100, WorkersClaimed: 1,
		Claimants: []cases.Claimant{{ID: 11, WorkerID: 9, AmountOwedFen: 150}}},
}

// without is in with its field named by JSON name cleared.
func without(in ActionInput, field string) ActionInput {
	switch field {
	case "town_code":
		in.TownCode = ""
	case "evidence_ids":
		in.EvidenceIDs = nil
	case "amount_paid_fen":
		in.AmountPaidFen = nil
	case "closure_code":
		in.ClosureCode = ""
	case "level":
		in.Level = ""
	case "claimant_id":
		in.ClaimantID = 0
	case "lead_id":
		in.LeadID = 0
	default:
		panic("without: no field " + field)
	}
	return in
}

func TestLeadActionTable(t *testing.T) {
	names := LeadActions().Names()
	require.Len(t, validInput, len(names), "a valid input for every action")
	assert.Equal(t, len(names), len(slices.Compact(slices.Sorted(slices.Values(names)))), "names are unique")
	for _, a := range leadActions {
		t.Run(a.Name, func(t *testing.T) {
			require.NotEmpty(t, a.Label, "a Chinese label")
			require.NotEmpty(t, a.Doc)
			require.NotNil(t, a.apply, "an effect")
			for _, f := range a.Required {
				require.Contains(t, a.Fields, f, "a required field is a field")
			}
			from := cases.Triage
			if len(a.From) > 0 {
				from = a.From[0]
			}
			l := tableLead(from)
			in := validInput[a.Name]
			in.Actor = actorFor(a.By)
			assert.Nil(t, l.check(a.Name, in), "a complete input by the right party passes")

			// the wrong actor is refused before the input is looked at,
			// however wrong the input is
			junk := ActionInput{TownCode: "bad", DueDays: -5, Note: string(make([]rune, 3000)), ClosureCode: "nope", Level: "nope"}
			for _, o := range outsiders {
				if a.By.Includes(o, l.parties()) {
					continue
				}
				junk.Actor = o
				r := l.check(a.Name, junk)
				require.NotNil(t, r, "%+v", o)
				assert.Equal(t, RefusedActor, r.Code, "%+v", o)
			}

			// the wrong status, by the right actor
			if len(a.From) > 0 {
				for _, s := range cases.Statuses {
					if s == cases.Received || s == cases.Closed || slices.Contains(a.From, s) {
						continue
					}
					r := tableLead(s).check(a.Name, in)
					require.NotNil(t, r, "status %s", s)
					assert.Equal(t, RefusedState, r.Code, "status %s", s)
				}
			}
			assert.Equal(t, RefusedClosed, tableLead(cases.Closed).check(a.Name, in).Code)
			early := tableLead(from)
			early.st.Seq, early.st.Status = 0, cases.Received
			assert.Equal(t, RefusedEarly, early.check(a.Name, in).Code)

			// every required field, when missing, is named
			for _, f := range a.Required {
				r := l.check(a.Name, without(in, f))
				require.NotNil(t, r, "without %s", f)
				assert.Equal(t, RefusedInput, r.Code)
				assert.Equal(t, f, r.Field, "without %s", f)
			}
			if a.NoteMin > 0 && (a.note == nil) {
				short := in
				short.Note = ""
				r := l.check(a.Name, short)
				require.NotNil(t, r, fmt.Sprintf("%s needs a note", a.Name))
				assert.Equal(t, "note", r.Field)
			}
		})
	}
}

// The table as the API reads it: the offered actions are every action but
// intake's own, in the table's order.
func TestLeadActionsOffered(t *testing.T) {
	acts := LeadActions()
	assert.NotContains(t, acts.Offered(), ActLinkReport)
	assert.Len(t, acts.Offered(), len(acts)-1)
	_, ok := acts.Find("nope")
	assert.False(t, ok)
	accept, ok := acts.Find(ActAccept)
	require.True(t, ok)
	assert.Equal(t, "签收", accept.Label)
	assert.True(t, accept.Uses("note"))
	assert.False(t, accept.Uses("closure_code"))
}
