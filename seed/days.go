package seed

import "time"

// attends reports whether employment eid has attendance on day d, given
// that d is inside the employment and the project's working period. It is a
// pure function, so attendance can be streamed month by month and counted
// for payroll separately, with the same result.
//
// Sundays off; Saturdays worked 40% of the time; 4% absence on weekdays:
// about 22 working days a month.
func (g *gen) attends(eid int64, d date) bool {
	switch d.weekday() {
	case time.Sunday:
		return false
	case time.Saturday:
		return g.dayHash(eid, d)%100 < 40
	default:
		return g.dayHash(eid, d)%100 >= 4
	}
}

func (g *gen) dayHash(eid int64, d date) uint64 {
	return mix(g.hseed ^ uint64(eid)<<20 ^ uint64(uint32(d)))
}

var minuteChoices = []int32{480, 480, 480, 480, 480, 480, 480, 480, 480, 480, 480, 480, 480, 480, 480, 540, 540, 600, 420, 360}

// minutes worked by eid on d.
func (g *gen) minutes(eid int64, d date) int32 {
	return minuteChoices[(g.dayHash(eid, d)>>16)%uint64(len(minuteChoices))]
}

// span is the part of the window in which employment e can attend.
func (g *gen) span(e *employment) (from, to date) {
	p := &g.projects[e.pidx]
	from = maxDate(e.entry, g.winStart)
	to = g.lastWorkDay(p)
	if e.exit != 0 && e.exit < to {
		to = e.exit
	}
	return from, to
}

// computeDays counts, per employment and window month, the days attended,
// and per project and month the wages due.
func (g *gen) computeDays() error {
	g.days = make([]uint8, len(g.emps)*g.nm)
	bounds := make([]date, g.nm+1)
	for m := 0; m <= g.nm; m++ {
		bounds[m] = (g.firstMonth + month(m)).first()
	}
	for i := range g.emps {
		e := &g.emps[i]
		from, to := g.span(e)
		if from > to {
			continue
		}
		m := g.monthIndex(from)
		for d := from; d <= to; d++ {
			for d >= bounds[m+1] {
				m++
			}
			if g.attends(e.id, d) {
				g.days[i*g.nm+m]++
			}
		}
	}
	for pi := range g.projects {
		p := &g.projects[pi]
		p.due = make([]int64, g.nm)
		for _, ei := range p.emps {
			for m := 0; m < g.nm; m++ {
				p.due[m] += int64(g.days[ei*g.nm+m]) * g.emps[ei].wage
			}
		}
	}
	return nil
}

// attending returns the employments of project pi with attendance in
// window month m.
func (g *gen) attending(pi, m int) []int {
	var out []int
	for _, ei := range g.projects[pi].emps {
		if g.days[ei*g.nm+m] > 0 {
			out = append(out, ei)
		}
	}
	return out
}
