-- Deadlines of the city's own lead tasks (issue 10, item 4: "Every city
-- task gets a deadline too."): triage (分拨 of a lead whose project is
-- unknown or that a town returned), review (复核 of a major case) and
-- supervise (督办 after a town missed its limit), in working days,
-- editable per case kind like the other limits (PATCH /case-policies).

-- +goose Up
ALTER TABLE case_policies
    ADD COLUMN triage_days    integer NOT NULL DEFAULT 2 CHECK (triage_days BETWEEN 1 AND 60),
    ADD COLUMN review_days    integer NOT NULL DEFAULT 3 CHECK (review_days BETWEEN 1 AND 60),
    ADD COLUMN supervise_days integer NOT NULL DEFAULT 5 CHECK (supervise_days BETWEEN 1 AND 60);

-- +goose Down
ALTER TABLE case_policies
    DROP COLUMN triage_days,
    DROP COLUMN review_days,
    DROP COLUMN supervise_days;
