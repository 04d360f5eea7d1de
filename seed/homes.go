package seed

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/anxin-city/anxin/pii"
)

// genHomes creates the wage-safety homes (安薪之家), their supervisors and
// their activities in the window.
func (g *gen) genHomes() error {
	r := newRNG(g.seed, "homes")
	phones := map[string]bool{}
	for i := 0; i < g.sc.homes; i++ {
		t := g.towns[i%len(g.towns)]
		h := home{id: int64(i + 1), town: t.code, addr: g.address(r, t.name)}
		h.established = g.winStart - date(r.between(30, 700))
		h.name = t.name + "安薪之家"
		if n := i / len(g.towns); n > 0 {
			h.name = fmt.Sprintf("%s第%s安薪之家", t.name, []string{"", "二", "三", "四", "五", "六"}[min(n, 5)])
		}
		if i >= len(g.towns)/2 || r.chance(0.5) {
			// at a project site in the town
			var cands []int
			for pi := range g.projects {
				if p := &g.projects[pi]; p.town == t.code && p.inConstruction() && p.start < g.winStart {
					cands = append(cands, pi)
				}
			}
			if len(cands) > 0 && i > 0 {
				p := &g.projects[cands[r.IntN(len(cands))]]
				h.project = p.id
				h.name = p.name + "安薪之家"
				h.addr = p.address
				h.established = maxDate(h.established, p.start+30)
			}
		}
		g.homes = append(g.homes, h)
		for k := 0; k < r.between(3, 6); k++ {
			s := supervisor{id: int64(len(g.supervisors) + 1), home: h.id, party: r.chance(0.4) || k == 0 && i == 0}
			s.name = personName(r, r.chance(0.7))
			s.phone = mobile(r, phones)
			g.supervisors = append(g.supervisors, s)
		}
		for m := 0; m < g.nm; m++ {
			mm := g.firstMonth + month(m)
			for k := 0; k < r.between(1, 3); k++ {
				on := mm.first() + date(r.between(0, 27))
				if on >= g.today || on < h.established {
					continue
				}
				kind := activityKinds[r.weighted(activityW)]
				a := activity{id: int64(len(g.activities) + 1), home: h.id, on: on, kind: kind, title: r.pick(activityTitles[kind])}
				a.participants = r.between(8, 80)
				a.desc = fmt.Sprintf("%s组织开展%s，参与%d人。", h.name, a.title, a.participants)
				g.activities = append(g.activities, a)
			}
		}
	}
	return nil
}

// encrypt encrypts and hashes every piece of personal data, in parallel:
// AES-GCM for the ciphertexts, HMAC for the look-up hashes.
func (g *gen) encrypt() error {
	k := g.keys
	n := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for part := 0; part < n; part++ {
		wg.Add(1)
		go func(part int) {
			defer wg.Done()
			var err error
			enc := func(kind, s string) []byte {
				if err != nil {
					return nil
				}
				var b []byte
				b, err = k.Encrypt(kind, s)
				return b
			}
			for i := part; i < len(g.workers); i += n {
				w := &g.workers[i]
				w.idEnc = enc(pii.KindIDNumber, w.idNumber)
				w.idHash = k.Hash(pii.KindIDNumber, w.idNumber)
				w.phoneEnc = enc(pii.KindPhone, w.phone)
				w.phoneHash = k.Hash(pii.KindPhone, w.phone)
				w.cardEnc = enc(pii.KindBankCard, w.card)
			}
			for i := part; i < len(g.ents); i += n {
				e := &g.ents[i]
				e.phoneEnc = enc(pii.KindPhone, e.phone)
				e.phoneHash = k.Hash(pii.KindPhone, e.phone)
			}
			for i := part; i < len(g.supervisors); i += n {
				s := &g.supervisors[i]
				s.phoneEnc = enc(pii.KindPhone, s.phone)
				s.phoneHash = k.Hash(pii.KindPhone, s.phone)
			}
			errs[part] = err
		}(part)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// wellKnown fills the manifest's pointers to stable rows.
func (g *gen) wellKnown() {
	p := &g.projects[0]
	c := &g.ents[p.contractor-1]
	leader := &g.workers[g.emps[g.teams[p.teams[0]].leaderEmp].worker-1]
	wk := WellKnown{
		TownCode: g.towns[0].code, TownName: g.towns[0].name,
		ProjectID: p.id, ProjectCode: p.code, ProjectName: p.name,
		ContractorID: c.id, ContractorName: c.name, ContractorCredit: c.code,
		TeamLeaderID: leader.id, TeamLeaderName: leader.name,
	}
	for _, l := range g.listings {
		if l.kind == "arrears_blacklist" && l.removed == 0 {
			wk.BlacklistedEntID = l.ent
			break
		}
	}
	if len(g.homes) > 0 {
		wk.SafetyHomeID = g.homes[0].id
	}
	if a := g.manifest.Anomaly(AnomalyPayrollUnpaid); a != nil && len(a.Items) > 0 {
		wk.ProjectWithIssues = a.Items[0].ProjectCode
	}
	g.manifest.WellKnown = wk
}
