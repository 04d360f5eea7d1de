-- Identity and permissions (SPEC R1, R7): accounts of the five levels,
-- session tokens, and the casbin model and policy as data.
--
-- An account holds exactly one role in exactly one domain (分权分域):
--   city_supervisor, city_admin, city_auditor  in  city
--   town_officer                                in  town:<code>
--   enterprise_user                             in  ent:<id>
--   project_manager                             in  proj:<id>
--   worker                                      in  worker:<id>
-- The domain is derived from the binding column, so the two cannot disagree.
-- casbin's role grants (g rules) are read from this table (package authz);
-- its permission rules (p rules) and its model are rows of authz_policy and
-- authz_model.

-- +goose Up
CREATE TABLE accounts (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- login name: lower-case letters, digits, '.', '_', '-' for staff; the
    -- phone number for workers
    username             text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name         text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    role                 text NOT NULL CHECK (role IN ('city_supervisor','city_admin','city_auditor',
                                                       'town_officer','enterprise_user','project_manager','worker')),
    town_code            text REFERENCES towns(code),
    enterprise_id        bigint REFERENCES enterprises(id),
    project_id           bigint REFERENCES projects(id),
    worker_id            bigint REFERENCES workers(id),
    domain               text NOT NULL GENERATED ALWAYS AS (
                             CASE
                               WHEN town_code IS NOT NULL THEN 'town:' || town_code
                               WHEN enterprise_id IS NOT NULL THEN 'ent:' || enterprise_id
                               WHEN project_id IS NOT NULL THEN 'proj:' || project_id
                               WHEN worker_id IS NOT NULL THEN 'worker:' || worker_id
                               ELSE 'city'
                             END) STORED,
    -- argon2id in the PHC string format
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    password_changed_at  timestamptz NOT NULL DEFAULT now(),
    failed_logins        integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until         timestamptz,
    last_login_at        timestamptz,
    -- the well-known accounts of the demo city: refused outside dev mode
    demo                 boolean NOT NULL DEFAULT false,
    active               boolean NOT NULL DEFAULT true,
    deactivated_reason   text,
    created_by           bigint REFERENCES accounts(id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    CONSTRAINT accounts_binding CHECK (
        CASE role
          WHEN 'town_officer'    THEN town_code IS NOT NULL AND enterprise_id IS NULL AND project_id IS NULL AND worker_id IS NULL
          WHEN 'enterprise_user' THEN town_code IS NULL AND enterprise_id IS NOT NULL AND project_id IS NULL AND worker_id IS NULL
          WHEN 'project_manager' THEN town_code IS NULL AND enterprise_id IS NULL AND project_id IS NOT NULL AND worker_id IS NULL
          WHEN 'worker'          THEN town_code IS NULL AND enterprise_id IS NULL AND project_id IS NULL AND worker_id IS NOT NULL
          ELSE town_code IS NULL AND enterprise_id IS NULL AND project_id IS NULL AND worker_id IS NULL
        END),
    CONSTRAINT accounts_reason CHECK (active OR deactivated_reason IS NOT NULL)
);
CREATE UNIQUE INDEX accounts_username_key ON accounts (username);
-- one account per worker record
CREATE UNIQUE INDEX accounts_worker_key ON accounts (worker_id) WHERE worker_id IS NOT NULL;
CREATE INDEX accounts_domain_idx ON accounts (domain, id);
CREATE INDEX accounts_created_by_idx ON accounts (created_by);

-- Session tokens: the client holds a random token, the table only its
-- SHA-256. A session ends at expires_at (absolute), after idle_timeout
-- without use (last_seen_at), or when revoked (logout, deactivation,
-- password change or reset).
CREATE TABLE sessions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash     bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    account_id     bigint NOT NULL REFERENCES accounts(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    revoked_reason text CHECK (revoked_reason IN ('logout','deactivated','password_changed','password_reset','admin')),
    ip             text,
    user_agent     text,
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE INDEX sessions_account_idx ON sessions (account_id) WHERE revoked_at IS NULL;
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- The casbin model (one row, name 'default') and policy. g rules are not
-- stored here: they are the accounts (user:<id>, role, domain).
CREATE TABLE authz_model (
    name text PRIMARY KEY,
    body text NOT NULL
);

CREATE TABLE authz_policy (
    id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ptype text NOT NULL CHECK (ptype = 'p'),
    v0    text NOT NULL, -- role
    v1    text NOT NULL, -- domain pattern (keyMatch): city, town:*, ent:*, proj:*, worker:*
    v2    text NOT NULL, -- object
    v3    text NOT NULL, -- action
    UNIQUE (ptype, v0, v1, v2, v3)
);

INSERT INTO authz_model (name, body) VALUES ('default', $model$[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && keyMatch(r.dom, p.dom) && g(r.sub, p.sub, r.dom)
$model$);

-- The permission rules (功能权限): role, domain pattern, object, action.
-- docs/PERMISSIONS.md shows them per route; the API's route table names the
-- object and action each route needs.
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','city_supervisor','city','towns','read'),
    ('p','city_supervisor','city','towns','write'),
    ('p','city_supervisor','city','enterprises','read'),
    ('p','city_supervisor','city','enterprises','register'),
    ('p','city_supervisor','city','enterprises','write'),
    ('p','city_supervisor','city','credit','read'),
    ('p','city_supervisor','city','credit','write'),
    ('p','city_supervisor','city','projects','read'),
    ('p','city_supervisor','city','projects','create'),
    ('p','city_supervisor','city','projects','write'),
    ('p','city_supervisor','city','wage-systems','write'),
    ('p','city_supervisor','city','teams','read'),
    ('p','city_supervisor','city','teams','write'),
    ('p','city_supervisor','city','workers','read'),
    ('p','city_supervisor','city','workers','write'),
    ('p','city_supervisor','city','pii','read'),
    ('p','city_supervisor','city','employments','read'),
    ('p','city_supervisor','city','employments','write'),
    ('p','city_supervisor','city','attendance','read'),
    ('p','city_supervisor','city','attendance','write'),
    ('p','city_supervisor','city','work-records','read'),
    ('p','city_supervisor','city','work-records','write'),
    ('p','city_supervisor','city','payroll','read'),
    ('p','city_supervisor','city','payroll-lines','read'),
    ('p','city_supervisor','city','payroll','write'),
    ('p','city_supervisor','city','payroll-lines','write'),
    ('p','city_supervisor','city','wage-accounts','read'),
    ('p','city_supervisor','city','wage-accounts','write'),
    ('p','city_supervisor','city','deposits','read'),
    ('p','city_supervisor','city','deposits','write'),
    ('p','city_supervisor','city','safety','read'),
    ('p','city_supervisor','city','safety','write'),
    ('p','city_supervisor','city','templates','read'),
    ('p','city_admin','city','towns','read'),
    ('p','city_admin','city','enterprises','read'),
    ('p','city_admin','city','projects','read'),
    ('p','city_admin','city','accounts','read'),
    ('p','city_admin','city','accounts','write'),
    ('p','city_auditor','city','audit','read'),
    ('p','town_officer','town:*','towns','read'),
    ('p','town_officer','town:*','enterprises','read'),
    ('p','town_officer','town:*','enterprises','register'),
    ('p','town_officer','town:*','enterprises','write'),
    ('p','town_officer','town:*','credit','read'),
    ('p','town_officer','town:*','projects','read'),
    ('p','town_officer','town:*','projects','create'),
    ('p','town_officer','town:*','projects','write'),
    ('p','town_officer','town:*','wage-systems','write'),
    ('p','town_officer','town:*','teams','read'),
    ('p','town_officer','town:*','teams','write'),
    ('p','town_officer','town:*','workers','read'),
    ('p','town_officer','town:*','workers','write'),
    ('p','town_officer','town:*','pii','read'),
    ('p','town_officer','town:*','employments','read'),
    ('p','town_officer','town:*','employments','write'),
    ('p','town_officer','town:*','attendance','read'),
    ('p','town_officer','town:*','attendance','write'),
    ('p','town_officer','town:*','work-records','read'),
    ('p','town_officer','town:*','work-records','write'),
    ('p','town_officer','town:*','payroll','read'),
    ('p','town_officer','town:*','payroll-lines','read'),
    ('p','town_officer','town:*','payroll','write'),
    ('p','town_officer','town:*','payroll-lines','write'),
    ('p','town_officer','town:*','wage-accounts','read'),
    ('p','town_officer','town:*','wage-accounts','write'),
    ('p','town_officer','town:*','deposits','read'),
    ('p','town_officer','town:*','deposits','write'),
    ('p','town_officer','town:*','safety','read'),
    ('p','town_officer','town:*','safety','write'),
    ('p','town_officer','town:*','templates','read'),
    ('p','enterprise_user','ent:*','towns','read'),
    ('p','enterprise_user','ent:*','enterprises','read'),
    ('p','enterprise_user','ent:*','enterprises','write'),
    ('p','enterprise_user','ent:*','credit','read'),
    ('p','enterprise_user','ent:*','projects','read'),
    ('p','enterprise_user','ent:*','projects','create'),
    ('p','enterprise_user','ent:*','projects','write'),
    ('p','enterprise_user','ent:*','wage-systems','write'),
    ('p','enterprise_user','ent:*','teams','read'),
    ('p','enterprise_user','ent:*','teams','write'),
    ('p','enterprise_user','ent:*','workers','read'),
    ('p','enterprise_user','ent:*','workers','write'),
    ('p','enterprise_user','ent:*','employments','read'),
    ('p','enterprise_user','ent:*','employments','write'),
    ('p','enterprise_user','ent:*','attendance','read'),
    ('p','enterprise_user','ent:*','attendance','write'),
    ('p','enterprise_user','ent:*','work-records','read'),
    ('p','enterprise_user','ent:*','work-records','write'),
    ('p','enterprise_user','ent:*','payroll','read'),
    ('p','enterprise_user','ent:*','payroll-lines','read'),
    ('p','enterprise_user','ent:*','payroll','write'),
    ('p','enterprise_user','ent:*','payroll-lines','write'),
    ('p','enterprise_user','ent:*','wage-accounts','read'),
    ('p','enterprise_user','ent:*','wage-accounts','write'),
    ('p','enterprise_user','ent:*','deposits','read'),
    ('p','enterprise_user','ent:*','deposits','write'),
    ('p','enterprise_user','ent:*','safety','read'),
    ('p','enterprise_user','ent:*','templates','read'),
    ('p','enterprise_user','ent:*','accounts','read'),
    ('p','enterprise_user','ent:*','accounts','write'),
    ('p','project_manager','proj:*','towns','read'),
    ('p','project_manager','proj:*','enterprises','read'),
    ('p','project_manager','proj:*','projects','read'),
    ('p','project_manager','proj:*','wage-systems','write'),
    ('p','project_manager','proj:*','teams','read'),
    ('p','project_manager','proj:*','teams','write'),
    ('p','project_manager','proj:*','workers','read'),
    ('p','project_manager','proj:*','workers','write'),
    ('p','project_manager','proj:*','pii','read'),
    ('p','project_manager','proj:*','employments','read'),
    ('p','project_manager','proj:*','employments','write'),
    ('p','project_manager','proj:*','attendance','read'),
    ('p','project_manager','proj:*','attendance','write'),
    ('p','project_manager','proj:*','work-records','read'),
    ('p','project_manager','proj:*','work-records','write'),
    ('p','project_manager','proj:*','payroll','read'),
    ('p','project_manager','proj:*','payroll-lines','read'),
    ('p','project_manager','proj:*','payroll','write'),
    ('p','project_manager','proj:*','payroll-lines','write'),
    ('p','project_manager','proj:*','wage-accounts','read'),
    ('p','project_manager','proj:*','wage-accounts','write'),
    ('p','project_manager','proj:*','deposits','read'),
    ('p','project_manager','proj:*','deposits','write'),
    ('p','project_manager','proj:*','safety','read'),
    ('p','project_manager','proj:*','templates','read'),
    ('p','worker','worker:*','towns','read'),
    ('p','worker','worker:*','enterprises','read'),
    ('p','worker','worker:*','projects','read'),
    ('p','worker','worker:*','teams','read'),
    ('p','worker','worker:*','workers','read'),
    ('p','worker','worker:*','pii','read'),
    ('p','worker','worker:*','employments','read'),
    ('p','worker','worker:*','employments','confirm'),
    ('p','worker','worker:*','attendance','read'),
    ('p','worker','worker:*','work-records','read'),
    ('p','worker','worker:*','payroll-lines','read'),
    ('p','worker','worker:*','payroll-lines','confirm'),
    ('p','worker','worker:*','safety','read');

-- +goose Down
DROP TABLE authz_policy;
DROP TABLE authz_model;
DROP TABLE sessions;
DROP TABLE accounts;
