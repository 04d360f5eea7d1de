package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Params are a rule's thresholds, by name (the JSON object of
// warning_rules.params). Every value is a JSON number; integer params
// are whole numbers.
type Params map[string]float64

// Int is the integer param name (Validate made sure it is one).
func (p Params) Int(name string) int32 { return int32(p[name]) }

// Float is the param name.
func (p Params) Float(name string) float64 { return p[name] }

// JSON is the params as a JSON object, keys sorted.
func (p Params) JSON() json.RawMessage {
	b, _ := json.Marshal(map[string]float64(p)) // maps marshal with sorted keys
	return b
}

// param describes one threshold of a rule.
type param struct {
	name     string
	label    string // Chinese, for messages
	integer  bool
	min, max float64
	// openMin: the value must be greater than min, not equal to it.
	openMin bool
}

// FieldError is one bad param: Field is "params.<name>" (or "params"),
// Code a stable English code, Message Chinese.
type FieldError struct {
	Field, Code, Message string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// Validate decodes and checks a rule's params: every param of the rule
// present, no other, each a number in its range (whole where it must
// be), and the rule's own cross-checks. It needs no database.
func Validate(code string, raw json.RawMessage) (Params, []FieldError) {
	s, ok := specs[code]
	if !ok {
		return nil, []FieldError{{Field: "code", Code: "unknown_rule", Message: "没有该预警规则"}}
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, []FieldError{{Field: "params", Code: "invalid_type", Message: "规则参数应为JSON对象"}}
	}
	var errs []FieldError
	out := Params{}
	known := map[string]bool{}
	for _, p := range s.params {
		known[p.name] = true
		f := "params." + p.name
		v, present := obj[p.name]
		if !present {
			errs = append(errs, FieldError{f, "required", p.label + "必填"})
			continue
		}
		var n float64
		if err := json.Unmarshal(v, &n); err != nil {
			errs = append(errs, FieldError{f, "invalid_type", p.label + "应为数字"})
			continue
		}
		if p.integer && n != math.Trunc(n) {
			errs = append(errs, FieldError{f, "invalid_type", p.label + "应为整数"})
			continue
		}
		if n < p.min || n > p.max || (p.openMin && n == p.min) {
			errs = append(errs, FieldError{f, "out_of_range", p.label + rangeText(p)})
			continue
		}
		out[p.name] = n
	}
	var unknown []string
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		errs = append(errs, FieldError{"params." + k, "unknown_param", "该规则没有此参数"})
	}
	if len(errs) == 0 && s.cross != nil {
		errs = append(errs, s.cross(out)...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

func rangeText(p param) string {
	num := func(x float64) string {
		if x == math.Trunc(x) {
			return fmt.Sprintf("%.0f", x)
		}
		return fmt.Sprintf("%g", x)
	}
	kind := "的数"
	if p.integer {
		kind = "的整数"
	}
	if p.openMin {
		return fmt.Sprintf("应为大于%s且不超过%s%s", num(p.min), num(p.max), kind)
	}
	return fmt.Sprintf("应为%s至%s%s", num(p.min), num(p.max), kind)
}

// Merge overlays the JSON object patch on the params cur (a PATCH sends
// only the params it changes); a malformed patch is answered by Validate.
func Merge(cur, patch json.RawMessage) json.RawMessage {
	var a, b map[string]json.RawMessage
	if json.Unmarshal(cur, &a) != nil || a == nil {
		a = map[string]json.RawMessage{}
	}
	if json.Unmarshal(patch, &b) != nil || b == nil {
		return patch
	}
	for k, v := range b {
		a[k] = v
	}
	out, _ := json.Marshal(a)
	return out
}
