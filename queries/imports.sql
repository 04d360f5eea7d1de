-- Bulk import of rosters, attendance and payroll from Excel (SPEC R2, last
-- bullet). The API parses and checks every row first, then checks the rows
-- against the database with the look-ups below (one round trip each, for
-- all rows), and writes only when no row has an error: everything in one
-- transaction, with one multi-row statement (unnest of arrays) per table
-- instead of one round trip per row. Attendance is written with
-- AttendanceUpsertMany (attendance.sql), the employment check is
-- LabourEmploymentCheck (attendance.sql).

-- name: ImportLock :exec
-- Serialises imports into one project (a transaction-scoped advisory
-- lock), so that two uploads of the same file do not both pass the checks
-- and then collide on a unique index: the second one waits, then sees the
-- first one's rows and reports them.
SELECT pg_advisory_xact_lock(@key::bigint);

-- name: ImportTeamsOfProject :many
-- The teams of a project, to resolve team names of a roster.
SELECT id, name, active FROM teams WHERE project_id = @project_id;

-- name: ImportWorkersByHashes :many
-- Registered workers by ID-number look-up hash (unscoped: whoever holds the
-- full ID number may name the worker, as in EmploymentCreate).
SELECT id, name, active, id_number_hash
FROM workers
WHERE id_number_hash = ANY (@hashes::bytea[]);

-- name: ImportOpenEmployments :many
-- Which of the given workers are on site (an open employment) on the project.
SELECT worker_id
FROM employments
WHERE project_id = @project_id AND exit_date IS NULL AND worker_id = ANY (@worker_ids::bigint[]);

-- name: ImportWorkersCreate :many
-- Registers new workers; phone and bank card may be NULL (nil elements).
INSERT INTO workers (name, id_number_enc, id_number_hash, gender, birth_date, native_province, native_region,
                     phone_enc, phone_hash, bank_card_enc, bank_name)
SELECT r.name, r.id_number_enc, r.id_number_hash, r.gender, r.birth_date, r.native_province, r.native_region,
       r.phone_enc, r.phone_hash, r.bank_card_enc, r.bank_name
FROM (SELECT unnest(@names::text[]) AS name, unnest(@id_number_encs::bytea[]) AS id_number_enc,
             unnest(@id_number_hashes::bytea[]) AS id_number_hash, unnest(@genders::text[]) AS gender,
             unnest(@birth_dates::date[]) AS birth_date, unnest(@native_provinces::text[]) AS native_province,
             unnest(@native_regions::text[]) AS native_region, unnest(@phone_encs::bytea[]) AS phone_enc,
             unnest(@phone_hashes::bytea[]) AS phone_hash, unnest(@bank_card_encs::bytea[]) AS bank_card_enc,
             unnest(@bank_names::text[]) AS bank_name) r
RETURNING id, id_number_hash;

-- name: ImportWorkersUpdateContacts :execrows
-- Updates the phone, bank card and bank name of registered workers where
-- the roster gives them: a NULL phone or card, or an empty bank name,
-- keeps the stored value.
UPDATE workers w
SET phone_enc = coalesce(u.phone_enc, w.phone_enc),
    phone_hash = coalesce(u.phone_hash, w.phone_hash),
    bank_card_enc = coalesce(u.bank_card_enc, w.bank_card_enc),
    bank_name = coalesce(NULLIF(u.bank_name, ''), w.bank_name),
    version = w.version + 1, updated_at = now()
FROM (SELECT unnest(@ids::bigint[]) AS id, unnest(@phone_encs::bytea[]) AS phone_enc,
             unnest(@phone_hashes::bytea[]) AS phone_hash, unnest(@bank_card_encs::bytea[]) AS bank_card_enc,
             unnest(@bank_names::text[]) AS bank_name) u
WHERE w.id = u.id;

-- name: ImportEmploymentsCreate :execrows
-- Enters workers on a project. team_ids uses 0 for "no team",
-- contract_dates '' for "not signed" and daily_wages -1 for "not given".
INSERT INTO employments (worker_id, project_id, team_id, trade, entry_date, contract_signed_on, daily_wage_fen)
SELECT r.worker_id, @project_id::bigint, NULLIF(r.team_id, 0), r.trade, r.entry_date,
       NULLIF(r.contract_date, '')::date, NULLIF(r.daily_wage, -1)
FROM (SELECT unnest(@worker_ids::bigint[]) AS worker_id, unnest(@team_ids::bigint[]) AS team_id,
             unnest(@trades::text[]) AS trade, unnest(@entry_dates::date[]) AS entry_date,
             unnest(@contract_dates::text[]) AS contract_date, unnest(@daily_wages::bigint[]) AS daily_wage) r;

-- name: ImportPayrollSheetLock :one
-- The project's payroll sheet of a month, locked for the import.
SELECT * FROM payroll_sheets WHERE project_id = @project_id AND month = @month FOR UPDATE;

-- name: ImportPayrollLinesUpsert :many
-- Creates or replaces the lines of a draft sheet, one per worker.
-- team_ids uses 0 for "no team", paid_ons '' for "not paid". inserted: a
-- new line has created_at = now() (the transaction's start).
INSERT INTO payroll_lines (sheet_id, worker_id, team_id, days_worked, amount_due_fen, amount_paid_fen,
                           paid_on, transfer_ref, paid_via)
SELECT @sheet_id::bigint, r.worker_id, NULLIF(r.team_id, 0), r.days_worked, r.amount_due_fen, r.amount_paid_fen,
       NULLIF(r.paid_on, '')::date, r.transfer_ref, r.paid_via
FROM (SELECT unnest(@worker_ids::bigint[]) AS worker_id, unnest(@team_ids::bigint[]) AS team_id,
             unnest(@days_worked::integer[]) AS days_worked, unnest(@amounts_due::bigint[]) AS amount_due_fen,
             unnest(@amounts_paid::bigint[]) AS amount_paid_fen, unnest(@paid_ons::text[]) AS paid_on,
             unnest(@transfer_refs::text[]) AS transfer_ref, unnest(@paid_vias::text[]) AS paid_via) r
ON CONFLICT (sheet_id, worker_id) DO UPDATE
SET team_id = EXCLUDED.team_id, days_worked = EXCLUDED.days_worked, amount_due_fen = EXCLUDED.amount_due_fen,
    amount_paid_fen = EXCLUDED.amount_paid_fen, paid_on = EXCLUDED.paid_on, transfer_ref = EXCLUDED.transfer_ref,
    paid_via = EXCLUDED.paid_via, confirmation = 'pending', confirmed_at = NULL,
    version = payroll_lines.version + 1, updated_at = now()
RETURNING (created_at = now())::boolean AS inserted;
