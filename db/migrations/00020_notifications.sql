-- Notifications (issue 11 item 4): every task, reminder, order and result
-- reaches its person. The case projections (activities.Project*) record
-- them in the same transaction as the step that caused them; package
-- notify holds the table of what notifies whom.
--
-- notifications: one row per recipient of a step's message. An in-app
-- row names its account (delivered when it is created: it is in the
-- account's list); an SMS row has no account (recipient 'sms:…') and is
-- delivered when its text in sms_outbox is sent. worker_id is set on
-- whatever is addressed to a worker (their account's row and their SMS),
-- so "was the worker told of step S" is one look-up (notify.Delivered).
-- The unique key makes a retried projection record nothing twice.

-- +goose Up
CREATE TABLE notifications (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint REFERENCES accounts(id),
    worker_id    bigint REFERENCES workers(id),
    -- who, for the unique key: 'account:<id>', 'sms:worker:<id>',
    -- 'sms:reporter' (a lead's reporter without a worker record),
    -- 'sms:enterprise:<id>' (the enterprise's contact phone)
    recipient    text NOT NULL CHECK (recipient ~ '^(account:[0-9]+|sms:[a-z]+(:[0-9]+)?)$'),
    kind         text NOT NULL CHECK (kind IN ('task', 'reminder', 'result')),
    task_kind    text,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 100),
    body         text NOT NULL CHECK (length(body) BETWEEN 1 AND 500),
    case_kind    text NOT NULL CHECK (case_kind IN ('lead', 'dispatch', 'warning')),
    case_id      bigint NOT NULL,
    seq          integer NOT NULL,
    task_id      bigint REFERENCES case_tasks(id) ON DELETE SET NULL,
    task_key     text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    delivered_at timestamptz,
    read_at      timestamptz,
    CONSTRAINT notifications_once UNIQUE (case_kind, case_id, seq, kind, task_key, recipient),
    CONSTRAINT notifications_channel CHECK ((account_id IS NOT NULL) = (recipient LIKE 'account:%'))
);
CREATE INDEX notifications_account_idx ON notifications (account_id, id) WHERE account_id IS NOT NULL;
CREATE INDEX notifications_unread_idx ON notifications (account_id) WHERE account_id IS NOT NULL AND read_at IS NULL;
CREATE INDEX notifications_worker_idx ON notifications (worker_id, case_kind, case_id, seq) WHERE worker_id IS NOT NULL;

-- The text messages to send: the phone encrypted like every phone
-- (pii kind phone; copied from the worker's, the lead's or the
-- enterprise's ciphertext), retried with backoff until sent or failed.
CREATE TABLE sms_outbox (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id     bigint NOT NULL UNIQUE REFERENCES notifications(id),
    phone_enc           bytea NOT NULL,
    text                text NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at     timestamptz NOT NULL,
    last_error          text NOT NULL DEFAULT '',
    provider            text NOT NULL DEFAULT '',
    provider_message_id text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    sent_at             timestamptz,
    failed_at           timestamptz,
    CHECK (status <> 'sent' OR sent_at IS NOT NULL),
    CHECK (status <> 'failed' OR failed_at IS NOT NULL)
);
CREATE INDEX sms_outbox_due_idx ON sms_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX sms_outbox_status_idx ON sms_outbox (status, id);

CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON notifications FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('notifications', 'id');
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON sms_outbox FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('sms_outbox', 'id');

-- Every role reads and marks its own notifications (the rows are the
-- account's own: the queries take the caller's account id); the city's
-- supervisors and account administrators watch SMS delivery.
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','city_supervisor','city','notifications','read'),
    ('p','city_admin','city','notifications','read'),
    ('p','city_auditor','city','notifications','read'),
    ('p','town_officer','town:*','notifications','read'),
    ('p','enterprise_user','ent:*','notifications','read'),
    ('p','project_manager','proj:*','notifications','read'),
    ('p','worker','worker:*','notifications','read'),
    ('p','city_supervisor','city','notifications','write'),
    ('p','city_admin','city','notifications','write'),
    ('p','city_auditor','city','notifications','write'),
    ('p','town_officer','town:*','notifications','write'),
    ('p','enterprise_user','ent:*','notifications','write'),
    ('p','project_manager','proj:*','notifications','write'),
    ('p','worker','worker:*','notifications','write'),
    ('p','city_supervisor','city','sms-outbox','read'),
    ('p','city_admin','city','sms-outbox','read');

-- +goose Down
DELETE FROM authz_policy WHERE v2 IN ('notifications', 'sms-outbox');
DROP TABLE sms_outbox;
DROP TABLE notifications;
