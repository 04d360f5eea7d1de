package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/anxin-city/anxin/cases"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Record records the notifications of step s with q, in the caller's
// transaction: the projection of the step (activities.Project*) calls it
// after writing the step's tasks, so the notifications exist exactly when
// the step does. In-app notifications are delivered as they are recorded;
// texts wait in sms_outbox for the delivery schedule. Recording is
// idempotent (notifications_once): a retried projection adds nothing.
func Record(ctx context.Context, q *dbq.Queries, s Step) error {
	for _, m := range Plan(s) {
		if err := record(ctx, q, s, m); err != nil {
			return fmt.Errorf("notify %s %d step %d (%s %s): %w", s.CaseKind, s.CaseID, s.Seq, m.Kind, m.TaskKind, err)
		}
	}
	return nil
}

// Reminders reads the reminders of a case's open tasks as projected so
// far (task key → reminded_at): a projection reads them before it writes
// its step's tasks and passes them as Step.Reminded, so that a task's
// reminder is told once, by the step that set it.
func Reminders(ctx context.Context, q *dbq.Queries, caseKind string, caseID int64) (map[string]time.Time, error) {
	rows, err := q.NotifyTaskReminders(ctx, dbq.NotifyTaskRemindersParams{CaseKind: caseKind, CaseID: caseID})
	if err != nil {
		return nil, fmt.Errorf("notify %s %d: reminders: %w", caseKind, caseID, err)
	}
	out := make(map[string]time.Time, len(rows))
	for _, r := range rows {
		if r.RemindedAt != nil {
			out[r.Key] = *r.RemindedAt
		}
	}
	return out, nil
}

func record(ctx context.Context, q *dbq.Queries, s Step, m Message) error {
	p := dbq.NotifyAccountsParams{Kind: m.Kind, TaskKind: nonEmpty(m.TaskKind), Title: m.Title, Body: m.Body,
		CaseKind: s.CaseKind, CaseID: s.CaseID, Seq: int32(s.Seq), At: s.At}
	var smsWorker int64
	var smsEnterprise int64
	switch {
	case m.Task != nil:
		t := m.Task
		ref, err := q.NotifyTaskRef(ctx, dbq.NotifyTaskRefParams{TaskKey: t.Key, CaseKind: s.CaseKind, CaseID: s.CaseID})
		if err != nil {
			return fmt.Errorf("task %s: %w", t.Key, err)
		}
		p.TaskID, p.TaskKey, p.AssigneeID = &ref.ID, t.Key, ref.AssigneeID
		p.Actor, p.TownCode, p.EnterpriseID, p.ProjectID, p.WorkerID = t.Actor, nonEmpty(t.TownCode), nonZero(t.EnterpriseID),
			nonZero(t.ProjectID), nonZero(t.WorkerID)
		switch t.Actor {
		case cases.ActorWorker:
			smsWorker = t.WorkerID
		case cases.ActorEnterprise:
			smsEnterprise = t.EnterpriseID
		}
	case m.Party == PartyWorker:
		p.Actor, p.WorkerID = cases.ActorWorker, nonZero(s.WorkerID)
		smsWorker = s.WorkerID
	case m.Party == PartyEnterprise:
		p.Actor, p.EnterpriseID, p.ProjectID = cases.ActorEnterprise, nonZero(s.EnterpriseID), nonZero(s.ProjectID)
		smsEnterprise = s.EnterpriseID
	}
	if _, err := q.NotifyAccounts(ctx, p); err != nil {
		return err
	}
	if !m.SMS {
		return nil
	}
	// the text: to the worker (their record's phone, or for a lead the
	// reporter's), or to the enterprise's contact phone
	var phone []byte
	var err error
	recipient := ""
	switch {
	case smsEnterprise != 0:
		recipient = "sms:enterprise:" + strconv.FormatInt(smsEnterprise, 10)
		phone, err = q.NotifyEnterprisePhone(ctx, smsEnterprise)
	case s.CaseKind == "lead" && (m.Party == PartyWorker || smsWorker != 0):
		recipient = "sms:reporter"
		if smsWorker != 0 {
			recipient = "sms:worker:" + strconv.FormatInt(smsWorker, 10)
		}
		phone, err = q.NotifyReporterPhone(ctx, s.CaseID)
	case smsWorker != 0:
		recipient = "sms:worker:" + strconv.FormatInt(smsWorker, 10)
		phone, err = q.NotifyWorkerPhone(ctx, smsWorker)
	default:
		return nil
	}
	if errors.Is(err, db.ErrNotFound) || (err == nil && len(phone) == 0) {
		return nil // no phone to text: the app only
	}
	if err != nil {
		return err
	}
	id, err := q.NotifySMSInsert(ctx, dbq.NotifySMSInsertParams{WorkerID: nonZero(smsWorker), Recipient: recipient, Kind: m.Kind,
		TaskKind: nonEmpty(m.TaskKind), Title: m.Title, Body: m.Body, CaseKind: s.CaseKind, CaseID: s.CaseID, Seq: int32(s.Seq),
		TaskID: p.TaskID, TaskKey: p.TaskKey, At: s.At})
	if errors.Is(err, db.ErrNotFound) {
		return nil // recorded by an earlier attempt of the projection
	}
	if err != nil {
		return err
	}
	return q.SmsOutboxInsert(ctx, dbq.SmsOutboxInsertParams{NotificationID: id, PhoneEnc: phone, Text: SMSText(m.Body)})
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonZero(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}
