-- Evidence files (整改凭证) of cases, uploaded in chunks and stored
-- content-addressed (db/migrations/00007_cases.sql, 00016_case_evidence.sql,
-- api/evidence.go). A file attaches to exactly one case: a lead, a warning,
-- or one town's report on a dispatch. It is visible to whoever sees its
-- case (the scope of LeadList, WarningList, DispatchList); only its
-- uploader continues an upload.

-- name: EvidenceCreate :one
-- One of lead_id, warning_id, dispatch_id (with dispatch_town) is set.
INSERT INTO evidence_files (lead_id, warning_id, dispatch_id, dispatch_town, uploaded_by, filename, declared_size)
VALUES (sqlc.narg('lead_id'), sqlc.narg('warning_id'), sqlc.narg('dispatch_id'), sqlc.narg('dispatch_town'),
        @uploaded_by, @filename, @declared_size)
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

-- The files of one case: the one of lead_id, warning_id, dispatch_id that
-- is set; of a dispatch, one town's report's when dispatch_town is set,
-- else every town's.

-- name: EvidenceListOfCase :many
SELECT * FROM evidence_files
WHERE lead_id = sqlc.narg('lead_id') OR warning_id = sqlc.narg('warning_id')
   OR (dispatch_id = sqlc.narg('dispatch_id')
       AND (sqlc.narg('dispatch_town')::text IS NULL OR dispatch_town = sqlc.narg('dispatch_town')))
ORDER BY created_at, id;

-- name: EvidenceCountOfCase :one
SELECT count(*) FROM evidence_files
WHERE lead_id = sqlc.narg('lead_id') OR warning_id = sqlc.narg('warning_id')
   OR (dispatch_id = sqlc.narg('dispatch_id')
       AND (sqlc.narg('dispatch_town')::text IS NULL OR dispatch_town = sqlc.narg('dispatch_town')));

-- name: EvidenceCompleteOfCase :one
-- How many of ids are completed files of the case (an action's
-- evidence_ids: every one must be).
SELECT count(*) FROM evidence_files
WHERE id = ANY (@ids::bigint[]) AND completed_at IS NOT NULL
  AND (lead_id = sqlc.narg('lead_id') OR warning_id = sqlc.narg('warning_id')
       OR (dispatch_id = sqlc.narg('dispatch_id')
           AND (sqlc.narg('dispatch_town')::text IS NULL OR dispatch_town = sqlc.narg('dispatch_town'))));
