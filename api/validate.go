package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/anxin-city/anxin/auth"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
)

// check collects field errors of one request so the client hears about
// every bad field at once. Messages are Chinese; the code of the first
// error becomes the response code.
type check struct {
	fields map[string]string
	code   string
}

func (v *check) fail(field, code, msg string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, dup := v.fields[field]; dup {
		return
	}
	if v.code == "" {
		v.code = code
	}
	v.fields[field] = msg
}

func (v *check) ok(field string) bool { _, bad := v.fields[field]; return !bad }

// err returns nil when every check passed, otherwise a 422 naming every bad field.
func (v *check) err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := "提交的数据有误"
	if len(v.fields) == 1 {
		for _, m := range v.fields {
			msg = m
		}
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: v.code, Message: msg, Fields: v.fields}
}

// text trims s and checks it is present (when required) and at most max runes.
func (v *check) text(field string, s *string, required bool, max int) {
	if s == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "" && required:
		v.fail(field, "required", "必填")
	case utf8.RuneCountInString(*s) > max:
		v.fail(field, "too_long", fmt.Sprintf("不能超过%d个字", max))
	}
}

func (v *check) required(field string, present bool) {
	if !present {
		v.fail(field, "required", "必填")
	}
}

// enum checks that s is one of the allowed codes.
func (v *check) enum(field string, s *string, required bool, allowed registry.Enum) {
	if s == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	if !allowed.Has(*s) {
		v.fail(field, "invalid_value", "不支持的取值")
	}
}

// fen checks a money amount in fen: non-negative and below 10^15 fen (ten
// trillion yuan), which keeps every sum far from int64 overflow.
func (v *check) fen(field string, n *int64, required bool) {
	if n == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	if *n < 0 {
		v.fail(field, "negative_amount", "金额不能为负数")
	} else if *n > 1_000_000_000_000_000 {
		v.fail(field, "amount_too_large", "金额超出允许范围")
	}
}

// dateRange checks from <= to when both are given.
func (v *check) dateRange(fromField string, from *Date, toField string, to *Date) {
	if from != nil && to != nil && to.Before(from.Time) {
		v.fail(toField, "invalid_date_range", "结束日期不能早于开始日期")
	}
}

// dateSane refuses dates outside 1990..2100 (typos such as 0202-01-01).
func (v *check) dateSane(field string, d *Date, required bool) {
	if d == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	if y := d.Year(); y < 1990 || y > 2100 {
		v.fail(field, "invalid_date", "日期超出合理范围")
	}
}

// identErr records an ident parse error under field.
func (v *check) identErr(field string, err error) {
	var ie *ident.Error
	if errors.As(err, &ie) {
		v.fail(field, ie.Code, ie.Message)
		return
	}
	v.fail(field, "invalid_value", "格式不正确")
}

// dateField parses an optional YYYY-MM-DD value and reports a bad one
// under field. Dates must lie in 1990..2100 (typos such as 0202-01-01).
func (v *check) dateField(field string, s *string, required bool) *time.Time {
	return v.calendarField(field, s, required, dateLayout, "invalid_date", "日期格式应为 YYYY-MM-DD", "日期超出合理范围")
}

// pastDate checks an optional date: sane and not after today.
func (v *check) pastDate(field string, d *Date, required bool, today time.Time) {
	v.dateSane(field, d, required)
	if d != nil && v.ok(field) && d.After(today) {
		v.fail(field, "future_date", "不能晚于今天")
	}
}

// notFuture refuses a date after today.
func (v *check) notFuture(field string, t *time.Time, today time.Time) {
	if t != nil && t.After(today) {
		v.fail(field, "future_date", "不能晚于今天")
	}
}

// monthField parses an optional YYYY-MM value to the first day of the
// month, in 1990..2100 like dateField.
func (v *check) monthField(field string, s *string, required bool) *time.Time {
	return v.calendarField(field, s, required, monthLayout, "invalid_month", "月份格式应为 YYYY-MM", "月份超出合理范围")
}

// calendarField parses an optional value in layout (spaces around it
// ignored; empty means absent) that must lie in 1990..2100.
func (v *check) calendarField(field string, s *string, required bool, layout, code, badFormat, outOfRange string) *time.Time {
	if s == nil || strings.TrimSpace(*s) == "" {
		if required {
			v.fail(field, "required", "必填")
		}
		return nil
	}
	t, err := time.Parse(layout, strings.TrimSpace(*s))
	if err != nil {
		v.fail(field, code, badFormat)
		return nil
	}
	if y := t.Year(); y < 1990 || y > 2100 {
		v.fail(field, code, outOfRange)
		return nil
	}
	return &t
}

// positiveID checks that a required or optional id is positive.
func (v *check) positiveID(field string, id *int64, required bool) {
	if id == nil {
		if required {
			v.fail(field, "required", "必填")
		}
		return
	}
	if *id <= 0 {
		v.fail(field, "invalid_value", "应为正整数")
	}
}

// password checks a new password against the policy (auth.CheckPolicy)
// for the account with login name username; it reports whether it passed.
func (v *check) password(field, pw, username string) bool {
	if err := auth.CheckPolicy(pw, username); err != nil {
		if pe, ok := auth.IsPolicyError(err); ok {
			v.fail(field, pe.Code, pe.Message)
		} else {
			v.fail(field, "invalid_value", "密码不符合要求")
		}
		return false
	}
	return true
}
