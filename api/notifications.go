package api

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/notify"
	"github.com/anxin-city/anxin/registry"
)

// Notifications (消息通知): what the case steps told the caller — tasks
// opened for them or their office, reminders, results — recorded by the
// projections (package notify). Every account reads and marks only its
// own: the queries take the caller's account id, so another account's
// notification is not there (404). The city watches the text messages'
// delivery in the outbox.

type notificationOut struct {
	ID            int64      `json:"id"`
	Kind          string     `json:"kind" codes:"notification_kinds" doc:"task (新待办), reminder (期限提醒), result (办理结果)"`
	KindLabel     string     `json:"kind_label"`
	TaskKind      *string    `json:"task_kind" codes:"task_kinds" doc:"the task's kind (task and reminder)"`
	TaskKindLabel string     `json:"task_kind_label"`
	Title         string     `json:"title"`
	Body          string     `json:"body"`
	CaseKind      string     `json:"case_kind" codes:"case_kinds" doc:"lead, dispatch or warning"`
	CaseKindLabel string     `json:"case_kind_label"`
	CaseID        int64      `json:"case_id" doc:"the lead's, dispatch's or warning's id"`
	Seq           int32      `json:"seq" doc:"the case's step that made it (its events' seq)"`
	TaskID        *int64     `json:"task_id" doc:"the task it is about (GET /tasks)"`
	CreatedAt     time.Time  `json:"created_at"`
	DeliveredAt   *time.Time `json:"delivered_at"`
	Read          bool       `json:"read"`
	ReadAt        *time.Time `json:"read_at"`
}

func notificationFrom(n dbq.Notification) notificationOut {
	out := notificationOut{ID: n.ID, Kind: n.Kind, KindLabel: notify.Kinds.Label(n.Kind), TaskKind: n.TaskKind, Title: n.Title,
		Body: n.Body, CaseKind: n.CaseKind, CaseKindLabel: notify.CaseKinds.Label(n.CaseKind), CaseID: n.CaseID, Seq: n.Seq,
		TaskID: n.TaskID, CreatedAt: n.CreatedAt, DeliveredAt: n.DeliveredAt, Read: n.ReadAt != nil, ReadAt: n.ReadAt}
	if n.TaskKind != nil {
		out.TaskKindLabel = registry.TaskKinds.Label(*n.TaskKind)
	}
	return out
}

type unreadCountOut struct {
	Unread int64 `json:"unread"`
}

type readAllOut struct {
	Marked int64 `json:"marked" doc:"notifications marked read now"`
}

type smsOut struct {
	ID                int64      `json:"id"`
	NotificationID    int64      `json:"notification_id"`
	Phone             string     `json:"phone" doc:"masked"`
	Recipient         string     `json:"recipient" codes:"sms_recipients" doc:"worker, reporter (a lead's reporter without a worker record) or enterprise (its contact phone)"`
	RecipientLabel    string     `json:"recipient_label"`
	WorkerID          *int64     `json:"worker_id"`
	Text              string     `json:"text"`
	Status            string     `json:"status" codes:"sms_statuses" doc:"pending, sent, failed"`
	StatusLabel       string     `json:"status_label"`
	Attempts          int32      `json:"attempts"`
	NextAttemptAt     *time.Time `json:"next_attempt_at" doc:"while pending"`
	LastError         string     `json:"last_error"`
	Provider          string     `json:"provider" doc:"outbox or http: who took the last attempt"`
	ProviderMessageID *string    `json:"provider_message_id"`
	Kind              string     `json:"kind" codes:"notification_kinds"`
	KindLabel         string     `json:"kind_label"`
	TaskKind          *string    `json:"task_kind" codes:"task_kinds"`
	TaskKindLabel     string     `json:"task_kind_label"`
	CaseKind          string     `json:"case_kind" codes:"case_kinds"`
	CaseKindLabel     string     `json:"case_kind_label"`
	CaseID            int64      `json:"case_id"`
	Seq               int32      `json:"seq"`
	CreatedAt         time.Time  `json:"created_at"`
	SentAt            *time.Time `json:"sent_at"`
	FailedAt          *time.Time `json:"failed_at"`
}

// smsRecipients name whom a text went to (notifications.recipient, 'sms:<who>[:id]').
var smsRecipients = registry.SMSRecipients

func (s *Server) smsFrom(r dbq.SmsOutboxListRow) smsOut {
	who := r.Recipient
	if len(who) > 4 {
		who = who[4:] // after "sms:"
	}
	for i := range len(who) {
		if who[i] == ':' {
			who = who[:i]
			break
		}
	}
	out := smsOut{ID: r.ID, NotificationID: r.NotificationID, Phone: s.maskedPhone(r.PhoneEnc), Recipient: who,
		RecipientLabel: smsRecipients.Label(who), WorkerID: r.WorkerID, Text: r.Text, Status: r.Status,
		StatusLabel: notify.SMSStatuses.Label(r.Status), Attempts: r.Attempts, LastError: r.LastError, Provider: r.Provider,
		ProviderMessageID: r.ProviderMessageID, Kind: r.Kind, KindLabel: notify.Kinds.Label(r.Kind), TaskKind: r.TaskKind,
		CaseKind: r.CaseKind, CaseKindLabel: notify.CaseKinds.Label(r.CaseKind), CaseID: r.CaseID, Seq: r.Seq,
		CreatedAt: r.CreatedAt, SentAt: r.SentAt, FailedAt: r.FailedAt}
	if r.Status == notify.SMSPending {
		next := r.NextAttemptAt
		out.NextAttemptAt = &next
	}
	if r.TaskKind != nil {
		out.TaskKindLabel = registry.TaskKinds.Label(*r.TaskKind)
	}
	return out
}

func (s *Server) notificationRoutes() {
	s.add(route{Method: "GET", Path: "/notifications", Perm: "notifications:read", Tag: "notifications",
		Summary: "The caller's own notifications, newest first",
		Query: []param{
			{Name: "unread", Type: "boolean", Desc: "true: only those not read yet"},
			{Name: "case_kind", Type: "string", Enum: notify.CaseKinds.Codes},
			{Name: "kind", Type: "string", Enum: notify.Kinds.Codes},
			{Name: "sort", Type: "string", Enum: []string{"-created_at"}, Desc: "-created_at (default: newest first)"},
			{Name: "page", Type: "integer"}, {Name: "page_size", Type: "integer"},
		}, Out: listOut[notificationOut]{}, Handler: s.notificationList})
	s.add(route{Method: "GET", Path: "/notifications/unread-count", Perm: "notifications:read", Tag: "notifications",
		Summary: "How many of the caller's notifications are unread", Out: unreadCountOut{}, Handler: s.notificationUnread})
	s.add(route{Method: "POST", Path: "/notifications/:id/read", Perm: "notifications:write", Tag: "notifications",
		Summary: "Mark one of the caller's notifications read", Out: notificationOut{}, Handler: s.notificationRead})
	s.add(route{Method: "POST", Path: "/notifications/read-all", Perm: "notifications:write", Tag: "notifications",
		Summary: "Mark every notification of the caller read", Out: readAllOut{}, Handler: s.notificationReadAll})
	s.add(route{Method: "GET", Path: "/sms-outbox", Perm: "sms-outbox:read", Tag: "notifications",
		Summary: "The text messages of notifications and their delivery (the city's watch on failures)",
		Query: []param{
			{Name: "status", Type: "string", Enum: notify.SMSStatuses.Codes},
			{Name: "case_kind", Type: "string", Enum: notify.CaseKinds.Codes},
			{Name: "case_id", Type: "integer"},
			{Name: "sort", Type: "string", Enum: []string{"-created_at"}, Desc: "-created_at (default: newest first)"},
			{Name: "page", Type: "integer"}, {Name: "page_size", Type: "integer"},
		}, Out: listOut[smsOut]{}, Handler: s.smsOutboxList})
}

func (s *Server) notificationList(c *fiber.Ctx) error {
	p, err := parsePage(c, "-created_at")
	if err != nil {
		return err
	}
	var qe queryErrs
	me := principalOf(c).AccountID
	arg := dbq.NotificationListParams{AccountID: &me}
	if u := qe.boolean(c, "unread"); u != nil {
		arg.Unread = *u
	}
	arg.CaseKind, arg.Kind = qe.enum(c, "case_kind", notify.CaseKinds), qe.enum(c, "kind", notify.Kinds)
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.NotificationListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.NotificationList(c.UserContext(), arg)
	}, func(r dbq.NotificationListRow) int64 { return r.Total }, func(r dbq.NotificationListRow) notificationOut {
		return notificationFrom(dbq.Notification{ID: r.ID, AccountID: r.AccountID, WorkerID: r.WorkerID, Recipient: r.Recipient,
			Kind: r.Kind, TaskKind: r.TaskKind, Title: r.Title, Body: r.Body, CaseKind: r.CaseKind, CaseID: r.CaseID, Seq: r.Seq,
			TaskID: r.TaskID, TaskKey: r.TaskKey, CreatedAt: r.CreatedAt, DeliveredAt: r.DeliveredAt, ReadAt: r.ReadAt})
	})
}

func (s *Server) notificationUnread(c *fiber.Ctx) error {
	me := principalOf(c).AccountID
	n, err := db.Q(s.deps.Pool).NotificationUnreadCount(c.UserContext(), &me)
	if err != nil {
		return err
	}
	return c.JSON(unreadCountOut{Unread: n})
}

func (s *Server) notificationRead(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	me := principalOf(c).AccountID
	var out dbq.Notification
	err = s.inTx(c, func(q *dbq.Queries) error {
		ctx := c.UserContext()
		if _, err := q.NotificationGet(ctx, dbq.NotificationGetParams{ID: id, AccountID: &me}); errors.Is(err, db.ErrNotFound) {
			return errNotFound // not the caller's: as if it did not exist
		} else if err != nil {
			return err
		}
		now := s.deps.Now()
		if _, err := q.NotificationMarkRead(ctx, dbq.NotificationMarkReadParams{ID: id, AccountID: &me, At: &now}); err != nil {
			return err
		}
		out, err = q.NotificationGet(ctx, dbq.NotificationGetParams{ID: id, AccountID: &me})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(notificationFrom(out))
}

func (s *Server) notificationReadAll(c *fiber.Ctx) error {
	me := principalOf(c).AccountID
	var n int64
	err := s.inTx(c, func(q *dbq.Queries) error {
		now := s.deps.Now()
		var err error
		n, err = q.NotificationMarkAllRead(c.UserContext(), dbq.NotificationMarkAllReadParams{AccountID: &me, At: &now})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(readAllOut{Marked: n})
}

func (s *Server) smsOutboxList(c *fiber.Ctx) error {
	p, err := parsePage(c, "-created_at")
	if err != nil {
		return err
	}
	var qe queryErrs
	arg := dbq.SmsOutboxListParams{Status: qe.enum(c, "status", notify.SMSStatuses),
		CaseKind: qe.enum(c, "case_kind", notify.CaseKinds), CaseID: qe.id(c, "case_id")}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	return listPage(c, p, func(lim, off int32) ([]dbq.SmsOutboxListRow, error) {
		arg.Lim, arg.Off = lim, off
		return q.SmsOutboxList(c.UserContext(), arg)
	}, func(r dbq.SmsOutboxListRow) int64 { return r.Total }, s.smsFrom)
}
