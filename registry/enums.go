package registry

// Enum maps stable English codes to Chinese labels, in display order.
type Enum struct {
	Codes  []string
	Labels map[string]string
}

func enum(pairs ...string) Enum {
	e := Enum{Labels: map[string]string{}}
	for i := 0; i+1 < len(pairs); i += 2 {
		e.Codes = append(e.Codes, pairs[i])
		e.Labels[pairs[i]] = pairs[i+1]
	}
	return e
}

// Has reports whether code is a member.
func (e Enum) Has(code string) bool { _, ok := e.Labels[code]; return ok }

// Label returns the Chinese label of code ("" when unknown).
func (e Enum) Label(code string) string { return e.Labels[code] }

// Code returns the code whose label is label.
func (e Enum) Code(label string) (string, bool) {
	for c, l := range e.Labels {
		if l == label {
			return c, true
		}
	}
	return "", false
}

var (
	// Roles of accounts (db/migrations/00005_identity.sql).
	Roles = enum(
		"city_supervisor", "市级监管人员",
		"city_admin", "市级账号管理员",
		"city_auditor", "市级审计员",
		"town_officer", "镇街监察人员",
		"enterprise_user", "企业用户",
		"project_manager", "项目劳资专管员",
		"worker", "工人",
	)

	// AuditOutcomes are the outcomes of system-log entries
	// (db/migrations/00004_audit.sql).
	AuditOutcomes = enum(
		"ok", "成功",
		"denied", "拒绝",
		"failed", "失败",
		"error", "系统错误",
	)

	EnterpriseTypes = enum(
		"builder", "建设单位",
		"general_contractor", "施工总承包",
		"subcontractor", "专业分包",
		"labour_firm", "劳务分包",
		"supervisor", "监理单位",
	)
	CreditKinds = enum(
		"arrears_blacklist", "欠薪黑名单",
		"major_violation", "重大违法公开",
		"serious_dishonesty", "严重违法失信",
	)
	Industries = enum(
		"housing", "房屋建筑",
		"municipal", "市政公用",
		"transport", "交通",
		"water", "水利",
		"energy", "能源",
		"other", "其他",
	)
	ProjectStatuses = enum(
		"in_construction", "在建",
		"stopped", "停工",
		"completed", "竣工",
	)
	WageSystems = enum(
		"real_name", "实名制管理",
		"wage_account", "农民工工资专用账户",
		"contractor_pays", "总包代发",
		"guarantee_deposit", "工资保证金",
		"notice_board", "维权信息公示牌",
		"bank_payroll", "银行代发工资",
	)
	WageSystemStates = enum(
		"missing", "未落实",
		"partial", "部分落实",
		"implemented", "已落实",
		"exempt", "豁免",
	)
	Genders = enum(
		"male", "男",
		"female", "女",
	)
	AttendanceSources = enum(
		"device", "考勤机",
		"manual", "手工",
		"import", "导入",
	)
	PayrollStatuses = enum(
		"draft", "草稿",
		"submitted", "已提交",
		"paid", "已发放",
	)
	PaidVia = enum(
		"wage_account", "专户代发",
		"contractor", "总包代发",
		"cash", "现金",
		"other", "其他",
	)
	Confirmations = enum(
		"pending", "待确认",
		"confirmed", "已确认",
		"disputed", "有异议",
	)
	DepositForms = enum(
		"cash", "现金",
		"bank_guarantee", "银行保函",
		"insurance", "保证保险",
		"exempt", "免缴",
	)
	DepositStatuses = enum(
		"active", "有效",
		"released", "已退还",
	)
	DepositMovementKinds = enum(
		"payment", "缴存",
		"payout", "动用支付",
		"top_up", "补足",
		"release", "退还",
	)
	ActivityKinds = enum(
		"publicity", "普法宣传",
		"mediation", "调解",
		"inspection", "走访检查",
		"other", "其他",
	)
	// Arrears leads (cases package: the same codes as constants).
	LeadSources = enum(
		"worker_app", "工人线上反映",
		"hotline", "12345热线",
		"walk_in", "来访",
		"national_platform", "全国欠薪线索平台",
	)
	LeadStatuses = enum(
		"received", "已接收",
		"triage", "待市级分流",
		"dispatched", "待签收",
		"investigating", "核查处置中",
		"rectifying", "整改中",
		"verifying", "待核实",
		"confirming", "待工人确认",
		"review", "待市级审核",
		"closed", "已办结",
	)
	Supervisions = enum(
		"none", "未督办",
		"supervised", "督办",
		"listed", "挂牌督办",
	)
	ClosureCodes = enum(
		"paid_in_full", "已全额支付",
		"paid_in_part", "部分支付并达成协议",
		"arbitration", "引导劳动仲裁",
		"court", "引导诉讼",
		"police", "移送公安机关",
		"not_founded", "经查不属实",
		"duplicate", "重复线索",
		"withdrawn", "当事人撤回",
		"outside_jurisdiction", "不属于管辖范围",
		"other", "其他",
		"merged", "已并案",
	)
	// ClaimantStatuses are where one claimant's line of a lead stands.
	ClaimantStatuses = enum(
		"open", "待确认",
		"confirmed", "已确认",
		"disputed", "有异议",
		"unreachable", "回访未联系上",
	)
	TaskKinds = enum(
		"triage", "市级分流",
		"accept", "签收",
		"investigate", "核查处置",
		"rectify", "整改",
		"verify", "核实整改",
		"confirm", "确认办理结果",
		"review", "重大案件审核",
		"supervise", "督办",
		"dispatch_report", "交办事项办理反馈",
		"dispatch_review", "审核交办反馈",
		"warning_answer", "预警整改说明",
		"warning_verify", "核实预警",
		"warning_review", "市级处置预警",
		"callback", "回访",
	)
	// DispatchStatuses are where a dispatch (交办/督办) stands.
	DispatchStatuses = enum(
		"received", "已登记",
		"open", "办理中",
		"closed", "已办结",
		"cancelled", "已撤销",
	)
	// DispatchTownStatuses are where one town's part of a dispatch stands.
	DispatchTownStatuses = enum(
		"assigned", "待办理",
		"reported", "已反馈待审核",
		"accepted", "已通过",
		"cancelled", "已撤销",
	)
	// DispatchLevels: 督办, or 挂牌督办.
	DispatchLevels = enum(
		"supervised", "督办",
		"listed", "挂牌督办",
	)
	TaskActors = enum(
		"city", "市级",
		"town", "镇街",
		"enterprise", "企业",
		"worker", "工人",
	)
	// Warning rules 预警规则 (db/migrations/00011_warning_rules.sql; the
	// rules package evaluates them).
	WarningRules = enum(
		"payroll_unpaid", "工资未按月支付",
		"pay_ratio", "工资发放人数不足",
		"transfer_gap", "人工费用未按月拨付",
		"deposit_missing", "未存储工资保证金",
		"deposit_not_topped_up", "工资保证金动用后未按时补足",
		"below_minimum_wage", "月均工资低于最低工资标准",
		"exit_unsettled", "工人退场未结清工资",
		"notice_board_missing", "未设置维权信息告示牌",
		"contract_unsigned", "未按时签订劳动合同",
		"no_attendance", "在建项目长期无考勤",
		"group_arrears", "群体性欠薪",
	)
	WarningLevels = enum(
		"yellow", "黄色预警",
		"orange", "橙色预警",
		"red", "红色预警",
	)
	// WarningStatuses are where a warning (预警) stands.
	WarningStatuses = enum(
		"received", "已登记",
		"answering", "待企业说明",
		"verifying", "待镇街核实",
		"escalated_town", "镇街处置中",
		"escalated_city", "市级处置中",
		"closed", "已办结",
		"converted", "已转线索",
	)
	WarningSubjects = enum(
		"project", "项目",
		"enterprise", "企业",
		"employment", "用工记录",
	)
)

// Code sets that are not CHECK constraints of one column, and the table
// of every named set the API labels with (docs/API.md, "Labels").
var (
	// CaseKinds are the three kinds of case (a task's, an evidence file's).
	CaseKinds = enum(
		"lead", "欠薪线索",
		"dispatch", "交办事项",
		"warning", "预警",
	)
	// CasePolicyKinds are the case kinds with a row of time limits
	// (case_policies.kind).
	CasePolicyKinds = enum(
		"lead", "欠薪线索",
	)
	// EmploymentStatuses are derived from an employment's exit and
	// settlement dates.
	EmploymentStatuses = enum(
		"on_site", "在场",
		"exited", "已退场",
		"settled", "已结算",
	)
	// ActorRoles are who took a step of a case's history: an account's
	// role, or the system (a deadline rule, the scan).
	ActorRoles = enum(
		"city_supervisor", "市级监管人员",
		"city_admin", "市级账号管理员",
		"city_auditor", "市级审计员",
		"town_officer", "镇街监察人员",
		"enterprise_user", "企业用户",
		"project_manager", "项目劳资专管员",
		"worker", "工人",
		"system", "系统",
	)
	// LeadImportOutcomes are what became of one record of a lead import.
	LeadImportOutcomes = enum(
		"created", "已新建",
		"existing", "此前已导入",
		"linked", "已并入在办线索",
		"rejected", "未导入",
	)
)

// Named are the code sets by the name a response field's `codes` tag
// gives (api/labels.go), each with its Chinese labels.
var Named = map[string]Enum{
	"roles":                  Roles,
	"actor_roles":            ActorRoles,
	"audit_outcomes":         AuditOutcomes,
	"enterprise_types":       EnterpriseTypes,
	"credit_kinds":           CreditKinds,
	"industries":             Industries,
	"project_statuses":       ProjectStatuses,
	"wage_systems":           WageSystems,
	"wage_system_states":     WageSystemStates,
	"genders":                Genders,
	"attendance_sources":     AttendanceSources,
	"payroll_statuses":       PayrollStatuses,
	"paid_via":               PaidVia,
	"confirmations":          Confirmations,
	"deposit_forms":          DepositForms,
	"deposit_statuses":       DepositStatuses,
	"deposit_movement_kinds": DepositMovementKinds,
	"activity_kinds":         ActivityKinds,
	"lead_sources":           LeadSources,
	"lead_statuses":          LeadStatuses,
	"supervisions":           Supervisions,
	"closure_codes":          ClosureCodes,
	"task_kinds":             TaskKinds,
	"task_actors":            TaskActors,
	"dispatch_statuses":      DispatchStatuses,
	"dispatch_town_statuses": DispatchTownStatuses,
	"dispatch_levels":        DispatchLevels,
	"warning_rules":          WarningRules,
	"warning_levels":         WarningLevels,
	"warning_statuses":       WarningStatuses,
	"warning_subjects":       WarningSubjects,
	"case_kinds":             CaseKinds,
	"case_policy_kinds":      CasePolicyKinds,
	"employment_statuses":    EmploymentStatuses,
	"lead_import_outcomes":   LeadImportOutcomes,
	"notification_kinds":     NotificationKinds,
	"claimant_statuses":      ClaimantStatuses,
	"sms_statuses":           SMSStatuses,
	"sms_recipients":         SMSRecipients,
}

// NotificationKinds are the kinds of notification (package notify).
var NotificationKinds = Enum{Codes: []string{"task", "reminder", "result"},
	Labels: map[string]string{"task": "新待办", "reminder": "期限提醒", "result": "办理结果"}}

// SMSStatuses are the statuses of a text in the SMS outbox.
var SMSStatuses = Enum{Codes: []string{"pending", "sent", "failed"},
	Labels: map[string]string{"pending": "待发送", "sent": "已发送", "failed": "发送失败"}}

// SMSRecipients name whom a text went to.
var SMSRecipients = Enum{Codes: []string{"worker", "reporter", "enterprise"},
	Labels: map[string]string{"worker": "工人", "reporter": "反映人", "enterprise": "企业联系电话"}}
