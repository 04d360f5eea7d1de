-- Warning rules 预警规则 (SPEC R4) as data (rules package, api/warning_rules.go).
--
-- A rule is a row per (code, version): editing a rule (its params, level,
-- enabled flag or towns) inserts the next version and moves the current
-- flag to it, so a warning can record the version that raised it and the
-- history is the rows themselves. What a rule computes is its query in
-- queries/warning_rules.sql (one per code); what it is configured with is
-- here. params are validated per rule in Go (rules.Validate) before a
-- version is written.

-- +goose Up

CREATE TABLE warning_rules (
    -- payroll_unpaid 工资未按月支付, pay_ratio 工资发放人数不足,
    -- transfer_gap 人工费用未按月拨付, deposit_missing 未存储工资保证金,
    -- deposit_not_topped_up 工资保证金未按时补足, below_minimum_wage 月均工资低于最低工资标准,
    -- exit_unsettled 退场未结清工资, notice_board_missing 未设置维权信息告示牌,
    -- contract_unsigned 未按时签订劳动合同, no_attendance 在建项目长期无考勤,
    -- group_arrears 群体性欠薪
    code        text NOT NULL CHECK (code IN ('payroll_unpaid','pay_ratio','transfer_gap','deposit_missing',
                    'deposit_not_topped_up','below_minimum_wage','exit_unsettled','notice_board_missing',
                    'contract_unsigned','no_attendance','group_arrears')),
    version     integer NOT NULL CHECK (version >= 1),
    current     boolean NOT NULL,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    -- what a hit is about: project 项目, enterprise 企业, employment 用工记录
    subject     text NOT NULL CHECK (subject IN ('project','enterprise','employment')),
    -- yellow 黄色, orange 橙色, red 红色: the level of a single-level rule;
    -- NULL for the rules whose params grade each hit (payroll_unpaid,
    -- pay_ratio)
    level       text CHECK (level IN ('yellow','orange','red')),
    params      jsonb NOT NULL CHECK (jsonb_typeof(params) = 'object'),
    enabled     boolean NOT NULL,
    -- town codes the rule is limited to; empty: the whole city
    town_codes  text[] NOT NULL DEFAULT '{}',
    -- the regulation or local policy the rule rests on
    basis       text NOT NULL CHECK (length(basis) BETWEEN 1 AND 500),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    changed_by  bigint REFERENCES accounts(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code, version)
);
CREATE UNIQUE INDEX warning_rules_current_uq ON warning_rules (code) WHERE current;


-- The defaults: the definitions anxin seed plants against (seed/plant.go).
INSERT INTO warning_rules (code, version, current, name, subject, level, params, enabled, basis) VALUES
('payroll_unpaid', 1, true, '工资未按月支付', 'project', NULL,
 '{"orange_after_months": 1, "red_after_months": 2, "lookback_months": 12}', true,
 '《保障农民工工资支付条例》第十二条（按约定周期足额支付）、第三十一条（通过农民工工资专用账户按月代发）'),
('pay_ratio', 1, true, '工资发放人数不足', 'project', NULL,
 '{"yellow_below_ratio": 1.0, "red_unpaid_share_above": 0.10, "lookback_months": 12}', true,
 '《保障农民工工资支付条例》第二十八条（实名制管理、考勤）、第三十一条（按月足额代发至农民工本人）'),
('transfer_gap', 1, true, '人工费用未按月拨付', 'project', 'orange',
 '{"max_months_without_transfer": 1}', true,
 '《保障农民工工资支付条例》第二十九条（建设单位按约定将人工费用及时足额拨付至农民工工资专用账户，人工费用拨付周期不得超过1个月）'),
('deposit_missing', 1, true, '未存储工资保证金', 'project', 'orange',
 '{}', true,
 '《保障农民工工资支付条例》第三十二条；《工程建设领域农民工工资保证金规定》（人社部发〔2021〕65号）'),
('deposit_not_topped_up', 1, true, '工资保证金动用后未按时补足', 'project', 'orange',
 '{"top_up_within_working_days": 10}', true,
 '《工程建设领域农民工工资保证金规定》（人社部发〔2021〕65号）：工资保证金使用后，施工总承包单位应当自使用之日起10个工作日内将工资保证金补足'),
('below_minimum_wage', 1, true, '月均工资低于最低工资标准', 'project', 'orange',
 '{"minimum_wage_fen": 249000, "lookback_months": 12}', true,
 '《最低工资规定》（劳动和社会保障部令第21号）第十二条；本市现行月最低工资标准'),
('exit_unsettled', 1, true, '工人退场未结清工资', 'employment', 'yellow',
 '{"grace_days": 0}', true,
 '《工资支付暂行规定》第九条（劳动关系解除或终止时一次付清工资）；《保障农民工工资支付条例》第十二条'),
('notice_board_missing', 1, true, '未设置维权信息告示牌', 'project', 'yellow',
 '{}', true,
 '《保障农民工工资支付条例》第三十四条（施工总承包单位应当在施工现场醒目位置设立维权信息告示牌）'),
('contract_unsigned', 1, true, '未按时签订劳动合同', 'employment', 'yellow',
 '{"days": 30}', true,
 '《中华人民共和国劳动合同法》第十条（自用工之日起一个月内订立书面劳动合同）；《保障农民工工资支付条例》第二十八条'),
('no_attendance', 1, true, '在建项目长期无考勤', 'project', 'yellow',
 '{"days": 15}', true,
 '《保障农民工工资支付条例》第二十八条（用工实名登记与考勤管理）；本市工程建设领域实名制管理规定'),
('group_arrears', 1, true, '群体性欠薪', 'project', 'red',
 '{"min_workers": 10, "window_days": 30}', true,
 '《国务院办公厅关于全面治理拖欠农民工工资问题的意见》（国办发〔2016〕1号）；本市欠薪预警处置办法（同一项目或企业30日内10人以上反映欠薪，即时红色预警）');

-- Permissions (docs/PERMISSIONS.md).
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','city_supervisor','city','warning-rules','read'),
    ('p','city_supervisor','city','warning-rules','write'),
    ('p','town_officer','town:*','warning-rules','read');

-- Changes from here on are in the system log (the defaults above are the
-- migration's, not anyone's change: a template database starts with an
-- empty log).
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON warning_rules FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('warning_rules', 'code', 'version');

-- +goose Down
DELETE FROM authz_policy WHERE v2 = 'warning-rules';
DROP TABLE warning_rules;
