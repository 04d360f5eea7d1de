package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/registry"
)

// Kinds of notification (notifications.kind).
const (
	KindTask     = "task"     // a task opened for the recipient (an order is a task: 责令整改, 预警整改)
	KindReminder = "reminder" // a task's deadline is near (the workflow's reminder, or the city's 催办)
	KindResult   = "result"   // a case the recipient is party to reached a result
)

// Kinds are the notification kinds with their Chinese labels.
var Kinds = registry.NotificationKinds

// CaseKinds are the kinds of case a notification is about.
var CaseKinds = registry.CaseKinds

// SMS statuses (sms_outbox.status).
const (
	SMSPending = "pending"
	SMSSent    = "sent"
	SMSFailed  = "failed"
)

// SMSStatuses are the outbox statuses with their Chinese labels.
var SMSStatuses = registry.SMSStatuses

// Party is who a result is for (a result has no task to name its office).
type Party string

const (
	PartyWorker     Party = "worker"     // the lead's worker (their account, and their phone: the worker's record's or the one given at intake)
	PartyEnterprise Party = "enterprise" // the enterprise the case is with (its users and the project's labour managers)
)

// Rule is one line of the table of what notifies whom.
//
// A task rule (Kind task or reminder) fires for each task of TaskKind the
// step opened (task) or reminded (reminder); its people are the task's:
// the assignee when it has one, else every active account of the task's
// office. A result rule fires when the step brings a case of CaseKind to
// status Status; its people are Party.
//
// SMS also texts the message: to the worker's phone for a worker's task
// or result, to the enterprise's contact phone for an order to an
// enterprise. Offices of the city and the towns are told in the app only
// (accounts hold no phone).
type Rule struct {
	CaseKind string
	Kind     string
	TaskKind string // task and reminder rules
	Status   string // result rules: the status reached
	Party    Party  // result rules
	Title    string
	// Body is the message; {case} is the case ("欠薪线索 #12"), {by}
	// the deadline ("于12月9日前", or "尽快" without one), {closure} the
	// closure code's label of a lead.
	Body string
	SMS  bool
}

// Rules is the table of what notifies whom. Every task kind has a task
// rule and a reminder rule (TestEveryTaskKindNotifies).
var Rules = []Rule{
	// arrears leads
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskTriage, Title: "新线索待分流",
		Body: "有一条欠薪线索（{case}）待市级分流交办，请{by}处理。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskAccept, Title: "新线索待签收",
		Body: "您单位有一条新的欠薪线索待受理（{case}）：请{by}签收或退回。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskInvestigate, Title: "线索待核查处置",
		Body: "欠薪线索（{case}）待核查处置，请{by}办结。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskRectify, Title: "责令整改通知", SMS: true,
		Body: "贵单位被责令整改（{case}）：请{by}支付拖欠的工资，并在平台提交整改凭证。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskVerify, Title: "整改凭证待核实",
		Body: "企业已提交整改凭证（{case}），请{by}核实。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskConfirm, Title: "办理结果待确认", SMS: true,
		Body: "您反映的欠薪问题（{case}）已有办理结果：{closure}。请{by}确认或提出异议，逾期未答复视为确认。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskCallback, Title: "办理结果待回访",
		Body: "欠薪线索（{case}）已反馈办理结果，未使用平台的工人待回访确认，请{by}处理。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskReview, Title: "重大案件待复核",
		Body: "重大欠薪案件（{case}）已办结，待市级复核，请{by}处理。"},
	{CaseKind: "lead", Kind: KindTask, TaskKind: cases.TaskSupervise, Title: "案件待督办",
		Body: "欠薪线索（{case}）逾期未办结，待市级督办，请{by}处理。"},
	{CaseKind: "lead", Kind: KindResult, Status: string(cases.Closed), Party: PartyWorker, Title: "线索已办结", SMS: true,
		Body: "您反映的欠薪问题（{case}）已办结：{closure}。"},
	// dispatches
	{CaseKind: "dispatch", Kind: KindTask, TaskKind: cases.TaskDispatchReport, Title: "新交办事项",
		Body: "市级交办事项（{case}）待贵单位办理，请{by}反馈办理情况。"},
	{CaseKind: "dispatch", Kind: KindTask, TaskKind: cases.TaskDispatchReview, Title: "交办反馈待审核",
		Body: "镇街已反馈交办事项（{case}）的办理情况，请{by}审核。"},
	// warnings
	{CaseKind: "warning", Kind: KindTask, TaskKind: cases.TaskWarningAnswer, Title: "预警整改通知", SMS: true,
		Body: "贵单位有一条欠薪预警（{case}）：请{by}整改，并在平台提交整改说明。"},
	{CaseKind: "warning", Kind: KindTask, TaskKind: cases.TaskWarningVerify, Title: "预警待核实处置",
		Body: "欠薪预警（{case}）待您单位核实处置，请{by}处理。"},
	{CaseKind: "warning", Kind: KindTask, TaskKind: cases.TaskWarningReview, Title: "预警待市级处置",
		Body: "欠薪预警（{case}）已升级至市级，请{by}处置。"},
	{CaseKind: "warning", Kind: KindResult, Status: string(cases.WarningClosed), Party: PartyEnterprise, Title: "预警已办结",
		Body: "欠薪预警（{case}）已办结。"},
}

// reminderRule is the reminder of a task rule: the same people, the
// same channel.
func reminderRule(r Rule) Rule {
	r.Kind = KindReminder
	r.Title = "期限提醒：" + r.Title
	r.Body = "【期限提醒】" + registry.TaskKinds.Label(r.TaskKind) + "（{case}）即将到期，请{by}处理。"
	return r
}

// taskRule is the rule of kind (task or reminder) for a task kind of a
// case kind.
func taskRule(caseKind, kind, taskKind string) (Rule, bool) {
	for _, r := range Rules {
		if r.CaseKind == caseKind && r.Kind == KindTask && r.TaskKind == taskKind {
			if kind == KindReminder {
				return reminderRule(r), true
			}
			return r, true
		}
	}
	return Rule{}, false
}

// Step is one projected step of a case, as far as notifications need it.
type Step struct {
	CaseKind string // lead, dispatch, warning
	CaseID   int64
	Seq      int
	Action   string
	At       time.Time
	From, To string // statuses before and after the step
	// Tasks are the case's open tasks after the step (the projection's).
	Tasks []cases.Task
	// Reminded are the tasks' reminders as projected before the step
	// (Reminders): a task is reminded by the step when its RemindedAt is
	// new. Nil: a task is reminded by the step when its RemindedAt is the
	// step's moment (a reminder and its step share one workflow time,
	// unless the step waited for an earlier step's projection).
	Reminded map[string]time.Time
	// the parties of the case
	WorkerID     int64 // a lead's worker (0: none, the reporter's phone may still be known)
	EnterpriseID int64 // a lead's enterprise ordered to rectify; a warning's enterprise
	ProjectID    int64
	ClosureCode  string // a lead's result
}

// Message is one notification a step makes, before its people are
// looked up (Record does that in the step's transaction).
type Message struct {
	Kind     string
	TaskKind string
	// Task is the task it is about (task and reminder rules); nil for a
	// result, which goes to Party.
	Task  *cases.Task
	Party Party
	Title string
	Body  string
	SMS   bool
}

// Plan is what step s notifies: a message for each task it opened and
// each task it reminded, and one for a result it reached. Pure: the same
// step gives the same messages (a retried projection records nothing
// twice; the unique key of notifications does the rest).
func Plan(s Step) []Message {
	var out []Message
	for i := range s.Tasks {
		t := &s.Tasks[i]
		kind := ""
		switch {
		case t.OpenedSeq == s.Seq:
			kind = KindTask
		case remindedBy(s, t):
			kind = KindReminder
		default:
			continue
		}
		r, ok := taskRule(s.CaseKind, kind, t.Kind)
		if !ok {
			continue
		}
		out = append(out, Message{Kind: r.Kind, TaskKind: t.Kind, Task: t, Title: r.Title,
			Body: render(r.Body, s, t.DueAt), SMS: r.SMS && (t.Actor == cases.ActorWorker || t.Actor == cases.ActorEnterprise)})
	}
	if s.To != s.From {
		for _, r := range Rules {
			if r.Kind != KindResult || r.CaseKind != s.CaseKind || r.Status != s.To {
				continue
			}
			if r.Party == PartyEnterprise && s.EnterpriseID == 0 {
				continue
			}
			out = append(out, Message{Kind: KindResult, Party: r.Party, Title: r.Title, Body: render(r.Body, s, nil), SMS: r.SMS})
		}
	}
	return out
}

// remindedBy reports whether step s set task t's reminder.
func remindedBy(s Step, t *cases.Task) bool {
	if t.RemindedAt == nil {
		return false
	}
	if s.Reminded == nil {
		return t.RemindedAt.Equal(s.At)
	}
	before, ok := s.Reminded[t.Key]
	// the database keeps microseconds; the workflow's clock may have more
	return !ok || before.Sub(*t.RemindedAt).Abs() >= time.Millisecond
}

// CaseLabel names a case in a message: "欠薪线索 #12".
func CaseLabel(kind string, id int64) string { return fmt.Sprintf("%s #%d", CaseKinds.Label(kind), id) }

// DueText renders a deadline as the messages say it: "12月9日" (China
// Standard Time).
func DueText(t time.Time) string {
	t = t.In(cases.Zone)
	return fmt.Sprintf("%d月%d日", t.Month(), t.Day())
}

func render(body string, s Step, due *time.Time) string {
	by := "尽快"
	if due != nil {
		by = "于" + DueText(*due) + "前"
	}
	closure := registry.ClosureCodes.Label(s.ClosureCode)
	if s.ClosureCode == "" {
		closure = "已办结"
	}
	return strings.NewReplacer("{case}", CaseLabel(s.CaseKind, s.CaseID), "{by}", by, "{closure}", closure).Replace(body)
}

// SMSText is the text message of a notification's body.
func SMSText(body string) string { return "【安薪】" + body }
