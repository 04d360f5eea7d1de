-- 督办 on a lead becomes its dispatch inside the lead's workflow
-- (workflows: the supervise step, change "supervise-dispatch"; activity
-- RecordLeadDispatch): the dispatch names the lead step that recorded it,
-- so a retried activity finds its own dispatch instead of recording a
-- second one. Dispatches made otherwise (POST /dispatches, with or
-- without lead_id) have no lead step.

-- +goose Up
ALTER TABLE dispatches ADD COLUMN lead_seq integer CHECK (lead_seq IS NULL OR lead_id IS NOT NULL);
ALTER TABLE dispatches ADD CONSTRAINT dispatches_lead_step UNIQUE (lead_id, lead_seq);

-- +goose Down
ALTER TABLE dispatches DROP CONSTRAINT dispatches_lead_step;
ALTER TABLE dispatches DROP COLUMN lead_seq;
