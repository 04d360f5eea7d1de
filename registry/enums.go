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
)
