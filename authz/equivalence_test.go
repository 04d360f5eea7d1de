package authz_test

import (
	"context"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/authz"
	"github.com/anxin-city/anxin/db/dbtest"
)

// The Authorizer (compact role manager, rules split by object and action)
// answers exactly as a plain casbin enforcer on the same model and rules,
// for every account kind, domain and (object, action) — with the model as
// migrated and with a matcher the split does not apply to.
func TestSameAnswersAsPlainCasbin(t *testing.T) {
	for _, c := range []struct{ name, matcher string }{
		{"as migrated", ""},
		{"not splittable", "g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && r.act == p.act && r.obj == p.obj"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			pool := dbtest.New(t)
			if c.matcher != "" {
				_, err := pool.Exec(ctx, `UPDATE authz_model SET body = regexp_replace(body, 'm = [^\n]*', 'm = ' || $1)`, c.matcher)
				require.NoError(t, err)
			}
			f := newFixture(t, pool)
			var ids []int64
			for _, a := range []struct {
				role string
				b    binding
			}{
				{"city_supervisor", binding{}}, {"city_admin", binding{}}, {"city_auditor", binding{}},
				{"town_officer", binding{Town: f.TownA}}, {"enterprise_user", binding{Enterprise: f.Enterprise}},
				{"project_manager", binding{Project: f.Project}}, {"worker", binding{Worker: f.Worker}},
			} {
				id, _ := mkAccount(t, pool, a.role, a.b)
				ids = append(ids, id)
			}
			a := newAuthorizer(t, pool)
			ad := authz.NewAdapter(pool)
			m, err := ad.LoadModel(ctx)
			require.NoError(t, err)
			ref, err := casbin.NewEnforcer(m, ad)
			require.NoError(t, err)

			domains := []string{"city", "town:" + f.TownA, "town:" + f.TownB, "town:*", "ent:" + itoa(f.Enterprise), "ent:999999",
				"proj:" + itoa(f.Project), "proj:999999", "worker:" + itoa(f.Worker), "worker:999999", "", "*"}
			type oa struct{ obj, act string }
			pairs := map[oa]bool{{"nothing", "read"}: true, {"projects", "delete"}: true}
			for _, p := range a.Policy() {
				pairs[oa{p[2], p[3]}] = true
			}
			allowed := 0
			for _, id := range append(ids, 999999) {
				for _, d := range domains {
					for p := range pairs {
						want, err := ref.Enforce(authz.Subject(id), d, p.obj, p.act)
						require.NoError(t, err)
						got := allow(t, a, id, d, p.obj, p.act)
						require.Equal(t, want, got, "account %d in %q: %s %s", id, d, p.obj, p.act)
						if got {
							allowed++
						}
					}
				}
			}
			require.Greater(t, allowed, 100)
		})
	}
}
