package seed

import (
	"fmt"
)

// payDate is the day project p pays its payroll for window month m: its
// pay day in the next month, or yesterday if that is earlier; 0 when the
// next month has not begun.
func (g *gen) payDate(p *project, m int) date {
	next := g.firstMonth + month(m+1)
	d := next.first() + date(p.payDay-1)
	if d > g.yesterday {
		d = g.yesterday
	}
	if d < next.first() {
		return 0
	}
	return d
}

// genMoney creates wage accounts with their monthly labour-cost transfers,
// and wage guarantee deposits with their movements.
func (g *gen) genMoney() error {
	r := newRNG(g.seed, "money")
	cur := g.nm - 1
	for pi := range g.projects {
		p := &g.projects[pi]
		if p.cat == catCompletedBefore {
			continue // predates the dedicated-account rules: no account
		}
		a := wageAccount{id: int64(len(g.accounts) + 1), project: p.id, bank: r.pick(accountBanks)}
		a.name = g.ents[p.contractor-1].name + "农民工工资专用账户"
		a.no = fmt.Sprintf("%d%s", r.between(1, 9), r.digits(18))
		a.opened = p.start + date(r.between(0, 10))
		if p.completed != 0 {
			if c := p.completed + date(r.between(20, 60)); c < g.today {
				a.closed = c
			}
		}
		g.accounts = append(g.accounts, a)

		first := max(g.monthIndex(a.opened), 0)
		last := cur
		if p.end != 0 {
			last = g.monthIndex(p.end)
		}
		for m := first; m <= last; m++ {
			if p.transferStop >= 0 && m >= p.transferStop {
				break
			}
			mm := g.firstMonth + month(m)
			on := maxDate(mm.first()+date(p.transferDay-1), a.opened)
			if on >= g.today {
				break
			}
			base := p.due[m]
			if m == cur || base == 0 {
				// the current month's wages are not known yet: budget on
				// last month's, or on the head count
				if m > 0 && p.due[m-1] > 0 {
					base = p.due[m-1]
				} else {
					base = int64(p.head) * 22 * 35000
				}
			}
			amount := base * int64(r.between(100, 110)) / 100
			amount = (amount/100000 + 1) * 100000 // up to a thousand yuan
			g.transfers = append(g.transfers, transfer{
				id: int64(len(g.transfers) + 1), account: a.id, month: mm, amount: amount, on: on,
				ref: fmt.Sprintf("RG%s%06d", mm.first().time().Format("200601"), p.id),
			})
		}
	}

	// A few clean projects had a payout from their deposit, topped up in
	// time: the not-topped-up rule must tell them apart.
	var eligible []int
	for pi := range g.projects {
		p := &g.projects[pi]
		if pi > 0 && !p.noDeposit && !p.depositNoTopUp && (p.cat == catActiveOld || p.cat == catStopped) {
			eligible = append(eligible, pi)
		}
	}
	r.Shuffle(len(eligible), func(i, j int) { eligible[i], eligible[j] = eligible[j], eligible[i] })
	cleanPayout := map[int]bool{}
	for _, pi := range eligible[:min(len(eligible), max(1, len(eligible)/25))] {
		cleanPayout[pi] = true
	}

	topUp := g.manifest.anomaly(AnomalyDepositNotToppedUp)
	for pi := range g.projects {
		p := &g.projects[pi]
		if p.noDeposit {
			continue
		}
		d := deposit{id: int64(len(g.deposits) + 1), project: p.id, status: "active"}
		d.form = []string{"cash", "bank_guarantee", "insurance", "exempt"}[r.weighted([]float64{50, 30, 12, 8})]
		if p.depositNoTopUp || cleanPayout[pi] || pi == 0 {
			d.form = "cash"
		}
		if d.form != "exempt" {
			req := p.value * 15 / 1000
			req = min(max(req/100000*100000, 5000000), 300000000)
			d.required, d.amount = req, req
			d.paid = p.start + date(r.between(0, 15))
			d.ref = fmt.Sprintf("BZJ%s%06d", d.paid.time().Format("2006"), p.id)
			switch d.form {
			case "cash":
				d.bank = r.pick(accountBanks)
			case "bank_guarantee":
				d.bank = r.pick(accountBanks)
				d.expires = p.plannedEnd + 90
			case "insurance":
				d.bank = "安城财产保险股份有限公司"
				d.expires = p.plannedEnd + 90
			}
			g.move(d.id, "payment", d.required, d.paid, d.ref, "缴存工资保证金")
		}
		switch {
		case p.depositNoTopUp:
			on := maxDate(g.today-date(r.between(30, 60)), d.paid+1)
			amt := d.required * int64(r.between(3, 15)) / 100 / 10000 * 10000
			amt = max(amt, 1000000)
			g.move(d.id, "payout", amt, on, fmt.Sprintf("DC%s%06d", on.time().Format("20060102"), p.id), "动用保证金支付拖欠工资")
			d.amount -= amt
			for i := range topUp.Items {
				if topUp.Items[i].ProjectID == p.id {
					topUp.Items[i].Date = on.String()
					topUp.Items[i].Detail = fmt.Sprintf("payout of %d fen, no top-up", amt)
				}
			}
		case cleanPayout[pi]:
			// a payout that was topped up in time (clean)
			lo := maxDate(d.paid+1, g.winStart)
			hi := g.today - 14
			if lo <= hi {
				on := lo + date(r.IntN(int(hi-lo)+1))
				amt := max(d.required*int64(r.between(2, 15))/100/10000*10000, 1000000)
				g.move(d.id, "payout", amt, on, fmt.Sprintf("DC%s%06d", on.time().Format("20060102"), p.id), "动用保证金支付拖欠工资")
				back := on + date(r.between(1, 7))
				g.move(d.id, "top_up", amt, back, fmt.Sprintf("BZ%s%06d", back.time().Format("20060102"), p.id), "动用后补足")
			}
		}
		if p.completed != 0 && d.form != "exempt" {
			if rel := p.completed + date(r.between(20, 60)); rel < g.today {
				d.status = "released"
				g.move(d.id, "release", d.amount, rel, fmt.Sprintf("TH%s%06d", rel.time().Format("20060102"), p.id), "竣工后退还")
			}
		}
		p.systems[sysGuaranteeDeposit] = "implemented"
		if d.form == "exempt" {
			p.systems[sysGuaranteeDeposit] = "exempt"
		}
		g.deposits = append(g.deposits, d)
	}
	for pi := range g.projects {
		if p := &g.projects[pi]; p.noDeposit {
			p.systems[sysGuaranteeDeposit] = "missing"
		}
	}
	return nil
}

func (g *gen) move(dep int64, kind string, amount int64, on date, ref, note string) {
	g.movements = append(g.movements, movement{
		id: int64(len(g.movements) + 1), deposit: dep, kind: kind, amount: amount, on: on, ref: ref, note: note,
	})
}

// genSystems sets the six wage systems of every project that a plant or
// the money step has not set already.
func (g *gen) genSystems() error {
	r := newRNG(g.seed, "systems")
	evidence := map[string][4]string{ // missing, partial, implemented, exempt
		"real_name":         {"未落实实名制管理", "部分人员未录入实名制系统", "实名制系统在用，考勤机已接入", ""},
		"wage_account":      {"未开设农民工工资专用账户", "专用账户已开设，拨付不及时", "专用账户已开设并按月拨付人工费用", ""},
		"contractor_pays":   {"未实行总包代发", "部分班组仍由劳务企业发放", "施工总承包单位代发工资", ""},
		"guarantee_deposit": {"未缴存工资保证金", "保证金缴存不足", "工资保证金已足额缴存", "信用良好，依规免缴"},
		"notice_board":      {"现场检查未见维权信息公示牌", "公示牌信息不完整", "维权信息公示牌已设置，信息完整", ""},
		"bank_payroll":      {"未通过银行代发工资", "部分工资现金发放", "工资由银行代发至本人账户", ""},
	}
	stateIdx := map[string]int{"missing": 0, "partial": 1, "implemented": 2, "exempt": 3}
	for pi := range g.projects {
		p := &g.projects[pi]
		hasAccount := p.cat != catCompletedBefore
		for s := range numSystems {
			if p.systems[s] == "" {
				state := "implemented"
				switch s {
				case sysRealName:
					if r.chance(0.08) {
						state = "partial"
					}
				case sysWageAccount:
					if !hasAccount {
						state = "missing"
					} else if r.chance(0.05) {
						state = "partial"
					}
				case sysContractorPays:
					switch x := r.IntN(100); {
					case x < 3:
						state = "missing"
					case x < 10:
						state = "partial"
					}
				case sysNoticeBoard, sysBankPayroll:
					if r.chance(0.06) {
						state = "partial"
					}
				}
				if pi == 0 {
					state = "implemented"
				}
				p.systems[s] = state
			}
			p.sysEvidence[s] = evidence[systemCodes[s]][stateIdx[p.systems[s]]]
			p.sysChecked[s] = maxDate(g.today-date(r.between(5, 200)), p.start)
		}
	}
	return nil
}
