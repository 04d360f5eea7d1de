-- Notifications and the SMS outbox (db/migrations/00020_notifications.sql).
-- Written by the case projections through package notify, in the step's
-- transaction; read by each account about itself (the queries take the
-- caller's account id: notifications are per account, not per domain);
-- the outbox is sent by the worker's delivery activity and watched by
-- the city (GET /sms-outbox).

-- name: NotifyTaskRef :one
-- The projected task a notification is about (its id and holder), after
-- the step's upsert in the same transaction.
SELECT t.id, t.assignee_id FROM case_tasks t
WHERE t.key = @task_key
  AND CASE @case_kind::text
        WHEN 'lead' THEN t.lead_id = @case_id::bigint
        WHEN 'dispatch' THEN t.dispatch_id = @case_id::bigint
        WHEN 'warning' THEN t.warning_id = @case_id::bigint
        ELSE false END;

-- name: NotifyAccounts :execrows
-- In-app notifications to the people of an office: the assignee when it
-- is given and active, else every active account of the office — the
-- city's supervisors; a town's officers; an enterprise's users and the
-- labour managers of the project; the worker's account. A row already
-- recorded (a retried projection) is left alone.
INSERT INTO notifications (account_id, worker_id, recipient, kind, task_kind, title, body, case_kind, case_id, seq,
                           task_id, task_key, created_at, delivered_at)
SELECT r.id, r.worker_id, 'account:' || r.id, @kind, sqlc.narg('task_kind'), @title, @body, @case_kind, @case_id, @seq,
       sqlc.narg('task_id'), @task_key, @at, @at
FROM (
    SELECT a.id, a.worker_id FROM accounts a
    WHERE a.active AND a.id = sqlc.narg('assignee_id')::bigint
  UNION
    SELECT a.id, a.worker_id FROM accounts a
    WHERE a.active AND NOT EXISTS (SELECT 1 FROM accounts x WHERE x.id = sqlc.narg('assignee_id')::bigint AND x.active)
      AND (   (@actor::text = 'city' AND a.domain = 'city' AND a.role = 'city_supervisor')
           OR (@actor::text = 'town' AND a.domain = 'town:' || sqlc.narg('town_code')::text AND a.role = 'town_officer')
           OR (@actor::text = 'enterprise' AND a.domain = 'ent:' || sqlc.narg('enterprise_id')::bigint AND a.role = 'enterprise_user')
           OR (@actor::text = 'enterprise' AND a.domain = 'proj:' || sqlc.narg('project_id')::bigint AND a.role = 'project_manager')
           OR (@actor::text = 'worker' AND a.worker_id = sqlc.narg('worker_id')::bigint AND a.role = 'worker'))
) r
ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING;

-- name: NotifyWorkerPhone :one
-- A worker's phone (ciphertext), to text them.
SELECT phone_enc FROM workers WHERE id = @id AND phone_enc IS NOT NULL;

-- name: NotifyReporterPhone :one
-- The phone a lead holds of its reporter: the worker's record's, else the
-- one given at intake.
SELECT coalesce(w.phone_enc, l.reporter_phone_enc)::bytea AS phone_enc
FROM leads l LEFT JOIN workers w ON w.id = l.worker_id
WHERE l.id = @id AND coalesce(w.phone_enc, l.reporter_phone_enc) IS NOT NULL;

-- name: NotifyEnterprisePhone :one
-- An enterprise's contact phone, to text it an order.
SELECT contact_phone_enc FROM enterprises WHERE id = @id AND contact_phone_enc IS NOT NULL;

-- name: NotifySMSInsert :one
-- The notification an SMS carries (no account: delivered when sent).
INSERT INTO notifications (worker_id, recipient, kind, task_kind, title, body, case_kind, case_id, seq, task_id, task_key,
                           created_at)
VALUES (sqlc.narg('worker_id'), @recipient, @kind, sqlc.narg('task_kind'), @title, @body, @case_kind, @case_id, @seq,
        sqlc.narg('task_id'), @task_key, @at)
ON CONFLICT ON CONSTRAINT notifications_once DO NOTHING
RETURNING id;

-- name: SmsOutboxInsert :exec
INSERT INTO sms_outbox (notification_id, phone_enc, text, next_attempt_at) VALUES (@notification_id, @phone_enc, @text, now());

-- name: NotificationList :many
-- The caller's own notifications, newest first.
SELECT n.*, count(*) OVER () AS total
FROM notifications n
WHERE n.account_id = @account_id
  AND (NOT @unread::boolean OR n.read_at IS NULL)
  AND (sqlc.narg('case_kind')::text IS NULL OR n.case_kind = sqlc.narg('case_kind'))
  AND (sqlc.narg('kind')::text IS NULL OR n.kind = sqlc.narg('kind'))
ORDER BY n.id DESC
LIMIT @lim OFFSET @off;

-- name: NotificationGet :one
-- One of the caller's own notifications.
SELECT * FROM notifications WHERE id = @id AND account_id = @account_id;

-- name: NotificationUnreadCount :one
SELECT count(*) FROM notifications WHERE account_id = @account_id AND read_at IS NULL;

-- name: NotificationMarkRead :execrows
-- Mark one of the caller's own notifications read (once: a second time
-- keeps the first moment).
UPDATE notifications SET read_at = @at WHERE id = @id AND account_id = @account_id AND read_at IS NULL;

-- name: NotificationMarkAllRead :execrows
UPDATE notifications SET read_at = @at WHERE account_id = @account_id AND read_at IS NULL;

-- name: NotificationDelivered :many
-- The notifications of kind (and task kind) for step seq of a case that
-- are the worker's: their in-app row (delivered when created) and their
-- SMS (delivered when sent); notify.Delivered takes the earliest.
SELECT n.id, n.recipient, n.delivered_at, o.status AS sms_status, o.sent_at AS sms_sent_at
FROM notifications n LEFT JOIN sms_outbox o ON o.notification_id = n.id
WHERE n.case_kind = @case_kind AND n.case_id = @case_id AND n.seq = @seq AND n.kind = @kind
  AND (sqlc.narg('task_kind')::text IS NULL OR n.task_kind = sqlc.narg('task_kind'))
  AND n.worker_id = @worker_id::bigint
ORDER BY n.id;

-- name: SmsOutboxDue :many
-- Pending messages due now, locked for this delivery run; rows another
-- run holds are skipped.
SELECT id, notification_id, phone_enc, text, attempts FROM sms_outbox
WHERE status = 'pending' AND next_attempt_at <= @now
ORDER BY next_attempt_at, id
LIMIT @lim
FOR UPDATE SKIP LOCKED;

-- name: SmsOutboxSent :exec
UPDATE sms_outbox SET status = 'sent', attempts = attempts + 1, sent_at = @at, provider = @provider,
    provider_message_id = @provider_message_id, last_error = ''
WHERE id = @id;

-- name: SmsOutboxRetry :exec
UPDATE sms_outbox SET attempts = attempts + 1, next_attempt_at = @next_attempt_at, provider = @provider, last_error = @last_error
WHERE id = @id;

-- name: SmsOutboxFailed :exec
UPDATE sms_outbox SET status = 'failed', attempts = attempts + 1, failed_at = @at, provider = @provider, last_error = @last_error
WHERE id = @id;

-- name: NotificationDeliveredAt :exec
UPDATE notifications SET delivered_at = @at WHERE id = @id AND delivered_at IS NULL;

-- name: SmsOutboxList :many
-- The delivery log of the city (city supervisors and account
-- administrators): every message with its case, newest first.
SELECT o.id, o.notification_id, o.phone_enc, o.text, o.status, o.attempts, o.next_attempt_at, o.last_error, o.provider,
       o.provider_message_id, o.created_at, o.sent_at, o.failed_at,
       n.recipient, n.kind, n.task_kind, n.case_kind, n.case_id, n.seq, n.worker_id,
       count(*) OVER () AS total
FROM sms_outbox o JOIN notifications n ON n.id = o.notification_id
WHERE (sqlc.narg('status')::text IS NULL OR o.status = sqlc.narg('status'))
  AND (sqlc.narg('case_kind')::text IS NULL OR n.case_kind = sqlc.narg('case_kind'))
  AND (sqlc.narg('case_id')::bigint IS NULL OR n.case_id = sqlc.narg('case_id'))
ORDER BY o.id DESC
LIMIT @lim OFFSET @off;

-- name: SmsOutboxCounts :many
-- Messages waiting and given up on (the metrics).
SELECT status, count(*) AS n FROM sms_outbox WHERE status IN ('pending', 'failed') GROUP BY status;

-- name: NotifyTaskReminders :many
-- The reminders of a case's open tasks as projected before a step (what
-- the step's own reminders are told apart from).
SELECT t.key, t.reminded_at FROM case_tasks t
WHERE t.closed_at IS NULL AND t.reminded_at IS NOT NULL
  AND CASE @case_kind::text
        WHEN 'lead' THEN t.lead_id = @case_id::bigint
        WHEN 'dispatch' THEN t.dispatch_id = @case_id::bigint
        WHEN 'warning' THEN t.warning_id = @case_id::bigint
        ELSE false END;
