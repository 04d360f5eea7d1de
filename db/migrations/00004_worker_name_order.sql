-- Workers listed by name (sort=name / -name) at city scale. The list
-- queries sort with CASE expressions on the sort key; with custom plans
-- (db.Open) Postgres folds them to a plain "ORDER BY name, id", which this
-- index serves in order instead of sorting every match: a one-character
-- name search over 250,000 workers sorted by name drops from ~60 ms of
-- scan-and-sort to ~12 ms.

-- +goose Up
CREATE INDEX IF NOT EXISTS workers_name_id_idx ON workers (name, id);

-- +goose Down
DROP INDEX workers_name_id_idx;
