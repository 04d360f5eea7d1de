-- Case numbers in the local format (案件编号): a lead QX-<year>-<6 digits>
-- (欠薪线索), a dispatch JB-… (交办), a warning YJ-… (预警). The year is
-- the row's creation year in China time (created_at); the number counts
-- per kind and year from 1.
--
-- The numbers come from a table of counters (case_number_counters), taken
-- by a BEFORE INSERT trigger in the inserting transaction: every insert
-- path (API intake, the dispatch recorded by a lead's supervise step, the
-- warning scan, the seed, tests inserting rows directly) gets its number
-- without knowing about it, and a year starts at 1 without any sequence
-- to create. The counter row is locked until the insert's transaction
-- ends, which serialises inserts of one kind (they are short; a city's
-- volume is a few hundred a day). A rolled-back insert rolls its number
-- back too; an insert skipped by ON CONFLICT DO NOTHING (a warning key or
-- a supervise step already recorded) has used its number: a gap, never a
-- reuse. Numbers are unique per table (index) and never change.

-- +goose Up
CREATE TABLE case_number_counters (
    kind text    NOT NULL CHECK (kind IN ('lead', 'dispatch', 'warning')),
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    last bigint  NOT NULL CHECK (last >= 1),
    PRIMARY KEY (kind, year)
);

-- case_no_format renders a case number: prefix, year, at least six digits.
CREATE FUNCTION case_no_format(prefix text, year integer, n bigint) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT prefix || '-' || year::text || '-' || lpad(n::text, greatest(6, length(n::text)), '0') $$;

-- case_no_assign gives NEW its case number: TG_ARGV[0] the counter's kind,
-- TG_ARGV[1] the prefix.
-- +goose StatementBegin
CREATE FUNCTION case_no_assign() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    y integer := extract(year FROM coalesce(NEW.created_at, now()) AT TIME ZONE 'Asia/Shanghai')::integer;
    n bigint;
BEGIN
    IF NEW.case_no IS NOT NULL THEN
        RAISE EXCEPTION 'case_no is assigned by the database' USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO case_number_counters AS c (kind, year, last) VALUES (TG_ARGV[0], y, 1)
    ON CONFLICT (kind, year) DO UPDATE SET last = c.last + 1
    RETURNING c.last INTO n;
    NEW.case_no := case_no_format(TG_ARGV[1], y, n);
    RETURN NEW;
END $$;
-- +goose StatementEnd

ALTER TABLE leads ADD COLUMN case_no text;
ALTER TABLE dispatches ADD COLUMN case_no text;
ALTER TABLE warnings ADD COLUMN case_no text;

-- Existing rows, in id order per year of creation.
UPDATE leads l SET case_no = case_no_format('QX', n.y, n.n)
FROM (SELECT id, extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::integer AS y,
             row_number() OVER (PARTITION BY extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai') ORDER BY id) AS n
      FROM leads) n
WHERE n.id = l.id;
UPDATE dispatches d SET case_no = case_no_format('JB', n.y, n.n)
FROM (SELECT id, extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::integer AS y,
             row_number() OVER (PARTITION BY extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai') ORDER BY id) AS n
      FROM dispatches) n
WHERE n.id = d.id;
UPDATE warnings w SET case_no = case_no_format('YJ', n.y, n.n)
FROM (SELECT id, extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::integer AS y,
             row_number() OVER (PARTITION BY extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai') ORDER BY id) AS n
      FROM warnings) n
WHERE n.id = w.id;

INSERT INTO case_number_counters (kind, year, last)
SELECT 'lead', extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::integer, count(*) FROM leads GROUP BY 2
UNION ALL
SELECT 'dispatch', extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::integer, count(*) FROM dispatches GROUP BY 2
UNION ALL
SELECT 'warning', extract(year FROM created_at AT TIME ZONE 'Asia/Shanghai')::integer, count(*) FROM warnings GROUP BY 2;

ALTER TABLE leads ALTER COLUMN case_no SET NOT NULL;
ALTER TABLE dispatches ALTER COLUMN case_no SET NOT NULL;
ALTER TABLE warnings ALTER COLUMN case_no SET NOT NULL;
CREATE UNIQUE INDEX leads_case_no ON leads (case_no);
CREATE UNIQUE INDEX dispatches_case_no ON dispatches (case_no);
CREATE UNIQUE INDEX warnings_case_no ON warnings (case_no);

CREATE TRIGGER leads_case_no BEFORE INSERT ON leads
    FOR EACH ROW EXECUTE FUNCTION case_no_assign('lead', 'QX');
CREATE TRIGGER dispatches_case_no BEFORE INSERT ON dispatches
    FOR EACH ROW EXECUTE FUNCTION case_no_assign('dispatch', 'JB');
CREATE TRIGGER warnings_case_no BEFORE INSERT ON warnings
    FOR EACH ROW EXECUTE FUNCTION case_no_assign('warning', 'YJ');

-- +goose Down
DROP TRIGGER warnings_case_no ON warnings;
DROP TRIGGER dispatches_case_no ON dispatches;
DROP TRIGGER leads_case_no ON leads;
ALTER TABLE warnings DROP COLUMN case_no;
ALTER TABLE dispatches DROP COLUMN case_no;
ALTER TABLE leads DROP COLUMN case_no;
DROP FUNCTION case_no_assign();
DROP FUNCTION case_no_format(text, integer, bigint);
DROP TABLE case_number_counters;
