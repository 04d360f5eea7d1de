package rules

import (
	"context"
	"fmt"
	"strings"

	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// figures is a hit's figures decoded: every rule's keys in one map.
type figures map[string]any

func (f figures) int(k string) int64 {
	if v, ok := f[k].(float64); ok {
		return int64(v)
	}
	return 0
}

func (f figures) str(k string) string {
	s, _ := f[k].(string)
	return s
}

// yuan renders fen as ¥1,234.56.
func yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	s := fmt.Sprint(fen / 100)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := fmt.Sprintf("¥%s.%02d", b.String(), fen%100)
	if neg {
		out = "-" + out
	}
	return out
}

var lookback = param{name: "lookback_months", label: "回溯月数", integer: true, min: 1, max: 36}

// specs are the rules with code behind them, by code (registry.WarningRules
// lists the same codes; TestSpecsMatchRegistry checks).
var specs = map[string]spec{
	"payroll_unpaid": {
		graded: true,
		params: []param{
			{name: "orange_after_months", label: "橙色预警：工资所属月份后第几个月末仍未发放", integer: true, min: 0, max: 6},
			{name: "red_after_months", label: "红色预警：工资所属月份后第几个月末仍未发放", integer: true, min: 1, max: 12},
			lookback,
		},
		cross: func(p Params) []FieldError {
			if p.Int("red_after_months") <= p.Int("orange_after_months") {
				return []FieldError{{"params.red_after_months", "out_of_range", "红色预警期限应晚于橙色预警期限"}}
			}
			return nil
		},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RulePayrollUnpaid(ctx, dbq.RulePayrollUnpaidParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, LookbackMonths: p.Int("lookback_months"),
				OrangeAfterMonths: p.Int("orange_after_months"), RedAfterMonths: p.Int("red_after_months")}))
		},
		explain: func(h Hit, f figures) string {
			sheet := "未编制工资表"
			if st := f.str("sheet"); st != "" {
				sheet = fmt.Sprintf("工资表%s（%d人，应发%s，实发%s）", registry.PayrollStatuses.Label(st), f.int("lines"),
					yuan(f.int("due_fen")), yuan(f.int("paid_fen")))
			}
			paid := "未通过工资专用账户发放工资"
			if d := f.str("first_paid_on"); d != "" {
				paid += "（" + d + "方开始发放）"
			}
			return fmt.Sprintf("%s：出勤%d人天（%d名工人），%s，截至%s%s", h.Period, f.int("person_days"), f.int("workers"),
				sheet, f.str("due_by"), paid)
		},
	},
	"pay_ratio": {
		graded: true,
		params: []param{
			{name: "yellow_below_ratio", label: "黄色预警：发放人数÷出勤人数低于", min: 0, max: 1, openMin: true},
			{name: "red_unpaid_share_above", label: "红色预警：未发放人数占出勤人数比例高于", min: 0, max: 1},
			lookback,
		},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RulePayRatio(ctx, dbq.RulePayRatioParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, LookbackMonths: p.Int("lookback_months"),
				YellowBelowRatio: p.Float("yellow_below_ratio"), RedUnpaidShareAbove: p.Float("red_unpaid_share_above")}))
		},
		explain: func(h Hit, f figures) string {
			return fmt.Sprintf("%s：出勤%d人天，%d名出勤工人中%d人发放工资，%d人未发放", h.Period, f.int("person_days"),
				f.int("workers"), f.int("paid_workers"), f.int("unpaid_workers"))
		},
	},
	"transfer_gap": {
		params: []param{{name: "max_months_without_transfer", label: "人工费用拨付间隔上限（月）", integer: true, min: 1, max: 12}},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleTransferGap(ctx, dbq.RuleTransferGapParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, MaxMonthsWithoutTransfer: p.Int("max_months_without_transfer")}))
		},
		explain: func(h Hit, f figures) string {
			if last := f.str("last_transfer_on"); last != "" {
				return fmt.Sprintf("最近一次人工费用拨付为%s，已%d天未向农民工工资专用账户拨付（超过%d个月）", last, f.int("days_without"), f.int("max_months"))
			}
			return fmt.Sprintf("农民工工资专用账户%s开立以来未收到人工费用拨付（已%d天）", f.str("opened_on"), f.int("days_without"))
		},
	},
	"deposit_missing": {
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleDepositMissing(ctx, dbq.RuleDepositMissingParams{ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns}))
		},
		explain: func(h Hit, f figures) string {
			s := "在建项目无有效的工资保证金"
			if f["released"] == true {
				s += "（原保证金已退还）"
			}
			if st := f.str("system_state"); st != "" {
				s += "；六项制度登记为" + registry.WageSystemStates.Label(st)
			}
			return s
		},
	},
	"deposit_not_topped_up": {
		params: []param{{name: "top_up_within_working_days", label: "补足期限（工作日）", integer: true, min: 1, max: 60}},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleDepositNotToppedUp(ctx, dbq.RuleDepositNotToppedUpParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, TopUpWithinWorkingDays: p.Int("top_up_within_working_days")}))
		},
		explain: func(h Hit, f figures) string {
			return fmt.Sprintf("%s动用工资保证金%s，至%s（%d个工作日）未补足；现存%s，应存%s", f.str("payout_on"),
				yuan(f.int("payout_fen")), f.str("deadline"), f.int("working_days"), yuan(f.int("deposit_fen")), yuan(f.int("required_fen")))
		},
	},
	"below_minimum_wage": {
		params: []param{{name: "minimum_wage_fen", label: "月最低工资标准（分）", integer: true, min: 1, max: 10_000_000}, lookback},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleBelowMinimumWage(ctx, dbq.RuleBelowMinimumWageParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, LookbackMonths: p.Int("lookback_months"),
				MinimumWageFen: int64(p.Int("minimum_wage_fen"))}))
		},
		explain: func(h Hit, f figures) string {
			return fmt.Sprintf("%s：%d名工人实发工资合计%s，人均%s，低于月最低工资标准%s", h.Period, f.int("paid_workers"),
				yuan(f.int("paid_fen")), yuan(f.int("average_fen")), yuan(f.int("minimum_wage_fen")))
		},
	},
	"exit_unsettled": {
		params: []param{{name: "grace_days", label: "退场后结清期限（天）", integer: true, min: 0, max: 60}},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleExitUnsettled(ctx, dbq.RuleExitUnsettledParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, GraceDays: p.Int("grace_days")}))
		},
		explain: func(h Hit, f figures) string {
			return fmt.Sprintf("%s退场，已%d天未结清工资", f.str("exit_date"), f.int("days_since_exit"))
		},
	},
	"notice_board_missing": {
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleNoticeBoardMissing(ctx, dbq.RuleNoticeBoardMissingParams{ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns}))
		},
		explain: func(h Hit, f figures) string {
			s := "施工现场未设置维权信息告示牌"
			if d := f.str("checked_on"); d != "" {
				s += "（" + d + "核查）"
			}
			return s
		},
	},
	"contract_unsigned": {
		params: []param{{name: "days", label: "进场后签订劳动合同期限（天）", integer: true, min: 1, max: 365}},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleContractUnsigned(ctx, dbq.RuleContractUnsignedParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, Days: p.Int("days")}))
		},
		explain: func(h Hit, f figures) string {
			signed := "至今未签订"
			if s := f.str("signed_on"); s != "" {
				signed = "于" + s + "方签订"
			}
			return fmt.Sprintf("%s进场，%d天内未签订劳动合同（%s）", f.str("entry_date"), f.int("days"), signed)
		},
	},
	"no_attendance": {
		params: []param{{name: "days", label: "无考勤天数上限", integer: true, min: 1, max: 365}},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleNoAttendance(ctx, dbq.RuleNoAttendanceParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, Days: p.Int("days")}))
		},
		explain: func(h Hit, f figures) string {
			if last := f.str("last_work_date"); last != "" {
				return fmt.Sprintf("在建项目最近一次考勤为%s，已连续%d天无考勤（上限%d天）", last, f.int("days_idle"), f.int("days"))
			}
			return fmt.Sprintf("在建项目开工%d天无任何考勤记录", f.int("days_idle"))
		},
	},
	"group_arrears": {
		params: []param{
			{name: "min_workers", label: "反映欠薪人数下限", integer: true, min: 2, max: 100_000},
			{name: "window_days", label: "统计期间（天）", integer: true, min: 1, max: 365},
		},
		query: func(ctx context.Context, q *dbq.Queries, p Params, a args) ([]row, error) {
			return conv(q.RuleGroupArrears(ctx, dbq.RuleGroupArrearsParams{AsOf: a.asOf, ProjectID: a.projectID,
				EnterpriseID: a.enterpriseID, TownCodes: a.towns, MinWorkers: p.Int("min_workers"), WindowDays: p.Int("window_days")}))
		},
		explain: func(h Hit, f figures) string {
			s := fmt.Sprintf("近%d天内%d名工人反映欠薪（%d条线索，%s至%s，涉及金额%s）", f.int("window_days"), f.int("workers"),
				f.int("leads"), f.str("first_on"), f.str("last_on"), yuan(f.int("amount_fen")))
			if h.SubjectKind == SubjectEnterprise {
				s += fmt.Sprintf("，涉及该企业%d个项目", f.int("projects"))
			}
			return s
		},
	},
}
