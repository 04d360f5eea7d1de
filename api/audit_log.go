package api

import (
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// The system log (系统日志) as the city's auditors read it. Nobody can change
// it through the API (or at all: the table refuses updates and deletes);
// reading it is itself logged.

type auditEntryOut struct {
	ID           int64           `json:"id" doc:"position in the hash chain"`
	At           time.Time       `json:"at"`
	AccountID    *int64          `json:"account_id"`
	Username     *string         `json:"username" doc:"a worker's login name (mobile number) masked"`
	Role         *string         `json:"role" codes:"actor_roles"`
	RoleLabel    string          `json:"role_label"`
	Domain       *string         `json:"domain"`
	IP           *string         `json:"ip"`
	UserAgent    *string         `json:"user_agent"`
	RequestID    *string         `json:"request_id" doc:"joins an API access with the row changes it made"`
	Action       string          `json:"action" doc:"an API access ('PATCH /api/v1/projects/:id'), a row change ('projects.update') or an event ('auth.login')" codes:"audit_actions"`
	ActionLabel  string          `json:"action_label"`
	ObjectType   *string         `json:"object_type"`
	ObjectID     *string         `json:"object_id"`
	Outcome      string          `json:"outcome" codes:"audit_outcomes"`
	OutcomeLabel string          `json:"outcome_label"`
	Status       *int32          `json:"status"`
	Old          json.RawMessage `json:"old_values" doc:"changed columns before (personal data and password hashes never appear)"`
	New          json.RawMessage `json:"new_values"`
	Detail       json.RawMessage `json:"detail"`
	Hash         string          `json:"hash" doc:"SHA-256 of the entry chained to the previous one (hex)"`
}

func rawJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// maxAuditRange bounds one query of the log: a quarter.
const maxAuditRange = 92 * 24 * time.Hour

func (s *Server) auditLogRoutes() {
	s.add(route{Method: "GET", Path: "/audit-log", Perm: "audit:read", Tag: "audit", Summary: "Read the system log, newest first, " +
		"within a time range (default the last 7 days, at most 92 days)",
		Query: append(pageParams("id", "-id"),
			param{Name: "from", Type: "string", Desc: "YYYY-MM-DD (China time), inclusive"},
			param{Name: "to", Type: "string", Desc: "YYYY-MM-DD (China time), inclusive"},
			param{Name: "account_id", Type: "integer"}, param{Name: "username", Type: "string", Desc: "exact; a worker's (a mobile number) is matched masked, as the log keeps it"},
			param{Name: "action", Type: "string", Desc: "prefix, e.g. 'auth.' or 'PATCH /api/v1/projects'"},
			param{Name: "object_type", Type: "string"}, param{Name: "object_id", Type: "string"},
			param{Name: "outcome", Type: "string", Enum: registry.AuditOutcomes.Codes},
			param{Name: "request_id", Type: "string"}, param{Name: "ip", Type: "string"}),
		Out: listOut[auditEntryOut]{}, Handler: s.auditLogList})
}

func (s *Server) auditLogList(c *fiber.Ctx) error {
	p, err := parsePage(c, "id", "-id")
	if err != nil {
		return err
	}
	var qe queryErrs
	from, to := qe.date(c, "from"), qe.date(c, "to")
	arg := dbq.AuditLogListParams{AccountID: qe.id(c, "account_id"), Username: queryText(c, "username"),
		Action: queryText(c, "action"), ObjectType: queryText(c, "object_type"), ObjectID: queryText(c, "object_id"),
		RequestID: queryText(c, "request_id"), Ip: queryText(c, "ip"), Outcome: qe.enum(c, "outcome", registry.AuditOutcomes),
		Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	if u := arg.Username; u != nil && isMobileLogin(normalizeLogin(*u)) {
		// the log keeps workers' login names masked
		arg.Username = ptr(maskedLogin(roleWorker, normalizeLogin(*u)))
	}
	// Days are China days: [from 00:00, to+1 00:00) in UTC+8.
	end := s.today().AddDate(0, 0, 1)
	if to != nil {
		end = to.AddDate(0, 0, 1)
	}
	start := end.AddDate(0, 0, -7)
	if from != nil {
		start = *from
	}
	if !end.After(start) {
		qe.fail("to", "结束日期不能早于开始日期")
	} else if end.Sub(start) > maxAuditRange {
		qe.fail("from", "一次最多查询92天")
	}
	if err := qe.err(); err != nil {
		return err
	}
	arg.AtFrom = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, chinaTime)
	arg.AtTo = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, chinaTime)
	return listPage(c, p, func(lim, off int32) ([]dbq.AuditLogListRow, error) {
		arg.Lim, arg.Off = lim, off
		return db.Q(s.deps.Pool).AuditLogList(c.UserContext(), arg)
	}, func(r dbq.AuditLogListRow) int64 { return r.Total }, func(r dbq.AuditLogListRow) auditEntryOut {
		username := r.Username
		if username != nil && isMobileLogin(*username) {
			// entries written before login names were masked in the log
			username = ptr(maskedLogin(roleWorker, *username))
		}
		return auditEntryOut{ID: r.ID, At: r.At, AccountID: r.AccountID, Username: username, Role: r.Role, Domain: r.Domain,
			IP: r.Ip, UserAgent: r.UserAgent, RequestID: r.RequestID, Action: r.Action, ObjectType: r.ObjectType,
			ObjectID: r.ObjectID, Outcome: r.Outcome, Status: r.Status, Old: rawJSON(r.OldValues), New: rawJSON(r.NewValues),
			Detail: rawJSON(r.Detail), Hash: hex.EncodeToString(r.Hash)}
	})
}
