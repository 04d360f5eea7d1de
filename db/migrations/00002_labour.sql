-- Labour data (SPEC R2): attendance per worker-day, work records, monthly
-- payroll sheets and lines, dedicated wage accounts with labour-cost
-- transfers, wage guarantee deposits, and wage-safety homes.
--
-- Attendance is the size-heavy table: a year of a city is tens of millions
-- of worker-days, so it is range-partitioned by month. Partitions are made
-- by attendance_ensure_partitions(from, to); a default partition catches
-- anything outside the prepared range so no insert ever fails for want of
-- one.

-- +goose Up
CREATE TABLE attendance (
    project_id  bigint NOT NULL REFERENCES projects(id),
    worker_id   bigint NOT NULL REFERENCES workers(id),
    work_date   date NOT NULL,
    team_id     bigint REFERENCES teams(id),
    minutes     integer NOT NULL DEFAULT 480 CHECK (minutes BETWEEN 0 AND 1440),
    -- device 考勤机, manual 手工, import 导入
    source      text NOT NULL DEFAULT 'manual' CHECK (source IN ('device','manual','import')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, work_date, worker_id)
) PARTITION BY RANGE (work_date);
CREATE INDEX attendance_worker_idx ON attendance (worker_id, work_date);

CREATE TABLE attendance_default PARTITION OF attendance DEFAULT;

-- +goose StatementBegin
CREATE FUNCTION attendance_ensure_partitions(from_month date, to_month date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', from_month)::date;
    created integer := 0;
    part text;
BEGIN
    WHILE m <= to_month LOOP
        part := format('attendance_%s', to_char(m, 'YYYYMM'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF attendance FOR VALUES FROM (%L) TO (%L)',
                           part, m, (m + interval '1 month')::date);
            created := created + 1;
        END IF;
        m := (m + interval '1 month')::date;
    END LOOP;
    RETURN created;
END;
$$;
-- +goose StatementEnd

SELECT attendance_ensure_partitions(date '2025-01-01', date '2027-12-01');

-- Work records 记工计量: piece work or measured quantities per worker.
-- Quantities are in thousandths of the unit, to stay exact.
CREATE TABLE work_records (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects(id),
    worker_id    bigint NOT NULL REFERENCES workers(id),
    team_id      bigint REFERENCES teams(id),
    work_date    date NOT NULL,
    item         text NOT NULL CHECK (length(item) BETWEEN 1 AND 128),
    unit         text NOT NULL DEFAULT '',
    quantity_milli bigint NOT NULL CHECK (quantity_milli >= 0),
    amount_fen   bigint NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    active       boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_records_project_idx ON work_records (project_id, work_date);
CREATE INDEX work_records_worker_idx ON work_records (worker_id, work_date);

-- Monthly payroll 工资表: one sheet per project and month (the first day
-- of the month), one line per worker.
CREATE TABLE payroll_sheets (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects(id),
    month       date NOT NULL CHECK (extract(day FROM month) = 1),
    -- draft 草稿, submitted 已提交, paid 已发放
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted','paid')),
    submitted_at timestamptz,
    note        text NOT NULL DEFAULT '',
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, month)
);
CREATE INDEX payroll_sheets_month_idx ON payroll_sheets (month);

CREATE TABLE payroll_lines (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sheet_id        bigint NOT NULL REFERENCES payroll_sheets(id),
    worker_id       bigint NOT NULL REFERENCES workers(id),
    team_id         bigint REFERENCES teams(id),
    days_worked     integer NOT NULL DEFAULT 0 CHECK (days_worked BETWEEN 0 AND 31),
    amount_due_fen  bigint NOT NULL CHECK (amount_due_fen >= 0),
    amount_paid_fen bigint NOT NULL DEFAULT 0 CHECK (amount_paid_fen >= 0),
    paid_on         date,
    transfer_ref    text NOT NULL DEFAULT '',
    -- wage_account 专户代发, contractor 总包代发, cash 现金, other 其他
    paid_via        text NOT NULL DEFAULT 'wage_account' CHECK (paid_via IN ('wage_account','contractor','cash','other')),
    -- pending 待确认, confirmed 已确认, disputed 有异议
    confirmation    text NOT NULL DEFAULT 'pending' CHECK (confirmation IN ('pending','confirmed','disputed')),
    confirmed_at    timestamptz,
    dispute_reason  text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (sheet_id, worker_id),
    CHECK (amount_paid_fen = 0 OR paid_on IS NOT NULL)
);
CREATE INDEX payroll_lines_worker_idx ON payroll_lines (worker_id);

-- Dedicated wage account 农民工工资专用账户 per project, and the monthly
-- labour-cost transfers 人工费用拨付 into it.
CREATE TABLE wage_accounts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL UNIQUE REFERENCES projects(id),
    bank_name    text NOT NULL CHECK (length(bank_name) BETWEEN 1 AND 64),
    account_name text NOT NULL CHECK (length(account_name) BETWEEN 1 AND 128),
    account_no   text NOT NULL CHECK (account_no ~ '^[0-9]{8,32}$'),
    opened_on    date NOT NULL,
    closed_on    date,
    active       boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE labour_cost_transfers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES wage_accounts(id),
    month          date NOT NULL CHECK (extract(day FROM month) = 1),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    transferred_on date NOT NULL,
    reference      text NOT NULL DEFAULT '',
    active         boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX labour_cost_transfers_account_idx ON labour_cost_transfers (account_id, month);

-- Wage guarantee deposits 工资保证金 and their movements (payment in,
-- payout to workers, top-up, release).
CREATE TABLE wage_deposits (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects(id),
    -- cash 现金, bank_guarantee 银行保函, insurance 保证保险, exempt 免缴
    form         text NOT NULL CHECK (form IN ('cash','bank_guarantee','insurance','exempt')),
    required_fen bigint NOT NULL CHECK (required_fen >= 0),
    amount_fen   bigint NOT NULL CHECK (amount_fen >= 0),
    bank_name    text NOT NULL DEFAULT '',
    reference    text NOT NULL DEFAULT '',
    paid_on      date,
    expires_on   date,
    -- active 有效, released 已退还
    status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active','released')),
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wage_deposits_project_idx ON wage_deposits (project_id);

CREATE TABLE wage_deposit_movements (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    deposit_id  bigint NOT NULL REFERENCES wage_deposits(id),
    kind        text NOT NULL CHECK (kind IN ('payment','payout','top_up','release')),
    amount_fen  bigint NOT NULL CHECK (amount_fen > 0),
    occurred_on date NOT NULL,
    reference   text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX wage_deposit_movements_deposit_idx ON wage_deposit_movements (deposit_id, occurred_on);

-- Wage-safety homes 安薪之家, their supervisors 安薪监督员 and activities.
CREATE TABLE safety_homes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    town_code      text NOT NULL REFERENCES towns(code),
    project_id     bigint REFERENCES projects(id),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    address        text NOT NULL DEFAULT '',
    established_on date NOT NULL,
    active         boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX safety_homes_town_idx ON safety_homes (town_code);

CREATE TABLE safety_supervisors (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    home_id       bigint NOT NULL REFERENCES safety_homes(id),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    phone_enc     bytea,
    phone_hash    bytea,
    party_member  boolean NOT NULL DEFAULT false,
    active        boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX safety_supervisors_home_idx ON safety_supervisors (home_id);

CREATE TABLE safety_activities (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    home_id      bigint NOT NULL REFERENCES safety_homes(id),
    held_on      date NOT NULL,
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 128),
    -- publicity 普法宣传, mediation 调解, inspection 走访检查, other 其他
    kind         text NOT NULL CHECK (kind IN ('publicity','mediation','inspection','other')),
    participants integer NOT NULL DEFAULT 0 CHECK (participants >= 0),
    description  text NOT NULL DEFAULT '',
    active       boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX safety_activities_home_idx ON safety_activities (home_id, held_on);

-- +goose Down
DROP TABLE safety_activities;
DROP TABLE safety_supervisors;
DROP TABLE safety_homes;
DROP TABLE wage_deposit_movements;
DROP TABLE wage_deposits;
DROP TABLE labour_cost_transfers;
DROP TABLE wage_accounts;
DROP TABLE payroll_lines;
DROP TABLE payroll_sheets;
DROP TABLE work_records;
DROP FUNCTION attendance_ensure_partitions(date, date);
DROP TABLE attendance;
