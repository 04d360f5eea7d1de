package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/registry"
)

// decodeBody decodes a JSON request body into dst strictly: unknown
// fields, trailing data and wrong types are refused with the field named.
func decodeBody(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest("body_required", "请求内容不能为空")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadRequest("invalid_json", "请求内容不是单个JSON对象")
	}
	return nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_type", Message: "字段类型不正确",
			Fields: map[string]string{field: "字段类型不正确"}}
	}
	var fe *fieldDecodeError
	if errors.As(err, &fe) {
		return &Error{Status: http.StatusUnprocessableEntity, Code: fe.code, Message: fe.msg,
			Fields: map[string]string{fe.field: fe.msg}}
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return &Error{Status: http.StatusUnprocessableEntity, Code: "unknown_field", Message: "不支持的字段",
			Fields: map[string]string{field: "不支持的字段"}}
	}
	return errBadRequest("invalid_json", "请求内容不是有效的JSON")
}

// fieldDecodeError is returned by custom JSON types (such as Date) so the
// client learns which value was wrong.
type fieldDecodeError struct{ field, code, msg string }

func (e *fieldDecodeError) Error() string { return fmt.Sprintf("%s: %s", e.field, e.code) }

// page is the paging and sorting of a list request.
type page struct {
	Page     int
	PageSize int
	Sort     string
}

func (p page) limit() int32  { return int32(p.PageSize) }
func (p page) offset() int32 { return int32((p.Page - 1) * p.PageSize) }

const (
	defaultPageSize = 20
	maxPageSize     = 200
	maxPage         = 100000
)

// parsePage reads page, page_size and sort; sort must be one of allowed
// (a leading "-" means descending and is part of the allowed value).
func parsePage(c *fiber.Ctx, allowed ...string) (page, error) {
	p := page{Page: 1, PageSize: defaultPageSize}
	var err error
	if p.Page, err = queryInt(c, "page", 1, 1, maxPage); err != nil {
		return p, err
	}
	if p.PageSize, err = queryInt(c, "page_size", defaultPageSize, 1, maxPageSize); err != nil {
		return p, err
	}
	p.Sort = c.Query("sort")
	if p.Sort != "" {
		ok := false
		for _, a := range allowed {
			if a == p.Sort {
				ok = true
				break
			}
		}
		if !ok {
			return p, &Error{Status: http.StatusBadRequest, Code: "invalid_sort", Message: "不支持的排序字段",
				Fields: map[string]string{"sort": "可选值：" + strings.Join(allowed, ", ")}}
		}
	}
	return p, nil
}

func queryInt(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		msg := fmt.Sprintf("应为%d到%d之间的整数", lo, hi)
		return 0, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: msg}}
	}
	return n, nil
}

// queryID reads an optional positive integer id filter.
func queryID(c *fiber.Ctx, name string) (*int64, error) {
	s := c.Query(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "应为正整数"}}
	}
	return &n, nil
}

// queryText reads an optional text filter (trimmed; empty means absent).
func queryText(c *fiber.Ctx, name string) *string {
	s := strings.TrimSpace(c.Query(name))
	if s == "" {
		return nil
	}
	s = strings.Clone(s)
	return &s
}

// queryLike reads an optional search text for a LIKE pattern, with the
// pattern characters escaped so that user input matches literally.
func queryLike(c *fiber.Ctx, name string) (*string, error) {
	s := queryText(c, name)
	if s == nil {
		return nil, nil
	}
	if len([]rune(*s)) > 64 {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "搜索内容过长"}}
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(*s)
	return &r, nil
}

// queryBool reads an optional true/false filter.
func queryBool(c *fiber.Ctx, name string) (*bool, error) {
	switch c.Query(name) {
	case "":
		return nil, nil
	case "true", "1":
		b := true
		return &b, nil
	case "false", "0":
		b := false
		return &b, nil
	}
	return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "应为 true 或 false"}}
}

// queryEnum reads an optional filter that must be one of allowed.
func queryEnum(c *fiber.Ctx, name string, allowed registry.Enum) (*string, error) {
	s := queryText(c, name)
	if s == nil {
		return nil, nil
	}
	if !allowed.Has(*s) {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "不支持的取值"}}
	}
	return s, nil
}

// queryDate reads an optional YYYY-MM-DD filter.
func queryDate(c *fiber.Ctx, name string) (*Date, error) {
	s := c.Query(name)
	if s == "" {
		return nil, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: "日期格式应为 YYYY-MM-DD"}}
	}
	return &d, nil
}

// pathID reads the :id path parameter; anything but a positive integer is
// answered as not found (the row cannot exist).
func pathID(c *fiber.Ctx, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, errNotFound
	}
	return n, nil
}

// listOut is the body of every list response.
type listOut[T any] struct {
	Items    []T   `json:"items"`
	Page     int   `json:"page"`
	PageSize int   `json:"page_size"`
	Total    int64 `json:"total"`
}

func listResponse[T any](c *fiber.Ctx, p page, items []T, total int64) error {
	if items == nil {
		items = []T{}
	}
	return c.JSON(listOut[T]{Items: items, Page: p.Page, PageSize: p.PageSize, Total: total})
}
