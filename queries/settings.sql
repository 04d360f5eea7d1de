-- Run-time settings and maintenance functions that are not one table's.

-- name: SetLocal :exec
-- Sets a run-time parameter until the end of the transaction: SET LOCAL,
-- which takes no parameters.
SELECT set_config(@name::text, @value::text, true);

-- name: AttendanceEnsurePartitions :one
-- Creates the missing monthly attendance partitions of [from_month,
-- to_month] and says how many it created.
SELECT attendance_ensure_partitions(@from_month::date, @to_month::date) AS created;

-- name: AuditEnsurePartitions :exec
-- Creates the missing monthly audit_log partitions of [from_month,
-- to_month] (skipping months whose rows sit in the default partition).
SELECT audit_ensure_partitions(@from_month::date, @to_month::date);
