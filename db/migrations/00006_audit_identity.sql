-- The system log (00004_audit.sql) also captures every change of an
-- account (00005_identity.sql): creation, role and binding changes,
-- lock-outs, deactivation, password changes. password_hash is never
-- copied (audit_redacted: "<changed>" when it changed). Sessions and the
-- casbin model and policy are not captured: logins, logouts and refused
-- requests are logged as events by the API (package audit).

-- +goose Up
CREATE TRIGGER audit_capture AFTER INSERT OR UPDATE OR DELETE ON accounts FOR EACH ROW
    WHEN (current_setting('anxin.audit_capture', true) IS DISTINCT FROM 'off')
    EXECUTE FUNCTION audit_capture('accounts', 'id');

-- +goose Down
DROP TRIGGER audit_capture ON accounts;
