package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/workflows"
)

// Each town's report keeps the evidence files it was submitted with (the
// API has checked they are the town's uploads): refused beyond 20 or for
// an id that cannot be one; replaced by the next report after a return;
// projected to dispatch_towns.evidence_ids.
func TestDispatchReportKeepsEvidence(t *testing.T) {
	start := cst(2026, 9, 1, 9)
	r := newDispatchRun(t, start, 10, "330101", "330102")
	f := r.f
	many := make([]int64, 21)
	for i := range many {
		many[i] = int64(i + 1)
	}
	tooMany := r.act(start.Add(time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查",
		EvidenceIDs: many})
	bad := r.act(start.Add(2*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查",
		EvidenceIDs: []int64{3, 0}})
	rep1 := r.act(start.Add(3*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "已排查，记录附后",
		EvidenceIDs: []int64{11, 12}})
	rep2 := r.act(start.Add(4*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer2, Note: "已排查"})
	ret1 := r.act(start.Add(5*time.Hour), workflows.DispatchReturn, workflows.DispatchActionInput{Actor: f.City, TownCode: "330101",
		Note: "请附现场照片"})
	mid := r.probe(start.Add(6 * time.Hour))
	rep1b := r.act(start.Add(24*time.Hour), workflows.DispatchReport, workflows.DispatchActionInput{Actor: f.Officer1, Note: "补充照片",
		EvidenceIDs: []int64{12, 13}})
	cancel := r.act(start.Add(25*time.Hour), workflows.DispatchCancel, workflows.DispatchActionInput{Actor: f.City, Note: "撤销测试"})
	r.run()

	dispatchRefused(t, tooMany, workflows.DispatchRefusedInput, "evidence_ids")
	dispatchRefused(t, bad, workflows.DispatchRefusedInput, "evidence_ids")
	st := dispatchOK(t, rep1)
	p1, _ := st.Part("330101")
	assert.Equal(t, []int64{11, 12}, p1.EvidenceIDs)
	st = dispatchOK(t, rep2)
	p2, _ := st.Part("330102")
	assert.Empty(t, p2.EvidenceIDs, "each town's report its own")
	dispatchOK(t, ret1)
	p1, _ = mid.Part("330101")
	assert.Equal(t, cases.PartAssigned, p1.Status)
	assert.Equal(t, []int64{11, 12}, p1.EvidenceIDs, "a returned report keeps its files until the next")
	st = dispatchOK(t, rep1b)
	p1, _ = st.Part("330101")
	assert.Equal(t, []int64{12, 13}, p1.EvidenceIDs)
	dispatchOK(t, cancel)

	rows, err := f.Pool.Query(context.Background(), `SELECT town_code, evidence_ids FROM dispatch_towns WHERE dispatch_id = $1
		ORDER BY town_code`, r.in.DispatchID)
	require.NoError(t, err)
	defer rows.Close()
	got := map[string][]int64{}
	for rows.Next() {
		var town string
		var ids []int64
		require.NoError(t, rows.Scan(&town, &ids))
		got[town] = ids
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, map[string][]int64{"330101": {12, 13}, "330102": {}}, got)
}
