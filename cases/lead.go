package cases

import "github.com/anxin-city/anxin/registry"

// Status is where an arrears lead stands. The workflow owns it; the
// column leads.status is its projection (CHECK constraint lists the same
// values, tested).
type Status string

const (
	// Received: recorded by the API, its workflow not yet started.
	Received Status = "received"
	// Triage: at the city, which must dispatch it to a town (the project
	// was unknown, or a town returned it).
	Triage Status = "triage"
	// Dispatched: sent to a town, awaiting acceptance (签收).
	Dispatched Status = "dispatched"
	// Investigating: accepted; the town investigates.
	Investigating Status = "investigating"
	// Rectifying: the enterprise was ordered to rectify (责令整改).
	Rectifying Status = "rectifying"
	// Verifying: the enterprise submitted evidence; the town verifies.
	Verifying Status = "verifying"
	// Confirming: the town reported a result (办结反馈); the worker
	// confirms or disputes.
	Confirming Status = "confirming"
	// Review: a major case awaiting the city's review.
	Review Status = "review"
	// Closed: done (结案).
	Closed Status = "closed"
)

// Statuses are every status, in the order of the process.
var Statuses = []Status{Received, Triage, Dispatched, Investigating, Rectifying, Verifying, Confirming, Review, Closed}

// Open reports whether a lead in status s still needs work.
func (s Status) Open() bool { return s != Closed }

// Source is how a lead came in.
type Source string

const (
	SourceWorkerApp = Source("worker_app")        // the worker, from a phone
	SourceHotline   = Source("hotline")           // the 12345 hotline, entered by an officer
	SourceWalkIn    = Source("walk_in")           // in person at an office, entered by an officer
	SourceNational  = Source("national_platform") // imported from the national arrears-lead platform
)

// Sources are every source.
var Sources = []Source{SourceWorkerApp, SourceHotline, SourceWalkIn, SourceNational}

// ClosureCode is the result a town reports (办结类型).
type ClosureCode string

const (
	PaidInFull   = ClosureCode("paid_in_full")         // 已全额支付
	PaidInPart   = ClosureCode("paid_in_part")         // 部分支付，双方达成协议
	Arbitration  = ClosureCode("arbitration")          // 引导劳动仲裁
	Court        = ClosureCode("court")                // 引导诉讼
	Police       = ClosureCode("police")               // 涉嫌拒不支付劳动报酬罪，移送公安
	NotFounded   = ClosureCode("not_founded")          // 经查不属实
	Duplicate    = ClosureCode("duplicate")            // 重复线索
	Withdrawn    = ClosureCode("withdrawn")            // 当事人撤回
	OutsideJuris = ClosureCode("outside_jurisdiction") // 不属于管辖范围
	OtherClosure = ClosureCode("other")                // 其他
	// Merged: the lead was merged into another (并案): its claimants
	// moved there; never reported by a town, only taken by a merge.
	Merged = ClosureCode("merged") // 已并案
)

// ValidClosure reports whether c is a closure code (the registry holds
// their Chinese names).
func ValidClosure(c ClosureCode) bool { return registry.ClosureCodes.Has(string(c)) && c != Merged }

// Paid reports whether the code says money reached the workers, so that
// an amount and a number of workers covered must be given.
func (c ClosureCode) Paid() bool { return c == PaidInFull || c == PaidInPart }

// Supervision is the city's level of supervision over a case.
type Supervision string

const (
	SupervisionNone = Supervision("none")
	Supervised      = Supervision("supervised") // 督办
	Listed          = Supervision("listed")     // 挂牌督办
)

// Task kinds: the open work of an actor on a case (case_tasks.kind).
const (
	TaskTriage      = "triage"      // city: dispatch to a town
	TaskAccept      = "accept"      // town: accept or return
	TaskInvestigate = "investigate" // town: investigate, order rectification, report a result
	TaskRectify     = "rectify"     // enterprise: pay and submit evidence
	TaskVerify      = "verify"      // town: verify the evidence
	TaskConfirm     = "confirm"     // worker: confirm or dispute the result
	TaskReview      = "review"      // city: review a major case
	TaskSupervise   = "supervise"   // city: supervise an overdue case (督办)
	TaskCallback    = "callback"    // town: call back the claimants without the app (回访)
)

// TaskKinds are every task kind.
var TaskKinds = []string{TaskTriage, TaskAccept, TaskInvestigate, TaskRectify, TaskVerify, TaskConfirm, TaskReview, TaskSupervise,
	TaskDispatchReport, TaskDispatchReview, TaskWarningAnswer, TaskWarningVerify, TaskWarningReview, TaskCallback}

// Actors of a task (case_tasks.actor).
const (
	ActorCity       = "city"
	ActorTown       = "town"
	ActorEnterprise = "enterprise"
	ActorWorker     = "worker"
)
