package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/cases/casetest"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/db/dbtest"
	"github.com/anxin-city/anxin/workflows"
)

// Claimants: a group complaint, one line per claimant. The first line is
// the fixture's worker (with the app); the others are known by name and
// phone only (called back by the town).

// newLinesRun records a lead of n claimants owed 100,000 fen each.
func newLinesRun(t *testing.T, start time.Time, n int) *leadRun {
	t.Helper()
	t.Parallel()
	f := casetest.New(t, dbtest.New(t))
	r := newLeadRunIn(t, f, start, casetest.Lead{ProjectID: f.Project1, Amount: int64(n) * 100_000, Workers: n})
	q := dbq.New(f.Pool)
	for i := 0; i < n; i++ {
		row := dbq.LeadClaimantInsertParams{LeadID: r.in.LeadID, Name: fmt.Sprintf("工人%d", i+1), AmountOwedFen: 100_000}
		if i == 0 {
			row.WorkerID, row.App = &f.Worker, true
		}
		id, err := q.LeadClaimantInsert(context.Background(), row)
		require.NoError(t, err)
		r.in.Claimants = append(r.in.Claimants, cases.Claimant{ID: id, WorkerID: deref(row.WorkerID), AmountOwedFen: 100_000,
			App: row.App, Status: cases.ClaimantOpen})
	}
	return r
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// paidInFull is a result paying every line what it claimed.
func (r *leadRun) paidInFull(actor cases.Actor) workflows.ActionInput {
	in := workflows.ActionInput{Actor: actor, ClosureCode: cases.PaidInFull, Note: "经核实已全额支付"}
	for _, c := range r.in.Claimants {
		in.ClaimantAmounts = append(in.ClaimantAmounts, workflows.ClaimantAmount{ClaimantID: c.ID, AmountRecoveredFen: c.AmountOwedFen})
	}
	return in
}

func (r *leadRun) onBehalf(actor cases.Actor, i int) workflows.ActionInput {
	return workflows.ActionInput{Actor: actor, ClaimantID: r.in.Claimants[i].ID, Note: "电话回访确认"}
}

func lineStatuses(st cases.LeadState) []string {
	out := make([]string, len(st.Claimants))
	for i, c := range st.Claimants {
		out[i] = c.Status
	}
	return out
}

func dbLineStatuses(t *testing.T, r *leadRun) []string {
	t.Helper()
	rows, err := r.f.Pool.Query(context.Background(), `SELECT status FROM lead_claimants WHERE lead_id = $1 ORDER BY id`, r.in.LeadID)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		require.NoError(t, rows.Scan(&s))
		out = append(out, s)
	}
	return out
}

// Twelve claimants: eleven confirm and the lead stays open; the twelfth
// confirms and it goes on (twelve workers make it major: the city's
// review, then closed).
func TestLeadClaimantsEachConfirms(t *testing.T) {
	start := cst(2026, 11, 2, 9)
	r := newLinesRun(t, start, 12)
	f := r.f
	day := func(d, h int) time.Time { return cst(2026, 11, d, h) }
	r.act(day(3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	report := r.act(day(4, 10), workflows.ActReport, r.paidInFull(f.Officer1))
	noLine := r.act(day(4, 11), workflows.ActConfirm, workflows.ActionInput{Actor: f.Officer1, Note: "电话确认"})
	mine := r.act(day(4, 12), workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	again := r.act(day(4, 13), workflows.ActConfirm, workflows.ActionInput{Actor: f.WorkerActor})
	var eleventh *result
	for i := 1; i <= 10; i++ {
		eleventh = r.act(day(5, 9).Add(time.Duration(i)*time.Minute), workflows.ActConfirm, r.onBehalf(f.Officer1, i))
	}
	last := r.act(day(5, 12), workflows.ActConfirm, r.onBehalf(f.Officer1, 11))
	approve := r.act(day(6, 10), workflows.ActApprove, workflows.ActionInput{Actor: f.City})
	final := r.run()
	require.NoError(t, r.env.GetWorkflowError())

	st := ok(t, report)
	assert.Equal(t, cases.Confirming, st.Status)
	assert.Equal(t, int64(1_200_000), *st.AmountRecoveredFen)
	assert.Equal(t, 12, *st.WorkersCovered)
	kinds := map[string]int{}
	for _, x := range st.Tasks {
		kinds[x.Actor+":"+x.Kind]++
	}
	assert.Equal(t, map[string]int{"worker:confirm": 1, "town:callback": 1}, kinds, "the app user in the app, the others called back")
	refused(t, noLine, workflows.RefusedInput, "claimant_id")
	assert.Equal(t, cases.Confirming, ok(t, mine).Status)
	refused(t, again, workflows.RefusedAgain, "")
	st = ok(t, eleventh)
	assert.Equal(t, cases.Confirming, st.Status, "eleven of twelve confirmed: still open")
	assert.Equal(t, 11, countStatus(st, cases.ClaimantConfirmed))
	st = ok(t, last)
	assert.Equal(t, cases.Review, st.Status, "all twelve confirmed: a major case goes to the city's review")
	assert.Equal(t, cases.Closed, ok(t, approve).Status)
	assert.Equal(t, cases.Closed, final.Status)
	assert.Equal(t, []string{"confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed", "confirmed",
		"confirmed", "confirmed", "confirmed", "confirmed", "confirmed"}, dbLineStatuses(t, r))
	var recovered int64
	require.NoError(t, f.Pool.QueryRow(context.Background(), `SELECT sum(amount_recovered_fen) FROM lead_claimants WHERE lead_id = $1`,
		r.in.LeadID).Scan(&recovered))
	assert.Equal(t, int64(1_200_000), recovered)
}

func countStatus(st cases.LeadState, status string) int {
	n := 0
	for _, c := range st.Claimants {
		if c.Status == status {
			n++
		}
	}
	return n
}

// A dispute reopens the lead at the town; the line confirmed stays
// confirmed and the next result asks only the others.
func TestLeadClaimantsDisputeAsksOnlyTheUnconfirmed(t *testing.T) {
	start := cst(2026, 11, 2, 9)
	r := newLinesRun(t, start, 3)
	f := r.f
	day := func(d, h int) time.Time { return cst(2026, 11, d, h) }
	r.act(day(3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	r.act(day(4, 10), workflows.ActReport, r.paidInFull(f.Officer1))
	r.act(day(4, 11), workflows.ActConfirm, r.onBehalf(f.Officer1, 1))
	dispute := r.act(day(4, 12), workflows.ActDispute, workflows.ActionInput{Actor: f.WorkerActor, Note: "未收到工资"})
	again := r.act(day(9, 10), workflows.ActReport, r.paidInFull(f.Officer1))
	r.stopAt(day(10, 0))
	r.run()

	st := ok(t, dispute)
	assert.Equal(t, cases.Investigating, st.Status)
	assert.Equal(t, []string{"disputed", "confirmed", "open"}, lineStatuses(st))
	st = ok(t, again)
	assert.Equal(t, cases.Confirming, st.Status)
	assert.Equal(t, []string{"open", "confirmed", "open"}, lineStatuses(st), "only the unconfirmed lines are asked again")
	assert.ElementsMatch(t, []string{"worker:confirm", "town:callback"}, openKinds(tasks(t, r)))
}

// Silence past the confirmation period confirms the line of the claimant
// with the app only; the other waits for the town's call-back, whose task
// is overdue; the town records it unreachable and the lead closes.
func TestLeadClaimantsSilenceAndCallback(t *testing.T) {
	start := cst(2026, 11, 2, 9)
	r := newLinesRun(t, start, 2)
	f := r.f
	day := func(d, h int) time.Time { return cst(2026, 11, d, h) }
	r.act(day(3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	report := r.act(day(4, 10), workflows.ActReport, r.paidInFull(f.Officer1))
	// 5 working days from the 4th: 5, 6, 9, 10, 11 November
	after := r.probe(day(12, 9))
	bare := r.act(day(12, 10), workflows.ActUnreachable, workflows.ActionInput{Actor: f.Officer1, ClaimantID: r.in.Claimants[1].ID})
	byWorker := r.act(day(12, 10), workflows.ActUnreachable, workflows.ActionInput{Actor: f.WorkerActor, ClaimantID: r.in.Claimants[1].ID, Note: "x"})
	unreachable := r.act(day(12, 11), workflows.ActUnreachable, workflows.ActionInput{Actor: f.Officer1,
		ClaimantID: r.in.Claimants[1].ID, Note: "11月12日两次致电无人接听，短信未回复"})
	final := r.run()
	require.NoError(t, r.env.GetWorkflowError())

	ok(t, report)
	assert.Equal(t, cases.Confirming, after.Status, "the call-back is still due")
	assert.Equal(t, []string{"confirmed", "open"}, lineStatuses(*after))
	require.Len(t, after.Tasks, 1)
	assert.Equal(t, cases.TaskCallback, after.Tasks[0].Kind)
	assert.True(t, after.Tasks[0].Overdue, "the call-back is overdue")
	refused(t, bare, workflows.RefusedInput, "note")
	refused(t, byWorker, workflows.RefusedActor, "")
	assert.Equal(t, cases.Closed, ok(t, unreachable).Status)
	assert.Equal(t, cases.Closed, final.Status)
	assert.Equal(t, []string{"confirmed", "unreachable"}, dbLineStatuses(t, r))
	evs := events(t, r)
	assert.Equal(t, []string{"intake", "accept", "reportResult", "remind", "confirm", "recordUnreachable"}, actions(evs))
	assert.Contains(t, evs[4].Rule, "confirm_silence")
}

// A paid result's amounts per line: every rule refused with its field.
func TestLeadClaimantAmountsRefused(t *testing.T) {
	start := cst(2026, 11, 2, 9)
	r := newLinesRun(t, start, 2)
	f := r.f
	day := func(d, h int) time.Time { return cst(2026, 11, d, h) }
	a, b := r.in.Claimants[0].ID, r.in.Claimants[1].ID
	amounts := func(x, y int64) []workflows.ClaimantAmount {
		return []workflows.ClaimantAmount{{ClaimantID: a, AmountRecoveredFen: x}, {ClaimantID: b, AmountRecoveredFen: y}}
	}
	report := func(h int, code cases.ClosureCode, am []workflows.ClaimantAmount, mod func(*workflows.ActionInput)) *result {
		in := workflows.ActionInput{Actor: f.Officer1, ClosureCode: code, ClaimantAmounts: am, Note: "部分支付，双方协议"}
		if mod != nil {
			mod(&in)
		}
		return r.act(day(9, h).Add(time.Minute), workflows.ActReport, in)
	}
	r.act(day(3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	r.act(day(4, 10), workflows.ActOrderRectify, workflows.ActionInput{Actor: f.Officer1, Note: "限期支付"})
	r.act(day(5, 10), workflows.ActSubmit, workflows.ActionInput{Actor: f.Enterprise1, EvidenceIDs: []int64{1}, AmountPaidFen: fen(150_000)})
	none := report(8, cases.PaidInPart, nil, nil)
	unknown := report(9, cases.PaidInPart, []workflows.ClaimantAmount{{ClaimantID: a, AmountRecoveredFen: 1}, {ClaimantID: 999_999, AmountRecoveredFen: 1}}, nil)
	negative := report(10, cases.PaidInPart, amounts(-1, 100_000), nil)
	missing := report(11, cases.PaidInPart, amounts(100_000, 100_000)[:1], nil)
	over := report(12, cases.PaidInPart, amounts(150_000, 100_000), nil)
	belowPaid := report(13, cases.PaidInPart, amounts(50_000, 50_000), nil)
	notFull := report(14, cases.PaidInFull, amounts(100_000, 99_999), nil)
	wrongCovered := report(15, cases.PaidInPart, amounts(100_000, 60_000), func(in *workflows.ActionInput) { in.WorkersCovered = num(1) })
	wrongSum := report(16, cases.PaidInPart, amounts(100_000, 60_000), func(in *workflows.ActionInput) { in.AmountRecoveredFen = fen(1) })
	overExplained := report(17, cases.PaidInPart, amounts(120_000, 60_000), func(in *workflows.ActionInput) { in.OverClaimReason = "含加班费" })
	r.stopAt(day(10, 0))
	r.run()

	refused(t, none, workflows.RefusedInput, "claimant_amounts")
	refused(t, unknown, workflows.RefusedInput, "claimant_amounts[1].claimant_id")
	refused(t, negative, workflows.RefusedInput, "claimant_amounts[0].amount_recovered_fen")
	refused(t, missing, workflows.RefusedInput, "claimant_amounts")
	refused(t, over, workflows.RefusedInput, "over_claim_reason")
	refused(t, belowPaid, workflows.RefusedInput, "claimant_amounts")
	refused(t, notFull, workflows.RefusedInput, "claimant_amounts[1].amount_recovered_fen")
	refused(t, wrongCovered, workflows.RefusedInput, "workers_covered")
	refused(t, wrongSum, workflows.RefusedInput, "amount_recovered_fen")
	st := ok(t, overExplained)
	assert.Equal(t, int64(180_000), *st.AmountRecoveredFen)
	assert.Equal(t, 2, *st.WorkersCovered)
}

// A merge: the lead takes the other lead's lines and signals it to close
// as merged; the other, signalled, closes with the code merged.
func TestLeadMerge(t *testing.T) {
	start := cst(2026, 11, 2, 9)
	r := newLinesRun(t, start, 2)
	f := r.f
	day := func(d, h int) time.Time { return cst(2026, 11, d, h) }
	other := int64(424242)
	r.env.OnSignalExternalWorkflow(mock.Anything, workflows.LeadWorkflowID(other), "", workflows.SignalMerged, mock.Anything).Return(nil).Once()
	r.act(day(3, 10), workflows.ActAccept, workflows.ActionInput{Actor: f.Officer1})
	moved := []cases.Claimant{{ID: 900_001, AmountOwedFen: 300_000}, {ID: 900_002, AmountOwedFen: 50_000}}
	merge := r.act(day(4, 10), workflows.ActMerge, workflows.ActionInput{Actor: f.Officer1, LeadID: other, Claimants: moved, Note: "同一项目同期欠薪"})
	twice := r.act(day(4, 11), workflows.ActMerge, workflows.ActionInput{Actor: f.Officer1, LeadID: other, Claimants: moved})
	r.stopAt(day(5, 0))
	r.run()

	st := ok(t, merge)
	require.Len(t, st.Claimants, 4)
	assert.Equal(t, other, st.Claimants[3].MovedFrom)
	refused(t, twice, workflows.RefusedAgain, "lead_id")

}

// The lead merged: signalled, it closes with the code merged, pointing to
// the lead it joined.
func TestLeadMergedCloses(t *testing.T) {
	start := cst(2026, 11, 2, 9)
	b := newLinesRun(t, start, 2)
	into, _, _ := b.f.Record(t, casetest.Lead{ProjectID: b.f.Project1, Amount: 1, At: start})
	b.env.RegisterDelayedCallback(func() {
		b.env.SignalWorkflow(workflows.SignalMerged, workflows.MergedSignal{Into: into, By: b.f.Officer1, Note: "并案"})
	}, 26*time.Hour)
	final := b.run()
	require.NoError(t, b.env.GetWorkflowError())
	assert.Equal(t, cases.Closed, final.Status)
	assert.Equal(t, cases.Merged, final.ClosureCode)
	assert.Equal(t, into, final.MergedInto)
	assert.Empty(t, final.Tasks)
	assert.Empty(t, final.Claimants, "its lines moved")
	var mergedInto *int64
	var closure, status string
	require.NoError(t, b.f.Pool.QueryRow(context.Background(), `SELECT merged_into, coalesce(closure_code, ''), status FROM leads WHERE id = $1`,
		b.in.LeadID).Scan(&mergedInto, &closure, &status))
	assert.Equal(t, "closed", status)
	require.NotNil(t, mergedInto)
	assert.Equal(t, into, *mergedInto)
	assert.Equal(t, "merged", closure)
	assert.Equal(t, []string{"intake", "merged"}, actions(events(t, b)))
}
