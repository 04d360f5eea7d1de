package api

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A case number is found however a person types or reads it out.
func TestNormalCaseNo(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"QX-2026-000123":   "QX-2026-000123",
		"qx-2026-123":      "QX-2026-000123",
		" QX 2026 000123 ": "QX-2026-000123",
		"QX2026000123":     "QX-2026-000123",
		"ＱＸ－２０２６－１２３":      "QX-2026-000123",
		"QX-2026-1234567":  "QX-2026-1234567",
	} {
		got, ok := normalCaseNo(in, caseNoLead)
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "QX", "QX-26-1", "QX-2026-", "QX-2026-000000", "JB-2026-000001", "QX-2026-12a", "123"} {
		_, ok := normalCaseNo(bad, caseNoLead)
		require.False(t, ok, bad)
	}
	got, ok := normalCaseNo("jb-2026-7", caseNoLead, caseNoDispatch, caseNoWarning)
	require.True(t, ok)
	require.Equal(t, "JB-2026-000007", got)
}

// A task's summary is at most 60 characters, a cut marked.
func TestTaskSummary(t *testing.T) {
	t.Parallel()
	require.Equal(t, "三个月工资未发", summary("三个月工资未发"))
	require.Equal(t, "a b", summary(" a \n b "))
	long := strings.Repeat("欠", 100)
	s := summary(long)
	require.Len(t, []rune(s), summaryMax)
	require.True(t, strings.HasSuffix(s, "…"))
	require.Equal(t, strings.Repeat("欠", 60), summary(strings.Repeat("欠", 60)))
}

// The labels are filled from the codes tags, through pointers, slices and
// embedded structs, and an unknown code gets no label.
func TestWithLabels(t *testing.T) {
	t.Parallel()
	closure := "paid_in_full"
	in := leadDetailOut{leadOut: leadOut{Status: "triage", Source: "hotline", Supervision: "none", ClosureCode: &closure},
		Events:     []leadEventOut{{Action: "accept", ActorRole: "system", ToStatus: "investigating"}, {Action: "nope"}},
		Dispatches: []leadDispatchRef{{Level: "listed", Status: "open"}}}
	out := withLabels(in).(leadDetailOut)
	require.Equal(t, "待市级分流", out.StatusLabel)
	require.Equal(t, "12345热线", out.SourceLabel)
	require.Equal(t, "已全额支付", out.ClosureCodeLabel)
	require.Equal(t, "签收", out.Events[0].ActionLabel)
	require.Equal(t, "系统", out.Events[0].ActorRoleLabel)
	require.Equal(t, "核查处置中", out.Events[0].ToStatusLabel)
	require.Empty(t, out.Events[0].FromStatusLabel, "no from status, no label")
	require.Empty(t, out.Events[1].ActionLabel, "an unknown code has no label")
	require.Equal(t, "挂牌督办", out.Dispatches[0].LevelLabel)
	p := &listOut[taskOut]{Items: []taskOut{{CaseKind: "dispatch", Kind: "dispatch_report", Actor: "town"}}}
	require.Same(t, p, withLabels(p))
	require.Equal(t, "交办事项", p.Items[0].CaseKindLabel)
	require.Empty(t, p.Items[0].LeadStatusLabel)
	require.Equal(t, "系统日志：其他操作", "系统日志："+auditActionLabel("x"))
	require.Equal(t, "项目：修改", auditActionLabel("projects.update"))
	require.Equal(t, "接口访问（修改）", auditActionLabel("PATCH /api/v1/projects/:id"))
}
