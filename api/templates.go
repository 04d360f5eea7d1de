package api

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/excel"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
)

// Excel templates, imports and exports (SPEC R2, last bullet: bulk import
// of rosters, attendance and payroll from Excel templates, and export of
// any list to Excel). This file holds the three import templates, which
// the template download and the import share, and what the Excel
// handlers have in common; imports.go and exports.go hold the rest.

// xlsxMIME is the media type of an .xlsx workbook.
const xlsxMIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Column keys of the import templates (Record getters and RowError.Field).
const (
	colName        = "name"
	colIDNumber    = "id_number"
	colPhone       = "phone"
	colBankCard    = "bank_card"
	colBankName    = "bank_name"
	colTeam        = "team"
	colTrade       = "trade"
	colEntryDate   = "entry_date"
	colContract    = "contract_signed_on"
	colDailyWage   = "daily_wage"
	colWorkDate    = "work_date"
	colHours       = "hours"
	colMinutes     = "minutes"
	colSource      = "source"
	colDaysWorked  = "days_worked"
	colAmountDue   = "amount_due"
	colAmountPaid  = "amount_paid"
	colPaidOn      = "paid_on"
	colTransferRef = "transfer_ref"
	colPaidVia     = "paid_via"
)

// enumValues turns a registry enum into the values of an Enum column.
func enumValues(e registry.Enum) []excel.EnumValue {
	out := make([]excel.EnumValue, len(e.Codes))
	for i, code := range e.Codes {
		out[i] = excel.EnumValue{Code: code, Label: e.Label(code)}
	}
	return out
}

// exampleBankCard is a Luhn-valid card number for the template's example.
var exampleBankCard = func() string {
	const first = "621700123456789012"
	d, err := ident.BankCardCheckDigit(first)
	if err != nil {
		panic(err)
	}
	return first + string(d)
}()

// The identity columns every template starts with.
var (
	idNumberColumn = excel.Column{Key: colIDNumber, Header: "身份证号码", Aliases: []string{"身份证号", "公民身份号码", "身份证"},
		Required: true, Kind: excel.Text, MaxLen: 32, Width: 22, Example: "11010519491231002X",
		Help: "18 位居民身份证号码，末位 X 大小写均可；请保持单元格为“文本”格式，否则 Excel 会把号码改成科学计数法"}
	nameColumn = excel.Column{Key: colName, Header: "姓名", Required: true, Kind: excel.Text, MaxLen: 64, Example: "张三"}
)

// rosterTemplate is the roster 花名册: workers entering a project.
var rosterTemplate = excel.Template{
	Name: "工人花名册",
	Columns: []excel.Column{
		nameColumn,
		idNumberColumn,
		{Key: colPhone, Header: "手机号码", Aliases: []string{"手机号", "联系电话"}, Kind: excel.Text, MaxLen: 32, Width: 14,
			Example: "13812345678", Help: "11 位手机号码；已登记的工人填写后将更新其手机号码"},
		{Key: colBankCard, Header: "银行卡号", Aliases: []string{"工资卡号"}, Kind: excel.Text, MaxLen: 32, Width: 22,
			Example: exampleBankCard, Help: "工资卡卡号（12 至 19 位）；已登记的工人填写后将更新其银行卡号"},
		{Key: colBankName, Header: "开户银行", Kind: excel.Text, MaxLen: 64, Example: "中国建设银行杭州分行"},
		{Key: colTeam, Header: "班组", Aliases: []string{"班组名称"}, Kind: excel.Text, MaxLen: 64, Example: "木工班",
			Help: "本项目已建立的班组名称；不填则不分配班组"},
		{Key: colTrade, Header: "工种", Kind: excel.Text, MaxLen: 32, Example: "木工"},
		{Key: colEntryDate, Header: "进场日期", Required: true, Kind: excel.Date, Example: "2026-01-05", Help: "不能晚于今天"},
		{Key: colContract, Header: "合同签订日期", Aliases: []string{"劳动合同签订日期"}, Kind: excel.Date, Example: "2026-01-05",
			Help: "不能晚于今天，也不能早于进场日期 30 天以上；未签订劳动合同的不填"},
		{Key: colDailyWage, Header: "日工资(元)", Aliases: []string{"日工资"}, Kind: excel.Money, Example: "350.00"},
	},
	Notes: []string{
		"每行一名工人，导入后即在本项目登记进场。",
		"已实名登记的工人（按身份证号码识别）不会重复登记，姓名须与登记信息一致；填写的手机号码、银行卡号、开户银行将更新其登记信息。",
		"同一文件内身份证号码不能重复；已在本项目在场（未退场）的工人不能再次导入。",
		"导入前系统会检查全部数据，任何一行有误则整个文件都不导入，请按错误清单修改后重新上传。",
	},
}

// attendanceTemplate is the attendance sheet 考勤表: worker-days of a project.
var attendanceTemplate = excel.Template{
	Name: "考勤记录",
	Columns: []excel.Column{
		idNumberColumn,
		withHelp(nameColumn, "须与该身份证号码登记的姓名一致"),
		{Key: colWorkDate, Header: "日期", Aliases: []string{"考勤日期", "出勤日期"}, Required: true, Kind: excel.Date,
			Example: "2026-01-05", Help: "不能晚于今天，且须在该工人本项目的进场至退场期间"},
		{Key: colHours, Header: "工时(小时)", Aliases: []string{"工时", "出勤小时"}, Kind: excel.Text, MaxLen: 16, Example: "8",
			Help: "当日出勤小时数，0 到 24，最多两位小数；与“出勤分钟”填写其一即可，都不填按 8 小时计"},
		{Key: colMinutes, Header: "出勤分钟", Kind: excel.Int, Example: "480", Help: "当日出勤分钟数，0 到 1440"},
		{Key: colSource, Header: "来源", Aliases: []string{"考勤来源"}, Kind: excel.Enum, Enum: enumValues(registry.AttendanceSources),
			Example: "导入", Help: "不填为“导入”"},
	},
	Notes: []string{
		"每行为一名工人一天的考勤；同一工人同一天在文件中只能出现一次。",
		"系统中已有的同一工人同一天的考勤将被本文件的数据更正。",
		"导入前系统会检查全部数据，任何一行有误则整个文件都不导入，请按错误清单修改后重新上传。",
	},
}

// payrollTemplate is the monthly payroll 工资表 of a project.
var payrollTemplate = excel.Template{
	Name: "工资表",
	Columns: []excel.Column{
		idNumberColumn,
		withHelp(nameColumn, "须与该身份证号码登记的姓名一致"),
		{Key: colDaysWorked, Header: "出勤天数", Kind: excel.Int, Example: "22", Help: "0 到当月天数"},
		{Key: colAmountDue, Header: "应发工资(元)", Aliases: []string{"应发工资", "应发金额"}, Required: true, Kind: excel.Money, Example: "6,500.00"},
		{Key: colAmountPaid, Header: "实发工资(元)", Aliases: []string{"实发工资", "实发金额"}, Kind: excel.Money, Example: "6,500.00",
			Help: "不能大于应发工资；大于零时须填写发放日期；不填按 0 计"},
		{Key: colPaidOn, Header: "发放日期", Kind: excel.Date, Example: "2026-02-10", Help: "不能晚于今天"},
		{Key: colTransferRef, Header: "银行流水号", Aliases: []string{"流水号"}, Kind: excel.Text, MaxLen: 64, Width: 24,
			Example: "20260210000123"},
		{Key: colPaidVia, Header: "发放方式", Kind: excel.Enum, Enum: enumValues(registry.PaidVia), Example: "专户代发",
			Help: "不填为“专户代发”"},
	},
	Notes: []string{
		"导入时须选择工资月份；该月工资表不存在时自动创建，已存在时须为草稿状态。",
		"每名工人一行，同一工人在文件中只能出现一次；工资表中已有该工人的明细时以本文件为准更新。",
		"工人须在该月在本项目登记用工（进场至退场期间与该月有交集）。",
		"导入前系统会检查全部数据，任何一行有误则整个文件都不导入，请按错误清单修改后重新上传。",
	},
}

func withHelp(c excel.Column, help string) excel.Column {
	c.Help = help
	return c
}

// templateSpec is one downloadable template.
type templateSpec struct {
	name  string // in the path: /templates/{name}.xlsx
	file  string // Chinese file name without extension
	what  string // English, for the route summary
	tpl   excel.Template
	bytes func() ([]byte, error) // the workbook, built once
}

var templateSpecs = []*templateSpec{
	{name: "workers", file: "工人花名册导入模板", what: "the worker roster (花名册)", tpl: rosterTemplate},
	{name: "attendance", file: "考勤导入模板", what: "attendance (考勤)", tpl: attendanceTemplate},
	{name: "payroll", file: "工资表导入模板", what: "the monthly payroll (工资表)", tpl: payrollTemplate},
}

func init() {
	for _, ts := range templateSpecs {
		tpl := ts.tpl
		ts.bytes = sync.OnceValues(func() ([]byte, error) {
			var buf bytes.Buffer
			if err := excel.WriteTemplate(&buf, tpl); err != nil {
				return nil, err
			}
			return buf.Bytes(), nil
		})
	}
}

// excelRoutes registers the template downloads, the imports and the
// exports. It must run after the list routes: the exports document the
// query parameters of the lists they mirror.
func (s *Server) excelRoutes() {
	for _, ts := range templateSpecs {
		s.add(route{Method: "GET", Path: "/templates/" + ts.name + ".xlsx", Perm: "templates:read", Tag: "excel",
			Summary:  "Download the Excel import template for " + ts.what,
			Produces: xlsxMIME, Handler: s.templateGet(ts)})
	}
	s.importRoutes()
	s.exportRoutes()
}

func (s *Server) templateGet(ts *templateSpec) fiber.Handler {
	return func(c *fiber.Ctx) error {
		b, err := ts.bytes()
		if err != nil {
			return fmt.Errorf("template %s: %w", ts.name, err)
		}
		c.Set(fiber.HeaderContentType, xlsxMIME)
		setAttachment(c, ts.file+".xlsx", ts.name+"-template.xlsx")
		return c.Send(b)
	}
}

// setAttachment sets Content-Disposition for a download with a Chinese
// file name (RFC 6266 with the RFC 5987 filename* parameter) and an ASCII
// fallback for old clients.
func setAttachment(c *fiber.Ctx, name, fallback string) {
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, fallback, rfc5987(name)))
}

// rfc5987 percent-encodes s as an RFC 5987 ext-value (UTF-8), leaving only
// attr-char unescaped.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9',
			strings.IndexByte("!#$&+-.^_`|~", ch) >= 0:
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[ch>>4])
			b.WriteByte(hex[ch&15])
		}
	}
	return b.String()
}
