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

// The platform's scheduled work runs as Temporal Schedules (not cron):
// one schedule per job for the whole cluster, however many workers run.

// AuditRetentionScheduleID is the ID of the Temporal Schedule that runs the
// system log's retention (workflows.AuditRetention).
const AuditRetentionScheduleID = "audit-retention"

// DefaultAuditRetentionEvery is a sensible interval for
// EnsureAuditRetentionSchedule: retention works in whole months, so a daily
// run archives a month within a day of it falling out of the retention.
const DefaultAuditRetentionEvery = 24 * time.Hour

// StalledCasesScheduleID is the ID of the Temporal Schedule that starts
// the workflows of stalled cases (workflows.SweepStalledCases).
const StalledCasesScheduleID = "stalled-cases"

// DefaultStalledCasesEvery is how often the stalled-case sweep runs.
const DefaultStalledCasesEvery = time.Minute

// EnsureAuditRetentionSchedule creates the Temporal Schedule
// AuditRetentionScheduleID, which starts workflows.AuditRetention every
// `every` on workflows.TaskQueue, or updates it to that interval and action
// when it exists (so every start of the platform may call it). Runs never
// overlap (a run still going when the next is due makes that one skip),
// and a run missed while the cluster was down is caught up within a day.
func EnsureAuditRetentionSchedule(ctx context.Context, c client.Client, every time.Duration) error {
	return ensureSchedule(ctx, c, AuditRetentionScheduleID, every, 24*time.Hour, &client.ScheduleWorkflowAction{
		ID:                       workflows.AuditRetentionWorkflowID,
		Workflow:                 workflows.AuditRetention,
		TaskQueue:                workflows.TaskQueue,
		WorkflowExecutionTimeout: 12 * time.Hour,
	}, "system log retention: archive and drop months older than the retention")
}

// EnsureStalledCasesSchedule creates (or updates) the Temporal Schedule
// StalledCasesScheduleID, which runs workflows.SweepStalledCases every
// `every`: a case recorded while Temporal was unreachable is started
// within a minute or two of the cluster's return, by whichever worker
// takes the run. Runs never overlap; missed runs are not caught up (the
// next one does their work).
func EnsureStalledCasesSchedule(ctx context.Context, c client.Client, every time.Duration) error {
	return ensureSchedule(ctx, c, StalledCasesScheduleID, every, every, &client.ScheduleWorkflowAction{
		ID:                       workflows.StalledCasesWorkflowID,
		Workflow:                 workflows.SweepStalledCases,
		TaskQueue:                workflows.TaskQueue,
		WorkflowExecutionTimeout: 10 * time.Minute,
	}, "start the workflows of cases recorded while Temporal was unreachable")
}

// ensureSchedule creates schedule id running action every `every`, or
// updates it to that interval and action when it exists.
func ensureSchedule(ctx context.Context, c client.Client, id string, every, catchup time.Duration,
	action *client.ScheduleWorkflowAction, note string) error {
	if every <= 0 {
		return fmt.Errorf("schedule %s: interval %s must be positive", id, every)
	}
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	const overlap = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{
		ID:            id,
		Spec:          spec,
		Action:        action,
		Overlap:       overlap,
		CatchupWindow: catchup,
		Note:          note,
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule %s: %w", id, err)
	}
	h := sc.GetHandle(ctx, id)
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
		return fmt.Errorf("update schedule %s: %w", id, err)
	}
	return nil
}

// WarningScanScheduleID is the ID of the Temporal Schedule that runs the
// daily warning scan (workflows.ScanWarnings).
const WarningScanScheduleID = "warning-scan"

// EnsureWarningScanSchedule creates (or updates) the schedule that scans
// every warning rule every `every` (daily); a run missed while the
// cluster was down is caught up within a day; runs never overlap.
func EnsureWarningScanSchedule(ctx context.Context, c client.Client, every time.Duration) error {
	return ensureSchedule(ctx, c, WarningScanScheduleID, every, 24*time.Hour, &client.ScheduleWorkflowAction{
		ID:                       workflows.WarningScanWorkflowID,
		Workflow:                 workflows.ScanWarnings,
		TaskQueue:                workflows.TaskQueue,
		WorkflowExecutionTimeout: 2 * time.Hour,
	}, "daily warning scan: every warning rule over the registry, warnings opened, raised and resolved")
}

// SMSDeliveryScheduleID is the ID of the Temporal Schedule that sends the
// notifications' text messages (workflows.DeliverSMS).
const SMSDeliveryScheduleID = "sms-delivery"

// DefaultSMSDeliveryEvery is how often the outbox is sent.
const DefaultSMSDeliveryEvery = time.Minute

// EnsureSMSDeliverySchedule creates (or updates) the schedule that sends
// the due messages of sms_outbox every `every`; runs never overlap and
// missed runs are not caught up (the next one sends what is due).
func EnsureSMSDeliverySchedule(ctx context.Context, c client.Client, every time.Duration) error {
	return ensureSchedule(ctx, c, SMSDeliveryScheduleID, every, every, &client.ScheduleWorkflowAction{
		ID:                       workflows.SMSDeliveryWorkflowID,
		Workflow:                 workflows.DeliverSMS,
		TaskQueue:                workflows.TaskQueue,
		WorkflowExecutionTimeout: 10 * time.Minute,
	}, "send the notifications' text messages: due outbox rows, retried with backoff")
}

// ensureSchedules makes sure every schedule of the platform exists.
func ensureSchedules(ctx context.Context, c client.Client) error {
	if err := EnsureAuditRetentionSchedule(ctx, c, DefaultAuditRetentionEvery); err != nil {
		return err
	}
	if err := EnsureWarningScanSchedule(ctx, c, 24*time.Hour); err != nil {
		return err
	}
	if err := EnsureSMSDeliverySchedule(ctx, c, DefaultSMSDeliveryEvery); err != nil {
		return err
	}
	return EnsureStalledCasesSchedule(ctx, c, DefaultStalledCasesEvery)
}
