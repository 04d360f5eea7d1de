package seed

import (
	"container/heap"
	"fmt"
	"sort"

	"github.com/anxin-city/anxin/ident"
)

// genEmployments creates the teams of every project and its employments:
// one team leader per team for the whole life of the project, and for the
// rest of the head count chains of employments, each followed by a
// replacement after a short gap. Workers are assigned afterwards.
func (g *gen) genEmployments() error {
	r := newRNG(g.seed, "employments")
	labour := g.entsOfType("labour_firm")
	for pi := range g.projects {
		p := &g.projects[pi]
		nt := r.between(2, 4)
		if p.head >= 150 {
			nt++
		}
		order := r.Perm(len(trades))
		for k := 0; k < nt; k++ {
			t := team{id: int64(len(g.teams) + 1), project: p.id, pidx: pi, trade: order[k], name: trades[order[k]].team}
			t.firm = labour[r.IntN(len(labour))]
			if pi == 0 && k == 0 {
				t.firm = 3
			}
			p.teams = append(p.teams, len(g.teams))
			g.teams = append(g.teams, t)
		}

		for _, ti := range p.teams {
			e := employment{pidx: int32(pi), tidx: int32(ti), trade: g.teams[ti].trade, leader: true}
			cs, _ := g.chainRange(p)
			if cs == p.start {
				e.entry = p.start + date(r.between(0, 3))
			} else {
				e.entry = maxDate(p.start, g.winStart-date(r.between(30, 400)))
			}
			g.closeOut(p, &e)
			g.teams[ti].leaderEmp = len(g.emps)
			g.emps = append(g.emps, e)
		}
		for k := 0; k < p.head-len(p.teams); k++ {
			g.chain(r, p, len(p.teams), func(team int, entry, exit date, reason string, closed bool) {
				ti := p.teams[team]
				e := employment{pidx: int32(pi), tidx: int32(ti), trade: g.teams[ti].trade, entry: entry, exit: exit, exitReason: reason}
				if closed {
					g.closeOut(p, &e)
				}
				g.emps = append(g.emps, e)
			})
		}
	}

	// Contracts, confirmations, settlements and wages.
	for i := range g.emps {
		e := &g.emps[i]
		tr := trades[e.trade]
		e.wage = int64(r.between(tr.wageLo/10, tr.wageHi/10)) * 10 * 100
		if e.leader {
			e.wage += 5000
		}
		if r.chance(0.1) {
			e.signed = e.entry - date(r.between(0, 3))
		} else {
			e.signed = e.entry + date(r.between(0, 20))
		}
		if e.signed >= g.today {
			e.signed = 0 // a recent hire whose contract is still being prepared
		}
		if e.signed != 0 && r.chance(0.9) {
			if c := e.signed + date(r.between(0, 5)); c < g.today {
				e.confirmed = c.at(r.between(8, 20), r.IntN(60))
			}
		}
		if e.exit != 0 {
			e.settled = minDate(e.exit+date(r.between(0, 3)), g.yesterday)
		}
	}
	return nil
}

// availHeap orders workers free for a new employment by the day they are
// free (then by id, for determinism).
type avail struct {
	from date
	w    int // index into gen.workers
}
type availHeap []avail

func (h availHeap) Len() int { return len(h) }
func (h availHeap) Less(i, j int) bool {
	if h[i].from != h[j].from {
		return h[i].from < h[j].from
	}
	return h[i].w < h[j].w
}
func (h availHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *availHeap) Push(x any)   { *h = append(*h, x.(avail)) }
func (h *availHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// closeOut ends e with the project: exit on the project's last day, or
// still employed while the project is in construction.
func (g *gen) closeOut(p *project, e *employment) {
	if p.end == 0 {
		e.exit = 0
		return
	}
	e.exit = p.end
	e.exitReason = "项目竣工"
	if p.status == "stopped" {
		e.exitReason = "项目停工"
	}
}

// chain simulates one chain of employments of project p: a worker enters,
// leaves after 15 to 345 days, and is replaced after a gap of up to two
// weeks, until the project ends (or now). add receives each employment:
// its team (0..nt-1), entry, and exit and reason unless closed, in which
// case it ends with the project.
func (g *gen) chain(r *rng, p *project, nt int, add func(team int, entry, exit date, reason string, closed bool)) {
	cs, ce := g.chainRange(p)
	lastEntry := g.yesterday
	if p.end != 0 {
		lastEntry = p.end - 7
	}
	if p.idleFrom != 0 {
		lastEntry = p.idleFrom - 1
	}
	spread := 90
	if cs == p.start {
		spread = 5
	}
	team := r.IntN(nt)
	entry := cs + date(r.between(0, spread))
	for entry <= lastEntry {
		exit := entry + date(r.between(15, 2*meanEmploymentDays-15))
		if exit >= ce || (p.end == 0 && exit >= g.today) {
			add(team, entry, 0, "", true)
			return
		}
		add(team, entry, exit, r.pick(exitReasons), false)
		entry = exit + date(r.between(1, 14))
		if r.chance(0.3) {
			team = r.IntN(nt)
		}
	}
}

// assignWorkers gives every employment a worker, in order of entry: a
// worker who left an earlier project some weeks before, or a new one, in
// the proportion that makes the number of workers come out at the scale's
// count. Workers left over are registered but not employed in the window.
// Employment ids follow the order of entry.
func (g *gen) assignWorkers() error {
	r := newRNG(g.seed, "workers")
	order := make([]int, len(g.emps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return g.emps[order[a]].entry < g.emps[order[b]].entry })
	// renumber employments in entry order
	emps := make([]employment, len(g.emps))
	newIdx := make([]int, len(g.emps))
	for k, i := range order {
		emps[k] = g.emps[i]
		emps[k].id = int64(k + 1)
		newIdx[i] = k
	}
	g.emps = emps
	for i := range g.teams {
		g.teams[i].leaderEmp = newIdx[g.teams[i].leaderEmp]
	}

	idg := newIdentGen(g, r)
	free := &availHeap{}
	target := g.sc.workers
	for k := range g.emps {
		e := &g.emps[k]
		wi := -1
		remaining := len(g.emps) - k
		budget := target - len(g.workers)
		pFresh := 1.0
		if remaining > 0 {
			pFresh = 0.97 * float64(budget) / float64(remaining)
		}
		if free.Len() > 0 && (*free)[0].from <= e.entry && (budget <= 0 || !r.chance(pFresh)) {
			var skipped []avail
			for free.Len() > 0 && (*free)[0].from <= e.entry && len(skipped) < 4 {
				a := heap.Pop(free).(avail)
				if g.workers[a.w].worked(e.pidx) {
					skipped = append(skipped, a)
					continue
				}
				wi = a.w
				break
			}
			for _, a := range skipped {
				heap.Push(free, a)
			}
		}
		if wi < 0 {
			w, err := idg.worker(e.entry)
			if err != nil {
				return err
			}
			wi = len(g.workers)
			g.workers = append(g.workers, w)
		}
		w := &g.workers[wi]
		w.projects = append(w.projects, e.pidx)
		e.worker = w.id
		if e.exit != 0 {
			heap.Push(free, avail{from: e.exit + date(r.between(3, 60)), w: wi})
		}
	}
	for len(g.workers) < target {
		w, err := idg.worker(g.today)
		if err != nil {
			return err
		}
		g.workers = append(g.workers, w)
	}
	// each project's employments, by worker id (the attendance order)
	for k := range g.emps {
		p := &g.projects[g.emps[k].pidx]
		p.emps = append(p.emps, k)
	}
	for i := range g.projects {
		p := &g.projects[i]
		sort.Slice(p.emps, func(a, b int) bool { return g.emps[p.emps[a]].worker < g.emps[p.emps[b]].worker })
	}
	return nil
}

func (w *worker) worked(pidx int32) bool {
	for _, p := range w.projects {
		if p == pidx {
			return true
		}
	}
	return false
}

// identGen makes unique, valid identity numbers.
type identGen struct {
	g         *gen
	r         *rng
	ids       map[string]bool
	phones    map[string]bool
	cards     map[string]bool
	provinces []string
	provW     []float64
}

func newIdentGen(g *gen, r *rng) *identGen {
	ig := &identGen{g: g, r: r, ids: map[string]bool{}, phones: map[string]bool{}, cards: map[string]bool{}}
	codes := ident.ProvinceCodes()
	keys := make([]string, 0, len(codes))
	for c := range codes {
		if c == "71" || c == "81" || c == "82" {
			continue
		}
		keys = append(keys, c)
	}
	sort.Strings(keys)
	for _, c := range keys {
		w, ok := provinceWeights[c]
		if !ok {
			w = 0.3
		}
		ig.provinces = append(ig.provinces, c)
		ig.provW = append(ig.provW, w)
	}
	return ig
}

// ageBins: age at "today" of the city's construction workers.
var ageBins = []struct {
	lo, hi int
	w      float64
}{{18, 29, 12}, {30, 39, 22}, {40, 49, 30}, {50, 59, 30}, {60, 64, 6}}

// worker returns a new worker who is at least 18 on firstEntry.
func (ig *identGen) worker(firstEntry date) (worker, error) {
	r, g := ig.r, ig.g
	w := worker{id: int64(len(g.workers) + 1), firstEntry: firstEntry}
	w.male = r.chance(0.86)
	w.name = personName(r, w.male)
	bw := make([]float64, len(ageBins))
	for i, b := range ageBins {
		bw[i] = b.w
	}
	b := ageBins[r.weighted(bw)]
	age := r.between(b.lo, b.hi)
	w.birth = g.today.addMonths(-12*age) - date(r.between(1, 364))
	if adult := firstEntry.addMonths(-12 * 18); w.birth > adult {
		w.birth = adult - date(r.between(0, 364))
	}
	prov := ig.provinces[r.weighted(ig.provW)]
	if prov == "11" || prov == "12" || prov == "31" || prov == "50" {
		w.region = fmt.Sprintf("%s01%02d", prov, r.between(1, 18))
	} else {
		w.region = fmt.Sprintf("%s%02d%02d", prov, r.between(1, 15), r.between(1, 25))
	}
	for {
		g17 := r.between(0, 4) * 2
		if w.male {
			g17++
		}
		first17 := fmt.Sprintf("%s%s%02d%d", w.region, w.birth.time().Format("20060102"), r.IntN(100), g17)
		c, err := ident.ResidentIDCheckChar(first17)
		if err != nil {
			return w, err
		}
		num := first17 + string(c)
		if !ig.ids[num] {
			ig.ids[num] = true
			w.idNumber = num
			break
		}
	}
	w.phone = mobile(r, ig.phones)
	for {
		bk := banks[r.IntN(len(banks))]
		partial := bk.bin + r.digits(bk.length-len(bk.bin)-1)
		c, err := ident.BankCardCheckDigit(partial)
		if err != nil {
			return w, err
		}
		card := partial + string(c)
		if !ig.cards[card] {
			ig.cards[card] = true
			w.card, w.bank = card, bk.name
			break
		}
	}
	return w, nil
}
