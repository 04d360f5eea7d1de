package seed

import (
	"log/slog"
	"time"

	"github.com/anxin-city/anxin/pii"
)

type town struct {
	code, name string
	outline    string // GeoJSON Polygon
}

type enterprise struct {
	id                  int64
	code, name, typ     string
	town                string
	legal, contact      string
	phone, address      string
	phoneEnc, phoneHash []byte
}

type listing struct {
	id, ent           int64
	kind              string
	listed, removed   date
	authority, reason string
}

type project struct {
	id                                  int64
	code, name, town, industry, address string
	builder, contractor                 int64
	value                               int64 // fen
	start, plannedEnd, completed        date
	status                              string
	cat                                 int
	end                                 date // last day of work of a stopped or completed project; 0 in construction
	head                                int  // target head count
	idleFrom                            date // planted: no attendance from this day on
	payDay, transferDay                 int
	source                              string
	systems                             [numSystems]string
	sysEvidence                         [numSystems]string
	sysChecked                          [numSystems]date
	teams                               []int // indices into gen.teams
	emps                                []int // indices into gen.emps, ordered by worker id
	due                                 []int64

	// planted
	transferStop   int // first window month index without transfers; -1 none
	noDeposit      bool
	depositNoTopUp bool
}

func (p *project) inConstruction() bool { return p.status == "in_construction" }

// lastWorkDay is the last day the project can have attendance.
func (g *gen) lastWorkDay(p *project) date {
	last := g.yesterday
	if p.end != 0 && p.end < last {
		last = p.end
	}
	if p.idleFrom != 0 && p.idleFrom-1 < last {
		last = p.idleFrom - 1
	}
	return last
}

type team struct {
	id, project int64
	pidx        int
	firm        int64
	name        string
	trade       int
	leaderEmp   int // index into gen.emps
}

type employment struct {
	id          int64
	worker      int64
	pidx        int32
	tidx        int32 // index into gen.teams
	trade       int
	leader      bool
	entry, exit date
	settled     date
	signed      date
	confirmed   time.Time
	exitReason  string
	wage        int64 // fen per day
}

type worker struct {
	id                  int64
	name                string
	idNumber            string
	male                bool
	birth               date
	region              string
	phone, card, bank   string
	firstEntry          date
	projects            []int32
	idEnc, idHash       []byte
	phoneEnc, phoneHash []byte
	cardEnc             []byte
}

type wageAccount struct {
	id, project    int64
	bank, name, no string
	opened, closed date
}

type transfer struct {
	id, account int64
	month       month
	amount      int64
	on          date
	ref         string
}

type deposit struct {
	id, project      int64
	form             string
	required, amount int64
	bank, ref        string
	paid, expires    date
	status           string
}

type movement struct {
	id, deposit int64
	kind        string
	amount      int64
	on          date
	ref, note   string
}

type home struct {
	id          int64
	town        string
	project     int64
	name, addr  string
	established date
}

type supervisor struct {
	id, home            int64
	name, phone         string
	party               bool
	phoneEnc, phoneHash []byte
}

type activity struct {
	id, home     int64
	on           date
	title, kind  string
	participants int
	desc         string
}

// sheetKey names a project-month: project index and window month index.
type sheetKey struct{ pidx, m int }

// sheetPlant changes the payroll of one project-month.
type sheetPlant struct {
	noSheet        bool           // no payroll sheet at all
	unpaid         bool           // sheet submitted, nothing paid
	unpaidWorkers  map[int64]bool // lines present, nothing paid
	missingWorkers map[int64]bool // no line
	payNum, payDen int64          // pay due×num/den instead of due
}

// gen holds the whole generated city until it is loaded.
type gen struct {
	sc         scaleSpec
	seed       int64
	hseed      uint64
	today      date
	yesterday  date
	winStart   date
	firstMonth month
	nMonths    int // full months
	nm         int // months with attendance: full months and the current one
	keys       *pii.Keyring
	log        *slog.Logger

	towns       []town
	ents        []enterprise
	listings    []listing
	projects    []project
	teams       []team
	emps        []employment
	workers     []worker
	accounts    []wageAccount
	transfers   []transfer
	deposits    []deposit
	movements   []movement
	homes       []home
	supervisors []supervisor
	activities  []activity

	days       []uint8 // days[e*nm+m]: days employment e attended in window month m
	sheetPlant map[sheetKey]*sheetPlant

	manifest *Manifest
}

func newGen(sc scaleSpec, seed int64, today date, keys *pii.Keyring, log *slog.Logger) *gen {
	g := &gen{sc: sc, seed: seed, today: today, yesterday: today - 1, keys: keys, log: log}
	g.hseed = mix(uint64(seed) ^ 0x616e78696e)
	g.nMonths = sc.months
	g.nm = sc.months + 1
	g.firstMonth = monthOf(today) - month(sc.months)
	g.winStart = g.firstMonth.first()
	g.sheetPlant = map[sheetKey]*sheetPlant{}
	m := &Manifest{
		Scale: sc.name, Seed: seed, Now: today.String(),
		MinimumWageFen: MinimumWageFen,
		Counts:         map[string]int64{},
	}
	m.Window.From = g.winStart.String()
	m.Window.To = g.yesterday.String()
	for i := 0; i < g.nMonths; i++ {
		m.Window.Months = append(m.Window.Months, (g.firstMonth + month(i)).String())
	}
	g.manifest = m
	return g
}

// monthIndex is the window month index of d (may be out of range).
func (g *gen) monthIndex(d date) int { return int(monthOf(d) - g.firstMonth) }

func (g *gen) timing(step string, rows int64, took time.Duration) {
	g.manifest.Timings = append(g.manifest.Timings, Timing{Step: step, Rows: rows, Took: took})
}
