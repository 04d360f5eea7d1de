package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db/dbq"
)

// Evidence files attach to exactly one case
// (db/migrations/00016_case_evidence.sql): a lead (the rectification
// evidence, 整改凭证), a warning (the files of the warned enterprise's
// answer, 整改说明) or one town's report on a dispatch (办理反馈). The
// upload, storage and download code of api/evidence.go is the same for
// every kind; what a kind decides is here: which case a file belongs to,
// that whoever sees the case sees its files (evidenceCaseVisible), and
// who may upload to it when (evidenceUploadable).

// evidenceKind is the kind of case a file attaches to.
type evidenceKind string

const (
	evidenceOfLead     evidenceKind = "lead"
	evidenceOfWarning  evidenceKind = "warning"
	evidenceOfDispatch evidenceKind = "dispatch"
)

// evidenceCase is the case files attach to: its kind and id, and of a
// dispatch the town whose report ("" in a read: every town's).
type evidenceCase struct {
	kind evidenceKind
	id   int64
	town string
}

// evidenceCaseOf is the case of an evidence file.
func evidenceCaseOf(r dbq.EvidenceFile) evidenceCase {
	switch {
	case r.WarningID != nil:
		return evidenceCase{kind: evidenceOfWarning, id: *r.WarningID}
	case r.DispatchID != nil:
		return evidenceCase{kind: evidenceOfDispatch, id: *r.DispatchID, town: deref(r.DispatchTown)}
	}
	return evidenceCase{kind: evidenceOfLead, id: deref(r.LeadID)}
}

// params are the case's columns as the queries of queries/evidence.sql
// take them: one of lead_id, warning_id, dispatch_id (with dispatch_town).
func (ec evidenceCase) params() dbq.EvidenceListOfCaseParams {
	id := ec.id
	var p dbq.EvidenceListOfCaseParams
	switch ec.kind {
	case evidenceOfWarning:
		p.WarningID = &id
	case evidenceOfDispatch:
		p.DispatchID = &id
		if ec.town != "" {
			town := ec.town
			p.DispatchTown = &town
		}
	default:
		p.LeadID = &id
	}
	return p
}

// evidenceCaseNames are what the messages call a kind's case.
var evidenceCaseNames = map[evidenceKind]string{evidenceOfLead: "本线索", evidenceOfWarning: "本预警",
	evidenceOfDispatch: "本镇街对本事项的办理反馈"}

// evidenceUploaders are who uploads a kind's files, in Chinese.
var evidenceUploaders = map[evidenceKind]string{evidenceOfLead: "被责令整改的企业或项目劳资专管员",
	evidenceOfWarning: "被预警企业或项目劳资专管员", evidenceOfDispatch: "承办镇街的监察人员"}

var (
	errWarningNotAnswering = &Error{Status: http.StatusConflict, Code: "warning_not_answering",
		Message: "预警不在待企业说明阶段，不能上传整改凭证"}
	errDispatchReportNotOpen = &Error{Status: http.StatusConflict, Code: "dispatch_report_not_open",
		Message: "本镇街的办理反馈已提交或交办事项已结束，不能上传凭证"}
)

// errEvidenceNotParty refuses an upload to a case by someone who does not
// upload its files (a town officer to a lead, an office to a warning,
// another town to a dispatch's report).
func errEvidenceNotParty(k evidenceKind) *Error {
	return &Error{Status: http.StatusForbidden, Code: "evidence_not_party", Message: "只有" + evidenceUploaders[k] + "可以上传此处的凭证"}
}

// errEvidenceLimit refuses an upload past the files one case may have.
func errEvidenceLimit(k evidenceKind) *Error {
	what := map[evidenceKind]string{evidenceOfLead: "每条线索", evidenceOfWarning: "每条预警", evidenceOfDispatch: "每个镇街的办理反馈"}[k]
	return &Error{Status: http.StatusConflict, Code: "evidence_limit_reached",
		Message: fmt.Sprintf("%s最多上传%d个凭证文件", what, evidenceMaxPerCase)}
}

// evidenceCaseVisible answers not_found unless the caller sees the case
// (the scope of LeadList, WarningList, DispatchList).
func evidenceCaseVisible(c *fiber.Ctx, q *dbq.Queries, ec evidenceCase) error {
	var err error
	switch ec.kind {
	case evidenceOfWarning:
		_, err = warningGetScoped(c, q, ec.id)
	case evidenceOfDispatch:
		_, err = dispatchGetScoped(c, q, ec.id)
	default:
		_, err = leadGetScoped(c, q, ec.id)
	}
	return err
}

// evidenceUploadable refuses an upload by the caller to the case now: a
// case the caller does not see is not_found; then who (403
// evidence_not_party), then when (409):
//
//   - a lead: the enterprise side (an enterprise user, a project's labour
//     manager) while it rectifies or the town verifies (evidenceOpen);
//   - a warning: the warned enterprise or the labour manager of its
//     project while the warning awaits their answer (answering);
//   - a dispatch: an officer of one of its towns, to that town's report
//     (ec.town), while the dispatch is open and the report not yet
//     submitted (the part assigned, again after a return).
func evidenceUploadable(c *fiber.Ctx, q *dbq.Queries, ec evidenceCase) error {
	actor := actorOf(c)
	switch ec.kind {
	case evidenceOfWarning:
		row, err := warningGetScoped(c, q, ec.id)
		if err != nil {
			return err
		}
		if !cases.ByEnterprise.Includes(actor, warningParties(row.Warning)) {
			return errEvidenceNotParty(ec.kind)
		}
		if row.Warning.Status != string(cases.WarningAnswering) {
			return errWarningNotAnswering
		}
	case evidenceOfDispatch:
		row, err := dispatchGetScoped(c, q, ec.id)
		if err != nil {
			return err
		}
		towns, err := dispatchTowns(c, q, []int64{ec.id})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(towns[ec.id], func(t dbq.DispatchTownsOfRow) bool { return t.DispatchTown.TownCode == ec.town })
		if i < 0 || !cases.ByTown.Includes(actor, cases.Parties{TownCode: ec.town}) {
			return errEvidenceNotParty(ec.kind)
		}
		if row.Dispatch.Status != string(cases.DispatchOpen) || towns[ec.id][i].DispatchTown.Status != string(cases.PartAssigned) {
			return errDispatchReportNotOpen
		}
	default:
		row, err := leadGetScoped(c, q, ec.id)
		if err != nil {
			return err
		}
		sc := scopeOf(c)
		_, ent := sc.EnterpriseID()
		_, proj := sc.ProjectID()
		if !ent && !proj {
			return errEvidenceNotParty(ec.kind)
		}
		if !evidenceOpen(row.Lead.Status) {
			return errLeadNotRectifying
		}
	}
	return nil
}

// evidenceIDsOfCase checks an action's evidence_ids before the workflow
// is asked: every one a completed file of the case (of a dispatch, of the
// caller's town's report), else 422 on evidence_ids. It answers the ids
// without repeats, in their order.
func evidenceIDsOfCase(c *fiber.Ctx, q *dbq.Queries, v *check, ec evidenceCase, ids []int64) ([]int64, error) {
	if len(ids) == 0 || !v.ok("evidence_ids") {
		return nil, nil
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > evidenceMaxPerCase {
		v.fail("evidence_ids", "not_found", "凭证不存在、未上传完成或不属于"+evidenceCaseNames[ec.kind])
		return out, nil
	}
	p := ec.params()
	n, err := q.EvidenceCompleteOfCase(c.UserContext(), dbq.EvidenceCompleteOfCaseParams{Ids: out, LeadID: p.LeadID,
		WarningID: p.WarningID, DispatchID: p.DispatchID, DispatchTown: p.DispatchTown})
	if err != nil {
		return nil, err
	}
	if int(n) != len(out) {
		what := "凭证"
		if ec.kind != evidenceOfDispatch {
			what = "整改凭证"
		}
		v.fail("evidence_ids", "not_found", what+"不存在、未上传完成或不属于"+evidenceCaseNames[ec.kind])
	}
	return out, nil
}

// evidenceRef is an evidence file as a case's detail shows it: the files
// an answer or a report was submitted with.
type evidenceRef struct {
	ID          int64      `json:"id"`
	Filename    string     `json:"filename"`
	Size        int64      `json:"size" doc:"bytes"`
	ContentType *string    `json:"content_type" doc:"image/jpeg, image/png or application/pdf"`
	SHA256      *string    `json:"sha256"`
	CompletedAt *time.Time `json:"completed_at"`
	ContentURL  string     `json:"content_url" doc:"GET it to download the file (evidence:read)"`
}

func evidenceRefOf(r dbq.EvidenceFile) evidenceRef {
	o := evidenceOutOf(r)
	return evidenceRef{ID: o.ID, Filename: o.Filename, Size: o.Size, ContentType: o.ContentType, SHA256: o.SHA256,
		CompletedAt: o.CompletedAt, ContentURL: o.ContentURL}
}

// evidenceContentURL is where a file's content is downloaded.
func evidenceContentURL(id int64) string {
	return "/api/v1/evidence/" + strconv.FormatInt(id, 10) + "/content"
}

// evidenceRefs are the files of ids among the case's files (rows), in the
// order of ids; an id that is not among them (never, for ids the API
// checked) is left out.
func evidenceRefs(rows []dbq.EvidenceFile, ids []int64) []evidenceRef {
	out := []evidenceRef{}
	for _, id := range ids {
		if i := slices.IndexFunc(rows, func(r dbq.EvidenceFile) bool { return r.ID == id }); i >= 0 {
			out = append(out, evidenceRefOf(rows[i]))
		}
	}
	return out
}
