-- Evidence files of every case kind (issue 10, items 3 and 4): besides a
-- lead's rectification evidence (整改凭证), the warned enterprise's answer
-- to a warning (整改说明) and a town's report on a dispatch (办理反馈) carry
-- files. A file attaches to exactly one case; a dispatch's file to one
-- town's report (dispatch_town, one of the dispatch's towns). The upload,
-- storage and reading code is the same for every kind (api/evidence.go).

-- +goose Up
ALTER TABLE evidence_files ALTER COLUMN lead_id DROP NOT NULL;
ALTER TABLE evidence_files ADD COLUMN warning_id bigint REFERENCES warnings(id);
ALTER TABLE evidence_files ADD COLUMN dispatch_id bigint REFERENCES dispatches(id);
ALTER TABLE evidence_files ADD COLUMN dispatch_town text;
ALTER TABLE evidence_files ADD CONSTRAINT evidence_files_one_case CHECK (num_nonnulls(lead_id, warning_id, dispatch_id) = 1);
ALTER TABLE evidence_files ADD CONSTRAINT evidence_files_dispatch_town_set CHECK ((dispatch_id IS NULL) = (dispatch_town IS NULL));
ALTER TABLE evidence_files ADD CONSTRAINT evidence_files_dispatch_town_fkey FOREIGN KEY (dispatch_id, dispatch_town)
    REFERENCES dispatch_towns (dispatch_id, town_code);
CREATE INDEX evidence_files_warning_idx ON evidence_files (warning_id) WHERE warning_id IS NOT NULL;
CREATE INDEX evidence_files_dispatch_idx ON evidence_files (dispatch_id, dispatch_town) WHERE dispatch_id IS NOT NULL;

-- Each town's report keeps the evidence it was submitted with (the
-- projection of the dispatch workflow's part, like report).
ALTER TABLE dispatch_towns ADD COLUMN evidence_ids bigint[] NOT NULL DEFAULT '{}';

-- Permissions (docs/PERMISSIONS.md): a town officer uploads the files of
-- its town's report on a dispatch. Which case a caller may upload to, and
-- when, is the case's rule (api/evidence.go: evidenceUploadable): a lead's
-- and a warning's files are the enterprise side's, a dispatch's the towns'.
INSERT INTO authz_policy (ptype, v0, v1, v2, v3) VALUES
    ('p','town_officer','town:*','evidence','write');

-- +goose Down
DELETE FROM authz_policy WHERE ptype = 'p' AND v0 = 'town_officer' AND v1 = 'town:*' AND v2 = 'evidence' AND v3 = 'write';
ALTER TABLE dispatch_towns DROP COLUMN evidence_ids;
DELETE FROM evidence_files WHERE lead_id IS NULL;
DROP INDEX evidence_files_dispatch_idx;
DROP INDEX evidence_files_warning_idx;
ALTER TABLE evidence_files DROP CONSTRAINT evidence_files_dispatch_town_fkey;
ALTER TABLE evidence_files DROP CONSTRAINT evidence_files_dispatch_town_set;
ALTER TABLE evidence_files DROP CONSTRAINT evidence_files_one_case;
ALTER TABLE evidence_files DROP COLUMN dispatch_town;
ALTER TABLE evidence_files DROP COLUMN dispatch_id;
ALTER TABLE evidence_files DROP COLUMN warning_id;
ALTER TABLE evidence_files ALTER COLUMN lead_id SET NOT NULL;
