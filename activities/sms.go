package activities

import (
	"context"
	"errors"

	"github.com/anxin-city/anxin/notify"
)

// SMSDelivery is what a delivery run did (sent, retried, failed).
type SMSDelivery = notify.Delivery

// DeliverSMS sends the due text messages of the notifications' outbox
// (notify.Deliverer: batches taken FOR UPDATE SKIP LOCKED, failures
// retried with backoff, then failed). The Temporal Schedule
// "sms-delivery" runs it every minute through workflows.DeliverSMS.
func (a *Activities) DeliverSMS(ctx context.Context) (SMSDelivery, error) {
	if a.SMS == nil {
		return SMSDelivery{}, errors.New("deliver sms: no sms provider configured")
	}
	return a.SMS.Run(ctx)
}
