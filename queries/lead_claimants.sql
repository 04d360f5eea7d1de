-- Claimants of a lead (db/migrations/00022_claimants.sql). The API writes
-- a line's personal data; the lead workflow's projection writes its
-- state. A caller reads the lines of a lead found in scope (LeadList).

-- name: LeadClaimantInsert :one
-- A line recorded by the API (intake, a linked report), before the
-- workflow's step takes it in (added_seq).
INSERT INTO lead_claimants (lead_id, worker_id, name, phone_enc, phone_hash, amount_owed_fen, period_from, period_to,
                            team_leader, app)
VALUES (@lead_id, sqlc.narg('worker_id'), @name, sqlc.narg('phone_enc'), sqlc.narg('phone_hash'), @amount_owed_fen,
        sqlc.narg('period_from'), sqlc.narg('period_to'), @team_leader, @app)
RETURNING id;

-- name: LeadClaimantUpdateReport :exec
-- A linked report of a worker who has a line: the line takes the new
-- report's period and team leader (the workflow's step writes the
-- amount, with the line's state).
UPDATE lead_claimants SET
    period_from = coalesce(sqlc.narg('period_from'), period_from), period_to = coalesce(sqlc.narg('period_to'), period_to),
    team_leader = CASE WHEN @team_leader::text = '' THEN team_leader ELSE @team_leader::text END, updated_at = now()
WHERE id = @id;

-- name: LeadClaimantsOfLead :many
-- The lines of a lead (its detail, a merge), in the order recorded. Rows
-- no step took in are left out.
SELECT c.*, coalesce(w.name, '')::text AS worker_name
FROM lead_claimants c
LEFT JOIN workers w ON w.id = c.worker_id
WHERE c.lead_id = @lead_id AND c.added_seq IS NOT NULL
ORDER BY c.id;

-- name: LeadClaimantOfWorker :one
-- A worker's line on a lead (a linked report updates it).
SELECT id FROM lead_claimants WHERE lead_id = @lead_id AND worker_id = @worker_id AND added_seq IS NOT NULL
ORDER BY id LIMIT 1;

-- name: WorkersWithAccount :many
-- Which of these workers have an active account (use the app): their
-- silence on a result can confirm it; the others are called back.
SELECT DISTINCT worker_id::bigint FROM accounts WHERE worker_id = ANY (@worker_ids::bigint[]) AND active;

-- name: LeadClaimantsProject :exec
-- The lines' state after a step of their lead (activities.ProjectLead):
-- the lead's own lines, and the lines a merge moves to it from the lead
-- they were on (moved_from). A lead writes only the lines it holds, so a
-- step of the merged lead projected after the merge leaves them alone.
UPDATE lead_claimants c SET lead_id = @lead_id, status = u.status, app = u.app, amount_owed_fen = u.owed,
    amount_recovered_fen = NULLIF(u.recovered, -1), moved_from = NULLIF(u.moved_from, 0),
    added_seq = coalesce(c.added_seq, @seq), updated_at = @at
FROM (SELECT unnest(@ids::bigint[]) AS id, unnest(@statuses::text[]) AS status, unnest(@apps::boolean[]) AS app,
             unnest(@owed::bigint[]) AS owed, unnest(@recovered::bigint[]) AS recovered,
             unnest(@moved_from::bigint[]) AS moved_from) u
WHERE c.id = u.id AND (c.lead_id = @lead_id OR c.lead_id = NULLIF(u.moved_from, 0));

-- name: LeadClaimedTotals :exec
-- The lead's claim is the sum and count of its lines; a lead of one line
-- (a report that names no list: the reporter speaks for the workers they
-- count) keeps the number of workers given.
UPDATE leads SET amount_claimed_fen = t.amount,
    workers_claimed = CASE WHEN t.n = 1 THEN greatest(leads.workers_claimed, 1) ELSE t.n END
FROM (SELECT coalesce(sum(amount_owed_fen), 0)::bigint AS amount, count(*)::integer AS n
      FROM lead_claimants WHERE lead_id = @lead_id AND added_seq IS NOT NULL) t
WHERE leads.id = @lead_id AND t.n > 0;

-- name: LeadMergedInto :exec
UPDATE leads SET merged_into = @merged_into WHERE id = @id;

-- name: LeadClaimantsForStart :many
-- The lines recorded with a lead, for the start of its workflow (intake,
-- a restart of a stalled lead).
SELECT id, worker_id, amount_owed_fen, app FROM lead_claimants WHERE lead_id = @lead_id ORDER BY id;
