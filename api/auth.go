package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/auth"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/ident"
)

// Sign-in, sign-out, one's own account and password, and the
// self-registration of workers against their real-name record.

type loginIn struct {
	Username *string `json:"username" required:"true" doc:"login name (workers: their mobile number)"`
	Password *string `json:"password" required:"true"`
}

type loginOut struct {
	Token              string     `json:"token" doc:"send as 'Authorization: Bearer <token>'"`
	ExpiresAt          time.Time  `json:"expires_at" doc:"absolute end; a session also ends after the idle timeout"`
	MustChangePassword bool       `json:"must_change_password" doc:"only /auth/* routes are open until the password is changed"`
	Account            accountOut `json:"account"`
}

type passwordIn struct {
	CurrentPassword *string `json:"current_password" required:"true"`
	NewPassword     *string `json:"new_password" required:"true" doc:"8-64 characters, three of: lower case, upper case, digits, symbols; not containing the login name"`
}

type registerIn struct {
	IDNumber    *string `json:"id_number" required:"true" doc:"resident ID number of the real-name record"`
	Phone       *string `json:"phone" required:"true" doc:"the mobile number on the real-name record; becomes the login name"`
	Password    *string `json:"password" required:"true"`
	DisplayName *string `json:"display_name,omitempty" doc:"default: the name on the record"`
}

var (
	errBadCredentials = &Error{Status: http.StatusUnauthorized, Code: "invalid_credentials", Message: "用户名或密码错误"}
	errAccountLocked  = &Error{Status: http.StatusTooManyRequests, Code: "account_locked", Message: "密码错误次数过多，账号已临时锁定，请稍后再试"}
	errAccountOff     = &Error{Status: http.StatusForbidden, Code: "account_inactive", Message: "账号已停用，请联系管理员"}
	errDemoAccount    = &Error{Status: http.StatusForbidden, Code: "demo_account_disabled", Message: "演示账号仅在演示环境可用"}
)

func (s *Server) authRoutes() {
	s.add(route{Method: "POST", Path: "/auth/login", Public: true, Tag: "auth", Summary: "Sign in with login name and password; " +
		"five wrong passwords in a row from one client lock the name for that client (15 minutes, doubling with each further five, " +
		"at most 24 hours), known and unknown names alike; rate-limited per IP",
		Body: loginIn{}, Out: loginOut{}, Handler: s.login})
	s.add(route{Method: "POST", Path: "/auth/register", Public: true, Tag: "auth", Summary: "Worker self-registration against an existing " +
		"real-name record (ID number and mobile number must both match); rate-limited per IP", Body: registerIn{}, Out: accountOut{},
		Status: 201, Handler: s.register})
	s.add(route{Method: "POST", Path: "/auth/logout", Self: true, Tag: "auth", Summary: "End this session (the token is refused at once)",
		Status: 204, Handler: s.logout})
	s.add(route{Method: "GET", Path: "/auth/me", Self: true, Tag: "auth", Summary: "The signed-in account", Out: accountOut{}, Handler: s.me})
	s.add(route{Method: "GET", Path: "/auth/sessions", Self: true, Tag: "auth", Summary: "One's own live sessions (where one is signed in)",
		Out: []sessionOut{}, Handler: s.mySessions})
	s.add(route{Method: "POST", Path: "/auth/sessions/:id/revoke", Self: true, Tag: "auth", Summary: "End one of one's own sessions " +
		"(e.g. a lost phone)", Status: 204, Handler: s.revokeMySession})
	s.add(route{Method: "POST", Path: "/auth/password", Self: true, Tag: "auth", Summary: "Change one's own password (ends every other session)",
		Body: passwordIn{}, Status: 204, Handler: s.changePassword})
}

// login checks a password in one transaction with this client's failure
// count of the name locked (lockout.go), so that concurrent guesses cannot
// skip the count. The outcome, failed or not, is committed together with
// its audit entry. An unknown name goes the same way as a known one.
func (s *Server) login(c *fiber.Ctx) error {
	markAudited(c)
	var in loginIn
	if err := decodeBody(c, &in); err != nil {
		return s.refused(c, "auth.login", loggedLogin(in.Username), err)
	}
	var v check
	v.text("username", in.Username, true, 64)
	v.required("password", in.Password != nil && *in.Password != "")
	if err := v.err(); err != nil {
		return s.refused(c, "auth.login", loggedLogin(in.Username), err)
	}
	ctx := c.UserContext()
	now := s.deps.Now()
	name := normalizeLogin(*in.Username)
	th := s.throttleFor(c, name)
	actor := s.actor(c)
	actor.Username = loggedLogin(&name)
	entry := audit.Entry{Actor: actor, Action: "auth.login", ObjectType: "accounts"}
	var out loginOut
	var result error
	err := s.inTxAs(c, actor, func(q *dbq.Queries, tx pgx.Tx) error {
		a, err := q.AccountForLogin(ctx, name)
		known := err == nil
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return err
		}
		var accountID *int64
		if known {
			id := a.ID
			accountID = &id
			entry.AccountID, entry.Role, entry.Domain, entry.ObjectID = accountID, a.Role, a.Domain, idText(a.ID)
		}
		reason, until, err := th.take(ctx, q, now, accountID)
		if err != nil {
			return err
		}
		if reason != "" {
			retryAfter(c, now, *until)
			result = errAccountLocked
			entry.Detail = map[string]any{"locked_until": until}
			return s.loginEntry(ctx, tx, entry, result, string(reason))
		}
		ok, err := auth.CheckPassword(ctx, a.PasswordHash, *in.Password) // "" (unknown): a dummy hash, the same cost
		if err != nil {
			return err
		}
		if !known || !ok {
			until, err := th.fail(ctx, q, now, s.deps.LoginCeiling)
			if err != nil {
				return err
			}
			result = errBadCredentials
			if until != nil {
				retryAfter(c, now, *until)
				result = errAccountLocked
				entry.Detail = map[string]any{"locked_until": until}
			}
			reason := "wrong_password"
			if !known {
				reason = "unknown_user"
			}
			return s.loginEntry(ctx, tx, entry, result, reason)
		}
		switch {
		case !a.Active:
			result = errAccountOff
			return s.loginEntry(ctx, tx, entry, result, "inactive")
		case a.Demo && !s.deps.DevMode:
			result = errDemoAccount
			return s.loginEntry(ctx, tx, entry, result, "demo_outside_dev")
		case !s.serves(a.Role):
			result = errWrongSide
			return s.loginEntry(ctx, tx, entry, result, "wrong_side")
		}
		if err := th.clear(ctx, q); err != nil {
			return err
		}
		if err := q.AccountLoginSucceeded(ctx, dbq.AccountLoginSucceededParams{ID: a.ID, Now: now}); err != nil {
			return err
		}
		tok, hash := auth.NewToken()
		sess, err := q.SessionCreate(ctx, dbq.SessionCreateParams{TokenHash: hash, AccountID: a.ID,
			ExpiresAt: now.Add(s.deps.SessionTTL), Now: now, Ip: &actor.IP, UserAgent: &actor.UserAgent})
		if err != nil {
			return err
		}
		out = loginOut{Token: tok, ExpiresAt: sess.ExpiresAt, MustChangePassword: a.MustChangePassword, Account: s.accountFrom(a)}
		entry.Detail = map[string]any{"session_id": sess.ID}
		return s.loginEntry(ctx, tx, entry, nil, "")
	})
	if err != nil {
		return err
	}
	if result != nil {
		return result
	}
	return c.JSON(out)
}

// loginEntry writes the audit entry of a sign-in attempt.
func (s *Server) loginEntry(ctx context.Context, tx pgx.Tx, e audit.Entry, result error, reason string) error {
	e.Status, e.Outcome = http.StatusOK, audit.OutcomeOK
	if result != nil {
		// a wrong name or password is a failed attempt; a refusal of the
		// right one (locked, deactivated, demo account) is a denial
		e.Status, e.Outcome = toClientError(result).Status, audit.OutcomeDenied
		if e.Status == http.StatusUnauthorized {
			e.Outcome = audit.OutcomeFailed
		}
		d, _ := e.Detail.(map[string]any)
		if d == nil {
			d = map[string]any{}
		}
		d["reason"] = reason
		e.Detail = d
	}
	return audit.Insert(ctx, tx, e)
}

func (s *Server) logout(c *fiber.Ctx) error {
	p := principalOf(c)
	err := s.inTx(c, func(q *dbq.Queries) error {
		_, err := q.SessionRevokeOwn(c.UserContext(), dbq.SessionRevokeOwnParams{ID: p.SessionID, AccountID: p.AccountID, Now: s.deps.Now()})
		return err
	})
	if err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}

func (s *Server) me(c *fiber.Ctx) error {
	// The caller's own account, by the session's account id: every role
	// reads itself, whatever its row scope over accounts.
	all := cityWide()
	rows, err := db.Q(s.deps.Pool).AccountList(c.UserContext(), dbq.AccountListParams{ScopeLevel: all.Level(), ScopeKey: all.Key(),
		ID: &principalOf(c).AccountID, Lim: 1})
	a, err := oneRow(rows, err)
	if err != nil {
		return err
	}
	return c.JSON(s.accountFrom(a.Account))
}

var errCurrentPassword = errField("current_password", "wrong_password", "当前密码不正确")

// changePassword sets a new password after checking the current one. A
// wrong current password counts as a failed sign-in from this client (and
// may lock the name for it), so that a stolen session cannot be used to
// guess it; while locked, the current password is not checked at all.
func (s *Server) changePassword(c *fiber.Ctx) error {
	p := principalOf(c)
	var in passwordIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.required("current_password", in.CurrentPassword != nil && *in.CurrentPassword != "")
	v.required("new_password", in.NewPassword != nil && *in.NewPassword != "")
	if in.NewPassword != nil && *in.NewPassword != "" {
		if v.password("new_password", *in.NewPassword, p.Username) && in.CurrentPassword != nil && *in.NewPassword == *in.CurrentPassword {
			v.fail("new_password", "password_unchanged", "新密码不能与当前密码相同")
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	now := s.deps.Now()
	th := s.throttleFor(c, p.Username)
	var result error
	err := s.inTx(c, func(q *dbq.Queries) error {
		reason, until, err := th.take(ctx, q, now, &p.AccountID)
		if err != nil {
			return err
		}
		if reason != "" {
			retryAfter(c, now, *until)
			result = errAccountLocked
			return nil
		}
		a, err := q.AccountForLogin(ctx, p.Username)
		if err != nil {
			return err
		}
		ok, err := auth.CheckPassword(ctx, a.PasswordHash, *in.CurrentPassword)
		if err != nil {
			return err
		}
		if !ok {
			until, err := th.fail(ctx, q, now, s.deps.LoginCeiling)
			if err != nil {
				return err
			}
			result = errCurrentPassword
			if until != nil {
				retryAfter(c, now, *until)
				result = errAccountLocked
			}
			return nil
		}
		if err := th.clear(ctx, q); err != nil {
			return err
		}
		hash, err := auth.HashPassword(ctx, *in.NewPassword)
		if err != nil {
			return err
		}
		if _, err := q.AccountSetPassword(ctx, dbq.AccountSetPasswordParams{ID: a.ID, PasswordHash: hash}); err != nil {
			return err
		}
		_, err = q.SessionRevokeAccount(ctx, dbq.SessionRevokeAccountParams{AccountID: a.ID, Now: now,
			Reason: ptr("password_changed"), Keep: &p.SessionID})
		return err
	})
	if err != nil {
		return err
	}
	if result != nil {
		return result
	}
	return c.SendStatus(http.StatusNoContent)
}

var (
	errNoRecord          = errField("id_number", "worker_not_found", "未找到与身份证号码和手机号码都相符的实名登记记录，请联系项目劳资专管员核对")
	errAlreadyRegistered = &Error{Status: http.StatusConflict, Code: "already_registered", Message: "该工人已注册账号，请直接登录或联系劳资专管员重置密码",
		Fields: map[string]string{"id_number": "该工人已注册账号"}}
	errPhoneTaken = &Error{Status: http.StatusConflict, Code: "duplicate", Message: "该手机号码已被其他账号使用",
		Fields: map[string]string{"phone": "该手机号码已被其他账号使用"}}
)

// register creates a worker's account bound to their real-name record,
// found by the keyed hashes of the ID number and mobile number together.
func (s *Server) register(c *fiber.Ctx) error {
	markAudited(c)
	if !s.serves(roleWorker) {
		return s.refused(c, "auth.register", "", errWrongSide)
	}
	var in registerIn
	if err := decodeBody(c, &in); err != nil {
		return s.refused(c, "auth.register", loggedLogin(in.Phone), err)
	}
	var v check
	var idNumber, phone string
	if in.IDNumber == nil || *in.IDNumber == "" {
		v.fail("id_number", "required", "必填")
	} else if rid, err := ident.ParseResidentID(*in.IDNumber, s.deps.Now()); err != nil {
		v.identErr("id_number", err)
	} else {
		idNumber = rid.Number
	}
	if in.Phone == nil || *in.Phone == "" {
		v.fail("phone", "required", "必填")
	} else if m, err := ident.ParseMobile(*in.Phone); err != nil {
		v.identErr("phone", err)
	} else {
		phone = m
	}
	v.text("display_name", in.DisplayName, false, 100)
	if in.Password == nil || *in.Password == "" {
		v.fail("password", "required", "必填")
	} else {
		v.password("password", *in.Password, phone)
	}
	if err := v.err(); err != nil {
		return s.refused(c, "auth.register", loggedLogin(in.Phone), err)
	}
	ctx := c.UserContext()
	hash, err := auth.HashPassword(ctx, *in.Password)
	if err != nil {
		return err
	}
	actor := s.actor(c)
	actor.Username = loggedLogin(&phone)
	var out accountOut
	var result error
	err = s.inTxAs(c, actor, func(q *dbq.Queries, tx pgx.Tx) error {
		w, err := q.WorkerForRegistration(ctx, dbq.WorkerForRegistrationParams{
			IDNumberHash: s.deps.PII.Hash(kindIDNumber, idNumber), PhoneHash: s.deps.PII.Hash(kindPhone, phone)})
		switch {
		case errors.Is(err, db.ErrNotFound):
			result = errNoRecord
		case err != nil:
			return err
		case w.HasAccount:
			result = errAlreadyRegistered
		case !w.Active:
			result = errNoRecord
		}
		if result == nil {
			taken, err := q.AccountUsernameTaken(ctx, phone)
			if err != nil {
				return err
			}
			if taken {
				result = errPhoneTaken
			}
		}
		e := audit.Entry{Actor: actor, Action: "auth.register", ObjectType: "accounts"}
		if result != nil {
			ce := toClientError(result)
			e.Status, e.Outcome, e.Detail = ce.Status, audit.OutcomeFailed, map[string]any{"reason": ce.Code}
			return audit.Insert(ctx, tx, e)
		}
		name := w.Name
		if in.DisplayName != nil && *in.DisplayName != "" {
			name = *in.DisplayName
		}
		a, err := q.AccountCreate(ctx, dbq.AccountCreateParams{Username: phone, DisplayName: name, Role: roleWorker,
			WorkerID: &w.ID, PasswordHash: hash})
		if err != nil {
			return err
		}
		if err := s.regrant(c, true, a); err != nil {
			return err
		}
		id := a.ID
		e.AccountID, e.Role, e.Domain, e.ObjectID = &id, a.Role, a.Domain, idText(a.ID)
		e.Status, e.Outcome = http.StatusCreated, audit.OutcomeOK
		if err := audit.Insert(ctx, tx, e); err != nil {
			return err
		}
		out = s.accountFrom(a)
		return nil
	})
	if err != nil {
		return err
	}
	if result != nil {
		return result
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// refused logs a sign-in or registration refused before any look-up (a
// malformed request), with the login name it was for as the system log
// keeps it (loggedLogin; "" when none), and returns err.
func (s *Server) refused(c *fiber.Ctx, action, login string, err error) error {
	ce := toClientError(err)
	actor := s.actor(c)
	actor.Username = login
	e := audit.Entry{Actor: actor, Action: action, ObjectType: "accounts", Status: ce.Status,
		Outcome: audit.OutcomeFailed, Detail: map[string]any{"reason": ce.Code}}
	if werr := s.deps.Audit.Write(c.UserContext(), e); werr != nil {
		s.deps.Logger.Error("audit: refused attempt not logged", "action", action, "err", werr)
	}
	return err
}

type sessionOut struct {
	ID         int64     `json:"id"`
	CreatedAt  time.Time `json:"created_at" doc:"signed in at"`
	LastSeenAt time.Time `json:"last_seen_at" doc:"last used (to the minute)"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         *string   `json:"ip"`
	UserAgent  *string   `json:"user_agent"`
	Current    bool      `json:"current" doc:"the session of this request"`
}

func (s *Server) mySessions(c *fiber.Ctx) error {
	p := principalOf(c)
	now := s.deps.Now()
	rows, err := db.Q(s.deps.Pool).SessionListLive(c.UserContext(), dbq.SessionListLiveParams{AccountID: p.AccountID,
		Now: now, IdleSince: now.Add(-s.deps.SessionIdle)})
	if err != nil {
		return err
	}
	out := make([]sessionOut, len(rows))
	for i, r := range rows {
		out[i] = sessionOut{ID: r.ID, CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, ExpiresAt: r.ExpiresAt, IP: r.Ip,
			UserAgent: r.UserAgent, Current: r.ID == p.SessionID}
	}
	return c.JSON(out)
}

// revokeMySession ends one of the caller's own sessions; anyone else's
// (or one already over) is 404.
func (s *Server) revokeMySession(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	err = s.inTx(c, func(q *dbq.Queries) error {
		n, err := q.SessionRevokeOwn(c.UserContext(), dbq.SessionRevokeOwnParams{ID: id, AccountID: p.AccountID, Now: s.deps.Now()})
		if err == nil && n == 0 {
			err = errNotFound
		}
		return err
	})
	if err != nil {
		return err
	}
	return c.SendStatus(http.StatusNoContent)
}
