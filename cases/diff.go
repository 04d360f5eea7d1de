package cases

import (
	"encoding/json"
	"reflect"
)

// Diff lists the fields of a case's state that differ between before and
// after, by their JSON names, as [old, new] (nil for absent). The step
// counter and the task list are not fields of the case and are left out.
func Diff[S any](before, after S) map[string][2]any {
	b, a := fields(before), fields(after)
	out := map[string][2]any{}
	for k, nv := range a {
		if ov, ok := b[k]; !ok || !reflect.DeepEqual(ov, nv) {
			out[k] = [2]any{b[k], nv}
		}
	}
	for k, ov := range b {
		if _, ok := a[k]; !ok {
			out[k] = [2]any{ov, nil}
		}
	}
	return out
}

func fields[S any](s S) map[string]any {
	raw, err := json.Marshal(s)
	if err != nil {
		panic(err) // a case's state always marshals
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(err)
	}
	delete(m, "seq")
	delete(m, "tasks")
	return m
}
