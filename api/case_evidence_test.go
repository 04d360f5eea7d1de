package api_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/caseclient"
	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/workflows"
)

// startWarning records a warning of project A for contractor A to answer
// and starts its workflow (the scan does both in production).
func startWarning(h *harness, f *leadsFixture, key string) int64 {
	h.t.Helper()
	ctx := context.Background()
	var id int64
	require.NoError(h.t, h.pool.QueryRow(ctx, `INSERT INTO warnings (rule_code, rule_version, level, subject_kind, project_id,
		enterprise_id, town_code, key) VALUES ('notice_board_missing', 1, 'yellow', 'project', $1, $2, $3, $4) RETURNING id`,
		f.ProjectA, f.ContractorA, f.TownA, key).Scan(&id))
	_, err := (&caseclient.Client{Temporal: h.temporal}).StartWarning(ctx, workflows.WarningInput{WarningID: id, By: cases.System,
		Rule: "notice_board_missing", Level: "yellow", ProjectID: f.ProjectA, EnterpriseID: f.ContractorA, TownCode: f.TownA})
	require.NoError(h.t, err)
	return id
}

// rectifyingLead is a lead of project A that contractor A was ordered to
// rectify (its evidence routes are open).
func rectifyingLead(h *harness, f *leadsFixture) int64 {
	h.t.Helper()
	lead := h.as2(f.worker, 201, "POST", "/api/v1/leads/report", map[string]any{"project_id": f.ProjectA,
		"amount_claimed_fen": 100_000, "description": "工资未发"}).num("lead_id")
	h.as2(f.officer, 200, "POST", v1("/leads/%d/actions/accept", lead), map[string]any{})
	h.as2(f.officer, 200, "POST", v1("/leads/%d/actions/orderRectification", lead), map[string]any{"note": "限期支付"})
	return lead
}

// download answers the status and the body of GET /evidence/{id}/content.
func downloadEvidence(h *harness, token string, id int64) (int, []byte) {
	h.t.Helper()
	res := h.doRaw("GET", v1("/evidence/%d/content", id), token)
	b, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	return res.StatusCode, b
}

func refIDs(refs any) []int64 {
	out := []int64{}
	list, _ := refs.([]any)
	for _, x := range list {
		m, _ := x.(map[string]any)
		f, _ := m["id"].(float64)
		out = append(out, int64(f))
	}
	return out
}

// The warned enterprise answers a warning with evidence files uploaded to
// the warning: ids of another warning, of a lead, or of an upload not yet
// complete are refused before the workflow is asked, and change nothing;
// another enterprise neither uploads nor sees them; the town and the city
// read them with the answer.
func TestWarningAnswerWithEvidence(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	id := startWarning(h, f, "evidence:1")
	other := startWarning(h, f, "evidence:2")
	lead := rectifyingLead(h, f)
	path := v1("/warnings/%d", id)
	png, pdf := testPNG(t, 12), evPDF(3000, "warning")

	// The enterprise and the project's labour manager upload to the warning.
	entFile := uploadTo(h, f.ent, path+"/evidence", "告示牌照片.png", png, 200)
	pmFile := uploadTo(h, f.pm, path+"/evidence", "整改报告.pdf", pdf, 1<<20)
	otherFile := uploadTo(h, f.ent, v1("/warnings/%d/evidence", other), "另一预警.png", png, 1<<20)
	leadFile := upload(h, f.ent, lead, "线索凭证.png", png, 1<<20)
	half := h.as2(f.ent, 201, "POST", path+"/evidence", map[string]any{"filename": "未传完.pdf", "size": len(pdf)}).num("id")
	r := h.as2(f.ent, 200, "GET", v1("/evidence/%d", entFile), nil)
	assert.Equal(t, "warning", r.Body["case_kind"])
	assert.EqualValues(t, id, r.num("warning_id"))
	assert.Nil(t, r.Body["lead_id"])
	assert.Equal(t, v1("/evidence/%d/content", entFile), r.Body["content_url"])
	assert.ElementsMatch(t, []int64{entFile, pmFile, half}, h.as2(f.officer, 200, "GET", path+"/evidence", nil).ids())

	// Offices do not upload the enterprise's answer; another enterprise
	// does not see the warning at all.
	body := map[string]any{"filename": "x.pdf", "size": 10}
	r = h.doAs(f.officer, "POST", path+"/evidence", body)
	assert.Equal(t, 403, r.Status, r.Raw)
	assert.Equal(t, "evidence_not_party", r.code())
	assert.Equal(t, 403, h.doAs(f.city, "POST", path+"/evidence", body).Status, "the city holds no evidence:write")
	for _, p := range []string{path + "/evidence", v1("/evidence/%d", entFile), v1("/evidence/%d", pmFile)} {
		r = h.doAs(f.entB, "GET", p, nil)
		assert.Equal(t, 404, r.Status, "%s: %s", p, r.Raw)
	}
	status, _ := downloadEvidence(h, f.entB, entFile)
	assert.Equal(t, 404, status)
	assert.Equal(t, 404, h.doAs(f.entB, "POST", path+"/evidence", body).Status)
	assert.Equal(t, 404, h.doAs(f.officerB, "GET", v1("/evidence/%d", entFile), nil).Status)

	// Ids that are not complete files of this warning: 422 on evidence_ids,
	// and the warning does not move.
	events := h.count("warning_events")
	for name, ids := range map[string][]int64{"another warning's": {entFile, otherFile}, "a lead's": {leadFile},
		"incomplete": {half}, "unknown": {999999}, "negative": {-1}} {
		r = h.doAs(f.ent, "POST", path+"/actions/answer", map[string]any{"note": "已张贴维权告示牌", "evidence_ids": ids})
		require.Equal(t, 422, r.Status, "%s: %s", name, r.Raw)
		assert.Contains(t, r.fields(), "evidence_ids", name)
	}
	d := h.as2(f.ent, 200, "GET", path, nil)
	assert.Equal(t, "answering", d.Body["status"])
	assert.Empty(t, refIDs(d.Body["evidence"]))
	assert.Equal(t, events, h.count("warning_events"), "nothing recorded")

	// The answer with its files (a repeated id counts once).
	r = h.as2(f.ent, 200, "POST", path+"/actions/answer", map[string]any{"note": "维权告示牌已张贴",
		"evidence_ids": []int64{entFile, pmFile, entFile}})
	assert.Equal(t, keysOf(d.Body), keysOf(r.Body), "an action answers the warning as GET does")
	assert.Equal(t, "verifying", r.Body["status"])
	assert.Equal(t, []int64{entFile, pmFile}, refIDs(r.Body["evidence"]))
	var stored []int64
	require.NoError(t, h.pool.QueryRow(context.Background(), `SELECT evidence_ids FROM warnings WHERE id = $1`, id).Scan(&stored))
	assert.Equal(t, []int64{entFile, pmFile}, stored)

	// The answer is in: no more uploads to it.
	r = h.doAs(f.ent, "POST", path+"/evidence", body)
	assert.Equal(t, 409, r.Status, r.Raw)
	assert.Equal(t, "warning_not_answering", r.code())
	r = h.doAs(f.ent, "GET", v1("/evidence/%d", half), nil)
	require.Equal(t, 200, r.Status)
	chunk, err := (&evFixture{h: h}).patch(f.ent, half, 0, pdf[:100])
	require.NoError(t, err)
	assert.Equal(t, 409, chunk.Status, string(chunk.Raw))
	assert.Equal(t, "warning_not_answering", chunk.code())

	// The town (which verifies) and the city read the answer with its files.
	for _, tok := range []string{f.officer, f.city, f.pm} {
		d = h.as2(tok, 200, "GET", path, nil)
		ev := d.Body["evidence"].([]any)
		require.Len(t, ev, 2)
		first := ev[0].(map[string]any)
		assert.Equal(t, "告示牌照片.png", first["filename"])
		assert.EqualValues(t, len(png), first["size"])
		assert.Equal(t, "image/png", first["content_type"])
		assert.Equal(t, v1("/evidence/%d/content", entFile), first["content_url"])
		assert.Equal(t, "application/pdf", ev[1].(map[string]any)["content_type"])
		status, b := downloadEvidence(h, tok, pmFile)
		assert.Equal(t, 200, status)
		assert.True(t, bytes.Equal(pdf, b))
	}
	h.as2(f.officer, 200, "POST", path+"/actions/acceptAnswer", map[string]any{"note": "现场核实已张贴"})
}

// A town reports back on a dispatch with files uploaded to its own
// report: another town's file is refused, the city and the towns of the
// dispatch read them, an enterprise does not; after the report the town
// uploads again only once the city returns it.
func TestDispatchReportWithEvidence(t *testing.T) {
	h := setupCases(t)
	f := newLeadsFixture(h)
	h.asCity(func() { h.must(201, "POST", "/api/v1/towns", map[string]any{"code": "330103", "name": "丙镇"}) })
	officerC := h.tokenFor("town_officer", townScope("330103"))
	id := h.as2(f.city, 201, "POST", "/api/v1/dispatches", map[string]any{"title": "冬季欠薪专项排查",
		"instructions": "请排查辖区在建项目并附检查记录", "town_codes": []string{f.TownA, f.TownB}, "due_days": 10}).num("id")
	path := v1("/dispatches/%d", id)
	pdf, png := evPDF(2500, "dispatch"), testPNG(t, 10)

	fileA := uploadTo(h, f.officer, path+"/evidence", "检查记录.pdf", pdf, 1000)
	fileB := uploadTo(h, f.officerB, path+"/evidence", "乙镇照片.png", png, 1<<20)
	r := h.as2(f.officer, 200, "GET", v1("/evidence/%d", fileA), nil)
	assert.Equal(t, "dispatch", r.Body["case_kind"])
	assert.Equal(t, f.TownA, r.Body["town_code"])
	assert.Equal(t, []int64{fileA}, h.as2(f.city, 200, "GET", path+"/evidence?town_code="+f.TownA, nil).ids())
	assert.Equal(t, []int64{fileA, fileB}, h.as2(f.officerB, 200, "GET", path+"/evidence", nil).ids())

	body := map[string]any{"filename": "x.pdf", "size": 10}
	r = h.doAs(f.city, "POST", path+"/evidence", body)
	assert.Equal(t, 403, r.Status, r.Raw)
	assert.Equal(t, "evidence_not_party", r.code(), "the city answers reports, it does not make them")
	assert.Equal(t, 404, h.doAs(officerC, "POST", path+"/evidence", body).Status, "a town not assigned does not see it")
	assert.Equal(t, 404, h.doAs(officerC, "GET", v1("/evidence/%d", fileA), nil).Status)
	assert.Equal(t, 403, h.doAs(f.ent, "POST", path+"/evidence", body).Status)
	assert.Equal(t, 404, h.doAs(f.ent, "GET", v1("/evidence/%d", fileA), nil).Status, "an enterprise sees no dispatch")

	// Another town's file, or a file of no report: 422, nothing changes.
	events := h.count("dispatch_events")
	for _, ids := range [][]int64{{fileB}, {fileA, fileB}, {999999}} {
		r = h.doAs(f.officer, "POST", path+"/actions/report", map[string]any{"note": "已排查", "evidence_ids": ids})
		require.Equal(t, 422, r.Status, r.Raw)
		assert.Contains(t, r.fields(), "evidence_ids")
	}
	assert.Equal(t, events, h.count("dispatch_events"))
	r = h.doAs(f.city, "POST", path+"/actions/acceptReport", map[string]any{"town_code": f.TownA, "evidence_ids": []int64{fileA}})
	assert.Equal(t, 422, r.Status, "only a report takes evidence: %s", r.Raw)
	assert.Contains(t, r.fields(), "evidence_ids")

	r = h.as2(f.officer, 200, "POST", path+"/actions/report", map[string]any{"note": "已排查12个在建项目，检查记录附后",
		"evidence_ids": []int64{fileA}})
	towns := r.Body["towns"].([]any)
	a, b := towns[0].(map[string]any), towns[1].(map[string]any)
	require.Equal(t, f.TownA, a["town_code"])
	assert.Equal(t, "reported", a["status"])
	assert.Equal(t, []int64{fileA}, refIDs(a["evidence"]))
	assert.Equal(t, []any{float64(fileA)}, a["evidence_ids"])
	assert.Empty(t, b["evidence_ids"], "each town's report keeps its own")

	// Reported: no more uploads to the report until it is returned.
	r = h.doAs(f.officer, "POST", path+"/evidence", body)
	assert.Equal(t, 409, r.Status, r.Raw)
	assert.Equal(t, "dispatch_report_not_open", r.code())
	h.as2(f.officerB, 201, "POST", path+"/evidence", body)

	// The city reads the report with its file, as does the other town.
	for _, tok := range []string{f.city, f.officerB} {
		d := h.as2(tok, 200, "GET", path, nil)
		ev := d.Body["towns"].([]any)[0].(map[string]any)["evidence"].([]any)
		require.Len(t, ev, 1)
		assert.Equal(t, "检查记录.pdf", ev[0].(map[string]any)["filename"])
		assert.Equal(t, "application/pdf", ev[0].(map[string]any)["content_type"])
		status, content := downloadEvidence(h, tok, fileA)
		assert.Equal(t, 200, status)
		assert.True(t, bytes.Equal(pdf, content))
	}
	list := h.as2(f.city, 200, "GET", "/api/v1/dispatches", nil).items()
	require.Len(t, list, 1)
	assert.Equal(t, []any{float64(fileA)}, list[0]["towns"].([]any)[0].(map[string]any)["evidence_ids"])

	// Returned: the town uploads again and reports with the new file.
	h.as2(f.city, 200, "POST", path+"/actions/returnReport", map[string]any{"town_code": f.TownA, "note": "请附照片"})
	photo := uploadTo(h, f.officer, path+"/evidence", "现场照片.png", png, 1<<20)
	r = h.as2(f.officer, 200, "POST", path+"/actions/report", map[string]any{"note": "补充现场照片",
		"evidence_ids": []int64{fileA, photo}})
	assert.Equal(t, []int64{fileA, photo}, refIDs(r.Body["towns"].([]any)[0].(map[string]any)["evidence"]))
	r = h.as2(f.city, 200, "POST", path+"/actions/acceptReport", map[string]any{"town_code": f.TownA})
	assert.Equal(t, []int64{fileA, photo}, refIDs(r.Body["towns"].([]any)[0].(map[string]any)["evidence"]),
		"an accepted report keeps its files")
}
