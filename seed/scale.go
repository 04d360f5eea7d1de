package seed

// scaleSpec sizes one scale. Row counts other than the ones given here
// follow from the model (see generate).
type scaleSpec struct {
	name        string
	towns       int
	enterprises int
	projects    int
	workers     int // exactly this many worker rows
	employments int // target; the model lands within a few per cent
	months      int // full months of attendance and payroll
	homes       int // wage-safety homes
	codeFmt     string
	// cats gives exact project counts per category (in category order);
	// when nil the counts follow catShare.
	cats   []int
	plants plantSpec
}

// plantSpec says how many keys to plant per anomaly kind.
type plantSpec struct {
	payrollUnpaid  int // projects per level (orange, red)
	payRatio       int // projects per level (yellow, red)
	belowMinimum   int // projects
	transferGap    int // projects
	depositMissing int // projects
	depositNoTopUp int // projects
	noticeBoard    int // projects
	noAttendance   int // projects
	exitUnsettled  int // employments
	contract       int // employments: half never signed, half signed late
}

var scaleSpecs = map[string]scaleSpec{
	ScaleDemo: {
		name: ScaleDemo, towns: 3, enterprises: 30, projects: 12, workers: 300, employments: 340,
		months: 3, homes: 3, codeFmt: "DEMO-%04d",
		cats: []int{8, 1, 1, 1, 1},
		plants: plantSpec{
			payrollUnpaid: 1, payRatio: 1, belowMinimum: 1, transferGap: 1, depositMissing: 1, depositNoTopUp: 1, noticeBoard: 1, noAttendance: 1, exitUnsettled: 2, contract: 2,
		},
	},
	ScaleSmall: {
		name: ScaleSmall, towns: 12, enterprises: 60, projects: 40, workers: 5000, employments: 6000,
		months: 12, homes: 4, codeFmt: "PRJ-%05d",
		plants: plantSpec{
			payrollUnpaid: 2, payRatio: 2, belowMinimum: 2, transferGap: 2, depositMissing: 2, depositNoTopUp: 2, noticeBoard: 2, noAttendance: 2, exitUnsettled: 4, contract: 4,
		},
	},
	ScaleCity: {
		name: ScaleCity, towns: 12, enterprises: 3000, projects: 2000, workers: 250000, employments: 300000,
		months: 12, homes: 20, codeFmt: "PRJ-%05d",
		plants: plantSpec{
			payrollUnpaid: 4, payRatio: 4, belowMinimum: 6, transferGap: 6, depositMissing: 6, depositNoTopUp: 5, noticeBoard: 8, noAttendance: 6, exitUnsettled: 20, contract: 20,
		},
	},
}

// Project categories: how a project's life relates to the window.
const (
	catActiveOld       = iota // in construction, started before the window
	catActiveNew              // in construction, started in the window
	catStopped                // stopped during the window
	catCompletedIn            // completed during the window
	catCompletedBefore        // completed before the window: registry rows only
	numCats
)

var catShare = [numCats]float64{45, 25, 8, 15, 7}

// meanEmploymentDays is the mean length of an employment (other than a team
// leader's, which lasts as long as the project).
const meanEmploymentDays = 180

// Six wage systems, in registry order.
const (
	sysRealName = iota
	sysWageAccount
	sysContractorPays
	sysGuaranteeDeposit
	sysNoticeBoard
	sysBankPayroll
	numSystems
)

var systemCodes = [numSystems]string{"real_name", "wage_account", "contractor_pays", "guarantee_deposit", "notice_board", "bank_payroll"}
