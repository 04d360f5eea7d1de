package api_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// notCodes are response fields whose names look like codes but are not
// a code set a person reads as a label, each with the reason.
var notCodes = map[string]string{
	"town_code":    "a town's administrative code (an identifier; town_name is beside it)",
	"credit_code":  "an enterprise's unified social credit code (an identifier)",
	"project_code": "a project's registration code (an identifier)",
	"content_type": "a MIME type of an evidence file",
	"rule":         "a case step's rule: the rule's code with its Chinese explanation (calendar_recount: …)",
	"object_type":  "the system log's object: a table or entity name for auditors",
}

// notCodesIn are fields allowed by schema (the same name is a code
// elsewhere).
var notCodesIn = map[string]string{
	"CalendarYearOut.source": "the notice an arrangement comes from (free text)",
	"TownOut.code":           "a town's administrative code (an identifier)",
	"ProjectOut.code":        "a project's registration code (an identifier)",
	"Error.code":             "an error's code is stable English for programs; its message is the Chinese",
}

// codeLike reports whether a response field's name says it holds a code.
func codeLike(name string) bool {
	last := name[strings.LastIndexByte(name, '_')+1:]
	switch last {
	case "status", "kind", "type", "source", "level", "role", "outcome", "action", "subject", "gender", "form",
		"industry", "state", "system", "confirmation", "via", "supervision", "actor", "rule", "code", "view", "mode",
		"channel", "category", "method", "result", "decision", "stage", "step":
		return true
	}
	return false
}

// TestEveryCodeHasItsLabel walks every schema a success response of the
// OpenAPI document reaches and fails for a field that carries a code
// without its label: a field with an enum that is not a registered code
// set (the `codes` tag), a code set without its "<field>_label" beside
// it, a label without its code, and a field named like a code (status,
// kind, level, …) that is none of these — so a new field cannot forget.
func TestEveryCodeHasItsLabel(t *testing.T) {
	h := setup(t)
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(h.must(200, "GET", "/api/v1/openapi.json", nil).Raw, &doc))

	var problems []string
	seen, used := map[string]bool{}, map[string]bool{}
	var walk func(where string, sch map[string]any)
	resolve := func(sch map[string]any) (string, map[string]any) {
		if all, ok := sch["allOf"].([]any); ok && len(all) == 1 {
			sch = all[0].(map[string]any)
		}
		if ref, ok := sch["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			return name, doc.Components.Schemas[name]
		}
		return "", sch
	}
	walk = func(where string, sch map[string]any) {
		name, sch := resolve(sch)
		if name != "" {
			if seen[name] {
				return
			}
			seen[name] = true
			where = name
		}
		if items, ok := sch["items"].(map[string]any); ok {
			walk(where+"[]", items)
		}
		if add, ok := sch["additionalProperties"].(map[string]any); ok {
			walk(where+"{}", add)
		}
		props, _ := sch["properties"].(map[string]any)
		for prop, raw := range props {
			_, ps := resolve(raw.(map[string]any))
			field := where + "." + prop
			set, isCode := ps["x-codes"].(string)
			switch {
			case isCode:
				label, ok := props[prop+"_label"].(map[string]any)
				if !ok || label["type"] != "string" {
					problems = append(problems, fmt.Sprintf("%s (codes %s) has no %s_label beside it", field, set, prop))
				}
			case ps["enum"] != nil:
				problems = append(problems, fmt.Sprintf("%s has an enum but no code set: tag it codes:\"<set>\" (api/labels.go)", field))
			case strings.HasSuffix(prop, "_label"):
				base, _ := props[strings.TrimSuffix(prop, "_label")].(map[string]any)
				if _, b := resolve(base); base == nil || b["x-codes"] == nil {
					problems = append(problems, fmt.Sprintf("%s is a label without a code tagged codes:\"<set>\" beside it", field))
				}
			case ps["type"] == "string" && ps["format"] == nil && codeLike(prop):
				used[prop] = used[prop] || notCodes[prop] != ""
				used[field] = used[field] || notCodesIn[field] != ""
				if notCodes[prop] == "" && notCodesIn[field] == "" {
					problems = append(problems, fmt.Sprintf("%s looks like a code: tag it codes:\"<set>\" with a %s_label, or list it in notCodes with why", field, prop))
				}
			}
			walk(field, raw.(map[string]any))
		}
	}
	responses := 0
	for path, item := range doc.Paths {
		for method, raw := range item {
			var op struct {
				Responses map[string]struct {
					Content map[string]struct {
						Schema map[string]any `json:"schema"`
					} `json:"content"`
				} `json:"responses"`
			}
			if json.Unmarshal(raw, &op) != nil {
				continue // path-level parameters
			}
			for status, r := range op.Responses {
				if status == "default" {
					continue
				}
				if mt, ok := r.Content["application/json"]; ok {
					responses++
					walk(strings.ToUpper(method)+" "+path, mt.Schema)
				}
			}
		}
	}
	require.Greater(t, responses, 100)
	for _, allowed := range []map[string]string{notCodes, notCodesIn} {
		for name := range allowed {
			if !used[name] {
				problems = append(problems, "notCodes lists "+name+", which no response has: remove it")
			}
		}
	}
	sort.Strings(problems)
	require.Empty(t, problems, "codes without labels:\n%s", strings.Join(problems, "\n"))

	// The walk bites: a schema with a bare enum, a code without its label
	// and a code-like name are each found.
	problems = nil
	seen = map[string]bool{}
	walk("Test", map[string]any{"properties": map[string]any{
		"status":      map[string]any{"type": "string", "enum": []any{"a"}},
		"level":       map[string]any{"type": "string", "x-codes": "warning_levels"},
		"result_kind": map[string]any{"type": "string"},
		"town_code":   map[string]any{"type": "string"},
	}})
	require.Len(t, problems, 3, "%v", problems)
}

// checkLabels fails a response in which a label beside a code is empty
// (a code its set does not know, or a label the encoder did not fill):
// the harness runs it on every successful JSON answer of every test.
func checkLabels(t *testing.T, where string, v any) {
	t.Helper()
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			checkLabels(t, where, e)
		}
	case map[string]any:
		for k, e := range x {
			if base, ok := strings.CutSuffix(k, "_label"); ok {
				if code, isCode := x[base].(string); isCode && code != "" {
					if l, _ := e.(string); l == "" {
						t.Errorf("%s: %s %q has an empty %s", where, base, code, k)
					}
				}
				continue
			}
			checkLabels(t, where, e)
		}
	}
}
