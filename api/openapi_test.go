package api_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/seed"
)

// TestOpenAPIDocumentIsValid loads the served document with an independent
// OpenAPI implementation and validates it, and checks that every route
// documents a success response.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	h := setup(t)
	r := h.must(200, "GET", "/api/v1/openapi.json", nil)
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.Raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	require.NotEmpty(t, doc.Paths.Map())
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ok := false
			for code := range op.Responses.Map() {
				ok = ok || (len(code) == 3 && code[0] == '2')
			}
			require.True(t, ok, "%s %s documents no success response", method, path)
			require.NotNil(t, op.Responses.Default(), "%s %s documents no error response", method, path)
		}
	}
}

// TestResponsesMatchTheDocument fills a database with the demo city and
// checks every GET the document lists — each list, and each single row
// through an id from its list — against the response schema the document
// gives for the status that came back, so the document cannot drift from
// what the handlers return.
func TestResponsesMatchTheDocument(t *testing.T) {
	h := setup(t)
	_, err := seed.Run(context.Background(), h.pool, seed.Options{Scale: "demo", Keys: h.keys})
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(h.must(200, "GET", "/api/v1/openapi.json", nil).Raw)
	require.NoError(t, err)

	check := func(op *openapi3.Operation, path string) resp {
		r := h.do("GET", path, nil)
		ref := op.Responses.Status(r.Status)
		if ref == nil {
			ref = op.Responses.Default()
		}
		require.NotNil(t, ref, "%s: status %d not documented", path, r.Status)
		mt := ref.Value.Content.Get("application/json")
		if mt == nil {
			return r // a download; its media type is checked elsewhere
		}
		var body any
		require.NoError(t, json.Unmarshal(r.Raw, &body), path)
		require.NoError(t, mt.Schema.Value.VisitJSON(body), "%s (%d): %s", path, r.Status, r.Raw)
		return r
	}
	ids := map[string]string{}
	checked := 0
	for path, item := range doc.Paths.Map() {
		if item.Get == nil || strings.Contains(path, "{") {
			continue
		}
		r := check(item.Get, path)
		checked++
		if items := r.items(); r.Status == 200 && len(items) > 0 {
			switch id := items[0]["id"].(type) {
			case float64:
				ids[path] = strconv.FormatInt(int64(id), 10)
			}
			if code, ok := items[0]["code"].(string); ok && path == "/api/v1/towns" {
				ids[path] = code
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		if item.Get == nil || !strings.HasSuffix(path, "}") || strings.Count(path, "{") != 1 {
			continue
		}
		list := path[:strings.LastIndex(path, "/")]
		id, ok := ids[list]
		if !ok {
			continue
		}
		check(item.Get, list+"/"+id)
		checked++
	}
	require.Greater(t, checked, 30, "most GET routes were exercised")
	t.Logf("%d GET responses matched their schemas", checked)

	// The check bites: a body of the wrong shape fails it.
	list := doc.Paths.Find("/api/v1/workers").Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	require.Error(t, list.VisitJSON(map[string]any{"items": "x", "page": 1, "page_size": 20, "total": 0}))
	require.Error(t, list.VisitJSON(map[string]any{"items": []any{map[string]any{"id": "7"}}, "page": 1, "page_size": 20, "total": 1}))
}
