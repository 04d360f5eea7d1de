package worker_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/workflows"
)

// Recorder of the warning workflow's histories (warning-*.json beside the
// lead's and the dispatch's), replayed by workflows/replay_test.go:
//
//	go test ./worker -run TestRecordWarningHistories -record -count=1 -v

type warningPath = casePath[cases.WarningState]

func TestRecordWarningHistories(t *testing.T) {
	if !*record {
		t.Skip("records the warning histories only with -record: go test ./worker -run TestRecordWarningHistories -record")
	}
	c, f := caseRecorder(t, workflows.WarningWorkflow)
	type path struct {
		name   string
		queue  string
		drive  func(p *warningPath)
		status cases.WarningStatus
		want   []string
	}
	paths := []path{
		{name: "warning-answer", drive: driveWarningAnswer, status: cases.WarningClosed,
			want: []string{"create", "raiseLevel", "answer", "rejectAnswer", "close"}},
		{name: "warning-escalations", queue: shortCalendarQueue, drive: driveWarningEscalations, status: cases.WarningClosed,
			want: []string{"create", "remind", "overdue", "remind", "overdue", "remind", "overdue", "resolve"}},
		{name: "warning-recount", drive: driveWarningRecount, status: cases.WarningClosed,
			want: []string{"create", "recount", "answer", "acceptAnswer"}},
	}
	ws := make([]*warningPath, len(paths))
	for i, p := range paths {
		var id int64
		key := fmt.Sprintf("payroll_unpaid/project:%d/2026-0%d", f.Project1, i+7)
		require.NoError(t, f.Pool.QueryRow(context.Background(), `INSERT INTO warnings (rule_code, rule_version, level, subject_kind,
			project_id, enterprise_id, town_code, period, figures, explanation, key)
			VALUES ('payroll_unpaid', 1, 'orange', 'project', $1, $2, $3, '2026-07', '{"months_unpaid": 1}', '2026年7月工资未发放', $4)
			RETURNING id`, f.Project1, f.Contractor1, f.Town1, key).Scan(&id))
		ws[i] = &warningPath{c: c, f: f, name: p.name, wid: workflows.WarningWorkflowID(id), id: id,
			workflow: workflows.WarningWorkflow, events: "warning_events WHERE warning_id",
			input: workflows.WarningInput{WarningID: id, By: cases.System, Rule: "payroll_unpaid", Level: "orange",
				ProjectID: f.Project1, EnterpriseID: f.Contractor1, TownCode: f.Town1},
			seq: func(st cases.WarningState) int { return st.Seq }}
	}
	for i, p := range paths {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), p.name) {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			w := ws[i]
			w.t = t
			w.start(p.queue)
			p.drive(w)
			assert.Equal(t, p.status, w.finish().Status)
			assert.Equal(t, p.want, w.actions(), "the path took the steps it is named for")
			if t.Failed() {
				t.Fatalf("%s: not recorded", p.name)
			}
			w.write()
		})
	}
}

// warning-answer: the scan raises it; the enterprise answers, the town
// rejects the answer and closes the warning itself.
func driveWarningAnswer(p *warningPath) {
	f := p.f
	p.act(workflows.WarningRaise, workflows.WarningActionInput{Actor: cases.System, Level: "red", Note: "连续两个月未发放"})
	p.act(workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "已补发7月工资"})
	p.act(workflows.WarningReject, workflows.WarningActionInput{Actor: f.Officer1, Note: "专户流水未见发放记录"})
	p.act(workflows.WarningClose, workflows.WarningActionInput{Actor: f.Officer1, Note: "经约谈已足额发放"})
}

// warning-escalations (short calendar): nobody answers — the enterprise's
// deadline passes (the town holds it), the town's passes (the city), the
// city's passes (overdue); the scan then finds the condition cleared.
func driveWarningEscalations(p *warningPath) {
	p.await("city overdue", func(st cases.WarningState) bool {
		return st.Status == cases.WarningEscalatedCity && st.Overdue
	})
	p.act(workflows.WarningResolve, workflows.WarningActionInput{Actor: cases.System, Note: "复查：预警条件已消除"})
}

// warning-recount: the city enters holidays on the last weekdays before
// the enterprise's due day (a correction of that year's arrangement) and
// the warning is signalled (workflows.SignalCalendarChanged, as
// RecountDeadlines does; version marker calendar-recount 1): one
// `recount` step moves the deadline later; the enterprise answers and the
// town accepts.
func driveWarningRecount(p *warningPath) {
	f := p.f
	var st cases.WarningState
	p.await("created", func(s cases.WarningState) bool { st = s; return s.DueAt != nil && len(s.Tasks) == 1 })
	due := *st.DueAt
	p.signalCalendar(holidaysBefore(p.t, f.Pool, st.Tasks[0].OpenedAt, due))
	p.await("recounted", func(s cases.WarningState) bool { return s.Seq > st.Seq && s.DueAt.After(due) })
	p.act(workflows.WarningAnswer, workflows.WarningActionInput{Actor: f.Enterprise1, Note: "已补发7月工资"})
	p.act(workflows.WarningAccept, workflows.WarningActionInput{Actor: f.Officer1, Note: "经核实已足额发放"})
}
