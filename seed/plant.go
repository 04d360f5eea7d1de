package seed

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// plant chooses, deterministically, the projects, months and employments
// that break the warning rules of SPEC R4, changes them, and records them
// in the manifest. Monthly payroll anomalies each take a project of their
// own; the others may share a project with a monthly one, because the rules
// do not interact. Project 1 (the well-known one) is always clean.
func (g *gen) plant() error {
	if g.nMonths < 3 {
		return errors.New("anomalies need a window of at least 3 months")
	}
	r := newRNG(g.seed, "plants")
	ps := g.sc.plants
	mO, mR := g.nMonths-2, g.nMonths-3 // orange / red months: M+1, M+2 have ended
	mOName, mRName := (g.firstMonth + month(mO)).String(), (g.firstMonth + month(mR)).String()

	var pool []int
	for i := range g.projects {
		if p := &g.projects[i]; i > 0 && p.cat == catActiveOld && p.idleFrom == 0 {
			pool = append(pool, i)
		}
	}
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	monthly := map[int]bool{}          // projects taken by a monthly payroll anomaly
	taken := map[int]map[string]bool{} // project → kinds planted
	mark := func(pi int, kind string) {
		if taken[pi] == nil {
			taken[pi] = map[string]bool{}
		}
		taken[pi][kind] = true
	}
	// takeMonthly picks n projects of their own with enough attending
	// workers in window month m.
	takeMonthly := func(n, m int, kind string) []int {
		var out []int
		for _, pi := range pool {
			if len(out) == n {
				break
			}
			if len(taken[pi]) > 0 || len(g.attending(pi, m)) < 10 {
				continue
			}
			monthly[pi] = true
			mark(pi, kind)
			out = append(out, pi)
		}
		return out
	}
	// takeAny picks n projects, preferring ones with no anomaly yet.
	takeAny := func(n int, kind string, ok func(pi int) bool) []int {
		var out []int
		for pass := 0; pass < 2 && len(out) < n; pass++ {
			for _, pi := range pool {
				if len(out) == n {
					break
				}
				if taken[pi][kind] || (pass == 0 && len(taken[pi]) > 0) || (ok != nil && !ok(pi)) {
					continue
				}
				mark(pi, kind)
				out = append(out, pi)
			}
		}
		return out
	}
	item := func(pi int) AnomalyItem {
		return AnomalyItem{ProjectID: g.projects[pi].id, ProjectCode: g.projects[pi].code}
	}
	attendingWorkers := func(pi, m int) []int64 {
		var ids []int64
		for _, ei := range g.attending(pi, m) {
			ids = append(ids, g.emps[ei].worker)
		}
		return ids
	}

	// No payroll paid (orange: the month before last; red: the one before).
	unpaid := &Anomaly{Kind: AnomalyPayrollUnpaid, Rule: "R4 no payroll paid from the wage account for month M by the end of M+1 (orange) / M+2 (red)",
		Definition: "A full window month M in which the project has attendance and no payroll line of its sheet for M has amount_paid_fen > 0 with paid_on on or before the last day of M+1. " +
			"Evaluated for months whose M+1 has ended by now: orange when M+1 has ended but M+2 has not, red when M+2 has ended. " +
			"Clean project-months pay every attending worker from the wage account (paid_via wage_account) between the 5th and the 12th of M+1.",
		Params: map[string]any{"orange_after_months": 1, "red_after_months": 2}}
	ratio := &Anomaly{Kind: AnomalyPayRatio, Rule: "R4 people paid ÷ people attending below 100% (yellow); more than 10% of attending workers without pay (red)",
		Definition: "For a full window month M and a project with attendance in M: attending = distinct workers with attendance at the project in M; paid = those of them with a line on the project's sheet for M with amount_paid_fen > 0. " +
			"Yellow when paid < attending and (attending − paid) / attending ≤ 0.10; red when (attending − paid) / attending > 0.10. " +
			"Evaluated for months whose M+1 has ended by now (payroll for M is due by then). Clean months pay every attending worker by the 12th of M+1 (by yesterday when now is earlier in the month), so evaluating every full month gives the same keys unless now is the 1st. " +
			"worker_ids are the unpaid workers.",
		Params: map[string]any{"yellow_below_ratio": 1.0, "red_unpaid_share_above": 0.10}}
	below := &Anomaly{Kind: AnomalyBelowMinimumWage, Rule: "R4 average monthly pay below the local minimum wage",
		Definition: "For a full window month M: sum(amount_paid_fen) / count(lines with amount_paid_fen > 0) over the project's sheet for M is below minimum_wage_fen. Clean paid project-months average well above it.",
		Params:     map[string]any{"minimum_wage_fen": MinimumWageFen}}

	for _, pi := range takeMonthly(ps.payrollUnpaid, mO, AnomalyPayrollUnpaid) {
		g.sheetPlant[sheetKey{pi, mO}] = &sheetPlant{unpaid: true}
		it := item(pi)
		it.Month, it.Level, it.Detail = mOName, "orange", "sheet submitted, nothing paid"
		unpaid.Items = append(unpaid.Items, it)
		n := len(g.attending(pi, mO))
		it.Detail, it.Level, it.ImpliedBy, it.WorkerIDs = fmt.Sprintf("0 of %d attending workers paid", n), "red", AnomalyPayrollUnpaid, attendingWorkers(pi, mO)
		ratio.Items = append(ratio.Items, it)
	}
	for _, pi := range takeMonthly(ps.payrollUnpaid, mR, AnomalyPayrollUnpaid) {
		g.sheetPlant[sheetKey{pi, mR}] = &sheetPlant{noSheet: true}
		it := item(pi)
		it.Month, it.Level, it.Detail = mRName, "red", "no payroll sheet"
		unpaid.Items = append(unpaid.Items, it)
		n := len(g.attending(pi, mR))
		it.Detail, it.Level, it.ImpliedBy, it.WorkerIDs = fmt.Sprintf("0 of %d attending workers paid", n), "red", AnomalyPayrollUnpaid, attendingWorkers(pi, mR)
		ratio.Items = append(ratio.Items, it)
	}
	for _, pi := range takeMonthly(ps.payRatio, mO, AnomalyPayRatio) {
		att := g.attending(pi, mO)
		k := max(1, len(att)/20)
		sp := &sheetPlant{unpaidWorkers: map[int64]bool{}}
		it := item(pi)
		for _, x := range r.Perm(len(att))[:k] {
			w := g.emps[att[x]].worker
			sp.unpaidWorkers[w] = true
			it.WorkerIDs = append(it.WorkerIDs, w)
		}
		g.sheetPlant[sheetKey{pi, mO}] = sp
		it.Month, it.Level, it.Detail = mOName, "yellow", fmt.Sprintf("%d of %d attending workers unpaid (lines with nothing paid)", k, len(att))
		ratio.Items = append(ratio.Items, it)
	}
	for _, pi := range takeMonthly(ps.payRatio, mR, AnomalyPayRatio) {
		att := g.attending(pi, mR)
		k := len(att)/4 + 1
		sp := &sheetPlant{missingWorkers: map[int64]bool{}}
		it := item(pi)
		for _, x := range r.Perm(len(att))[:k] {
			w := g.emps[att[x]].worker
			sp.missingWorkers[w] = true
			it.WorkerIDs = append(it.WorkerIDs, w)
		}
		g.sheetPlant[sheetKey{pi, mR}] = sp
		it.Month, it.Level, it.Detail = mRName, "red", fmt.Sprintf("%d of %d attending workers unpaid (no line)", k, len(att))
		ratio.Items = append(ratio.Items, it)
	}
	for _, pi := range takeMonthly(ps.belowMinimum, mO, AnomalyBelowMinimumWage) {
		att := g.attending(pi, mO)
		const target = 200000 // pay about 2,000 yuan a head
		num, den := int64(target*len(att)), g.projects[pi].due[mO]
		if num > den {
			num = den
		}
		g.sheetPlant[sheetKey{pi, mO}] = &sheetPlant{payNum: num, payDen: den}
		var paid int64
		for _, ei := range att {
			paid += g.linePaid(ei, mO, num, den)
		}
		it := item(pi)
		it.Month, it.Detail = mOName, fmt.Sprintf("average paid %d fen over %d workers (due %d fen)", paid/int64(len(att)), len(att), den/int64(len(att)))
		below.Items = append(below.Items, it)
	}

	// Labour-cost transfers stop: none for the last two full months and
	// the current one.
	gap := &Anomaly{Kind: AnomalyTransferGap, Rule: "R4 no labour-cost transfer into the dedicated wage account for more than 1 month",
		Definition: "An in-construction project with a wage account whose latest labour_cost_transfers.transferred_on is before now minus one calendar month, or that has no transfer. " +
			"Clean accounts receive one transfer per calendar month, on a fixed day between the 1st and the 4th, from the month the account opened (or the window start) until now, so consecutive transfer months never differ by more than one. " +
			"date is the planted project's last transfer.",
		Params: map[string]any{"max_months_without_transfer": 1}}
	for _, pi := range takeAny(ps.transferGap, AnomalyTransferGap, nil) {
		g.projects[pi].transferStop = mO
		it := item(pi)
		var missing []string
		for m := mO; m < g.nm; m++ {
			missing = append(missing, (g.firstMonth + month(m)).String())
		}
		it.Detail = fmt.Sprintf("no transfer for %v", missing)
		gap.Items = append(gap.Items, it)
	}

	missing := &Anomaly{Kind: AnomalyDepositMissing, Rule: "R4 wage guarantee deposit missing",
		Definition: "An in-construction project with no wage_deposits row in status active (a deposit of form exempt counts as present). Its guarantee_deposit wage-system row is in state missing.",
		Params:     map[string]any{}}
	for _, pi := range takeAny(ps.depositMissing, AnomalyDepositMissing, nil) {
		g.projects[pi].noDeposit = true
		missing.Items = append(missing.Items, item(pi))
	}
	topUp := &Anomaly{Kind: AnomalyDepositNotToppedUp, Rule: "R4 wage guarantee deposit not topped up within 10 working days after a payout",
		Definition: "A payout movement on an active deposit with no top_up movement of at least its amount on the same deposit within 10 working days after it, once 10 working days have passed. " +
			"Clean payouts are topped up within 7 calendar days; planted payouts are at least 30 calendar days old, have no top-up, and leave the deposit's amount_fen below its required_fen by the payout. date is the payout day.",
		Params: map[string]any{"top_up_within_working_days": 10}}
	for _, pi := range takeAny(ps.depositNoTopUp, AnomalyDepositNotToppedUp, func(pi int) bool { return !g.projects[pi].noDeposit }) {
		g.projects[pi].depositNoTopUp = true
		topUp.Items = append(topUp.Items, item(pi)) // date and detail filled by genMoney
	}
	board := &Anomaly{Kind: AnomalyNoticeBoardMissing, Rule: "R4 rights notice board missing",
		Definition: "A project whose project_wage_systems row for notice_board is in state missing. Planted ones are in construction; no other project has it missing.",
		Params:     map[string]any{}}
	for _, pi := range takeAny(ps.noticeBoard, AnomalyNoticeBoardMissing, nil) {
		g.projects[pi].systems[sysNoticeBoard] = "missing"
		board.Items = append(board.Items, item(pi))
	}

	// Exits without settlement.
	exits := &Anomaly{Kind: AnomalyExitUnsettled, Rule: "R4 worker exited without settlement",
		Definition: "An employment with exit_date set and settled_on null. Clean exits are settled within 3 days of exit (and never after yesterday); planted exits are at least 20 days old. date is the exit date.",
		Params:     map[string]any{}}
	var cand []int
	for i := range g.emps {
		e := &g.emps[i]
		if e.pidx != 0 && e.exit != 0 && e.exit >= g.winStart && e.exit <= g.today-20 {
			cand = append(cand, i)
		}
	}
	for _, ei := range pickSpread(r, g, cand, ps.exitUnsettled) {
		e := &g.emps[ei]
		e.settled = 0
		it := item(int(e.pidx))
		it.WorkerID, it.EmploymentID, it.Date = e.worker, e.id, e.exit.String()
		exits.Items = append(exits.Items, it)
	}

	// Contracts never signed, or signed late.
	contracts := &Anomaly{Kind: AnomalyContractUnsigned, Rule: "R4 contract not signed within N days of entry",
		Definition: "An employment whose entry_date is at least N days before now and whose contract_signed_on is null or later than entry_date + N days. " +
			"Clean contracts are signed between 3 days before and 20 days after entry; clean employments without a contract all entered less than 21 days before now. date is the entry date.",
		Params: map[string]any{"days": 30}}
	cand = cand[:0]
	for i := range g.emps {
		e := &g.emps[i]
		if e.pidx != 0 && e.exit == 0 && !e.leader && g.projects[e.pidx].inConstruction() && e.entry <= g.today-60 {
			cand = append(cand, i)
		}
	}
	for k, ei := range pickSpread(r, g, cand, ps.contract) {
		e := &g.emps[ei]
		it := item(int(e.pidx))
		it.WorkerID, it.EmploymentID, it.Date = e.worker, e.id, e.entry.String()
		if k%2 == 0 {
			e.signed, e.confirmed = 0, time.Time{}
			it.Detail = "never signed"
		} else {
			e.signed = e.entry + date(r.between(40, 50))
			e.confirmed = (e.signed + 1).at(10, 0)
			if e.signed+1 >= g.today {
				e.confirmed = time.Time{}
			}
			it.Detail = fmt.Sprintf("signed %d days after entry", e.signed-e.entry)
		}
		contracts.Items = append(contracts.Items, it)
	}

	idle := &Anomaly{Kind: AnomalyNoAttendance, Rule: "R4 project in construction with no attendance for N days",
		Definition: "An in-construction project whose latest attendance work_date is more than N days before now, or that has no attendance. Every clean in-construction project has attendance within the last 7 days. date is the first day without attendance.",
		Params:     map[string]any{"days": 15}}
	for pi := range g.projects {
		if p := &g.projects[pi]; p.idleFrom != 0 {
			it := item(pi)
			it.Date = p.idleFrom.String()
			idle.Items = append(idle.Items, it)
		}
	}

	for _, a := range []*Anomaly{unpaid, ratio, gap, missing, topUp, below, exits, board, contracts, idle} {
		sort.SliceStable(a.Items, func(i, j int) bool {
			x, y := a.Items[i], a.Items[j]
			if x.ProjectID != y.ProjectID {
				return x.ProjectID < y.ProjectID
			}
			if x.Month != y.Month {
				return x.Month < y.Month
			}
			return x.EmploymentID < y.EmploymentID
		})
		for i := range a.Items {
			sort.Slice(a.Items[i].WorkerIDs, func(x, y int) bool { return a.Items[i].WorkerIDs[x] < a.Items[i].WorkerIDs[y] })
		}
		g.manifest.Anomalies = append(g.manifest.Anomalies, a)
	}
	return nil
}

// pickSpread picks n of the candidate employments, from as many different
// projects as possible.
func pickSpread(r *rng, g *gen, cand []int, n int) []int {
	perm := r.Perm(len(cand))
	seen := map[int32]bool{}
	var out []int
	for pass := 0; pass < 2 && len(out) < n; pass++ {
		for _, x := range perm {
			if len(out) == n {
				break
			}
			ei := cand[x]
			p := g.emps[ei].pidx
			if pass == 0 && seen[p] {
				continue
			}
			if pass == 1 && containsInt(out, ei) {
				continue
			}
			seen[p] = true
			out = append(out, ei)
		}
	}
	sort.Ints(out)
	return out
}

func containsInt(s []int, x int) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// linePaid is what a below-minimum sheet pays employment ei in month m.
func (g *gen) linePaid(ei, m int, num, den int64) int64 {
	due := int64(g.days[ei*g.nm+m]) * g.emps[ei].wage
	paid := due * num / den
	if paid < 1 {
		paid = 1
	}
	return paid
}
