package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/auth"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/pii"
)

// Every /api/v1 request passes one guard (guard below) before its
// handler: who is calling (the session token), whether their role holds
// the route's permission in their domain (casbin, package authz), and
// which rows they may see (the Scope, derived from the account's domain
// and applied in SQL). Then it writes the request to the system log.

// Authorizer decides function permissions (分权): whether an account's
// role in its domain holds object:action. *authz.Authorizer is the one
// implementation; the interface keeps the API free of casbin.
type Authorizer interface {
	Allow(accountID int64, domain, obj, act string) (bool, error)
	Grant(accountID int64, role, domain string) error
	Revoke(accountID int64, role, domain string) error
	Notify(ctx context.Context, tx pgx.Tx, op string, accountID int64, role, domain string) error
}

// AuditLog is where the per-request access log goes (*audit.Writer).
type AuditLog interface {
	Write(ctx context.Context, e audit.Entry) error
}

// Principal is the signed-in caller of a request.
type Principal struct {
	AccountID   int64
	SessionID   int64
	Username    string
	DisplayName string
	Role        string
	Domain      string
	MustChange  bool
	Scope       Scope
}

const principalKey = "anxin.principal"

// principalOf returns the caller of an authenticated request (nil on a
// public route).
func principalOf(c *fiber.Ctx) *Principal {
	p, _ := c.Locals(principalKey).(*Principal)
	return p
}

var (
	errUnauthenticated  = &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "请先登录"}
	errSessionInvalid   = &Error{Status: http.StatusUnauthorized, Code: "session_invalid", Message: "登录已失效，请重新登录"}
	errMustChange       = &Error{Status: http.StatusForbidden, Code: "password_change_required", Message: "请先修改初始密码"}
	errTooManyRequests  = &Error{Status: http.StatusTooManyRequests, Code: "too_many_requests", Message: "请求过于频繁，请稍后再试"}
	errAuditUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "audit_unavailable", Message: "系统日志暂不可用，请稍后重试"}
)

// The sides of the platform (SPEC R1): the government side (city and
// towns) and the enterprise side (enterprises, project staff, workers)
// share the data but run as separate API deployments; each admits only
// its own accounts.
const (
	SideAll        = "all"
	SideGovernment = "government"
	SideEnterprise = "enterprise"
)

func validSide(s string) bool { return s == SideAll || s == SideGovernment || s == SideEnterprise }

// sideOf is the side an account of role belongs to.
func sideOf(role string) string {
	switch role {
	case roleCitySupervisor, roleCityAdmin, roleCityAuditor, roleTownOfficer:
		return SideGovernment
	}
	return SideEnterprise
}

// serves reports whether this API process admits accounts of role.
func (s *Server) serves(role string) bool {
	return s.deps.Side == SideAll || s.deps.Side == sideOf(role)
}

var errWrongSide = &Error{Status: http.StatusForbidden, Code: "wrong_side",
	Message: "该账号不能在此服务登录：政府端与企业端分开部署，请使用对应的入口"}

func principalFrom(a dbq.Account, session int64) *Principal {
	return &Principal{AccountID: a.ID, SessionID: session, Username: a.Username, DisplayName: a.DisplayName,
		Role: a.Role, Domain: a.Domain, MustChange: a.MustChangePassword, Scope: scopeFor(a)}
}

// bearer reads the session token of a request: "Authorization: Bearer
// <token>".
func bearer(c *fiber.Ctx) (string, bool) {
	h := c.Get(fiber.HeaderAuthorization)
	const prefix = "Bearer "
	if len(h) <= len(prefix) || !strings.EqualFold(h[:len(prefix)], prefix) {
		return "", false
	}
	return strings.TrimSpace(h[len(prefix):]), true
}

// authenticate resolves the session of a request. A missing token is
// "unauthenticated"; a malformed, unknown, expired, idle, revoked one or
// one of a deactivated account is "session_invalid" — both 401.
func (s *Server) authenticate(c *fiber.Ctx) (*Principal, error) {
	tok, ok := bearer(c)
	if !ok {
		return nil, errUnauthenticated
	}
	if !auth.WellFormed(tok) {
		return nil, errSessionInvalid
	}
	now := s.deps.Now()
	q := db.Q(s.deps.Pool)
	row, err := q.SessionLookup(c.UserContext(), dbq.SessionLookupParams{
		TokenHash: auth.HashToken(tok), Now: now, IdleSince: now.Add(-s.deps.SessionIdle)})
	if errors.Is(err, db.ErrNotFound) {
		return nil, errSessionInvalid
	}
	if err != nil {
		return nil, err
	}
	if row.Account.Demo && !s.deps.DevMode {
		return nil, errSessionInvalid
	}
	if !s.serves(row.Account.Role) {
		return nil, errWrongSide
	}
	// Record use at most once a minute: the idle timeout needs no finer
	// grain, and most requests then write nothing.
	if now.Sub(row.LastSeenAt) > time.Minute {
		if err := q.SessionTouch(c.UserContext(), dbq.SessionTouchParams{ID: row.SessionID, Now: now}); err != nil {
			return nil, err
		}
	}
	return principalFrom(row.Account, row.SessionID), nil
}

// guard wraps the handler of route r with authentication, the permission
// check and the access log.
func (s *Server) guard(r route) fiber.Handler {
	obj, act, _ := strings.Cut(r.Perm, ":")
	action := r.Method + " /api/v1" + r.Path
	declared, idempotent := r.queryNames(), r.idempotent()
	return func(c *fiber.Ctx) error {
		err := s.admit(c, r, obj, act)
		if err == nil {
			err = checkQuery(c, r, declared)
		}
		if err == nil {
			handle := func() error { return s.queryMisuse(c, action, r.Handler(c)) }
			if idempotent {
				err = s.withIdempotency(c, action, handle)
			} else {
				err = handle()
			}
		}
		if lerr := s.logAccess(c, action, err); lerr != nil && err == nil && r.Method == fiber.MethodGet {
			// No read goes unrecorded: without its log entry the data
			// is not handed out. (A write has committed, and its row
			// changes are in the log with it; its answer stands.)
			c.Response().Reset()
			return errAuditUnavailable
		}
		return err
	}
}

// queryMisuse logs a handler that read a query parameter its route does
// not declare, and with Deps.StrictQuery answers 500 instead of a success
// that read such a parameter or ignored one the client sent.
func (s *Server) queryMisuse(c *fiber.Ctx, action string, err error) error {
	undeclared, unread := queryUnused(c, s.deps.StrictQuery, err == nil && c.Response().StatusCode() < 400)
	if len(undeclared) > 0 {
		s.deps.Logger.Error("api: handler reads query parameters its route does not declare", "route", action, "params", undeclared)
	}
	if len(unread) > 0 {
		s.deps.Logger.Warn("api: handler ignored query parameters the client sent", "route", action, "params", unread)
	}
	if s.deps.StrictQuery && (len(undeclared) > 0 || len(unread) > 0) {
		c.Response().Reset()
		return fmt.Errorf("api: %s: query parameters read but not declared %v, sent but not read %v", action, undeclared, unread)
	}
	return err
}

// admit decides whether the request may reach the handler, and sets its
// principal and scope.
func (s *Server) admit(c *fiber.Ctx, r route, obj, act string) error {
	if max := bodyLimit(r); len(c.Body()) > max {
		return errBodyTooLarge
	}
	if r.Public {
		// no caller, no rows: the zero scope matches nothing
		c.Locals(scopeKey, Scope{})
		return checkRequestText(c)
	}
	p, err := s.authenticate(c)
	if err != nil {
		return err
	}
	c.Locals(principalKey, p)
	c.Locals(scopeKey, p.Scope)
	if r.Self {
		return checkRequestText(c)
	}
	if p.MustChange {
		return errMustChange
	}
	ok, err := s.deps.Authz.Allow(p.AccountID, p.Domain, obj, act)
	if err != nil {
		return err
	}
	if !ok {
		return errForbidden
	}
	// the query string and path parameters of every route, checked once
	// here rather than by each handler (see textinput.go)
	return checkRequestText(c)
}

// Body limits: the server admits up to Deps.BodyLimit (an Excel upload);
// JSON requests are far smaller, and sign-in smaller still.
const (
	maxJSONBody   = 1 << 20
	maxPublicBody = 8 << 10
)

var errBodyTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "请求内容过大"}

func bodyLimit(r route) int {
	switch {
	case r.Public:
		return maxPublicBody
	case r.Consumes != "":
		return math.MaxInt // uploads: Deps.BodyLimit and the import's own checks
	}
	return maxJSONBody
}

const auditedKey = "anxin.audited"

// markAudited tells the guard that the handler wrote its own, richer
// audit entry (login, registration), so no access entry is added.
func markAudited(c *fiber.Ctx) { c.Locals(auditedKey, true) }

// logAccess writes the request to the system log: who, from where, what,
// and the outcome. A failure to log is logged to the process log and
// returned.
func (s *Server) logAccess(c *fiber.Ctx, action string, herr error) error {
	if done, _ := c.Locals(auditedKey).(bool); done {
		return nil
	}
	status := statusOf(c, herr)
	e := audit.Entry{Actor: s.actor(c), Action: action, Outcome: outcomeOf(status), Status: status,
		ObjectType: objectType(c), ObjectID: objectID(c)}
	d, _ := c.Locals(auditDetailKey).(map[string]any)
	if q := loggedQuery(c); q != "" {
		if d == nil {
			d = map[string]any{}
		}
		d["query"] = q
	}
	if d != nil {
		e.Detail = d
	}
	if err := s.deps.Audit.Write(c.UserContext(), e); err != nil {
		s.deps.Logger.Error("audit: access not logged", "action", action, "err", err)
		return err
	}
	return nil
}

const auditDetailKey = "anxin.audit.detail"

// maskedParams are the query parameters that carry personal data (exact
// look-ups by ID number or phone): the log keeps them masked, as the API
// shows them, never in clear. So is any other parameter that is a mobile
// number.
var maskedParams = map[string]string{"id_number": pii.KindIDNumber, "phone": pii.KindPhone, "bank_card": pii.KindBankCard}

// loggedQuery is the request's query string as the system log keeps it.
func loggedQuery(c *fiber.Ctx) string {
	args := c.Request().URI().QueryArgs()
	if args.Len() == 0 {
		return ""
	}
	vals := url.Values{}
	args.VisitAll(func(k, v []byte) {
		key, val := string(k), string(v)
		if kind, ok := maskedParams[key]; ok {
			val = pii.Mask(kind, val)
		} else if m, err := ident.ParseMobile(val); err == nil {
			// a mobile number in any other parameter (a worker's login
			// name in /accounts?q=, /audit-log?username=) is masked too
			val = pii.MaskPhone(m)
		}
		vals.Add(key, val)
	})
	return vals.Encode()
}

// auditDetail adds facts to the request's access entry (e.g. which
// personal data was shown unmasked).
func auditDetail(c *fiber.Ctx, key string, v any) {
	d, _ := c.Locals(auditDetailKey).(map[string]any)
	if d == nil {
		d = map[string]any{}
		c.Locals(auditDetailKey, d)
	}
	d[key] = v
}

func outcomeOf(status int) string {
	switch {
	case status < 400:
		return audit.OutcomeOK
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return audit.OutcomeDenied
	case status >= 500:
		return audit.OutcomeError
	default:
		return audit.OutcomeFailed
	}
}

// objectType and objectID name what a request is about: the first path
// segment under /api/v1 and the :id (or :code) parameter.
func objectType(c *fiber.Ctx) string {
	p := strings.TrimPrefix(c.Path(), "/api/v1/")
	t, _, _ := strings.Cut(p, "/")
	return t
}

func objectID(c *fiber.Ctx) string {
	for _, k := range []string{"id", "code"} {
		if v := c.Params(k); v != "" {
			return v
		}
	}
	return ""
}

// actor is who the system log records for this request: a worker's login
// name (their mobile number) masked, as everywhere others see it.
func (s *Server) actor(c *fiber.Ctx) audit.Actor {
	a := audit.Actor{IP: clientIP(c), UserAgent: truncate(string(c.Request().Header.UserAgent()), 300),
		RequestID: requestID(c)}
	if p := principalOf(c); p != nil {
		id := p.AccountID
		a.AccountID, a.Username, a.Role, a.Domain = &id, maskedLogin(p.Role, p.Username), p.Role, p.Domain
	}
	return a
}

// requestID is the id the requestid middleware gave this request (also
// sent back as X-Request-ID).
func requestID(c *fiber.Ctx) string { return c.GetRespHeader(fiber.HeaderXRequestID) }

// statusOf is the status a request is answered with: the handler's, or
// the one its error will be rendered with.
func statusOf(c *fiber.Ctx, err error) int {
	if err != nil {
		return toClientError(err).Status
	}
	return c.Response().StatusCode()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// retryAfter sets the Retry-After header to the seconds until t.
func retryAfter(c *fiber.Ctx, now, t time.Time) {
	secs := int(t.Sub(now).Seconds()) + 1
	if secs < 1 {
		secs = 1
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
}
