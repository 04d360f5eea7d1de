package authz

import (
	"slices"

	"github.com/casbin/casbin/v2/log"
	"github.com/casbin/casbin/v2/rbac"
)

// roleManager is a compact casbin role manager for grants in domains: one
// map entry per (name, domain) holding the roles granted there. casbin's
// default domain manager keeps a role manager per domain and six sync.Maps
// per name; with a domain per worker account that was 475 MiB of heap for
// 250,000 accounts, which every GC cycle of the API process had to mark.
//
// Names and domains match exactly (no patterns: AddMatchingFunc and
// AddDomainMatchingFunc are ignored — account domains never hold '*').
// Role inheritance is followed up to maxLevel links, though accounts only
// make one (user → role).
//
// It has no lock of its own: readers (HasLink during Enforce) may run
// together, writers must exclude everyone — the Authorizer's RWMutex does.
type roleManager struct {
	links    map[grantKey][]string
	maxLevel int
}

type grantKey struct{ name, domain string }

var _ rbac.RoleManager = (*roleManager)(nil)

func newRoleManager(maxLevel int) *roleManager {
	return &roleManager{links: map[grantKey][]string{}, maxLevel: maxLevel}
}

func domainOf(domains []string) string {
	if len(domains) == 0 {
		return ""
	}
	return domains[0]
}

func (rm *roleManager) Clear() error {
	rm.links = map[grantKey][]string{}
	return nil
}

func (rm *roleManager) AddLink(name1, name2 string, domains ...string) error {
	k := grantKey{name1, domainOf(domains)}
	if roles := rm.links[k]; !slices.Contains(roles, name2) {
		rm.links[k] = append(roles, name2)
	}
	return nil
}

func (rm *roleManager) BuildRelationship(name1, name2 string, domains ...string) error {
	return rm.AddLink(name1, name2, domains...)
}

func (rm *roleManager) DeleteLink(name1, name2 string, domains ...string) error {
	k := grantKey{name1, domainOf(domains)}
	roles := rm.links[k]
	i := slices.Index(roles, name2)
	if i < 0 {
		return nil
	}
	if len(roles) == 1 {
		delete(rm.links, k)
		return nil
	}
	rm.links[k] = slices.Delete(slices.Clone(roles), i, i+1)
	return nil
}

func (rm *roleManager) HasLink(name1, name2 string, domains ...string) (bool, error) {
	if name1 == name2 {
		return true, nil
	}
	return rm.hasLink(name1, name2, domainOf(domains), rm.maxLevel), nil
}

func (rm *roleManager) hasLink(name1, name2, domain string, level int) bool {
	if level <= 0 {
		return false
	}
	roles := rm.links[grantKey{name1, domain}]
	if slices.Contains(roles, name2) {
		return true
	}
	for _, r := range roles {
		if rm.hasLink(r, name2, domain, level-1) {
			return true
		}
	}
	return false
}

func (rm *roleManager) GetRoles(name string, domains ...string) ([]string, error) {
	return slices.Clone(rm.links[grantKey{name, domainOf(domains)}]), nil
}

func (rm *roleManager) GetUsers(name string, domains ...string) ([]string, error) {
	d := domainOf(domains)
	var users []string
	for k, roles := range rm.links {
		if k.domain == d && slices.Contains(roles, name) {
			users = append(users, k.name)
		}
	}
	slices.Sort(users)
	return users, nil
}

func (rm *roleManager) GetImplicitRoles(name string, domains ...string) ([]string, error) {
	return rm.walk(name, domains, rm.GetRoles)
}

func (rm *roleManager) GetImplicitUsers(name string, domains ...string) ([]string, error) {
	return rm.walk(name, domains, rm.GetUsers)
}

// walk follows next breadth-first up to maxLevel steps.
func (rm *roleManager) walk(name string, domains []string, next func(string, ...string) ([]string, error)) ([]string, error) {
	seen := map[string]bool{name: true}
	var out []string
	frontier := []string{name}
	for level := 0; level < rm.maxLevel && len(frontier) > 0; level++ {
		var following []string
		for _, n := range frontier {
			found, _ := next(n, domains...)
			for _, f := range found {
				if !seen[f] {
					seen[f] = true
					out = append(out, f)
					following = append(following, f)
				}
			}
		}
		frontier = following
	}
	return out, nil
}

func (rm *roleManager) GetDomains(name string) ([]string, error) {
	var ds []string
	for k := range rm.links {
		if k.name == name {
			ds = append(ds, k.domain)
		}
	}
	slices.Sort(ds)
	return ds, nil
}

func (rm *roleManager) GetAllDomains() ([]string, error) {
	set := map[string]bool{}
	for k := range rm.links {
		set[k.domain] = true
	}
	ds := make([]string, 0, len(set))
	for d := range set {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds, nil
}

func (rm *roleManager) DeleteDomain(domain string) error {
	for k := range rm.links {
		if k.domain == domain {
			delete(rm.links, k)
		}
	}
	return nil
}

func (rm *roleManager) PrintRoles() error                         { return nil }
func (rm *roleManager) SetLogger(log.Logger)                      {}
func (rm *roleManager) Match(str, pattern string) bool            { return str == pattern }
func (rm *roleManager) AddMatchingFunc(string, rbac.MatchingFunc) {}
func (rm *roleManager) AddDomainMatchingFunc(string, rbac.MatchingFunc) {
}
