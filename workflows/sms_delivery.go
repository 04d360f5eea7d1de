package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/anxin-city/anxin/activities"
)

// SMSDeliveryWorkflowID is the workflow ID of the runs the sms-delivery
// schedule starts (the schedule appends the time to it).
const SMSDeliveryWorkflowID = "sms-delivery"

// DeliverSMS sends the due text messages of the notifications' outbox
// (activities.DeliverSMS) and answers what it did. The Temporal Schedule
// "sms-delivery" runs it every minute on the worker side, never two at
// once (platform EnsureSMSDeliverySchedule). A message that fails is
// retried by a later run, after its backoff; the activity itself is not
// retried (the next run is a minute away).
func DeliverSMS(ctx workflow.Context) (activities.SMSDelivery, error) {
	var a *activities.Activities
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// a run stops taking batches after its budget (45 s); a batch
		// in flight may take a provider's timeout per message
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var d activities.SMSDelivery
	err := workflow.ExecuteActivity(actx, a.DeliverSMS).Get(ctx, &d)
	return d, err
}
