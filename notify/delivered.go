package notify

import (
	"context"
	"time"

	"github.com/anxin-city/anxin/db/dbq"
)

// Delivery of one step's notification to a worker.
type WorkerDelivery struct {
	// At is when the notification first reached the worker: their in-app
	// notification (delivered when recorded, in the same transaction as
	// the step) or their text message (when sent); nil while nothing
	// reached them (no account, and the text is pending, failed or there
	// was no phone to text).
	At *time.Time `json:"at,omitempty"`
	// InAppAt and SMSSentAt are each channel's moment; SMSStatus is the
	// text's outbox status ("" without a text).
	InAppAt   *time.Time `json:"in_app_at,omitempty"`
	SMSSentAt *time.Time `json:"sms_sent_at,omitempty"`
	SMSStatus string     `json:"sms_status,omitempty"`
}

// Delivered answers when the notification of kind (KindTask, KindReminder,
// KindResult; taskKind narrows a task or reminder to a task kind, "" any)
// that step seq of case caseKind/caseID made reached worker workerID.
//
// It is what a case workflow asks, through an activity, before the
// worker's silence may count as consent: e.g. the confirmation deadline
// of a lead runs from Delivered("lead", id, seq of reportResult,
// KindTask, cases.TaskConfirm, worker).At. (The lead workflow does not
// ask yet.)
func Delivered(ctx context.Context, q *dbq.Queries, caseKind string, caseID int64, seq int, kind, taskKind string,
	workerID int64) (WorkerDelivery, error) {
	rows, err := q.NotificationDelivered(ctx, dbq.NotificationDeliveredParams{CaseKind: caseKind, CaseID: caseID, Seq: int32(seq),
		Kind: kind, TaskKind: nonEmpty(taskKind), WorkerID: workerID})
	if err != nil {
		return WorkerDelivery{}, err
	}
	var out WorkerDelivery
	earliest := func(p **time.Time, t *time.Time) {
		if t != nil && (*p == nil || t.Before(**p)) {
			v := *t
			*p = &v
		}
	}
	for _, r := range rows {
		if r.SmsStatus != nil {
			out.SMSStatus = *r.SmsStatus
			earliest(&out.SMSSentAt, r.SmsSentAt)
		} else {
			earliest(&out.InAppAt, r.DeliveredAt)
		}
		earliest(&out.At, r.DeliveredAt)
	}
	return out, nil
}
