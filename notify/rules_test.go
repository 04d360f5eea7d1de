package notify_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/notify"
	"github.com/anxin-city/anxin/registry"
)

// TestEveryTaskKindNotifies: every task kind of every case kind opens
// with a message, and its reminder too; every rule's labels exist.
func TestEveryTaskKindNotifies(t *testing.T) {
	t.Parallel()
	of := map[string]string{}
	for _, r := range notify.Rules {
		require.True(t, notify.Kinds.Has(r.Kind), r.Title)
		require.True(t, notify.CaseKinds.Has(r.CaseKind), r.Title)
		require.NotEmpty(t, r.Title)
		require.LessOrEqual(t, len([]rune(r.Body)), 200, r.Title)
		if r.Kind == notify.KindTask {
			require.NotContains(t, of, r.TaskKind, "one rule per task kind")
			of[r.TaskKind] = r.CaseKind
			require.NotEmpty(t, registry.TaskKinds.Label(r.TaskKind), r.TaskKind)
		}
	}
	for _, k := range cases.TaskKinds {
		assert.Contains(t, of, k, "task kind %s has no notification", k)
	}
}

func TestPlan(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, cases.Zone)
	due := time.Date(2026, 12, 9, 23, 59, 0, 0, cases.Zone)
	dueUTC := due.UTC() // rendered in China Standard Time whatever its zone
	task := func(key, kind, actor string, opened int, reminded *time.Time) cases.Task {
		return cases.Task{Key: key, Kind: kind, Actor: actor, OpenedSeq: opened, DueAt: &dueUTC, RemindedAt: reminded, TownCode: "330101",
			EnterpriseID: 2, WorkerID: 6}
	}
	type want struct {
		kind, taskKind, title, body string
		sms                         bool
	}
	for _, c := range []struct {
		name string
		step notify.Step
		want []want
	}{
		{"intake opens the town's accept task",
			notify.Step{CaseKind: "lead", CaseID: 12, Seq: 1, At: at, From: "received", To: "dispatched",
				Tasks: []cases.Task{task("accept:1", cases.TaskAccept, cases.ActorTown, 1, nil)}},
			[]want{{notify.KindTask, cases.TaskAccept, "新线索待签收", "您单位有一条新的欠薪线索待受理（欠薪线索 #12）：请于12月9日前签收或退回。", false}}},
		{"an order to rectify is texted to the enterprise",
			notify.Step{CaseKind: "lead", CaseID: 12, Seq: 3, At: at, From: "investigating", To: "rectifying",
				Tasks: []cases.Task{task("rectify:3", cases.TaskRectify, cases.ActorEnterprise, 3, nil),
					task("investigate:2", cases.TaskInvestigate, cases.ActorTown, 2, nil)}},
			[]want{{notify.KindTask, cases.TaskRectify, "责令整改通知",
				"贵单位被责令整改（欠薪线索 #12）：请于12月9日前支付拖欠的工资，并在平台提交整改凭证。", true}}},
		{"a reported result asks the worker, by text too",
			notify.Step{CaseKind: "lead", CaseID: 12, Seq: 5, At: at, From: "investigating", To: "confirming", ClosureCode: "paid_in_full",
				WorkerID: 6, Tasks: []cases.Task{task("confirm:5", cases.TaskConfirm, cases.ActorWorker, 5, nil)}},
			[]want{{notify.KindTask, cases.TaskConfirm, "办理结果待确认",
				"您反映的欠薪问题（欠薪线索 #12）已有办理结果：已全额支付。请于12月9日前确认或提出异议，逾期未答复视为确认。", true}}},
		{"a reminder reminds the tasks reminded at the step only",
			notify.Step{CaseKind: "lead", CaseID: 12, Seq: 6, Action: "remind", At: at, From: "confirming", To: "confirming",
				Tasks: []cases.Task{task("confirm:5", cases.TaskConfirm, cases.ActorWorker, 5, &at),
					task("review:4", cases.TaskReview, cases.ActorCity, 4, ptr(at.Add(-time.Hour)))}},
			[]want{{notify.KindReminder, cases.TaskConfirm, "期限提醒：办理结果待确认", "【期限提醒】确认办理结果（欠薪线索 #12）即将到期，请于12月9日前处理。", true}}},
		{"a reminder told apart from the reminders projected before the step, whatever the step's time",
			notify.Step{CaseKind: "dispatch", CaseID: 3, Seq: 4, Action: "remind", At: at.Add(time.Second), From: "open", To: "open",
				Reminded: map[string]time.Time{"dispatch_report:330101:1": at.Truncate(time.Microsecond)},
				Tasks: []cases.Task{task("dispatch_report:330101:1", cases.TaskDispatchReport, cases.ActorTown, 1, ptr(at.Add(time.Nanosecond))),
					task("dispatch_report:330102:1", cases.TaskDispatchReport, cases.ActorTown, 1, &at)}},
			[]want{{notify.KindReminder, cases.TaskDispatchReport, "期限提醒：新交办事项", "【期限提醒】交办事项办理反馈（交办事项 #3）即将到期，请于12月9日前处理。", false}}},
		{"a closed lead tells the worker its result",
			notify.Step{CaseKind: "lead", CaseID: 12, Seq: 7, Action: "confirm", At: at, From: "confirming", To: "closed",
				ClosureCode: "paid_in_part", WorkerID: 6},
			[]want{{notify.KindResult, "", "线索已办结", "您反映的欠薪问题（欠薪线索 #12）已办结：部分支付并达成协议。", true}}},
		{"a step that changes nothing for anyone tells nobody",
			notify.Step{CaseKind: "lead", CaseID: 12, Seq: 8, Action: "recount", At: at, From: "investigating", To: "investigating",
				Tasks: []cases.Task{task("investigate:2", cases.TaskInvestigate, cases.ActorTown, 2, nil)}},
			nil},
		{"a dispatch gives each town its part",
			notify.Step{CaseKind: "dispatch", CaseID: 3, Seq: 1, At: at, From: "received", To: "open",
				Tasks: []cases.Task{task("dispatch_report:330101:1", cases.TaskDispatchReport, cases.ActorTown, 1, nil),
					task("dispatch_report:330102:1", cases.TaskDispatchReport, cases.ActorTown, 1, nil)}},
			[]want{{notify.KindTask, cases.TaskDispatchReport, "新交办事项", "市级交办事项（交办事项 #3）待贵单位办理，请于12月9日前反馈办理情况。", false},
				{notify.KindTask, cases.TaskDispatchReport, "新交办事项", "市级交办事项（交办事项 #3）待贵单位办理，请于12月9日前反馈办理情况。", false}}},
		{"a warning opened is an order to the enterprise",
			notify.Step{CaseKind: "warning", CaseID: 5, Seq: 1, At: at, From: "received", To: "answering", EnterpriseID: 2,
				Tasks: []cases.Task{task("warning_answer:1", cases.TaskWarningAnswer, cases.ActorEnterprise, 1, nil)}},
			[]want{{notify.KindTask, cases.TaskWarningAnswer, "预警整改通知", "贵单位有一条欠薪预警（预警 #5）：请于12月9日前整改，并在平台提交整改说明。", true}}},
		{"an escalation tells the next holder, without a deadline when it has none",
			notify.Step{CaseKind: "warning", CaseID: 5, Seq: 3, Action: "overdue", At: at, From: "escalated_town", To: "escalated_city",
				Tasks: []cases.Task{{Key: "warning_review:3", Kind: cases.TaskWarningReview, Actor: cases.ActorCity, OpenedSeq: 3}}},
			[]want{{notify.KindTask, cases.TaskWarningReview, "预警待市级处置", "欠薪预警（预警 #5）已升级至市级，请尽快处置。", false}}},
		{"a closed warning tells its enterprise",
			notify.Step{CaseKind: "warning", CaseID: 5, Seq: 4, At: at, From: "verifying", To: "closed", EnterpriseID: 2},
			[]want{{notify.KindResult, "", "预警已办结", "欠薪预警（预警 #5）已办结。", false}}},
		{"a warning without an enterprise closes silently",
			notify.Step{CaseKind: "warning", CaseID: 6, Seq: 4, At: at, From: "escalated_town", To: "closed"},
			nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := notify.Plan(c.step)
			require.Len(t, got, len(c.want))
			for i, w := range c.want {
				assert.Equal(t, w.kind, got[i].Kind)
				assert.Equal(t, w.taskKind, got[i].TaskKind)
				assert.Equal(t, w.title, got[i].Title)
				assert.Equal(t, w.body, got[i].Body)
				assert.Equal(t, w.sms, got[i].SMS)
				assert.Equal(t, got[i].Task == nil, got[i].Kind == notify.KindResult, "a result has no task")
			}
			assert.Equal(t, got, notify.Plan(c.step), "the same step, the same messages")
		})
	}
	assert.Equal(t, "【安薪】x", notify.SMSText("x"))
}

func ptr[T any](v T) *T { return &v }
