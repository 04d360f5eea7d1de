package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/registry"
)

// decodeBody decodes a JSON request body into dst strictly (see
// decodeStrict) and refuses control characters in any of its strings
// (422 invalid_character naming each field; dst is filled all the same,
// so that a sign-in can log the name it was refused for).
func decodeBody(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return errBadRequest("body_required", "请求内容不能为空")
	}
	if err := decodeStrict(body, dst); err != nil {
		return err
	}
	return checkBodyText(body)
}

// decodeStrict decodes one JSON value into dst strictly: unknown fields,
// trailing data and wrong types are refused with the field named.
func decodeStrict(b []byte, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errBadRequest("invalid_json", "请求内容不是单个JSON对象")
	}
	return nil
}

// jsonError maps a decoding error to a 422 naming the field (or 400).
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "body"
		}
		if te.Type == dateType {
			return errField(field, "invalid_date", "日期格式应为 YYYY-MM-DD")
		}
		return errField(field, "invalid_type", "字段类型不正确")
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		field := strings.Trim(strings.TrimPrefix(msg, "json: unknown field "), `"`)
		return errField(field, "unknown_field", "不支持的字段")
	}
	return errBadRequest("invalid_json", "请求内容不是有效的JSON")
}

// bodyKeys are the top-level keys of a request body with their raw
// values, so that a handler can tell an explicit null (clear the field)
// from an absent field (keep it).
type bodyKeys map[string]json.RawMessage

func (k bodyKeys) null(name string) bool { return string(k[name]) == "null" }

// decodeBodyKeys is decodeBody that also returns the body's keys.
func decodeBodyKeys(c *fiber.Ctx, dst any) (bodyKeys, error) {
	if err := decodeBody(c, dst); err != nil {
		return nil, err
	}
	var keys bodyKeys
	if err := json.Unmarshal(c.Body(), &keys); err != nil {
		return nil, jsonError(err)
	}
	return keys, nil
}

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
	p.Sort = queryValue(c, "sort")
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
	s := queryValue(c, name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, errQuery(name, fmt.Sprintf("应为%d到%d之间的整数", lo, hi))
	}
	return n, nil
}

// queryID reads an optional positive integer id filter.
func queryID(c *fiber.Ctx, name string) (*int64, error) {
	s := queryValue(c, name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return nil, errQuery(name, "应为正整数")
	}
	return &n, nil
}

// queryText reads an optional text filter (trimmed; empty means absent).
func queryText(c *fiber.Ctx, name string) *string {
	s := strings.TrimSpace(queryValue(c, name))
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
		return nil, errQuery(name, "搜索内容过长")
	}
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(*s)
	return &r, nil
}

// queryBool reads an optional true/false filter.
func queryBool(c *fiber.Ctx, name string) (*bool, error) {
	switch queryValue(c, name) {
	case "":
		return nil, nil
	case "true", "1":
		b := true
		return &b, nil
	case "false", "0":
		b := false
		return &b, nil
	}
	return nil, errQuery(name, "应为 true 或 false")
}

// queryEnum reads an optional filter that must be one of allowed.
func queryEnum(c *fiber.Ctx, name string, allowed registry.Enum) (*string, error) {
	s := queryText(c, name)
	if s == nil {
		return nil, nil
	}
	if !allowed.Has(*s) {
		return nil, errQuery(name, "不支持的取值")
	}
	return s, nil
}

// queryDate reads an optional YYYY-MM-DD filter.
func queryDate(c *fiber.Ctx, name string) (*Date, error) {
	s := queryValue(c, name)
	if s == "" {
		return nil, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		return nil, errQuery(name, "日期格式应为 YYYY-MM-DD")
	}
	return &d, nil
}

// queryMonth reads an optional YYYY-MM query parameter.
func queryMonth(c *fiber.Ctx, name string) (*time.Time, error) {
	s := queryValue(c, name)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(monthLayout, s)
	if err != nil {
		return nil, errQuery(name, "月份格式应为 YYYY-MM")
	}
	return &t, nil
}

// errQuery is a 400 naming one bad query parameter.
func errQuery(name, msg string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: map[string]string{name: msg}}
}

// queryErrs collects the bad query parameters of one list request, so
// that the client hears about all of them at once (400, each named).
type queryErrs struct{ fields map[string]string }

func (q *queryErrs) add(err error) {
	if err == nil {
		return
	}
	if q.fields == nil {
		q.fields = map[string]string{}
	}
	var e *Error
	if errors.As(err, &e) {
		for k, m := range e.Fields {
			q.fields[k] = m
		}
	}
}

// fail records a bad parameter found by the handler itself.
func (q *queryErrs) fail(name, msg string) { q.add(errQuery(name, msg)) }

// required records a required parameter that is absent (unless it was
// already found bad).
func (q *queryErrs) required(name string, present bool) {
	if _, bad := q.fields[name]; !present && !bad {
		q.fail(name, "必填")
	}
}

func (q *queryErrs) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: q.fields}
}

func (q *queryErrs) id(c *fiber.Ctx, name string) *int64 {
	v, err := queryID(c, name)
	q.add(err)
	return v
}

func (q *queryErrs) boolean(c *fiber.Ctx, name string) *bool {
	v, err := queryBool(c, name)
	q.add(err)
	return v
}

func (q *queryErrs) enum(c *fiber.Ctx, name string, allowed registry.Enum) *string {
	v, err := queryEnum(c, name, allowed)
	q.add(err)
	return v
}

func (q *queryErrs) like(c *fiber.Ctx, name string) *string {
	v, err := queryLike(c, name)
	q.add(err)
	return v
}

func (q *queryErrs) date(c *fiber.Ctx, name string) *time.Time {
	v, err := queryDate(c, name)
	q.add(err)
	return timePtr(v)
}

func (q *queryErrs) month(c *fiber.Ctx, name string) *time.Time {
	v, err := queryMonth(c, name)
	q.add(err)
	return v
}

// optInt reads an optional integer query parameter in [lo, hi].
func (q *queryErrs) optInt(c *fiber.Ctx, name string, lo, hi int) *int {
	if queryValue(c, name) == "" {
		return nil
	}
	v, err := queryInt(c, name, 0, lo, hi)
	if err != nil {
		q.add(err)
		return nil
	}
	return &v
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

// ---- query parameters ----
//
// Every route declares its query parameters in the route table
// (route.Query, which the OpenAPI document shows). The guard refuses a
// request carrying any other parameter — 400 unknown_filter naming each
// — or one parameter twice, before the handler runs: a mistyped or
// unsupported filter ignored would answer (or export) the caller's whole
// scope instead of what was asked for. Handlers read parameters only
// through queryValue (and the helpers above built on it), which notes
// what was read: reading a parameter the route does not declare is a
// programming error, logged (it could never be sent), and with
// Deps.StrictQuery (the tests) so is a successful answer that did not
// read a parameter the client sent.

const queryUseKey = "anxin.query"

// queryUse is what a request's handler does with its query parameters.
type queryUse struct {
	declared   map[string]bool
	read       map[string]bool
	undeclared []string
}

// queryNames are the query parameters route r declares.
func (r route) queryNames() map[string]bool {
	out := make(map[string]bool, len(r.Query))
	for _, p := range r.Query {
		out[p.Name] = true
	}
	return out
}

// queryValue is the value of the query parameter name ("" when absent).
// The name must be one the route declares.
func queryValue(c *fiber.Ctx, name string) string {
	if u, ok := c.Locals(queryUseKey).(*queryUse); ok {
		if !u.declared[name] {
			u.undeclared = append(u.undeclared, name)
			return ""
		}
		if u.read == nil {
			u.read = map[string]bool{}
		}
		u.read[name] = true
	}
	return c.Query(name)
}

const maxQueryNamesShown = 10

// checkQuery refuses a query parameter route r does not declare, or one
// sent twice, and starts noting what the handler reads.
func checkQuery(c *fiber.Ctx, r route, declared map[string]bool) error {
	c.Locals(queryUseKey, &queryUse{declared: declared})
	args := c.Request().URI().QueryArgs()
	if args.Len() == 0 {
		return nil
	}
	var unknown []string
	seen := map[string]bool{}
	repeated := map[string]string{}
	args.VisitAll(func(k, v []byte) {
		name := string(k)
		switch {
		case name == "" && len(v) == 0:
			// "?&" or a trailing "&": no parameter at all
		case !declared[name]:
			if !seen[name] {
				unknown = append(unknown, name)
			}
		case seen[name]:
			repeated[name] = "该查询参数只能出现一次"
		}
		seen[name] = true
	})
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if len(unknown) > maxQueryNamesShown {
			unknown = unknown[:maxQueryNamesShown]
		}
		reason := "此接口不支持查询参数"
		if len(r.Query) > 0 {
			names := make([]string, len(r.Query))
			for i, p := range r.Query {
				names[i] = p.Name
			}
			reason = "此接口不支持该查询参数，可用的参数：" + strings.Join(names, ", ")
		}
		fields := make(map[string]string, len(unknown))
		shown := make([]string, len(unknown))
		for i, n := range unknown {
			n = truncate(n, 64)
			fields[n] = reason
			shown[i] = n
		}
		return &Error{Status: http.StatusBadRequest, Code: "unknown_filter",
			Message: "不支持的查询参数：" + strings.Join(shown, "、"), Fields: fields}
	}
	if len(repeated) > 0 {
		return &Error{Status: http.StatusBadRequest, Code: "invalid_query", Message: "查询参数不正确", Fields: repeated}
	}
	return nil
}

// queryUnused reports a handler's misuse of query parameters once it has
// answered: the parameters it read without declaring them, and, when
// strict and the answer is a success, a parameter the client sent that
// the handler never read (a filter silently ignored).
func queryUnused(c *fiber.Ctx, strict, answered bool) (undeclared, unread []string) {
	u, ok := c.Locals(queryUseKey).(*queryUse)
	if !ok {
		return nil, nil
	}
	undeclared = u.undeclared
	if strict && answered {
		c.Request().URI().QueryArgs().VisitAll(func(k, _ []byte) {
			if name := string(k); name != "" && !u.read[name] {
				unread = append(unread, name)
			}
		})
	}
	return undeclared, unread
}

// Case numbers (案件编号, migration 00021): QX-2026-000123 a lead, JB-… a
// dispatch, YJ-… a warning.
const (
	caseNoLead     = "QX"
	caseNoDispatch = "JB"
	caseNoWarning  = "YJ"
)

var caseNoRe = regexp.MustCompile(`^([A-Z]{2})-?(\d{4})-?(\d{1,12})$`)

// normalCaseNo is a case number as a person types or reads it over the
// phone (lower case, spaces, full-width or missing hyphens, fewer leading
// zeros: "qx 2026 123", "QX2026000123") in its stored form, if its prefix
// is one of prefixes.
func normalCaseNo(s string, prefixes ...string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case r == '－' || r == '—' || r == '–' || r == '_':
			return '-'
		case r >= 'ａ' && r <= 'ｚ', r >= 'Ａ' && r <= 'Ｚ', r >= '０' && r <= '９':
			return r - 0xFEE0 // full-width letters and digits
		}
		return r
	}, strings.ToUpper(s))
	m := caseNoRe.FindStringSubmatch(s)
	if m == nil || !slices.Contains(prefixes, m[1]) {
		return "", false
	}
	n := strings.TrimLeft(m[3], "0")
	if n == "" {
		return "", false
	}
	if len(n) < 6 {
		n = strings.Repeat("0", 6-len(n)) + n
	}
	return m[1] + "-" + m[2] + "-" + n, true
}

// caseNoDesc documents a case number filter.
func caseNoDesc(prefix string) string {
	return "exact case number, e.g. " + prefix + "-2026-000123 (case, spaces, hyphens and leading zeros as a person types them)"
}

// caseNo reads an optional case number filter of a case of prefixes.
func (q *queryErrs) caseNo(c *fiber.Ctx, name string, prefixes ...string) *string {
	s := queryText(c, name)
	if s == nil {
		return nil
	}
	n, ok := normalCaseNo(*s, prefixes...)
	if !ok {
		ex := make([]string, len(prefixes))
		for i, p := range prefixes {
			ex[i] = p + "-2026-000123"
		}
		q.fail(name, "案件编号格式应为 前缀-年份-序号，例如 "+strings.Join(ex, "、"))
		return nil
	}
	return &n
}
