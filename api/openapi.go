package api

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// route is one API operation: what Fiber serves and what the OpenAPI
// document says about it, kept in one table so they cannot drift apart.
type route struct {
	Method string
	Path   string // Fiber syntax, relative to /api/v1, e.g. /enterprises/:id
	// Who may call it — exactly one of: Perm, the casbin permission
	// "object:action" the caller's role must hold in their domain
	// (docs/PERMISSIONS.md); Self, any signed-in user about their own
	// account (allowed even while a password change is due); Public, no
	// sign-in (login and worker self-registration, rate-limited).
	Perm    string
	Self    bool
	Public  bool
	Tag     string
	Summary string // English, for developers
	Query   []param
	// PathEnum lists the allowed values of a path parameter, PathDesc
	// describes one (an action's table, for example).
	PathEnum map[string][]string
	PathDesc map[string]string
	Body     any // zero value of the request body type, or nil
	Out      any // zero value of the success body type, or nil
	Status   int // success status (default 200)
	// Produces overrides the success media type (e.g. an .xlsx download).
	Produces string
	// Consumes overrides the request media type (e.g. multipart upload).
	Consumes string
	// Idempotent makes the route take an Idempotency-Key header
	// (api/idempotency.go) though it is not a create route (POST answering
	// 201, which takes one anyway).
	Idempotent bool
	Handler    fiber.Handler
}

// param documents a query parameter.
type param struct {
	Name, Type, Desc string
	Enum             []string
}

func (s *Server) add(r route) {
	n := 0
	for _, b := range []bool{r.Perm != "", r.Self, r.Public} {
		if b {
			n++
		}
	}
	if n != 1 {
		panic("api: route " + r.Method + " " + r.Path + " must have exactly one of Perm, Self, Public")
	}
	s.routes = append(s.routes, r)
}

// access is who may call the route, as documented: "public", "self" or
// the permission.
func (r route) access() string {
	switch {
	case r.Public:
		return "public"
	case r.Self:
		return "self"
	}
	return r.Perm
}

// pageParams are the paging and sorting parameters of every list.
func pageParams(sorts ...string) []param {
	return []param{
		{Name: "page", Type: "integer", Desc: "1-based page number"},
		{Name: "page_size", Type: "integer", Desc: "rows per page, 1..200, default 20"},
		{Name: "sort", Type: "string", Desc: "sort key; a leading - sorts descending", Enum: sorts},
	}
}

var (
	openapiOnce sync.Once
	openapiDoc  map[string]any
	pathParamRe = regexp.MustCompile(`:([a-zA-Z_]+)`)
)

func (s *Server) openapi(c *fiber.Ctx) error {
	openapiOnce.Do(func() { openapiDoc = s.buildOpenAPI() })
	return c.JSON(openapiDoc)
}

// Routes lists "METHOD /api/v1/path" of every documented route (tests
// use it to check that every route is covered).
func (s *Server) Routes() []string {
	out := make([]string, 0, len(s.routes))
	for _, r := range s.routes {
		out = append(out, r.Method+" /api/v1"+r.Path)
	}
	return out
}

func (s *Server) buildOpenAPI() map[string]any {
	schemas := map[string]any{}
	paths := map[string]any{}
	errRef := schemaFor(reflect.TypeOf(errorBody{}), schemas)
	for _, r := range s.routes {
		p := "/api/v1" + pathParamRe.ReplaceAllString(r.Path, "{$1}")
		item, _ := paths[p].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[p] = item
		}
		var params []any
		for _, m := range pathParamRe.FindAllStringSubmatch(r.Path, -1) {
			sch := map[string]any{"type": "string"}
			if e := r.PathEnum[m[1]]; len(e) > 0 {
				sch["enum"] = e
			}
			pp := map[string]any{"name": m[1], "in": "path", "required": true, "schema": sch}
			if d := r.PathDesc[m[1]]; d != "" {
				pp["description"] = d
			}
			params = append(params, pp)
		}
		for _, q := range r.Query {
			sch := map[string]any{"type": q.Type}
			if len(q.Enum) > 0 {
				sch["enum"] = q.Enum
			}
			params = append(params, map[string]any{"name": q.Name, "in": "query", "description": q.Desc, "schema": sch})
		}
		if r.idempotent() {
			params = append(params, idempotencyKeyParam)
		}
		op := map[string]any{
			"tags":        []string{r.Tag},
			"summary":     r.Summary,
			"operationId": operationID(r.Method, r.Path),
			// who may call it: "public", "self" (any signed-in user) or
			// the permission object:action (docs/PERMISSIONS.md)
			"x-permission": r.access(),
		}
		if r.Public {
			op["security"] = []any{}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Body != nil {
			ct := "application/json"
			if r.Consumes != "" {
				ct = r.Consumes
			}
			var sch any = schemaFor(reflect.TypeOf(r.Body), schemas)
			if ct != "application/json" {
				sch = map[string]any{"type": "object", "properties": map[string]any{"file": map[string]any{"type": "string", "format": "binary"}}}
			}
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{ct: map[string]any{"schema": sch}}}
		}
		status := r.Status
		if status == 0 {
			status = 200
		}
		okResp := map[string]any{"description": "success"}
		if r.Produces != "" {
			okResp["content"] = map[string]any{r.Produces: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
		} else if r.Out != nil {
			okResp["content"] = map[string]any{"application/json": map[string]any{"schema": schemaFor(reflect.TypeOf(r.Out), schemas)}}
		}
		if r.idempotent() {
			okResp["headers"] = map[string]any{headerReplayed: idempotentReplayedHeader}
		}
		errResp := map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}
		op["responses"] = map[string]any{itoa(status): okResp, "default": errResp}
		item[strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "Anxin (安薪) wage-arrears supervision API",
			"version":     "v1",
			"description": openapiDescription,
		},
		"paths": paths,
		"components": map[string]any{"schemas": schemas, "securitySchemes": map[string]any{
			"session": map[string]any{"type": "http", "scheme": "bearer", "description": "token from POST /api/v1/auth/login"}}},
		"security": []any{map[string]any{"session": []any{}}},
	}
}

const openapiDescription = "Registry of towns, enterprises, projects, teams, workers and their labour data. " +
	"Errors: {\"error\": {\"code\", \"message\", \"fields\"}}. " +
	"Each operation takes only the query parameters listed for it: any other is refused with 400 unknown_filter (never ignored)."

// idempotencyKeyParam documents the Idempotency-Key header of the create
// routes (api/idempotency.go).
var idempotencyKeyParam = map[string]any{"name": headerIdempotencyKey, "in": "header", "required": false,
	"description": "a key the client makes for this request (e.g. a UUID), 1..128 visible ASCII characters (else 400 " +
		"invalid_idempotency_key). The first answer is kept for 24 h per account, route and key: the same request sent " +
		"again with the key gets that answer again (header Idempotent-Replayed: true) instead of creating another row; " +
		"another request with the key is 422 idempotency_key_reused; while the first is still running, 409 " +
		"idempotency_in_progress. A refused request (4xx) does not use up its key.",
	"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": idempotencyKeyMax, "pattern": "^[!-~]+$"}}

var idempotentReplayedHeader = map[string]any{
	"description": "true when this is the kept answer of an earlier request with the same Idempotency-Key",
	"schema":      map[string]any{"type": "string", "enum": []string{"true"}}}

type errorBody struct {
	Error Error `json:"error"`
}

func operationID(method, path string) string {
	parts := strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == ':' || r == '-' || r == '_' })
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, p := range parts {
		b.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

var (
	timeType = reflect.TypeOf(time.Time{})
	dateType = reflect.TypeOf(Date{})
)

// schemaFor returns a JSON schema (or a $ref into schemas) for t, from its
// json tags. A `doc` tag becomes the description; `enum:"a,b"` an enum
// (of a request field); `codes:"<set>"` names the code set of a response
// field whose label is beside it (api/labels.go).
func schemaFor(t reflect.Type, schemas map[string]any) map[string]any {
	nullable := false
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
		nullable = true
	}
	var sch map[string]any
	switch {
	case t == dateType:
		sch = map[string]any{"type": "string", "format": "date"}
	case t == timeType:
		sch = map[string]any{"type": "string", "format": "date-time"}
	default:
		switch t.Kind() {
		case reflect.String:
			sch = map[string]any{"type": "string"}
		case reflect.Bool:
			sch = map[string]any{"type": "boolean"}
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Uint8, reflect.Uint16, reflect.Uint32:
			sch = map[string]any{"type": "integer", "format": "int32"}
		case reflect.Int64, reflect.Uint64, reflect.Uint:
			sch = map[string]any{"type": "integer", "format": "int64"}
		case reflect.Float32, reflect.Float64:
			sch = map[string]any{"type": "number"}
		case reflect.Slice, reflect.Array:
			if t.Elem().Kind() == reflect.Uint8 {
				sch = map[string]any{"type": "object", "description": "JSON value"}
			} else {
				sch = map[string]any{"type": "array", "items": schemaFor(t.Elem(), schemas)}
			}
		case reflect.Map:
			sch = map[string]any{"type": "object", "additionalProperties": schemaFor(t.Elem(), schemas)}
		case reflect.Struct:
			name := schemaName(t)
			if _, ok := schemas[name]; !ok {
				schemas[name] = map[string]any{} // break cycles
				schemas[name] = structSchema(t, schemas)
			}
			sch = map[string]any{"$ref": "#/components/schemas/" + name}
		case reflect.Interface:
			sch = map[string]any{}
		default:
			sch = map[string]any{"type": "string"}
		}
	}
	if nullable {
		if _, isRef := sch["$ref"]; isRef {
			sch = map[string]any{"allOf": []any{sch}, "nullable": true}
		} else {
			sch["nullable"] = true
		}
	}
	return sch
}

func schemaName(t reflect.Type) string {
	n := t.Name()
	// Generic instantiations carry the package path in brackets.
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexByte(inner, '.'); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + "_" + inner
	}
	return strings.ToUpper(n[:1]) + n[1:]
}

func structSchema(t reflect.Type, schemas map[string]any) map[string]any {
	props := map[string]any{}
	var required []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			emb := structSchema(f.Type, schemas)
			for k, v := range emb["properties"].(map[string]any) {
				props[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		ps := schemaFor(f.Type, schemas)
		if d := f.Tag.Get("doc"); d != "" {
			ps["description"] = d
		}
		if e := f.Tag.Get("enum"); e != "" {
			ps["enum"] = strings.Split(e, ",")
		}
		if ct, ok := parseCodeTag(f.Tag.Get("codes")); ok {
			ct.schema(ps)
		}
		props[name] = ps
		if f.Tag.Get("required") == "true" || (!strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer && f.Tag.Get("required") != "false") {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}
