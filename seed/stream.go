package seed

import (
	"context"
	"fmt"
	"time"
)

// sheet is one payroll sheet: a project-month.
type sheet struct {
	id        int64
	pidx, m   int
	paid      date // 0 when nothing is paid
	submitted time.Time
	note      string
}

// sheets lists the payroll sheets in id order: by month, then project.
func (g *gen) sheets() []sheet {
	var out []sheet
	for m := 0; m < g.nMonths; m++ {
		next := g.firstMonth + month(m+1)
		for pi := range g.projects {
			p := &g.projects[pi]
			sp := g.sheetPlant[sheetKey{pi, m}]
			if sp != nil && sp.noSheet {
				continue
			}
			if len(g.attending(pi, m)) == 0 {
				continue
			}
			s := sheet{id: int64(len(out) + 1), pidx: pi, m: m, paid: g.payDate(p, m)}
			if sp != nil && sp.unpaid {
				s.paid = 0
				s.note = "资金未到位，暂未发放"
			}
			if s.paid == 0 {
				s.submitted = minDate(next.first()+2, g.yesterday).at(10, 0)
			} else {
				s.submitted = maxDate(s.paid-2, next.first()).at(9, 30)
			}
			out = append(out, s)
		}
	}
	return out
}

func (l *loader) payroll(ctx context.Context) error {
	g := l.g
	sheets := g.sheets()
	if err := l.copy(ctx, "payroll_sheets", []string{"id", "project_id", "month", "status", "submitted_at", "note"}, len(sheets), func(i int, v []any) {
		s := &sheets[i]
		status := "paid"
		if s.paid == 0 {
			status = "submitted"
		}
		v[0], v[1], v[2], v[3], v[4], v[5] = s.id, g.projects[s.pidx].id, (g.firstMonth + month(s.m)).first().val(), status, s.submitted, s.note
	}); err != nil {
		return err
	}

	cols := []string{"id", "sheet_id", "worker_id", "team_id", "days_worked", "amount_due_fen", "amount_paid_fen",
		"paid_on", "transfer_ref", "paid_via", "confirmation", "confirmed_at", "dispute_reason"}
	v := make([]any, len(cols))
	si, k := 0, 0
	var id int64
	next := func() ([]any, error) {
		for si < len(sheets) {
			s := &sheets[si]
			p := &g.projects[s.pidx]
			sp := g.sheetPlant[sheetKey{s.pidx, s.m}]
			for k < len(p.emps) {
				ei := p.emps[k]
				k++
				days := g.days[ei*g.nm+s.m]
				if days == 0 {
					continue
				}
				e := &g.emps[ei]
				if sp != nil && sp.missingWorkers[e.worker] {
					continue
				}
				id++
				due := int64(days) * e.wage
				paid, paidOn, ref := due, s.paid, ""
				confirmation, confirmedAt, reason := "pending", any(nil), any(nil)
				switch {
				case s.paid == 0:
					paid = 0
				case sp != nil && sp.unpaidWorkers[e.worker]:
					paid, paidOn = 0, 0
					confirmation, reason = "disputed", "本月工资未到账"
				case sp != nil && sp.payDen > 0:
					paid = g.linePaid(ei, s.m, sp.payNum, sp.payDen)
				}
				if paid > 0 {
					ref = fmt.Sprintf("GZ%s%08d", paidOn.time().Format("20060102"), id)
					h := mix(g.hseed ^ 0x70617972 ^ uint64(id))
					switch c := paidOn + date(h%4); {
					case h%1000 < 3:
						confirmation, reason = "disputed", "金额与考勤记录不符"
					case h%100 < 92 && c < g.today:
						confirmation, confirmedAt = "confirmed", c.at(8+int(h>>8%12), int(h>>16%60))
					}
				} else {
					paidOn = 0
				}
				v[0], v[1], v[2], v[3], v[4], v[5], v[6] = id, s.id, e.worker, g.teams[e.tidx].id, int32(days), due, paid
				v[7], v[8], v[9], v[10], v[11], v[12] = paidOn.val(), ref, "wage_account", confirmation, confirmedAt, reason
				return v, nil
			}
			si, k = si+1, 0
		}
		return nil, nil
	}
	return l.copySource(ctx, "payroll_lines", cols, fnSource(next).source())
}

func (l *loader) workRecords(ctx context.Context) error {
	g := l.g
	cols := []string{"id", "project_id", "worker_id", "team_id", "work_date", "item", "unit", "quantity_milli", "amount_fen"}
	v := make([]any, len(cols))
	m, pi, k := 0, 0, 0
	var id int64
	next := func() ([]any, error) {
		for m < g.nMonths {
			for pi < len(g.projects) {
				p := &g.projects[pi]
				for k < len(p.emps) {
					ei := p.emps[k]
					k++
					e := &g.emps[ei]
					tr := trades[e.trade]
					days := g.days[ei*g.nm+m]
					if !tr.piece || days == 0 {
						continue
					}
					_, to := g.span(e)
					on := minDate((g.firstMonth + month(m)).last(), to)
					id++
					h := mix(g.hseed ^ 0x776f726b ^ uint64(id))
					qty := int64(days) * int64(tr.perDayMilli) * int64(80+h%41) / 100
					v[0], v[1], v[2], v[3], v[4] = id, p.id, e.worker, g.teams[e.tidx].id, on.val()
					v[5], v[6], v[7], v[8] = tr.item, tr.unit, qty, int64(days)*e.wage
					return v, nil
				}
				pi, k = pi+1, 0
			}
			m, pi = m+1, 0
		}
		return nil, nil
	}
	return l.copySource(ctx, "work_records", cols, fnSource(next).source())
}

// attendance streams the attendance rows month by month, in primary-key
// order within each month (project, day, worker), one COPY per month so
// that progress is visible; nothing but the current position is held in
// memory. The values are boxed once per employment and per day, not per
// row.
func (l *loader) attendance(ctx context.Context) error {
	g := l.g
	n := len(g.emps)
	workerV, teamV := make([]any, n), make([]any, n)
	from, to := make([]date, n), make([]date, n)
	for i := range g.emps {
		e := &g.emps[i]
		workerV[i], teamV[i] = e.worker, g.teams[e.tidx].id
		from[i], to[i] = g.span(e)
	}
	minuteV := map[int32]any{}
	for _, mn := range minuteChoices {
		minuteV[mn] = mn
	}
	sourceV := make([]any, len(g.projects))
	for pi := range g.projects {
		sourceV[pi] = g.projects[pi].source
	}
	cols := []string{"project_id", "worker_id", "work_date", "team_id", "minutes", "source"}
	v := make([]any, len(cols))
	for m := 0; m < g.nm; m++ {
		mm := g.firstMonth + month(m)
		first, last := mm.first(), minDate(mm.last(), g.yesterday)
		if last < first {
			continue
		}
		pi, d, k := 0, first, 0
		var projectV, dayV any = nil, nil
		next := func() ([]any, error) {
			for pi < len(g.projects) {
				p := &g.projects[pi]
				if projectV == nil {
					projectV = p.id
				}
				for d <= last {
					if dayV == nil {
						dayV = d.time()
					}
					for k < len(p.emps) {
						ei := p.emps[k]
						k++
						if d < from[ei] || d > to[ei] || !g.attends(g.emps[ei].id, d) {
							continue
						}
						v[0], v[1], v[2], v[3], v[4], v[5] = projectV, workerV[ei], dayV, teamV[ei], minuteV[g.minutes(g.emps[ei].id, d)], sourceV[pi]
						return v, nil
					}
					d, k, dayV = d+1, 0, nil
				}
				pi, d, k, projectV = pi+1, first, 0, nil
			}
			return nil, nil
		}
		if err := l.copySource(ctx, "attendance", cols, fnSource(next).source()); err != nil {
			return fmt.Errorf("%w (month %s)", err, mm)
		}
	}
	return nil
}

// fnSource adapts a row function to pgx.CopyFromSource; a nil row ends it.
type fnSource func() ([]any, error)

func (f fnSource) source() *funcSource { return &funcSource{next: f} }

type funcSource struct {
	next fnSource
	row  []any
	err  error
}

func (s *funcSource) Next() bool {
	s.row, s.err = s.next()
	return s.row != nil && s.err == nil
}
func (s *funcSource) Values() ([]any, error) { return s.row, s.err }
func (s *funcSource) Err() error             { return s.err }
