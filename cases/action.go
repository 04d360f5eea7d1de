package cases

import (
	"slices"
	"strings"
)

// Who may act on a case, and the shape of every case kind's table of
// actions. A case kind (the lead now; warnings and dispatches next)
// declares its actions once, as a list of ActionSpec with the effect
// beside each (in package workflows); the workflow's validators, the
// API's route, its pre-checks and the OpenAPI enum, and the table in
// docs/API.md are all read from that list.

// Party is who may take an action on a case, relative to the case: "the
// town the case is with", not a fixed town.
type Party int

const (
	// ByCity is a city supervisor (市级监管人员).
	ByCity Party = iota + 1
	// ByTown is an officer of the town the case is with.
	ByTown
	// ByEnterprise is the enterprise the case is addressed to (ordered to
	// rectify, warned), or the labour manager of the case's project once
	// an enterprise is named.
	ByEnterprise
	// ByWorker is the case's own worker.
	ByWorker
	// ByWorkerOrTown is the case's worker, or its town recording the
	// worker's answer given another way (a phone call).
	ByWorkerOrTown
	// ByIntake is whoever records a case (intake's own steps, never
	// offered to users as an action).
	ByIntake
	// BySystem is the platform itself (the warning scan): internal
	// actions no account may take.
	BySystem
)

// Label is the party in Chinese, as refusals name it.
func (p Party) Label() string {
	switch p {
	case ByCity:
		return "市级监管人员"
	case ByTown:
		return "案件所在镇街的监察人员"
	case ByEnterprise:
		return "被责令整改的企业或项目劳资专管员"
	case ByWorker:
		return "工人本人"
	case ByWorkerOrTown:
		return "工人本人（或镇街监察人员代为记录）"
	case ByIntake:
		return "登记人"
	case BySystem:
		return "系统"
	}
	return "有权限的人员"
}

// Doc is the party in English, for docs/API.md and the OpenAPI document.
func (p Party) Doc() string {
	switch p {
	case ByCity:
		return "city supervisor"
	case ByTown:
		return "officer of the case's town"
	case ByEnterprise:
		return "the enterprise addressed (or the project's labour manager)"
	case ByWorker:
		return "the case's worker"
	case ByWorkerOrTown:
		return "the case's worker, or its town recording their answer"
	case ByIntake:
		return "intake"
	case BySystem:
		return "the platform itself (the warning scan)"
	}
	return "?"
}

// Roles of the accounts (table accounts, column role) that act on cases.
const (
	RoleCitySupervisor = "city_supervisor"
	RoleTownOfficer    = "town_officer"
	RoleEnterprise     = "enterprise_user"
	RoleProjectManager = "project_manager"
	RoleWorker         = "worker"
)

// Parties is who a case is with at one moment: its town, the enterprise
// it is addressed to, its project and its worker (zero: none). The
// workflow reads them from its state; the API from the case's projected
// row, to refuse a caller before looking at their input.
type Parties struct {
	TownCode string
	// Towns are the towns of a case that is with several at once (a
	// dispatch): an officer of any of them is the case's town.
	Towns        []string
	EnterpriseID int64
	ProjectID    int64
	WorkerID     int64
	// WorkerIDs are the workers of a lead's claimants: each is the
	// case's worker too (a group complaint has many).
	WorkerIDs []int64
}

// Includes reports whether actor a is party p of a case with these
// parties.
func (p Party) Includes(a Actor, on Parties) bool {
	town := a.Role == RoleTownOfficer && a.TownCode != "" && (a.TownCode == on.TownCode || slices.Contains(on.Towns, a.TownCode))
	worker := a.Role == RoleWorker && a.WorkerID != 0 && (a.WorkerID == on.WorkerID || slices.Contains(on.WorkerIDs, a.WorkerID))
	switch p {
	case ByCity:
		return a.Role == RoleCitySupervisor
	case ByTown:
		return town
	case ByEnterprise:
		if on.EnterpriseID == 0 {
			return false
		}
		return (a.Role == RoleEnterprise && a.EnterpriseID == on.EnterpriseID) ||
			(a.Role == RoleProjectManager && a.ProjectID != 0 && a.ProjectID == on.ProjectID)
	case ByWorker:
		return worker
	case ByWorkerOrTown:
		return worker || town
	case ByIntake:
		return !a.IsSystem()
	case BySystem:
		return a.IsSystem()
	}
	return false
}

// ActionSpec is one action of a case kind: what the API offers and the
// workflow checks. The effect lives with it in the kind's table in
// package workflows.
type ActionSpec struct {
	// Name is the action on the wire (…/actions/{name}) and the name of
	// the workflow's Update.
	Name string
	// Label is the action in Chinese (签收, 责令整改, …).
	Label string
	// Doc says in English what the action does, for docs/API.md and the
	// OpenAPI document.
	Doc string
	// By is who may take it.
	By Party
	// From are the statuses it may be taken in (empty: any open status).
	From []Status
	// Fields are the input fields it reads besides note, by their JSON
	// names; the API refuses any other field given.
	Fields []string
	// Required are the Fields it cannot do without.
	Required []string
	// NoteMin is how many characters the note needs (0: optional), and
	// NoteWhat what the note is (for the refusal: 请填写<NoteWhat>).
	NoteMin  int
	NoteWhat string
	// Internal actions are taken by the platform itself (intake), never
	// offered on the API.
	Internal bool
}

// Allows reports whether the action may be taken in status s.
func (a ActionSpec) Allows(s Status) bool { return len(a.From) == 0 || slices.Contains(a.From, s) }

// Uses reports whether the action reads input field name.
func (a ActionSpec) Uses(name string) bool { return name == "note" || slices.Contains(a.Fields, name) }

// FromDoc is the statuses the action may be taken in, for documents.
func (a ActionSpec) FromDoc() string {
	if len(a.From) == 0 {
		return "any open status"
	}
	s := make([]string, len(a.From))
	for i, f := range a.From {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Actions is a case kind's table of actions.
type Actions []ActionSpec

// Find is the action named name, if it is in the table.
func (t Actions) Find(name string) (ActionSpec, bool) {
	i := slices.IndexFunc(t, func(a ActionSpec) bool { return a.Name == name })
	if i < 0 {
		return ActionSpec{}, false
	}
	return t[i], true
}

// Offered are the names of the actions users take through the API, in
// the table's order.
func (t Actions) Offered() []string {
	var out []string
	for _, a := range t {
		if !a.Internal {
			out = append(out, a.Name)
		}
	}
	return out
}

// Names are the names of every action, internal ones included (every one
// is an Update of the workflow).
func (t Actions) Names() []string {
	out := make([]string, len(t))
	for i, a := range t {
		out[i] = a.Name
	}
	return out
}
