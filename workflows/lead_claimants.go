package workflows

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/registry"
)

// Claimants (集体欠薪): a lead lists its claimants, each with the amount
// owed; each confirms or disputes their own line of the result; the lead
// goes on only when every line is confirmed or recorded unreachable after
// the town's call-back (回访); a paid result names the amount recovered
// per line. The workflow holds the lines' ids, workers, amounts and
// states (cases.Claimant); names and phones stay in Postgres
// (lead_claimants), out of the histories.

// claimantsVersion is the GetVersion change ID of claimants. It is asked
// once, before the first command of a run: a run recorded before it
// (no marker) keeps the one-worker path to its end (confirm and dispute
// of the lead's worker, silence confirming, amounts as two numbers); a
// run started on it with claimants in its input handles them line by
// line. A run started on it without claimants (a lead recorded by an
// older API and started by the stalled sweep) takes the old path too.
const claimantsVersion = "claimants"

// SignalMerged tells a lead that the town merged it into another lead
// (并案): it closes as merged. The lead it joined sends it from its merge
// step.
const SignalMerged = "merged"

// MergedSignal is the signal SignalMerged: the lead merged into, and who
// merged it.
type MergedSignal struct {
	Into int64       `json:"into"`
	By   cases.Actor `json:"by"`
	Note string      `json:"note,omitempty"`
}

// MaxClaimants bounds a lead's lines (intake, links and merges).
const MaxClaimants = 2000

// ---- finding a line ----

func (l *lead) claimant(id int64) *cases.Claimant {
	for i := range l.st.Claimants {
		if l.st.Claimants[i].ID == id {
			return &l.st.Claimants[i]
		}
	}
	return nil
}

// openLines are the lines still asked to confirm.
func (l *lead) openLines() []*cases.Claimant {
	var out []*cases.Claimant
	for i := range l.st.Claimants {
		if l.st.Claimants[i].Status == cases.ClaimantOpen {
			out = append(out, &l.st.Claimants[i])
		}
	}
	return out
}

// findLine is the line an answer (confirm, dispute, recordUnreachable)
// is about: claimant_id when given; a worker's own open line; for the
// town the one open line, when only one is.
func (l *lead) findLine(in ActionInput) (*cases.Claimant, *Refusal) {
	worker := in.Actor.Role == cases.RoleWorker
	if in.ClaimantID != 0 {
		c := l.claimant(in.ClaimantID)
		switch {
		case c == nil:
			return nil, refuse(RefusedInput, "claimant_id", "本线索没有该工人明细")
		case worker && c.WorkerID != in.Actor.WorkerID:
			return nil, refuse(RefusedActor, "claimant_id", "只能答复本人的明细")
		case c.Status != cases.ClaimantOpen:
			return nil, refuse(RefusedAgain, "claimant_id", "该工人明细已"+registry.ClaimantStatuses.Label(c.Status)+"，无需再答复")
		}
		return c, nil
	}
	open := l.openLines()
	if worker {
		for _, c := range open {
			if c.WorkerID == in.Actor.WorkerID {
				return c, nil
			}
		}
		return nil, refuse(RefusedAgain, "", "您的明细已答复，无需再答复")
	}
	switch len(open) {
	case 0:
		return nil, refuse(RefusedAgain, "", "没有待确认的工人明细")
	case 1:
		return open[0], nil
	}
	return nil, refuse(RefusedInput, "claimant_id", fmt.Sprintf("有%d名工人待确认，请指定工人明细", len(open)))
}

// lineOf is the line of a checked answer.
func (l *lead) lineOf(in ActionInput) *cases.Claimant {
	c, _ := l.findLine(in)
	return c
}

// checkClaimantLine checks the line of confirm, dispute and
// recordUnreachable; a lead without lines (recorded before claimants)
// has none to name.
func checkClaimantLine(l *lead, in ActionInput) *Refusal {
	if !l.lines {
		if in.ClaimantID != 0 {
			return refuse(RefusedInput, "claimant_id", "此线索没有工人明细")
		}
		return nil
	}
	_, r := l.findLine(in)
	return r
}

func checkUnreachable(l *lead, in ActionInput) *Refusal {
	if !l.lines {
		return refuse(RefusedState, "", "此线索没有工人明细，无需记录回访")
	}
	return checkClaimantLine(l, in)
}

// ---- asking the lines ----

func confirmKey(seq int, claimant int64) string {
	return fmt.Sprintf("%s:%d:%d", cases.TaskConfirm, seq, claimant)
}

// askLines opens the tasks of the open lines, due with the confirmation
// deadline: a confirm task for each claimant with the app, one call-back
// task (回访) of the town for the others.
func (l *lead) askLines(ctx workflow.Context, lines []*cases.Claimant, due time.Time) {
	callback := false
	for _, c := range lines {
		if !c.App || c.WorkerID == 0 {
			callback = true
			continue
		}
		l.st.Tasks = append(l.st.Tasks, cases.Task{Key: confirmKey(l.st.Seq+1, c.ID), Kind: cases.TaskConfirm,
			Actor: cases.ActorWorker, WorkerID: c.WorkerID, OpenedSeq: l.st.Seq + 1, OpenedAt: workflow.Now(ctx), DueAt: timePtr(due)})
	}
	if callback && !l.hasTask(cases.TaskCallback) {
		l.openTask(ctx, cases.TaskCallback, cases.ActorTown, timePtr(due))
	}
}

// answered ends the tasks of line c, and the call-back once no line
// without the app is open.
func (l *lead) answered(c *cases.Claimant) {
	suffix := ":" + strconv.FormatInt(c.ID, 10)
	l.st.Tasks = slices.DeleteFunc(l.st.Tasks, func(t cases.Task) bool {
		return t.Kind == cases.TaskConfirm && len(t.Key) > len(suffix) && t.Key[len(t.Key)-len(suffix):] == suffix &&
			t.WorkerID == c.WorkerID
	})
	if !slices.ContainsFunc(l.openLines(), func(c *cases.Claimant) bool { return !c.App || c.WorkerID == 0 }) {
		l.dropKind(cases.TaskCallback)
	}
}

func (l *lead) dropKind(kind string) {
	l.st.Tasks = slices.DeleteFunc(l.st.Tasks, func(t cases.Task) bool { return t.Kind == kind })
}

// linesDone goes on (closes, or the city's review) once every line is
// confirmed or unreachable.
func (l *lead) linesDone(ctx workflow.Context, ev *cases.Event) error {
	for _, c := range l.st.Claimants {
		if !c.Done() {
			return nil
		}
	}
	if ev.Rule == "" {
		ev.Rule = "claimants_answered: 全部工人已确认或回访未联系上"
	}
	l.dropKind(cases.TaskCallback)
	return l.confirmed(ctx)
}

// lineAnswered records a line's answer (confirmed, unreachable).
func (l *lead) lineAnswered(ctx workflow.Context, in ActionInput, status string, ev *cases.Event) error {
	c := l.lineOf(in)
	c.Status = status
	l.answered(c)
	return l.linesDone(ctx, ev)
}

func (l *lead) doUnreachable(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	return l.lineAnswered(ctx, in, cases.ClaimantUnreachable, ev)
}

// confirmSilence: the confirmation period passed. The silence of a
// claimant told in the app confirms their line; the others wait for the
// town's call-back, whose task is overdue.
func (l *lead) confirmSilence(ctx workflow.Context) error {
	app := slices.ContainsFunc(l.openLines(), func(c *cases.Claimant) bool { return c.App && c.WorkerID != 0 })
	action := "overdue"
	if app {
		action = ActConfirm
	}
	return l.step(ctx, action, cases.System, "", func(ev *cases.Event) error {
		ev.Rule = fmt.Sprintf("confirm_silence: %d个工作日内未答复，使用App的工人视为确认；其余工人待镇街回访", l.policy.ConfirmDays)
		for _, c := range l.openLines() {
			if c.App && c.WorkerID != 0 {
				c.Status = cases.ClaimantConfirmed
				l.answered(c)
			}
		}
		for i := range l.st.Tasks {
			if t := &l.st.Tasks[i]; t.Kind == cases.TaskCallback {
				t.Overdue = true
			}
		}
		return l.linesDone(ctx, ev)
	})
}

// reopenLines makes the lines not confirmed open again (all: every
// line, the confirmed too).
func (l *lead) reopenLines(all bool) {
	for i := range l.st.Claimants {
		if c := &l.st.Claimants[i]; all || c.Status != cases.ClaimantConfirmed {
			c.Status = cases.ClaimantOpen
		}
	}
}

// ---- the result ----

func yuan(fen int64) string { return fmt.Sprintf("%.2f元", float64(fen)/100) }

// checkAmounts checks a result's amounts line by line (paid codes): every
// line named once with what it recovered, none negative, none above its
// claim without a reason, paid_in_full paying every line in full, the sum
// not below what the enterprise said it paid; amount_recovered_fen and
// workers_covered, if given, equal to what the lines say.
func (l *lead) checkAmounts(in ActionInput) *Refusal {
	if len([]rune(in.OverClaimReason)) > 500 {
		return refuse(RefusedInput, "over_claim_reason", "说明不能超过500字")
	}
	if !in.ClosureCode.Paid() {
		if len(in.ClaimantAmounts) > 0 {
			return refuse(RefusedInput, "claimant_amounts", "该办结类型无需填写追回金额")
		}
		if in.AmountRecoveredFen != nil || in.WorkersCovered != nil {
			return refuse(RefusedInput, "amount_recovered_fen", "该办结类型无需填写追回金额")
		}
		return nil
	}
	if len(in.ClaimantAmounts) == 0 {
		return refuse(RefusedInput, "claimant_amounts", "请逐一填写每名工人的追回金额")
	}
	seen := map[int64]bool{}
	var sum int64
	covered := 0
	over := -1
	for i, a := range in.ClaimantAmounts {
		f := fmt.Sprintf("claimant_amounts[%d]", i)
		c := l.claimant(a.ClaimantID)
		switch {
		case c == nil:
			return refuse(RefusedInput, f+".claimant_id", "本线索没有该工人明细")
		case seen[a.ClaimantID]:
			return refuse(RefusedInput, f+".claimant_id", "同一工人明细重复填写")
		case a.AmountRecoveredFen < 0:
			return refuse(RefusedInput, f+".amount_recovered_fen", "金额不能为负数")
		case in.ClosureCode == cases.PaidInFull && a.AmountRecoveredFen < c.AmountOwedFen:
			return refuse(RefusedInput, f+".amount_recovered_fen",
				fmt.Sprintf("全额支付时每名工人的追回金额不能低于其诉求金额（%s）", yuan(c.AmountOwedFen)))
		case a.AmountRecoveredFen > c.AmountOwedFen && over < 0:
			over = i
		}
		seen[a.ClaimantID] = true
		sum += a.AmountRecoveredFen
		if a.AmountRecoveredFen > 0 {
			covered++
		}
	}
	if len(seen) != len(l.st.Claimants) {
		return refuse(RefusedInput, "claimant_amounts", fmt.Sprintf("请填写全部%d名工人的追回金额（未追回的填0）", len(l.st.Claimants)))
	}
	if over >= 0 && len([]rune(in.OverClaimReason)) < 2 {
		return refuse(RefusedInput, "over_claim_reason",
			fmt.Sprintf("第%d名工人的追回金额高于其诉求金额，请说明原因", over+1))
	}
	if sum <= 0 {
		return refuse(RefusedInput, "claimant_amounts", "追回金额合计应大于0")
	}
	if l.st.AmountPaidFen != nil && sum < *l.st.AmountPaidFen {
		return refuse(RefusedInput, "claimant_amounts",
			fmt.Sprintf("追回金额合计（%s）低于企业申报的已支付金额（%s）", yuan(sum), yuan(*l.st.AmountPaidFen)))
	}
	if in.AmountRecoveredFen != nil && *in.AmountRecoveredFen != sum {
		return refuse(RefusedInput, "amount_recovered_fen", fmt.Sprintf("追回金额应等于各工人追回金额之和（%s）", yuan(sum)))
	}
	if in.WorkersCovered != nil && *in.WorkersCovered != covered {
		return refuse(RefusedInput, "workers_covered", fmt.Sprintf("涉及工人数应等于追回金额大于0的工人数（%d）", covered))
	}
	return nil
}

// reportLines is reportResult on a lead with lines: the amounts per
// line, then the lines not confirmed are asked (a confirmed line whose
// amount changed is asked again).
func (l *lead) reportLines(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	l.handle.Active, l.rectify.Active = false, false
	l.closeTasks(cases.ActorTown, cases.ActorEnterprise)
	l.st.Status = cases.Confirming
	l.st.ClosureCode = in.ClosureCode
	l.st.ResultSummary = in.Note
	l.st.AmountRecoveredFen, l.st.WorkersCovered = nil, nil
	amounts := map[int64]int64{}
	for _, a := range in.ClaimantAmounts {
		amounts[a.ClaimantID] = a.AmountRecoveredFen
	}
	var sum int64
	covered := 0
	for i := range l.st.Claimants {
		c := &l.st.Claimants[i]
		var rec *int64
		if in.ClosureCode.Paid() {
			v := amounts[c.ID]
			rec = &v
			sum += v
			if v > 0 {
				covered++
			}
		}
		if c.Status == cases.ClaimantConfirmed && !sameAmount(c.AmountRecoveredFen, rec) {
			c.Status = cases.ClaimantOpen
		}
		c.AmountRecoveredFen = rec
	}
	if in.ClosureCode.Paid() {
		l.st.AmountRecoveredFen, l.st.WorkersCovered = &sum, &covered
		if l.policy.Major(covered, sum) {
			l.st.Major = true
		}
	}
	l.reopenLines(false)
	if len(l.openLines()) == 0 {
		ev.Rule = "claimants_confirmed: 全部工人此前已确认"
		return l.confirmed(ctx)
	}
	return l.startDeadline(ctx, &l.confirm, workflow.Now(ctx), l.policy.ConfirmDays, false, func(due time.Time) {
		l.askLines(ctx, l.openLines(), due)
	})
}

func sameAmount(a, b *int64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// ---- lines added: a linked report, a merge ----

// linkLine adds the reporting worker's line, or adds the new report's
// amount to their line (a further report is a supplement: 还有加班费);
// in.Claimants is one line, recorded by the API.
func (l *lead) linkLine(ctx workflow.Context, in ActionInput, _ *cases.Event) error {
	l.st.LinkedReports++
	for _, n := range in.Claimants {
		if c := l.claimant(n.ID); c != nil {
			c.AmountOwedFen += n.AmountOwedFen
			continue
		}
		n.Status, n.AmountRecoveredFen = cases.ClaimantOpen, nil
		l.st.Claimants = append(l.st.Claimants, n)
		if l.st.Status == cases.Confirming && l.confirm.Active {
			// the result reported is asked of the new claimant too
			l.askLines(ctx, []*cases.Claimant{&l.st.Claimants[len(l.st.Claimants)-1]}, l.confirm.Due)
		}
	}
	l.refreshMajor()
	return nil
}

// refreshMajor: more claimants or a bigger claim may make the case major.
func (l *lead) refreshMajor() {
	var sum int64
	for _, c := range l.st.Claimants {
		sum += c.AmountOwedFen
	}
	if l.policy.Major(len(l.st.Claimants), sum) {
		l.st.Major = true
	}
}

func checkLinkLines(l *lead, in ActionInput) *Refusal {
	if r := checkLink(l, in); r != nil || !l.lines {
		return r
	}
	if len(in.Claimants) != 1 || in.Claimants[0].ID == 0 || in.Claimants[0].AmountOwedFen < 0 {
		return refuse(RefusedInput, "claimants", "补充反映应有一条工人明细")
	}
	if l.claimant(in.Claimants[0].ID) == nil && len(l.st.Claimants) >= MaxClaimants {
		return refuse(RefusedInput, "claimants", fmt.Sprintf("一条线索最多%d名工人", MaxClaimants))
	}
	return nil
}

// checkMerge: a lead with lines takes the lines of another lead.
func checkMerge(l *lead, in ActionInput) *Refusal {
	switch {
	case !l.lines:
		return refuse(RefusedState, "", "此线索没有工人明细，不能并案")
	case in.LeadID == 0:
		return refuse(RefusedInput, "lead_id", "请指定要并入本线索的线索")
	case in.LeadID == l.in.LeadID:
		return refuse(RefusedInput, "lead_id", "不能与本线索并案")
	case len(in.Claimants) == 0:
		return refuse(RefusedInput, "lead_id", "被并案的线索没有工人明细，不能并案")
	case len(l.st.Claimants)+len(in.Claimants) > MaxClaimants:
		return refuse(RefusedInput, "lead_id", fmt.Sprintf("并案后工人超过%d名", MaxClaimants))
	}
	for _, c := range in.Claimants {
		if c.ID == 0 || l.claimant(c.ID) != nil {
			return refuse(RefusedAgain, "lead_id", "该线索的工人明细已在本线索中")
		}
	}
	return nil
}

// doMerge takes the lines of lead in.LeadID (as the API read them) and
// tells that lead to close as merged. The signal goes first: if that
// lead's run is over (it closed meanwhile), the step is refused and
// nothing changes here. The lines arrive open whatever they were there:
// a confirmation given there in the moment between the API's read and
// the signal is asked again here, never invented.
func (l *lead) doMerge(ctx workflow.Context, in ActionInput, ev *cases.Event) error {
	err := workflow.SignalExternalWorkflow(ctx, LeadWorkflowID(in.LeadID), "", SignalMerged,
		MergedSignal{Into: l.in.LeadID, By: in.Actor, Note: in.Note}).Get(ctx, nil)
	if err != nil {
		return refuse(RefusedState, "lead_id", "被并案的线索已办结，不能并案").appErr()
	}
	ev.Rule = fmt.Sprintf("merge: 线索%d并入本线索（%d名工人）", in.LeadID, len(in.Claimants))
	for _, c := range in.Claimants {
		c.Status, c.AmountRecoveredFen, c.MovedFrom = cases.ClaimantOpen, nil, in.LeadID
		l.st.Claimants = append(l.st.Claimants, c)
	}
	l.refreshMajor()
	return nil
}

// listenMerged closes the lead when another lead took its lines
// (SignalMerged): whatever its status (a step taken here after the API
// read the lines does not undo the town's merge; see doMerge), its lines
// leave it, its tasks end, its closure code is merged.
func (l *lead) listenMerged(ctx workflow.Context) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, SignalMerged)
		for {
			var sig MergedSignal
			ch.Receive(ctx, &sig)
			if err := l.mu.Lock(ctx); err != nil {
				return
			}
			var err error
			if l.st.Status != cases.Closed && l.st.Status != cases.Received {
				err = l.step(ctx, "merged", sig.By, sig.Note, func(ev *cases.Event) error {
					ev.Rule = fmt.Sprintf("merged_into: 已并入线索%d", sig.Into)
					l.close(ctx)
					l.st.ClosureCode = cases.Merged
					l.st.MergedInto = sig.Into
					l.st.Claimants = []cases.Claimant{}
					return nil
				})
			}
			l.mu.Unlock()
			if err != nil {
				l.failed = fmt.Errorf("lead %d merged into %d: %w", l.in.LeadID, sig.Into, err)
				l.gen++
				return
			}
		}
	})
}
