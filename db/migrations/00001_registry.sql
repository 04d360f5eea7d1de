-- The registry (SPEC R2): towns, enterprises, projects with their six wage
-- systems, teams, workers and employments. Money is integer fen (bigint),
-- never float. Personal data (ID numbers, phones, bank cards) is stored only
-- encrypted (bytea, see package pii) with a keyed hash for exact look-up.
-- Registry rows are never deleted: they are deactivated (or, for an
-- employment, exited) with a reason. Every row carries a version that
-- updates must name, so two concurrent edits cannot silently overwrite
-- each other.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE towns (
    code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6,12}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    -- A simple map outline for drill-down on the command-centre map:
    -- a GeoJSON Polygon geometry in a local, schematic coordinate system.
    outline     jsonb NOT NULL DEFAULT '{"type":"Polygon","coordinates":[]}',
    sort_order  integer NOT NULL DEFAULT 0,
    active      boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name)
);

CREATE TABLE enterprises (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    credit_code  text NOT NULL UNIQUE CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    -- builder 建设单位, general_contractor 施工总承包, subcontractor 专业分包,
    -- labour_firm 劳务分包, supervisor 监理
    type         text NOT NULL CHECK (type IN ('builder','general_contractor','subcontractor','labour_firm','supervisor')),
    town_code    text NOT NULL REFERENCES towns(code),
    legal_person text NOT NULL DEFAULT '',
    contact_name text NOT NULL DEFAULT '',
    contact_phone_enc  bytea,
    contact_phone_hash bytea,
    address      text NOT NULL DEFAULT '',
    active       boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version      integer NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX enterprises_town_idx ON enterprises (town_code, type);
CREATE INDEX enterprises_name_trgm ON enterprises USING gin (name gin_trgm_ops);

-- Credit listings: arrears blacklist 欠薪黑名单, major violation publicised
-- 重大违法公开, serious dishonesty 严重违法失信. A listing is current while
-- removed_on is null.
CREATE TABLE enterprise_credit_listings (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    enterprise_id bigint NOT NULL REFERENCES enterprises(id),
    kind          text NOT NULL CHECK (kind IN ('arrears_blacklist','major_violation','serious_dishonesty')),
    listed_on     date NOT NULL,
    removed_on    date,
    authority     text NOT NULL DEFAULT '',
    reason        text NOT NULL DEFAULT '',
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (removed_on IS NULL OR removed_on >= listed_on)
);
CREATE INDEX enterprise_credit_listings_ent_idx ON enterprise_credit_listings (enterprise_id, kind);
CREATE UNIQUE INDEX enterprise_credit_listings_current_uq
    ON enterprise_credit_listings (enterprise_id, kind) WHERE removed_on IS NULL;

CREATE TABLE projects (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code           text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z-]{4,32}$'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    town_code      text NOT NULL REFERENCES towns(code),
    -- housing 房屋建筑, municipal 市政公用, transport 交通, water 水利,
    -- energy 能源, other 其他
    industry       text NOT NULL CHECK (industry IN ('housing','municipal','transport','water','energy','other')),
    builder_id     bigint NOT NULL REFERENCES enterprises(id),
    contractor_id  bigint NOT NULL REFERENCES enterprises(id),
    contract_value_fen bigint NOT NULL CHECK (contract_value_fen >= 0),
    start_date     date NOT NULL,
    planned_end_date date NOT NULL,
    completed_on   date,
    -- in_construction 在建, stopped 停工, completed 竣工
    status         text NOT NULL CHECK (status IN ('in_construction','stopped','completed')),
    address        text NOT NULL DEFAULT '',
    active         boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version        integer NOT NULL DEFAULT 1,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (planned_end_date >= start_date),
    CHECK (completed_on IS NULL OR completed_on >= start_date)
);
CREATE INDEX projects_town_idx ON projects (town_code, status);
CREATE INDEX projects_builder_idx ON projects (builder_id);
CREATE INDEX projects_contractor_idx ON projects (contractor_id);
CREATE INDEX projects_name_trgm ON projects USING gin (name gin_trgm_ops);

-- The six wage systems 六项制度 per project: real_name 实名制, wage_account
-- 工资专用账户, contractor_pays 总包代发, guarantee_deposit 工资保证金,
-- notice_board 维权信息公示牌, bank_payroll 银行代发. One row per system,
-- created with the project.
CREATE TABLE project_wage_systems (
    project_id  bigint NOT NULL REFERENCES projects(id),
    system      text NOT NULL CHECK (system IN ('real_name','wage_account','contractor_pays','guarantee_deposit','notice_board','bank_payroll')),
    -- missing 未落实, partial 部分落实, implemented 已落实, exempt 豁免
    state       text NOT NULL DEFAULT 'missing' CHECK (state IN ('missing','partial','implemented','exempt')),
    evidence    text NOT NULL DEFAULT '',
    checked_on  date,
    version     integer NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, system)
);
CREATE INDEX project_wage_systems_state_idx ON project_wage_systems (system, state);

CREATE TABLE workers (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    id_number_enc   bytea NOT NULL,
    id_number_hash  bytea NOT NULL UNIQUE,
    -- Derived from the ID number at write time.
    gender          text NOT NULL CHECK (gender IN ('male','female')),
    birth_date      date NOT NULL,
    native_province text NOT NULL CHECK (native_province ~ '^[0-9]{2}$'),
    native_region   text NOT NULL CHECK (native_region ~ '^[0-9]{6}$'),
    phone_enc       bytea,
    phone_hash      bytea,
    bank_card_enc   bytea,
    bank_name       text NOT NULL DEFAULT '',
    active          boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX workers_phone_hash_idx ON workers (phone_hash) WHERE phone_hash IS NOT NULL;
CREATE INDEX workers_name_trgm ON workers USING gin (name gin_trgm_ops);
CREATE INDEX workers_province_idx ON workers (native_province);

CREATE TABLE teams (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES projects(id),
    labour_firm_id  bigint REFERENCES enterprises(id),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    trade           text NOT NULL DEFAULT '',
    leader_worker_id bigint REFERENCES workers(id),
    active          boolean NOT NULL DEFAULT true,
    deactivated_at      timestamptz,
    deactivation_reason text,
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, name)
);
CREATE INDEX teams_labour_firm_idx ON teams (labour_firm_id);

-- A worker on a project (and team). Exit is the end of an employment,
-- never a deletion; exit settlement 退场结算 is recorded separately.
CREATE TABLE employments (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_id         bigint NOT NULL REFERENCES workers(id),
    project_id        bigint NOT NULL REFERENCES projects(id),
    team_id           bigint REFERENCES teams(id),
    trade             text NOT NULL DEFAULT '',
    entry_date        date NOT NULL,
    exit_date         date,
    exit_reason       text,
    settled_on        date,
    contract_signed_on    date,
    contract_confirmed_at timestamptz,
    daily_wage_fen    bigint CHECK (daily_wage_fen IS NULL OR daily_wage_fen >= 0),
    version           integer NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (exit_date IS NULL OR exit_date >= entry_date),
    CHECK (settled_on IS NULL OR exit_date IS NOT NULL),
    CHECK (contract_signed_on IS NULL OR contract_signed_on >= entry_date - 30)
);
CREATE UNIQUE INDEX employments_open_uq ON employments (worker_id, project_id) WHERE exit_date IS NULL;
CREATE INDEX employments_project_idx ON employments (project_id, entry_date);
CREATE INDEX employments_worker_idx ON employments (worker_id);
CREATE INDEX employments_team_idx ON employments (team_id) WHERE team_id IS NOT NULL;

-- +goose Down
DROP TABLE employments;
DROP TABLE teams;
DROP TABLE workers;
DROP TABLE project_wage_systems;
DROP TABLE projects;
DROP TABLE enterprise_credit_listings;
DROP TABLE enterprises;
DROP TABLE towns;
