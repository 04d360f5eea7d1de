package seed

import (
	"fmt"
	"math"
	"strings"

	"github.com/anxin-city/anxin/ident"
)

// generate builds the whole city in memory, except attendance and payroll
// lines, which are streamed from the per-month day counts while loading.
func (g *gen) generate() error {
	steps := []struct {
		name string
		fn   func() error
	}{
		{"towns", g.genTowns},
		{"enterprises", g.genEnterprises},
		{"projects", g.genProjects},
		{"employments", g.genEmployments},
		{"workers", g.assignWorkers},
		{"days", g.computeDays},
		{"plants", g.plant},
		{"money", g.genMoney},
		{"systems", g.genSystems},
		{"homes", g.genHomes},
		{"encrypt", g.encrypt},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return fmt.Errorf("seed: generate %s: %w", s.name, err)
		}
	}
	g.wellKnown()
	return nil
}

func (g *gen) genTowns() error {
	for i := 0; i < g.sc.towns; i++ {
		t := townNames[i]
		// a 4×3 grid of 100×100 cells, first row at the top
		x0, y0 := (i%4)*100, (2-i/4)*100
		x1, y1 := x0+100, y0+100
		outline := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%d,%d],[%d,%d],[%d,%d],[%d,%d],[%d,%d]]]}`,
			x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
		g.towns = append(g.towns, town{code: t.code, name: t.name, outline: outline})
	}
	return nil
}

const creditCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

func (g *gen) creditCode(r *rng, division string, seen map[string]bool) (string, error) {
	for {
		var b strings.Builder
		b.WriteString("91")
		b.WriteString(division)
		if r.chance(0.7) {
			b.WriteString("MA")
			for range 7 {
				b.WriteByte(creditCharset[r.IntN(len(creditCharset))])
			}
		} else {
			b.WriteString(r.digits(9))
		}
		first17 := b.String()
		c, err := ident.CreditCodeCheckChar(first17)
		if err != nil {
			return "", err
		}
		code := first17 + string(c)
		if !seen[code] {
			seen[code] = true
			return code, nil
		}
	}
}

func (g *gen) address(r *rng, townName string) string {
	return fmt.Sprintf("%s%s%d号", townName, r.pick(roads), r.between(1, 999))
}

func (g *gen) genEnterprises() error {
	r := newRNG(g.seed, "enterprises")
	n := g.sc.enterprises
	shares := []struct {
		typ string
		w   float64
	}{{"builder", 15}, {"general_contractor", 20}, {"subcontractor", 15}, {"labour_firm", 40}, {"supervisor", 10}}
	// The first three are well known: a builder, a general contractor and
	// a labour firm in the demo town; the rest are shuffled.
	types := []string{"builder", "general_contractor", "labour_firm"}
	for _, s := range shares {
		k := int(math.Round(s.w / 100 * float64(n)))
		if s.typ == "builder" || s.typ == "general_contractor" || s.typ == "labour_firm" {
			k--
		}
		for range max(k, 1) {
			types = append(types, s.typ)
		}
	}
	for len(types) < n {
		types = append(types, "labour_firm")
	}
	types = types[:n]
	rest := types[3:]
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })

	fixed := []string{"安城锦绣置业有限公司", "安城建工集团有限公司", "安城安泰建筑劳务有限公司"}
	seenName := map[string]bool{}
	seenCode := map[string]bool{}
	for i, typ := range types {
		e := enterprise{id: int64(i + 1), typ: typ}
		region := r.pick(entRegions)
		ti := r.IntN(len(g.towns))
		if i < 3 {
			region, ti = "安城", 0
		}
		e.town = g.towns[ti].code
		if i < 3 {
			e.name = fixed[i]
		} else {
			for try := 0; ; try++ {
				name := region + string(tradeFirst[r.IntN(len(tradeFirst))]) + string(tradeSecond[r.IntN(len(tradeSecond))]) + r.pick(entSuffixes[typ])
				if try > 20 {
					name = region + townShort(g.towns[ti].name) + string(tradeFirst[r.IntN(len(tradeFirst))]) + string(tradeSecond[r.IntN(len(tradeSecond))]) + r.pick(entSuffixes[typ])
				}
				if !seenName[name] {
					e.name = name
					break
				}
			}
		}
		seenName[e.name] = true
		division := e.town
		if region != "安城" {
			division = regionDivision[region]
		}
		code, err := g.creditCode(r, division, seenCode)
		if err != nil {
			return err
		}
		e.code = code
		e.legal = personName(r, r.chance(0.85))
		e.contact = personName(r, r.chance(0.6))
		e.phone = mobile(r, nil)
		e.address = g.address(r, g.towns[ti].name)
		g.ents = append(g.ents, e)
	}

	// Credit listings on a few enterprises (not the well-known three).
	kinds := []struct{ kind, authority, reason string }{
		{"arrears_blacklist", "安城市人力资源和社会保障局", "拖欠农民工工资数额较大，经责令限期支付逾期未支付"},
		{"major_violation", "安城市人力资源和社会保障局", "克扣、无故拖欠农民工工资，重大劳动保障违法行为社会公布"},
		{"serious_dishonesty", "安城市市场监督管理局", "拒不支付劳动报酬，列入严重违法失信名单"},
	}
	k := max(3, int(math.Round(0.04*float64(n))))
	order := r.Perm(n - 3)
	for i := 0; i < k && i < len(order); i++ {
		kd := kinds[i%3]
		l := listing{id: int64(i + 1), ent: int64(order[i] + 4), kind: kd.kind, authority: kd.authority, reason: kd.reason}
		l.listed = g.today - date(r.between(30, 1000))
		if r.chance(0.25) && i > 0 { // the first stays listed: a well-known blacklisted enterprise
			if rm := l.listed + date(r.between(90, 700)); rm < g.today {
				l.removed = rm
			}
		}
		g.listings = append(g.listings, l)
	}
	return nil
}

func mobile(r *rng, seen map[string]bool) string {
	for {
		p := r.pick(mobilePrefixes) + r.digits(8)
		if seen == nil {
			return p
		}
		if !seen[p] {
			seen[p] = true
			return p
		}
	}
}

func (g *gen) entsOfType(typ string) []int64 {
	var ids []int64
	for _, e := range g.ents {
		if e.typ == typ {
			ids = append(ids, e.id)
		}
	}
	return ids
}

func (g *gen) genProjects() error {
	r := newRNG(g.seed, "projects")
	n := g.sc.projects
	counts := g.sc.cats
	if counts == nil {
		counts = make([]int, numCats)
		sum := 0
		for c := 1; c < numCats; c++ {
			counts[c] = int(math.Round(catShare[c] / 100 * float64(n)))
			sum += counts[c]
		}
		counts[catActiveOld] = n - sum
	}
	cats := []int{catActiveOld}
	for c := range numCats {
		k := counts[c]
		if c == catActiveOld {
			k--
		}
		for range k {
			cats = append(cats, c)
		}
	}
	if len(cats) != n {
		return fmt.Errorf("category counts %v do not add up to %d projects", counts, n)
	}
	rest := cats[1:]
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })

	builders, contractors := g.entsOfType("builder"), g.entsOfType("general_contractor")
	seenName := map[string]bool{}
	cur := monthOf(g.today)
	for i := range n {
		p := project{id: int64(i + 1), code: fmt.Sprintf(g.sc.codeFmt, i+1), cat: cats[i], transferStop: -1}
		ti := r.IntN(len(g.towns))
		p.industry = industries[r.weighted(industryW)]
		p.builder = builders[r.IntN(len(builders))]
		p.contractor = contractors[r.IntN(len(contractors))]
		if i == 0 {
			ti, p.industry, p.builder, p.contractor = 0, "housing", 1, 2
		}
		p.town = g.towns[ti].code
		p.name = g.projectName(r, p.industry, g.towns[ti].name, seenName)
		if i == 0 {
			p.name = "城东街道锦绣苑安置房一期工程"
		}
		seenName[p.name] = true
		p.address = g.address(r, g.towns[ti].name)
		yuan := math.Min(math.Max(r.logNormal(8e7, 0.9), 3e6), 3e9)
		p.value = int64(yuan/1e4) * 1e4 * 100

		switch p.cat {
		case catActiveOld:
			p.start = g.winStart - date(r.between(30, 700))
			p.plannedEnd = p.start + date(r.between(400, 1100))
		case catActiveNew:
			last := monthOf(g.today - 45)
			m := g.firstMonth + month(r.IntN(int(last-g.firstMonth)+1))
			p.start = minDate(m.first()+date(r.between(0, 7)), g.today-45)
			p.plannedEnd = p.start + date(r.between(365, 1000))
		case catStopped, catCompletedIn:
			lo := g.firstMonth
			if p.cat == catStopped {
				lo++
			}
			m := lo + month(r.IntN(max(int(cur-lo), 1)))
			p.end = minDate(m.first()+date(r.between(17, 27)), g.today-3)
			p.start = p.end - date(r.between(300, 900))
			p.plannedEnd = p.start + date(r.between(300, 1000))
			if p.cat == catCompletedIn {
				p.completed = p.end
			}
		case catCompletedBefore:
			p.end = g.winStart - date(r.between(20, 400))
			p.start = p.end - date(r.between(240, 800))
			p.plannedEnd = p.start + date(r.between(240, 900))
			p.completed = p.end
		}
		// A project that starts inside the window starts early in its
		// month, so that its first month of payroll is a real month.
		if p.start >= g.winStart {
			p.start = monthOf(p.start).first() + date(r.between(0, 7))
		}
		switch p.cat {
		case catActiveOld, catActiveNew:
			p.status = "in_construction"
		case catStopped:
			p.status = "stopped"
		default:
			p.status = "completed"
		}
		p.payDay = r.between(5, 12)
		p.transferDay = r.between(1, 4)
		p.source = []string{"device", "manual", "import"}[r.weighted([]float64{70, 20, 10})]
		g.projects = append(g.projects, p)
	}
	g.sizeProjects(r)

	// Planted: sites idle for weeks while still "in construction". Chosen
	// now because it shapes the employments.
	pr := newRNG(g.seed, "plant-idle")
	var pool []int
	for i := range g.projects {
		if p := &g.projects[i]; i > 0 && p.cat == catActiveOld && p.head >= 10 {
			pool = append(pool, i)
		}
	}
	pr.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	for _, i := range pool[:min(g.sc.plants.noAttendance, len(pool))] {
		p := &g.projects[i]
		p.idleFrom = g.today - date(pr.between(21, 30))
		if p.idleFrom.day() < 16 {
			// keep the idle month's payroll a normal one: stop at a month start
			p.idleFrom = monthOf(p.idleFrom).first()
		}
	}
	return nil
}

// sizeProjects sets each project's head count so that the employments come
// close to the scale's target: each project gets a weight (larger
// contracts employ more people), the mean number of employments per chain
// is estimated by simulating a few chains, and the head counts are scaled
// to the target.
func (g *gen) sizeProjects(r *rng) {
	cr := newRNG(g.seed, "calibrate")
	w := make([]float64, len(g.projects))
	c := make([]float64, len(g.projects))
	for i := range g.projects {
		p := &g.projects[i]
		w[i] = math.Min(math.Max(math.Pow(float64(p.value)/100/8e7, 0.5), 0.3), 5) * r.logNormal(1, 0.3)
		if p.cat == catCompletedBefore {
			w[i] *= 0.3
		}
		const samples = 24
		n := 0
		for range samples {
			g.chain(cr, p, 3, func(int, date, date, string, bool) { n++ })
		}
		c[i] = float64(n) / samples
	}
	const leaders = 3 // about three teams, one leader each
	head := func(i int, k float64) int {
		h := min(max(int(math.Round(k*w[i])), 10), 800)
		if i == 0 {
			h = max(h, 16)
		}
		return h
	}
	k := 1.0
	for range 20 { // fixed point: the clamps move the total
		total := 0.0
		for i := range g.projects {
			total += leaders + float64(head(i, k)-leaders)*c[i]
		}
		k *= float64(g.sc.employments) / total
	}
	for i := range g.projects {
		g.projects[i].head = head(i, k)
	}
}

// chainRange is the period in which a project's employments are simulated.
func (g *gen) chainRange(p *project) (cs, ce date) {
	cs = maxDate(p.start, g.winStart-120)
	if p.cat == catCompletedBefore {
		cs = p.start
	}
	ce = g.yesterday
	if p.end != 0 {
		ce = p.end
	}
	return cs, ce
}

func (g *gen) projectName(r *rng, industry, townName string, seen map[string]bool) string {
	t := townShort(townName)
	var name string
	for try := 0; ; try++ {
		switch industry {
		case "housing":
			switch x := r.IntN(10); {
			case x < 6:
				name = t + r.pick(estateNames) + r.pick(housingKinds) + r.pick(phases) + "工程"
			case x < 9:
				name = townName + r.pick(publicKinds) + "新建工程"
			default:
				name = t + r.pick(estateNames) + "项目" + r.pick(phases)
			}
		case "municipal":
			name = []string{
				r.pick(roads) + "提升改造工程", townName + "老旧小区改造工程",
				townName + "污水管网改造工程", townName + "背街小巷综合整治工程",
			}[r.IntN(4)]
		case "transport":
			name = []string{
				r.pick(roads) + "快速路工程", r.pick(rivers) + "大桥新建工程",
				fmt.Sprintf("地铁%d号线%s站土建工程", r.between(1, 9), t),
			}[r.IntN(3)]
		case "water":
			name = []string{
				r.pick(rivers) + "堤防加固工程", t + "水厂扩建工程", r.pick(rivers) + "河道综合整治工程",
			}[r.IntN(3)]
		case "energy":
			name = []string{
				t + "110千伏变电站新建工程", t + r.pick(estateNames) + "分布式光伏项目", townName + "燃气管网改造工程",
			}[r.IntN(3)]
		default:
			name = townName + r.pick(publicKinds) + "改扩建工程"
		}
		if try > 8 {
			name = fmt.Sprintf("%s（%d标段）", name, r.between(2, 99))
		}
		if !seen[name] {
			return name
		}
	}
}
