package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/workflows"
)

// Labels (docs/API.md, "Labels"). Every code a response carries — a
// status, a kind, a closure code, an action, a role — has its Chinese
// label beside it, in a field named like the code's with "_label"
// appended (status → status_label). The rule is stated once per field,
// as a tag on the code's field:
//
//	Status      string `json:"status" codes:"lead_statuses"`
//	StatusLabel string `json:"status_label"`
//
// The tag names a code set (codeSets: registry.Named, and the open sets
// below); the OpenAPI document lists a closed set's codes as the field's
// enum and names the set (x-codes), and the label field is filled from
// the set whenever a response is encoded (encodeJSON, the app's JSON
// encoder), so no handler sets a label by hand. A code field of
// `codes:"<set>,blank"` may also be "" (a task's lead columns on a
// dispatch's task). TestEveryCodeHasItsLabel fails for a code field
// without its tag or its label; the test harness fails any response
// whose label is empty beside a code.

// labeller gives the Chinese label of a code ("" when unknown).
type labeller interface {
	Label(code string) string
}

// openSet labels codes that are not a fixed list (the system log's
// actions).
type openSet func(code string) string

func (f openSet) Label(code string) string { return f(code) }

// steps is the code set of a case kind's history: the actions of its
// workflow's table, then the steps the platform takes itself (code,
// label pairs).
func steps(table cases.Actions, system ...string) registry.Enum {
	e := registry.Enum{Labels: map[string]string{}}
	for _, a := range table {
		e.Codes = append(e.Codes, a.Name)
		e.Labels[a.Name] = a.Label
	}
	for i := 0; i+1 < len(system); i += 2 {
		e.Codes = append(e.Codes, system[i])
		e.Labels[system[i]] = system[i+1]
	}
	return e
}

// codeSets are the sets a `codes` tag may name.
var codeSets = func() map[string]labeller {
	m := make(map[string]labeller, len(registry.Named)+4)
	for n, e := range registry.Named {
		m[n] = e
	}
	office := []string{"recount", "期限重算", "claim", "认领", "assign", "指派", "reassign", "转派"}
	m["lead_steps"] = steps(workflows.LeadActions(), append([]string{"intake", "受理登记", "remind", "到期提醒",
		"overdue", "逾期", "list", "挂牌督办", "merged", "并入其他线索"}, office...)...)
	m["dispatch_steps"] = steps(workflows.DispatchActions(), append([]string{"create", "交办", "remind", "到期提醒",
		"overdue", "逾期"}, office...)...)
	m["warning_steps"] = steps(workflows.WarningActions(), append([]string{"create", "预警发起", "remind", "到期提醒",
		"overdue", "逾期（升级）"}, office...)...)
	m["audit_actions"] = openSet(auditActionLabel)
	return m
}()

// codeTag is a parsed `codes` tag.
type codeTag struct {
	set   string
	blank bool // "" is allowed too
}

// schema adds the code set to a field's OpenAPI schema: its name
// (x-codes) and, for a closed set, its codes as the enum.
func (ct codeTag) schema(ps map[string]any) {
	ps["x-codes"] = ct.set
	if e, ok := codeSets[ct.set].(registry.Enum); ok {
		codes := append([]string(nil), e.Codes...)
		if ct.blank {
			codes = append(codes, "")
		}
		ps["enum"] = codes
	}
}

func parseCodeTag(tag string) (codeTag, bool) {
	if tag == "" {
		return codeTag{}, false
	}
	name, opt, _ := strings.Cut(tag, ",")
	if _, ok := codeSets[name]; !ok {
		panic("api: codes tag names an unknown code set " + name)
	}
	return codeTag{set: name, blank: opt == "blank"}, true
}

// encodeJSON is the app's JSON encoder: the value with its labels filled.
func encodeJSON(v any) ([]byte, error) { return json.Marshal(withLabels(v)) }

// withLabels returns v with every label field beside a tagged code filled
// (a copy when v is not a pointer).
func withLabels(v any) any {
	if v == nil {
		return v
	}
	rv := reflect.ValueOf(v)
	if !planOf(rv.Type()).needs {
		return v
	}
	if rv.Kind() == reflect.Pointer {
		fillLabels(rv)
		return v
	}
	cp := reflect.New(rv.Type()).Elem()
	cp.Set(rv)
	fillLabels(cp)
	return cp.Interface()
}

// labelPair is a code field and its label field (indices in the struct).
type labelPair struct {
	code, label int
	set         labeller
}

// labelPlan is what filling a type takes: its pairs (a struct's), and
// whether anything within it has labels at all.
type labelPlan struct {
	needs bool
	pairs []labelPair
}

var (
	plansMu sync.Mutex
	plans   = map[reflect.Type]*labelPlan{} // under construction and done, under plansMu
	ready   sync.Map                        // reflect.Type → *labelPlan, done: read without the lock
)

func planOf(t reflect.Type) *labelPlan {
	if p, ok := ready.Load(t); ok {
		return p.(*labelPlan)
	}
	plansMu.Lock()
	defer plansMu.Unlock()
	p := planLocked(t)
	ready.Store(t, p)
	return p
}

func planLocked(t reflect.Type) *labelPlan {
	if p, ok := plans[t]; ok {
		return p
	}
	p := &labelPlan{}
	plans[t] = p // a recursive type sees the plan under construction
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		p.needs = planLocked(t.Elem()).needs
	case reflect.Map:
		p.needs = planLocked(t.Elem()).needs
	case reflect.Struct:
		if t == timeType || t == dateType {
			break
		}
		byJSON := map[string]int{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				byJSON[name] = i
			}
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if tag, ok := parseCodeTag(f.Tag.Get("codes")); ok {
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if li, ok := byJSON[name+"_label"]; ok && t.Field(li).Type.Kind() == reflect.String {
					p.pairs = append(p.pairs, labelPair{code: i, label: li, set: codeSets[tag.set]})
				}
				continue
			}
			if f.IsExported() || f.Anonymous {
				if planLocked(f.Type).needs {
					p.needs = true
				}
			}
		}
		if len(p.pairs) > 0 {
			p.needs = true
		}
	}
	return p
}

// fillLabels fills the labels within v (addressable, or a pointer).
func fillLabels(v reflect.Value) {
	p := planOf(v.Type())
	if !p.needs {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fillLabels(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			fillLabels(v.Index(i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			cp := reflect.New(v.Type().Elem()).Elem()
			cp.Set(iter.Value())
			fillLabels(cp)
			v.SetMapIndex(iter.Key(), cp)
		}
	case reflect.Struct:
		for _, lp := range p.pairs {
			code := v.Field(lp.code)
			if code.Kind() == reflect.Pointer {
				if code.IsNil() {
					v.Field(lp.label).SetString("")
					continue
				}
				code = code.Elem()
			}
			v.Field(lp.label).SetString(lp.set.Label(code.String()))
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if (f.IsExported() || f.Anonymous) && f.Tag.Get("codes") == "" && planOf(f.Type).needs {
				fillLabels(v.Field(i))
			}
		}
	}
}

// auditTables are the tables whose row changes the system log records,
// in Chinese.
var auditTables = map[string]string{
	"towns": "镇街", "enterprises": "企业", "enterprise_credit_listings": "企业信用记录", "projects": "项目",
	"project_wage_systems": "项目工资支付制度", "teams": "班组", "workers": "工人", "employments": "用工记录",
	"attendance": "考勤", "work_records": "工作记录", "payroll_sheets": "工资表", "payroll_lines": "工资明细",
	"wage_accounts": "工资专用账户", "labour_cost_transfers": "人工费用拨付", "wage_deposits": "工资保证金",
	"wage_deposit_movements": "工资保证金变动", "safety_homes": "安薪之家", "safety_supervisors": "安薪监督员",
	"safety_activities": "安薪之家活动", "accounts": "账号", "leads": "欠薪线索", "lead_events": "线索办理记录",
	"case_tasks": "待办任务", "case_policies": "办理时限", "work_calendar": "节假日安排", "work_calendar_years": "节假日年度",
	"dispatches": "交办事项", "dispatch_towns": "交办镇街", "dispatch_events": "交办办理记录",
	"warnings": "预警", "warning_events": "预警办理记录", "warning_rules": "预警规则", "evidence_files": "证据文件",
	"sessions": "登录会话",
}

var auditRowChanges = map[string]string{"insert": "新增", "update": "修改", "delete": "删除"}

// auditEvents are the system log's named events.
var auditEvents = map[string]string{
	"auth.login": "登录", "auth.logout": "退出登录", "auth.register": "工人注册", "auth.password": "修改密码",
	"auth.refused": "登录被拒绝", "pii.view": "查看个人信息", "seed.load": "载入演示数据",
	"audit.import": "导入系统日志", "audit.archive": "归档系统日志", "audit.export": "导出系统日志",
}

var httpMethods = map[string]string{"GET": "查询", "POST": "提交", "PUT": "写入", "PATCH": "修改", "DELETE": "删除"}

// auditActionLabel describes an action of the system log in Chinese: an
// API access (接口访问（修改）), a row change (项目：修改), a named event.
func auditActionLabel(action string) string {
	if m, _, ok := strings.Cut(action, " "); ok {
		if l, ok := httpMethods[m]; ok {
			return "接口访问（" + l + "）"
		}
		return "接口访问"
	}
	if l, ok := auditEvents[action]; ok {
		return l
	}
	if table, op, ok := strings.Cut(action, "."); ok {
		if tl, ok := auditTables[table]; ok {
			if ol, ok := auditRowChanges[op]; ok {
				return tl + "：" + ol
			}
		}
		if table == "auth" {
			return "账号安全事件"
		}
	}
	return "其他操作"
}
