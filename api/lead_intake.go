package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/registry"
	"github.com/anxin-city/anxin/workflows"
)

// Intake of arrears leads: a worker's report, an officer's record of a
// call or a visit, the national platform's import. Each records the
// lead's row and starts its workflow (caseclient), or adds the report to
// the worker's open lead on the project. Workers and projects are looked
// up within the caller's domain only, and an answer never shows a lead
// of another domain.

// intake is one lead to record: the lead row's intake columns, the
// project's town and contractor, and who entered it.
type intake struct {
	row        dbq.LeadInsertParams
	town       string
	contractor int64
	by         cases.Actor
	// lines are the claimants (listed, or the reporter's one line: see
	// defaultLine); more than one makes a group complaint
	lines []dbq.LeadClaimantInsertParams
}

// actorOf is the caller as a case actor.
func actorOf(c *fiber.Ctx) cases.Actor {
	p := principalOf(c)
	return caseclient.Account{ID: p.AccountID, Name: p.DisplayName, Role: p.Role, Domain: p.Domain, Scope: p.Scope}.Actor(clientIP(c))
}

// intakeSources are the sources an officer records (the worker's own and
// the national platform's have their routes).
var intakeSources = registry.Enum{Codes: []string{"hotline", "walk_in"},
	Labels: map[string]string{"hotline": registry.LeadSources.Label("hotline"), "walk_in": registry.LeadSources.Label("walk_in")}}

// check validates the fields every intake shares.
func (in *leadReportIn) check(v *check) {
	v.positiveID("project_id", in.ProjectID, false)
	v.text("project_named", in.ProjectNamed, false, 128)
	v.text("employer_named", in.EmployerNamed, false, 128)
	if len(in.Claimants) > 0 {
		if in.AmountClaimedFen != nil {
			v.fail("amount_claimed_fen", "not_applicable", "已填写工人明细时，诉求金额按明细合计，无需填写")
		}
		if in.WorkersClaimed != nil {
			v.fail("workers_claimed", "not_applicable", "已填写工人明细时，涉及人数按明细计，无需填写")
		}
		checkClaimants(v, in.Claimants)
	} else {
		v.fen("amount_claimed_fen", in.AmountClaimedFen, true)
		if in.WorkersClaimed != nil && (*in.WorkersClaimed < 1 || *in.WorkersClaimed > 100000) {
			v.fail("workers_claimed", "out_of_range", "涉及人数应为1至100000")
		}
	}
	v.text("description", in.Description, true, 2000)
	if in.ProjectID == nil && (in.ProjectNamed == nil || *in.ProjectNamed == "") && v.ok("project_named") {
		v.fail("project_named", "required", "请选择项目或填写项目名称")
	}
}

// intakeProject resolves the named project, among those the caller may
// see, into the intake (its town and contractor); one outside the
// caller's domain is as unknown as a missing one.
func (s *Server) intakeProject(c *fiber.Ctx, q *dbq.Queries, id *int64, it *intake) error {
	if id == nil {
		return nil
	}
	p, err := projectGetScoped(c, q, *id)
	if errors.Is(err, db.ErrNotFound) {
		return errField("project_id", "not_found", "项目不存在")
	}
	if err != nil {
		return err
	}
	it.row.ProjectID = &p.Project.ID
	it.town, it.contractor = p.Project.TownCode, p.Project.ContractorID
	return nil
}

func (in leadReportIn) row(now time.Time, source string) dbq.LeadInsertParams {
	amount, w := in.claim()
	return dbq.LeadInsertParams{Source: source, ProjectNamed: deref(in.ProjectNamed), EmployerNamed: deref(in.EmployerNamed),
		AmountClaimedFen: amount, WorkersClaimed: w, Description: *in.Description, ReceivedAt: now}
}

// claim is a checked intake's claim: the sum and count of its claimants,
// or the amount and workers given.
func (in leadReportIn) claim() (int64, int32) {
	if len(in.Claimants) > 0 {
		var sum int64
		for _, c := range in.Claimants {
			sum += *c.AmountOwedFen
		}
		return sum, int32(len(in.Claimants))
	}
	w := int32(1)
	if in.WorkersClaimed != nil {
		w = *in.WorkersClaimed
	}
	return *in.AmountClaimedFen, w
}

// claimantLines makes the intake's lines: the claimants listed (self: a
// worker's own report), or else the reporter's one line with the whole
// claim.
func (s *Server) claimantLines(c *fiber.Ctx, q *dbq.Queries, in leadReportIn, it *intake, self int64) error {
	if len(in.Claimants) == 0 {
		it.lines = []dbq.LeadClaimantInsertParams{{WorkerID: it.row.WorkerID, Name: it.row.ReporterName,
			PhoneEnc: it.row.ReporterPhoneEnc, PhoneHash: it.row.ReporterPhoneHash, AmountOwedFen: it.row.AmountClaimedFen}}
		return nil
	}
	var err error
	it.lines, err = s.claimantRows(c, q, in.Claimants, self)
	return err
}

func (s *Server) leadReport(c *fiber.Ctx) error {
	var in leadReportIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	in.check(&v)
	if err := v.err(); err != nil {
		return err
	}
	worker, ok := scopeOf(c).WorkerID()
	if !ok { // only a worker reports for themselves
		return errForbidden
	}
	q := db.Q(s.deps.Pool)
	w, err := q.WorkerAsReporter(c.UserContext(), dbq.WorkerAsReporterParams{ID: &worker})
	if err != nil {
		return err
	}
	it := intake{row: in.row(s.deps.Now(), string(cases.SourceWorkerApp)), by: actorOf(c)}
	it.row.ReceivedBy = &it.by.AccountID
	it.reporter(w.ID, w.Name, w.PhoneEnc, w.PhoneHash, w.IDNumberEnc, w.IDNumberHash)
	if err := s.claimantLines(c, q, in, &it, worker); err != nil {
		return err
	}
	return s.recordAnswer(c, q, in, it)
}

// reporter makes the worker record the lead's reporter.
func (it *intake) reporter(id int64, name string, phoneEnc, phoneHash, idEnc, idHash []byte) {
	it.row.WorkerID, it.row.ReporterName = &id, name
	it.row.ReporterPhoneEnc, it.row.ReporterPhoneHash = phoneEnc, phoneHash
	it.row.ReporterIDEnc, it.row.ReporterIDHash = idEnc, idHash
}

// recordAnswer resolves the project, records the lead and answers 201.
func (s *Server) recordAnswer(c *fiber.Ctx, q *dbq.Queries, in leadReportIn, it intake) error {
	if err := s.intakeProject(c, q, in.ProjectID, &it); err != nil {
		return err
	}
	out, err := s.record(c, it, *in.Description)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(out)
}

func (s *Server) leadIntake(c *fiber.Ctx) error {
	var in leadIntakeIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	in.check(&v)
	v.enum("source", in.Source, true, intakeSources)
	v.positiveID("worker_id", in.WorkerID, false)
	v.text("reporter_name", in.ReporterName, false, 64)
	var phone *string
	if in.ReporterPhone != nil && *in.ReporterPhone != "" {
		if n, err := ident.ParsePhone(*in.ReporterPhone); err != nil {
			v.identErr("reporter_phone", err)
		} else {
			num := n.Number
			phone = &num
		}
	}
	var idHash []byte
	var idNumber *string
	if in.IDNumber != nil && *in.IDNumber != "" {
		if rid, err := ident.ParseResidentID(*in.IDNumber, s.deps.Now()); err != nil {
			v.identErr("id_number", err)
		} else {
			idNumber = &rid.Number
			idHash = s.deps.PII.Hash(kindIDNumber, rid.Number)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	it := intake{row: in.row(s.deps.Now(), *in.Source), by: actorOf(c)}
	it.row.ReceivedBy = &it.by.AccountID
	if in.WorkerID != nil || idHash != nil {
		// the caller's own workers only: an id or ID number outside the
		// caller's domain is as unknown as a missing one
		w, err := workerFindScoped(c, q, in.WorkerID, idHash)
		switch {
		case errors.Is(err, db.ErrNotFound) && in.WorkerID != nil:
			return errField("worker_id", "not_found", "工人不存在")
		case errors.Is(err, db.ErrNotFound):
			// not registered here: recorded by name, phone and ID number
		case err != nil:
			return err
		default:
			it.reporter(w.Worker.ID, w.Worker.Name, w.Worker.PhoneEnc, w.Worker.PhoneHash, w.Worker.IDNumberEnc, w.Worker.IDNumberHash)
		}
	}
	if it.row.WorkerID == nil {
		if in.ReporterName == nil || *in.ReporterName == "" {
			return errField("reporter_name", "required", "请填写反映人姓名")
		}
		it.row.ReporterName = *in.ReporterName
		var err error
		if it.row.ReporterIDEnc, it.row.ReporterIDHash, err = s.seal(kindIDNumber, idNumber); err != nil {
			return err
		}
	}
	if phone != nil {
		var err error
		if it.row.ReporterPhoneEnc, it.row.ReporterPhoneHash, err = s.sealPhone(phone); err != nil {
			return err
		}
	}
	if err := s.claimantLines(c, q, in.leadReportIn, &it, 0); err != nil {
		return err
	}
	return s.recordAnswer(c, q, in.leadReportIn, it)
}

// record records a lead and starts its workflow, or, when the worker has
// an open lead on the same project, links the report to it. Intake of one
// worker and project is serialised by an advisory lock, and the partial
// unique index on open leads guards it too. The answer shows the lead as
// GET /leads/{id} would — unless the open lead linked to is outside the
// caller's domain (it was transferred to another town): then only that
// the report was added.
func (s *Server) record(c *fiber.Ctx, it intake, description string) (leadIntakeOut, error) {
	if s.deps.Temporal == nil {
		return leadIntakeOut{}, caseclient.ErrUnavailable
	}
	var lead dbq.Lead
	linked := false
	if err := markApp(c, db.Q(s.deps.Pool), it.lines); err != nil {
		return leadIntakeOut{}, err
	}
	if len(it.lines) > 1 {
		// a group complaint: its workers are its lines; the reporter
		// stays in the reporter columns, and no report links to it
		// (the town merges leads instead)
		it.row.WorkerID = nil
	} else if it.row.WorkerID == nil && len(it.lines) == 1 && it.lines[0].WorkerID != nil {
		it.row.WorkerID = it.lines[0].WorkerID
	}
	var claimants []cases.Claimant
	err := s.inTx(c, func(q *dbq.Queries) error {
		ctx := c.UserContext()
		if it.row.WorkerID != nil && it.row.ProjectID != nil {
			if err := q.LeadIntakeLock(ctx, dbq.LeadIntakeLockParams{WorkerID: *it.row.WorkerID, ProjectID: *it.row.ProjectID}); err != nil {
				return err
			}
			open, err := q.LeadOpenFor(ctx, dbq.LeadOpenForParams{WorkerID: it.row.WorkerID, ProjectID: it.row.ProjectID})
			if err == nil {
				lead, linked = open, true
				claimants, err = linkLine(c, q, open.ID, it.lines[0])
				return err
			}
			if !errors.Is(err, db.ErrNotFound) {
				return err
			}
		}
		var err error
		if lead, err = q.LeadInsert(ctx, it.row); err != nil {
			return err
		}
		claimants, err = insertClaimants(c, q, lead.ID, it.lines)
		return err
	})
	if err != nil {
		return leadIntakeOut{}, err
	}
	if linked && lead.Status == string(cases.Received) {
		// recorded before, its workflow never started (Temporal was
		// down): start it now rather than link to nothing
		linked = false
		if claimants, err = caseclient.LeadClaimants(c.UserContext(), db.Q(s.deps.Pool), lead.ID); err != nil {
			return leadIntakeOut{}, err
		}
	}
	if linked {
		st, err := s.cases.ActLead(c.UserContext(), lead.ID, workflows.ActLinkReport, workflows.ActionInput{Actor: it.by,
			Note: description, AmountClaimedFen: it.row.AmountClaimedFen, WorkersClaimed: int(it.row.WorkersClaimed),
			Claimants: claimants})
		if err != nil {
			return leadIntakeOut{}, err
		}
		auditDetail(c, "lead_step", st.Seq)
	} else {
		in := caseclient.LeadInput(lead, it.town, it.contractor, it.by)
		in.Claimants = claimants
		if _, err := s.cases.StartLead(c.UserContext(), in); err != nil {
			return leadIntakeOut{}, err
		}
	}
	// more workers complaining about this project: group arrears are
	// checked at once (the daily scan catches what this misses)
	if err := s.cases.CheckGroupArrears(c.UserContext(), deref(lead.ProjectID), it.contractor); err != nil {
		s.deps.Logger.Warn("group arrears check not started", "lead", lead.ID, "err", err)
	}
	out := leadIntakeOut{Linked: linked}
	// a new lead is the caller's own entry, shown even when it went
	// outside their domain (to the city's triage); an open lead of
	// another domain the report was added to is not
	d, err := s.leadShown(c, db.Q(s.deps.Pool), lead.ID, !linked)
	if err != nil || d == nil {
		return out, err
	}
	out.LeadID, out.Lead = &lead.ID, d
	return out, nil
}

func (s *Server) leadImport(c *fiber.Ctx) error {
	var in leadImportIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if len(in.Records) == 0 || len(in.Records) > 500 {
		return errField("records", "out_of_range", "每次导入1至500条线索")
	}
	out := make([]leadImportResult, len(in.Records))
	for i, r := range in.Records {
		res, err := s.importOne(c, r)
		if err != nil {
			var e *Error
			if errors.As(toClientError(err), &e) && e.Status < 500 {
				res.Outcome, res.Error = "rejected", e
			} else {
				return err
			}
		}
		out[i] = res
	}
	return c.JSON(out)
}

func (s *Server) importOne(c *fiber.Ctx, r leadImportRecord) (leadImportResult, error) {
	res := leadImportResult{ExternalID: deref(r.ExternalID)}
	var v check
	v.text("external_id", r.ExternalID, true, 64)
	v.text("reporter_name", r.ReporterName, true, 64)
	v.text("project_code", r.ProjectCode, false, 32)
	rep := leadReportIn{ProjectNamed: r.ProjectNamed, EmployerNamed: r.EmployerNamed, AmountClaimedFen: r.AmountClaimedFen,
		WorkersClaimed: r.WorkersClaimed, Description: r.Description, Claimants: r.Claimants}
	if r.ProjectCode != nil && *r.ProjectCode != "" && (rep.ProjectNamed == nil || *rep.ProjectNamed == "") {
		rep.ProjectNamed = r.ProjectCode
	}
	rep.check(&v)
	at := s.deps.Now()
	if r.ReportedAt != nil {
		t, err := time.Parse(time.RFC3339, *r.ReportedAt)
		if err != nil || t.After(at.Add(time.Hour)) {
			v.fail("reported_at", "invalid_value", "反映时间格式不正确或晚于当前时间")
		} else {
			at = t
		}
	}
	var idNumber, phone *string
	if r.IDNumber != nil && *r.IDNumber != "" {
		if rid, err := ident.ParseResidentID(*r.IDNumber, s.deps.Now()); err != nil {
			v.identErr("id_number", err)
		} else {
			idNumber = &rid.Number
		}
	}
	if r.Phone != nil && *r.Phone != "" {
		if n, err := ident.ParsePhone(*r.Phone); err != nil {
			v.identErr("phone", err)
		} else {
			p := n.Number
			phone = &p
		}
	}
	if err := v.err(); err != nil {
		return res, err
	}
	ctx := c.UserContext()
	q := db.Q(s.deps.Pool)
	source := string(cases.SourceNational)
	if prior, err := q.LeadByExternal(ctx, dbq.LeadByExternalParams{Source: source, ExternalID: r.ExternalID}); err == nil {
		res.LeadID, res.Outcome = prior.ID, "existing"
		if prior.Status == string(cases.Received) {
			// recorded before but never started (a crash in between): start it now
			it, err := s.importIntake(ctx, q, c, r, prior.ReceivedAt, idNumber, phone)
			if err != nil {
				return res, err
			}
			in := caseclient.LeadInput(prior, it.town, it.contractor, it.by)
			if in.Claimants, err = caseclient.LeadClaimants(ctx, q, prior.ID); err != nil {
				return res, err
			}
			if _, err := s.cases.StartLead(ctx, in); err != nil {
				return res, err
			}
		}
		res.Lead, err = s.leadShown(c, q, prior.ID, false)
		return res, err
	} else if !errors.Is(err, db.ErrNotFound) {
		return res, err
	}
	it, err := s.importIntake(ctx, q, c, r, at, idNumber, phone)
	if err != nil {
		return res, err
	}
	it.row.ProjectNamed, it.row.EmployerNamed = deref(rep.ProjectNamed), deref(r.EmployerNamed)
	it.row.Description = *r.Description
	it.row.AmountClaimedFen, it.row.WorkersClaimed = rep.claim()
	if err := s.claimantLines(c, q, rep, &it, 0); err != nil {
		return res, err
	}
	out, err := s.record(c, it, *r.Description)
	if err != nil {
		return res, err
	}
	res.LeadID, res.Lead, res.Outcome = deref(out.LeadID), out.Lead, "created"
	if out.Linked {
		res.Outcome = "linked"
	}
	return res, nil
}

// importIntake is the intake of an imported record: the worker found by
// ID number (else the reporter as given), the project by its code, both
// within the importer's domain.
func (s *Server) importIntake(ctx context.Context, q *dbq.Queries, c *fiber.Ctx, r leadImportRecord, at time.Time,
	idNumber, phone *string) (intake, error) {
	it := intake{by: actorOf(c)}
	it.row = dbq.LeadInsertParams{Source: string(cases.SourceNational), ExternalID: r.ExternalID, ReporterName: *r.ReporterName,
		ReceivedAt: at, ReceivedBy: &it.by.AccountID}
	if idNumber != nil {
		w, err := workerFindScoped(c, q, nil, s.deps.PII.Hash(kindIDNumber, *idNumber))
		if err == nil {
			it.row.WorkerID = &w.Worker.ID
		} else if !errors.Is(err, db.ErrNotFound) {
			return it, err
		}
	}
	var err error
	if it.row.ReporterIDEnc, it.row.ReporterIDHash, err = s.seal(kindIDNumber, idNumber); err != nil {
		return it, err
	}
	if it.row.ReporterPhoneEnc, it.row.ReporterPhoneHash, err = s.sealPhone(phone); err != nil {
		return it, err
	}
	if r.ProjectCode != nil && *r.ProjectCode != "" {
		id, err := q.ProjectIDByCode(ctx, *r.ProjectCode)
		if err == nil {
			if pr, err := projectGetScoped(c, q, id); err == nil {
				it.row.ProjectID = &pr.Project.ID
				it.town, it.contractor = pr.Project.TownCode, pr.Project.ContractorID
			} else if !errors.Is(err, db.ErrNotFound) {
				return it, err
			}
		} else if !errors.Is(err, db.ErrNotFound) {
			return it, err
		}
	}
	return it, nil
}

// linkLine is a linked report's line on open lead id: the reporting
// worker's line updated (period, team leader; the workflow's step adds
// the report's amount to it), or a new line recorded for the step to
// take in.
func linkLine(c *fiber.Ctx, q *dbq.Queries, id int64, line dbq.LeadClaimantInsertParams) ([]cases.Claimant, error) {
	ctx := c.UserContext()
	cid, err := q.LeadClaimantOfWorker(ctx, dbq.LeadClaimantOfWorkerParams{LeadID: id, WorkerID: line.WorkerID})
	if errors.Is(err, db.ErrNotFound) {
		return insertClaimants(c, q, id, []dbq.LeadClaimantInsertParams{line})
	}
	if err != nil {
		return nil, err
	}
	if err := q.LeadClaimantUpdateReport(ctx, dbq.LeadClaimantUpdateReportParams{ID: cid, PeriodFrom: line.PeriodFrom,
		PeriodTo: line.PeriodTo, TeamLeader: line.TeamLeader}); err != nil {
		return nil, err
	}
	return []cases.Claimant{{ID: cid, WorkerID: deref(line.WorkerID), AmountOwedFen: line.AmountOwedFen, App: line.App,
		Status: cases.ClaimantOpen}}, nil
}
