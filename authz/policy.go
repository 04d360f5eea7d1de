package authz

import (
	"fmt"
	"slices"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
)

// maxRoleHierarchy is casbin's default depth of role inheritance (accounts
// make one level: user → role).
const maxRoleHierarchy = 10

// policy is one loaded state of the model and rules: what Allow reads.
//
// Two things make it cheaper than a plain casbin enforcer on the same
// model, with the same answers:
//
//   - The role grants live in a compact role manager (roles.go), not in
//     casbin's default domain manager, and not a second time in the model.
//     The default one would also, since the matcher contains
//     keyMatch(r.dom, p.dom), treat g rules' domains as patterns: a walk
//     over all domains per g rule loaded (quadratic; minutes at a city's
//     250,000 accounts with a domain per worker) and per request in an
//     unseen domain.
//   - casbin evaluates the matcher against every p rule for a refused
//     request (some(where allow) stops only at a match), ≈ 140 govaluate
//     evaluations with three allocations each. When the matcher is a plain
//     conjunction starting with r.obj == p.obj && r.act == p.act, a rule
//     of another (object, action) can never match, so the rules are split
//     into one small enforcer per (object, action), all sharing the role
//     manager: a request evaluates the ≤ 5 rules of its pair, and a pair
//     without rules is refused without evaluating anything.
type policy struct {
	roles *roleManager
	// all holds every p rule (Policy, and Allow when not split).
	all *casbin.Enforcer
	// byPair is the split by (object, action); nil when the matcher does
	// not allow it.
	byPair map[pair]*casbin.Enforcer
}

type pair struct{ obj, act string }

// splitPrefix is the start of a matcher (as casbin stores it: r.obj
// written r_obj, spaces normalised) that lets the rules be split.
const splitPrefix = "r_obj == p_obj && r_act == p_act && "

// newPolicy builds the policy of m, whose rules the adapter loaded; text
// is m's model text (each split enforcer parses its own copy).
func newPolicy(m model.Model, text string, adapter *Adapter) (*policy, error) {
	p := &policy{roles: newRoleManager(maxRoleHierarchy)}
	all, err := casbin.NewEnforcer(m) // no adapter: nothing is loaded a second time
	if err != nil {
		return nil, fmt.Errorf("authz: enforcer: %w", err)
	}
	all.SetRoleManager(p.roles)
	if err := all.BuildRoleLinks(); err != nil {
		return nil, fmt.Errorf("authz: role links: %w", err)
	}
	// The role manager holds the grants now; the model's copy (250,000
	// rules and their index) would only take memory. Grant and Revoke go
	// to the role manager directly.
	if g, ok := m["g"]["g"]; ok {
		g.Policy, g.PolicyMap = nil, map[string]int{}
	}
	all.SetAdapter(adapter) // writes through casbin's API refuse
	all.EnableAutoSave(false)
	p.all = all

	objIdx, actIdx, ok := splittable(m)
	if !ok {
		return p, nil
	}
	groups := map[pair][][]string{}
	for _, r := range m["p"]["p"].Policy {
		k := pair{r[objIdx], r[actIdx]}
		groups[k] = append(groups[k], r)
	}
	p.byPair = make(map[pair]*casbin.Enforcer, len(groups))
	for k, rules := range groups {
		sm, err := model.NewModelFromString(text)
		if err != nil {
			return nil, fmt.Errorf("authz: parse model: %w", err)
		}
		if err := sm.AddPolicies("p", "p", rules); err != nil {
			return nil, fmt.Errorf("authz: rules of %s %s: %w", k.obj, k.act, err)
		}
		e, err := casbin.NewEnforcer(sm)
		if err != nil {
			return nil, fmt.Errorf("authz: enforcer of %s %s: %w", k.obj, k.act, err)
		}
		// Share the role manager: enforce reads the g assertion's RM.
		sm["g"]["g"].RM = p.roles
		e.SetRoleManager(p.roles)
		e.EnableAutoSave(false)
		p.byPair[k] = e
	}
	return p, nil
}

// splittable says whether m's matcher is a conjunction (no ||) starting
// with the object and action equalities and m's p has obj and act, and
// where they are in a p rule.
func splittable(m model.Model) (objIdx, actIdx int, ok bool) {
	ms, okM := m["m"]["m"]
	ps, okP := m["p"]["p"]
	if !okM || !okP {
		return 0, 0, false
	}
	matcher := strings.Join(strings.Fields(ms.Value), " ")
	if !strings.HasPrefix(matcher, splitPrefix) || strings.Contains(matcher, "||") || strings.Contains(matcher, "?") {
		return 0, 0, false
	}
	objIdx, actIdx = slices.Index(ps.Tokens, "p_obj"), slices.Index(ps.Tokens, "p_act")
	return objIdx, actIdx, objIdx >= 0 && actIdx >= 0
}

func (p *policy) enforce(sub, domain, obj, act string) (bool, error) {
	e := p.all
	if p.byPair != nil {
		if e = p.byPair[pair{obj, act}]; e == nil {
			return false, nil // no rule names this object and action
		}
	}
	return e.Enforce(sub, domain, obj, act)
}

// apply changes one grant. The caller holds the Authorizer's write lock.
func (p *policy) apply(c change) {
	switch c.op {
	case OpGrant:
		_ = p.roles.AddLink(Subject(c.accountID), c.role, c.domain)
	case OpRevoke:
		_ = p.roles.DeleteLink(Subject(c.accountID), c.role, c.domain)
	}
	p.forgetMemos()
}

// forgetMemos drops each enforcer's compiled matcher, and with it the memo
// of g() results casbin keeps beside it (setting the same role manager
// again is the exported way to do that). Without this a revoked grant
// would still be remembered as held.
func (p *policy) forgetMemos() {
	p.all.SetRoleManager(p.roles)
	for _, e := range p.byPair {
		e.SetRoleManager(p.roles)
	}
}
