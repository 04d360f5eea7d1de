-- Evidence files (整改凭证) of leads, uploaded in chunks and stored
-- content-addressed (db/migrations/00007_cases.sql, api/evidence.go). An
-- evidence file is visible to whoever sees its lead (the lead scope of
-- LeadList); only its uploader continues an upload.

-- name: EvidenceCreate :one
INSERT INTO evidence_files (lead_id, uploaded_by, filename, declared_size)
VALUES (@lead_id, @uploaded_by, @filename, @declared_size)
RETURNING *;

-- name: EvidenceGet :one
SELECT * FROM evidence_files WHERE id = @id;

-- name: EvidenceForUpdate :one
-- The row locked for a chunk: two chunks of one upload never interleave.
SELECT * FROM evidence_files WHERE id = @id FOR UPDATE;

-- name: EvidenceAppend :one
-- Counts a chunk written at at_offset (the bytes received so far).
UPDATE evidence_files
SET received = received + @bytes, updated_at = now()
WHERE id = @id AND received = @at_offset AND completed_at IS NULL
RETURNING *;

-- name: EvidenceReset :one
-- Restarts an upload whose partial file was lost.
UPDATE evidence_files
SET received = 0, updated_at = now()
WHERE id = @id AND completed_at IS NULL
RETURNING *;

-- name: EvidenceComplete :one
-- The file is whole: its hash, its detected type, and its name with the
-- extension of that type (api.evidenceSavedName).
UPDATE evidence_files
SET sha256 = @sha256, content_type = @content_type, filename = @filename, completed_at = @completed_at, updated_at = now()
WHERE id = @id AND received = declared_size AND completed_at IS NULL
RETURNING *;

-- name: EvidenceDelete :exec
-- Drops an upload refused for its content (never a completed one).
DELETE FROM evidence_files WHERE id = @id AND completed_at IS NULL;

-- name: EvidenceListByLead :many
SELECT * FROM evidence_files WHERE lead_id = @lead_id ORDER BY created_at, id;

-- name: EvidenceCountByLead :one
SELECT count(*) FROM evidence_files WHERE lead_id = @lead_id;
