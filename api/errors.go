package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/db"
)

// Error is an error meant for the client: an HTTP status, a stable English
// code, a Chinese message and, for validation errors, the offending fields
// with a Chinese reason each.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Report, when set, is rendered beside the error as "report" (the
	// row-by-row outcome of a rejected Excel import, an *excel.Report).
	Report any `json:"-"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errBadRequest(code, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg}
}

func errField(field, code, msg string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: code, Message: msg, Fields: map[string]string{field: msg}}
}

var (
	errNotFound        = &Error{Status: http.StatusNotFound, Code: "not_found", Message: "记录不存在或无权访问"}
	errVersionConflict = &Error{Status: http.StatusConflict, Code: "version_conflict", Message: "记录已被他人修改，请刷新后重试"}
	errForbidden       = &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "无权执行此操作"}
	errInternal        = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "服务器内部错误，请稍后重试"}
)

// constraintFields names, for each unique/foreign-key/check constraint a
// client can trip, the request field it concerns and a Chinese message.
// Constraints not listed map to a generic message without a field.
var constraintFields = map[string][2]string{
	"towns_pkey":                            {"code", "镇街代码已存在"},
	"towns_name_key":                        {"name", "镇街名称已存在"},
	"enterprises_credit_code_key":           {"credit_code", "统一社会信用代码已登记"},
	"enterprises_town_code_fkey":            {"town_code", "所属镇街不存在"},
	"enterprise_credit_listings_current_uq": {"kind", "该企业已有同类未移出的信用名单记录"},
	"enterprise_credit_listings_check":      {"removed_on", "移出日期不能早于列入日期"},
	"projects_code_key":                     {"code", "项目编号已存在"},
	"projects_town_code_fkey":               {"town_code", "所属镇街不存在"},
	"projects_builder_id_fkey":              {"builder_id", "建设单位不存在"},
	"projects_contractor_id_fkey":           {"contractor_id", "施工总承包单位不存在"},
	"projects_check":                        {"planned_end_date", "计划竣工日期不能早于开工日期"},
	"projects_check1":                       {"completed_on", "竣工日期不能早于开工日期"},
	"workers_id_number_hash_key":            {"id_number", "该身份证号码已登记"},
	"teams_project_id_name_key":             {"name", "该项目下已有同名班组"},
	"teams_project_id_fkey":                 {"project_id", "项目不存在"},
	"teams_labour_firm_id_fkey":             {"labour_firm_id", "劳务企业不存在"},
	"teams_leader_worker_id_fkey":           {"leader_worker_id", "班组长不存在"},
	"employments_open_uq":                   {"worker_id", "该工人已在此项目在场，请先办理退场"},
	"employments_worker_id_fkey":            {"worker_id", "工人不存在"},
	"employments_project_id_fkey":           {"project_id", "项目不存在"},
	"employments_team_id_fkey":              {"team_id", "班组不存在"},
	"employments_check":                     {"exit_date", "退场日期不能早于进场日期"},
	"employments_check1":                    {"settled_on", "未退场不能登记退场结算"},
	"employments_check2":                    {"contract_signed_on", "合同签订日期不合理"},
	"attendance_pkey":                       {"work_date", "该工人当日考勤已存在"},
	"payroll_sheets_project_id_month_key":   {"month", "该项目该月工资表已存在"},
	"payroll_lines_sheet_id_worker_id_key":  {"worker_id", "该工人已在本月工资表中"},
	"payroll_lines_check":                   {"paid_on", "已发金额大于零时必须填写发放日期"},
	"wage_accounts_project_id_key":          {"project_id", "该项目已开设工资专用账户"},
	"wage_accounts_project_id_fkey":         {"project_id", "项目不存在"},
	"labour_cost_transfers_account_id_fkey": {"account_id", "工资专用账户不存在"},
	"wage_deposits_project_id_fkey":         {"project_id", "项目不存在"},
	"safety_homes_town_code_fkey":           {"town_code", "所属镇街不存在"},
	"safety_homes_project_id_fkey":          {"project_id", "项目不存在"},
	"safety_supervisors_home_id_fkey":       {"home_id", "安薪之家不存在"},
	"safety_activities_home_id_fkey":        {"home_id", "安薪之家不存在"},
}

// toClientError maps any error a handler returns to a client error.
func toClientError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var ke *caseclient.Error
	if errors.As(err, &ke) {
		out := &Error{Status: ke.Status, Code: ke.Code, Message: ke.Message}
		if ke.Field != "" {
			out.Fields = map[string]string{ke.Field: ke.Message}
		}
		return out
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case http.StatusNotFound:
			return &Error{Status: fe.Code, Code: "route_not_found", Message: "接口不存在"}
		case http.StatusMethodNotAllowed:
			return &Error{Status: fe.Code, Code: "method_not_allowed", Message: "不支持的请求方法"}
		case http.StatusRequestEntityTooLarge:
			return &Error{Status: fe.Code, Code: "body_too_large", Message: "请求内容过大"}
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return &Error{Status: fe.Code, Code: "bad_request", Message: "请求无效"}
		}
		return errInternal
	}
	// db.Q and db.InTx map their errors already; MapError (idempotent)
	// covers statements run on a raw pool or transaction.
	mapped := db.MapError(err)
	if errors.Is(mapped, db.ErrNotFound) {
		return errNotFound
	}
	var ce *db.ConstraintError
	if errors.As(mapped, &ce) {
		status, code, msg := http.StatusUnprocessableEntity, "invalid", "数据不符合要求"
		switch {
		case errors.Is(ce.Kind, db.ErrConflict):
			status, code, msg = http.StatusConflict, "duplicate", "记录已存在"
		case errors.Is(ce.Kind, db.ErrReference):
			code, msg = "reference_not_found", "关联的记录不存在"
		case errors.Is(ce.Kind, db.ErrSerialized):
			status, code, msg = http.StatusConflict, "retry", "并发冲突，请重试"
		case errors.Is(ce.Kind, db.ErrBadInput):
			// A value Postgres cannot take (NUL in text, too long, out of
			// range, not a number or a date) that validation let through.
			code, msg = "invalid_value", "数据格式或取值无效（含非法字符、超长或超出范围）"
		}
		out := &Error{Status: status, Code: code, Message: msg}
		if f, ok := constraintFields[ce.Constraint]; ok {
			out.Message = f[1]
			out.Fields = map[string]string{f[0]: f[1]}
		} else if col, ok := checkColumn(ce.Table, ce.Constraint); ok {
			out.Message = "字段取值不符合要求"
			out.Fields = map[string]string{col: out.Message}
		} else if ce.Column != "" && errors.Is(ce.Kind, db.ErrBadInput) {
			out.Fields = map[string]string{ce.Column: out.Message}
		}
		return out
	}
	return errInternal
}

// errorHandler is the one place where errors become responses. Internal
// errors are logged with the request, never echoed.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		ce := toClientError(err)
		if ce.Status >= 500 {
			log.Error("request failed", "method", c.Method(), "path", c.Path(), "err", err)
		}
		return c.Status(ce.Status).JSON(errorResponse(ce))
	}
}

// errorResponse is the body an error is answered with.
func errorResponse(ce *Error) fiber.Map {
	body := fiber.Map{"error": ce}
	if ce.Report != nil {
		body["report"] = ce.Report
	}
	return body
}

// checkColumn recovers the column of a column-level check constraint,
// which Postgres names <table>_<column>_check.
func checkColumn(table, constraint string) (string, bool) {
	if table == "" || !strings.HasPrefix(constraint, table+"_") || !strings.HasSuffix(constraint, "_check") {
		return "", false
	}
	col := strings.TrimSuffix(strings.TrimPrefix(constraint, table+"_"), "_check")
	if col == "" {
		return "", false
	}
	return col, true
}
