package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/anxin-city/anxin/workflows"
)

// AuditRetentionScheduleID is the ID of the Temporal Schedule that runs the
// system log's retention (workflows.AuditRetention).
const AuditRetentionScheduleID = "audit-retention"

// DefaultAuditRetentionEvery is a sensible interval for
// EnsureAuditRetentionSchedule: retention works in whole months, so a daily
// run archives a month within a day of it falling out of the retention.
const DefaultAuditRetentionEvery = 24 * time.Hour

// EnsureAuditRetentionSchedule creates the Temporal Schedule
// AuditRetentionScheduleID, which starts workflows.AuditRetention every
// `every` on workflows.TaskQueue, or updates it to that interval and action
// when it exists (so every start of the platform may call it). Runs never
// overlap (a run still going when the next is due makes that one skip),
// and a run missed while the cluster was down is caught up within a day.
func EnsureAuditRetentionSchedule(ctx context.Context, c client.Client, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("audit retention schedule: interval %s must be positive", every)
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	action := &client.ScheduleWorkflowAction{
		ID:                       workflows.AuditRetentionWorkflowID,
		Workflow:                 workflows.AuditRetention,
		TaskQueue:                workflows.TaskQueue,
		WorkflowExecutionTimeout: 12 * time.Hour,
	}
	const overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
	const catchup = 24 * time.Hour
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:            AuditRetentionScheduleID,
		Spec:          spec,
		Action:        action,
		Overlap:       overlap,
		CatchupWindow: catchup,
		Note:          "system log retention: archive and drop months older than the retention",
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", AuditRetentionScheduleID, err)
	}
	h := sc.GetHandle(ctx, AuditRetentionScheduleID)
	err = h.Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec = &spec
			s.Action = action
			if s.Policy == nil {
				s.Policy = &client.SchedulePolicies{}
			}
			s.Policy.Overlap = overlap
			s.Policy.CatchupWindow = catchup
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update schedule %s: %w", AuditRetentionScheduleID, err)
	}
	return nil
}
