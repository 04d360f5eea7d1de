package api

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/auth"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
	"github.com/anxin-city/anxin/registry"
)

// Accounts of the five levels, kept by the level above: the city's
// account administrators create and manage every staff account; an
// enterprise creates and manages the project labour managers of its own
// projects. Workers register themselves (auth.go). Nobody deletes an
// account: it is deactivated, which ends its sessions at once.

const (
	roleCitySupervisor = "city_supervisor"
	roleCityAdmin      = "city_admin"
	roleCityAuditor    = "city_auditor"
	roleTownOfficer    = "town_officer"
	roleEnterprise     = "enterprise_user"
	roleProjectManager = "project_manager"
	roleWorker         = "worker"
)

type accountOut struct {
	ID                 int64      `json:"id"`
	Username           string     `json:"username" doc:"a worker's (their mobile number) masked, but to the worker themself; GET /accounts/{id}/login unmasks it"`
	DisplayName        string     `json:"display_name"`
	Role               string     `json:"role" codes:"roles"`
	RoleLabel          string     `json:"role_label"`
	Domain             string     `json:"domain" doc:"city, town:<code>, ent:<id>, proj:<id> or worker:<id>"`
	TownCode           *string    `json:"town_code"`
	EnterpriseID       *int64     `json:"enterprise_id"`
	ProjectID          *int64     `json:"project_id"`
	WorkerID           *int64     `json:"worker_id"`
	MustChangePassword bool       `json:"must_change_password"`
	LockedUntil        *time.Time `json:"locked_until" doc:"in the administrators' views: the end of the latest running sign-in lock of the name, for any client (POST /accounts/{id}/unlock lifts them)"`
	LastLoginAt        *time.Time `json:"last_login_at"`
	Active             bool       `json:"active"`
	DeactivatedReason  *string    `json:"deactivated_reason"`
	CreatedAt          time.Time  `json:"created_at"`
	Version            int32      `json:"version"`
}

// accountFrom is an account as its holder sees it (sign-in, /auth/me,
// registration): the login name in full.
func (s *Server) accountFrom(a dbq.Account) accountOut {
	return accountOut{ID: a.ID, Username: a.Username, DisplayName: a.DisplayName, Role: a.Role,
		Domain: a.Domain, TownCode: a.TownCode, EnterpriseID: a.EnterpriseID,
		ProjectID: a.ProjectID, WorkerID: a.WorkerID, MustChangePassword: a.MustChangePassword,
		LastLoginAt: a.LastLoginAt, Active: a.Active, DeactivatedReason: a.DeactivatedReason,
		CreatedAt: a.CreatedAt, Version: a.Version}
}

// administered renders accounts as their administrators see them: a
// worker's login name masked, and the running sign-in locks of each name.
func (s *Server) administered(ctx context.Context, q *dbq.Queries, accts ...dbq.Account) ([]accountOut, error) {
	names := make([]string, len(accts))
	for i, a := range accts {
		names[i] = a.Username
	}
	locks, err := s.lockedUntil(ctx, q, names)
	if err != nil {
		return nil, err
	}
	out := make([]accountOut, len(accts))
	for i, a := range accts {
		out[i] = s.accountFrom(a)
		out[i].Username = maskedLogin(a.Role, a.Username)
		if t, ok := locks[a.Username]; ok {
			out[i].LockedUntil = &t
		}
	}
	return out, nil
}

// administeredOne is administered for one account.
func (s *Server) administeredOne(ctx context.Context, q *dbq.Queries, a dbq.Account) (accountOut, error) {
	out, err := s.administered(ctx, q, a)
	if err != nil {
		return accountOut{}, err
	}
	return out[0], nil
}

type accountIn struct {
	Username     *string `json:"username" required:"true" doc:"3-64 characters: lower-case letters, digits, '.', '_', '-'"`
	DisplayName  *string `json:"display_name" required:"true"`
	Role         *string `json:"role" required:"true" enum:"city_supervisor,city_admin,city_auditor,town_officer,enterprise_user,project_manager,worker" doc:"not worker (workers register themselves)"`
	TownCode     *string `json:"town_code,omitempty" doc:"required for town_officer"`
	EnterpriseID *int64  `json:"enterprise_id,omitempty" doc:"required for enterprise_user"`
	ProjectID    *int64  `json:"project_id,omitempty" doc:"required for project_manager"`
	Password     *string `json:"password,omitempty" doc:"initial password; omitted: a random one is returned once. Either way it must be changed at the first sign-in"`
}

type accountPatchIn struct {
	DisplayName *string `json:"display_name" required:"true"`
	Version     *int32  `json:"version" required:"true"`
}

type accountCreatedOut struct {
	Account         accountOut `json:"account"`
	InitialPassword *string    `json:"initial_password,omitempty" doc:"only when generated; shown once"`
}

type resetOut struct {
	Account           accountOut `json:"account"`
	TemporaryPassword string     `json:"temporary_password" doc:"shown once; must be changed at the next sign-in"`
}

func (s *Server) accountRoutes() {
	s.add(route{Method: "GET", Path: "/accounts", Perm: "accounts:read", Tag: "accounts", Summary: "List the accounts the caller administers",
		Query: append(pageParams("id", "-id", "username", "-username"),
			param{Name: "role", Type: "string", Enum: registry.Roles.Codes}, param{Name: "domain", Type: "string"},
			param{Name: "active", Type: "boolean"}, param{Name: "q", Type: "string", Desc: "login name prefix or display name"}),
		Out: listOut[accountOut]{}, Handler: s.accountList})
	s.add(route{Method: "GET", Path: "/accounts/:id", Perm: "accounts:read", Tag: "accounts", Summary: "Get an account", Out: accountOut{},
		Handler: s.accountGet})
	s.add(route{Method: "GET", Path: "/accounts/:id/login", Perm: "accounts:read", Tag: "accounts", Summary: "An account's login name " +
		"unmasked (a worker's is their mobile number, masked elsewhere); the view is in the system log", Out: loginNameOut{},
		Handler: s.accountLogin})
	s.add(route{Method: "POST", Path: "/accounts", Perm: "accounts:write", Tag: "accounts", Summary: "Create an account (city: any staff role; " +
		"enterprise: project managers of its own projects)", Body: accountIn{}, Out: accountCreatedOut{}, Status: 201, Handler: s.accountCreate})
	s.add(route{Method: "PATCH", Path: "/accounts/:id", Perm: "accounts:write", Tag: "accounts", Summary: "Correct an account's display name " +
		"(role and binding are fixed: deactivate and create anew)", Body: accountPatchIn{}, Out: accountOut{}, Handler: s.accountUpdate})
	s.add(route{Method: "POST", Path: "/accounts/:id/deactivate", Perm: "accounts:write", Tag: "accounts", Summary: "Deactivate an account " +
		"(its sessions end at once)", Body: deactivateIn{}, Out: accountOut{}, Handler: s.accountSetActive(false)})
	s.add(route{Method: "POST", Path: "/accounts/:id/reactivate", Perm: "accounts:write", Tag: "accounts", Summary: "Reactivate an account",
		Body: activeIn{}, Out: accountOut{}, Handler: s.accountSetActive(true)})
	s.add(route{Method: "POST", Path: "/accounts/:id/reset-password", Perm: "accounts:write", Tag: "accounts", Summary: "Reset the password " +
		"to a temporary one (also unlocks; its sessions end)", Body: versionIn{}, Out: resetOut{}, Handler: s.accountResetPassword})
	s.add(route{Method: "POST", Path: "/accounts/:id/unlock", Perm: "accounts:write", Tag: "accounts", Summary: "Lift every sign-in lock " +
		"of the account's login name (of every client, and the ceiling of all clients) and forget its failure counts", Out: accountOut{},
		Handler: s.accountUnlock})
}

// accountGetScoped loads an account the caller may see (AccountList: the
// city sees every account; an enterprise the accounts of its own
// enterprise and of its projects' managers).
func accountGetScoped(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.AccountListRow, error) {
	sc := scopeOf(c)
	return oneRow(q.AccountList(c.UserContext(), dbq.AccountListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), ID: &id, Lim: 1}))
}

func (s *Server) accountList(c *fiber.Ctx) error {
	p, err := parsePage(c, "id", "-id", "username", "-username")
	if err != nil {
		return err
	}
	var qe queryErrs
	sc := scopeOf(c)
	arg := dbq.AccountListParams{ScopeLevel: sc.Level(), ScopeKey: sc.Key(), Role: qe.enum(c, "role", registry.Roles),
		Domain: queryText(c, "domain"), Active: qe.boolean(c, "active"), Q: qe.like(c, "q"), Sort: p.Sort}
	if err := qe.err(); err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	var shown map[int64]accountOut
	return listPage(c, p, func(lim, off int32) ([]dbq.AccountListRow, error) {
		arg.Lim, arg.Off = lim, off
		rows, err := q.AccountList(c.UserContext(), arg)
		if err != nil {
			return nil, err
		}
		accts := make([]dbq.Account, len(rows))
		for i, r := range rows {
			accts[i] = r.Account
		}
		out, err := s.administered(c.UserContext(), q, accts...)
		if err != nil {
			return nil, err
		}
		shown = make(map[int64]accountOut, len(out))
		for _, o := range out {
			shown[o.ID] = o
		}
		return rows, nil
	}, func(r dbq.AccountListRow) int64 { return r.Total }, func(r dbq.AccountListRow) accountOut { return shown[r.Account.ID] })
}

func (s *Server) accountGet(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	q := db.Q(s.deps.Pool)
	r, err := accountGetScoped(c, q, id)
	if err != nil {
		return err
	}
	out, err := s.administeredOne(c.UserContext(), q, r.Account)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type loginNameOut struct {
	ID       int64  `json:"id"`
	Username string `json:"username" doc:"unmasked"`
}

// accountLogin shows an account's login name unmasked to whoever may read
// the account (a city account administrator, for workers' accounts).
// Like every view of unmasked personal data it is in the system log with
// what was shown.
func (s *Server) accountLogin(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := accountGetScoped(c, db.Q(s.deps.Pool), id)
	if err != nil {
		return err
	}
	auditDetail(c, "unmasked", []string{"username"})
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(loginNameOut{ID: r.Account.ID, Username: r.Account.Username})
}

// mayUnlock reports whether the caller may lift the sign-in locks of an
// account of role: whoever administers the role, and the city's account
// administrators also workers' accounts (a worker locked out behind a
// shared address calls the city, and unlocking hands nobody a password).
func mayUnlock(caller *Principal, role string) bool {
	return mayAdminister(caller, role) || (caller.Role == roleCityAdmin && role == roleWorker)
}

// accountUnlock lifts every sign-in lock of an account's login name. The
// request is in the system log (POST /api/v1/accounts/:id/unlock, with
// the number of counts cleared).
func (s *Server) accountUnlock(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var out accountOut
	err = s.inTx(c, func(q *dbq.Queries) error {
		r, err := accountGetScoped(c, q, id)
		if err != nil {
			return err
		}
		if !mayUnlock(principalOf(c), r.Account.Role) {
			return errForbidden
		}
		n, err := s.unlock(c.UserContext(), q, r.Account.Username)
		if err != nil {
			return err
		}
		auditDetail(c, "cleared", n)
		out, err = s.administeredOne(c.UserContext(), q, r.Account)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

var usernameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

var errNotYourAccount = &Error{Status: http.StatusForbidden, Code: "forbidden",
	Message: "企业只能为本企业作为建设单位或施工总承包单位的项目设置劳资专管员账号"}

// mayAdminister reports whether the caller may create or manage an account
// of this role: the city's administrators any staff role, an enterprise
// project managers only.
func mayAdminister(caller *Principal, role string) bool {
	switch caller.Role {
	case roleCityAdmin:
		return role != roleWorker
	case roleEnterprise:
		return role == roleProjectManager
	}
	return false
}

func (in *accountIn) validate() error {
	var v check
	v.text("username", in.Username, true, 64)
	if in.Username != nil && v.ok("username") && !usernameRe.MatchString(*in.Username) {
		v.fail("username", "invalid_username", "登录名须为3至64位小写字母、数字或 . _ -，以字母或数字开头")
	} else if in.Username != nil && v.ok("username") && isMobileLogin(normalizeLogin(*in.Username)) {
		// mobile numbers, however written, are workers' login names (and
		// personal data); sign-in reads 138.1234.5678 as 13812345678
		v.fail("username", "invalid_username", "登录名不能是手机号码（手机号码是工人的登录名）")
	}
	v.text("display_name", in.DisplayName, true, 100)
	v.enum("role", in.Role, true, registry.Roles)
	if in.Role != nil && *in.Role == roleWorker {
		v.fail("role", "invalid_role", "工人账号由工人本人注册")
	}
	role := deref(in.Role)
	need := map[string]bool{"town_code": role == roleTownOfficer, "enterprise_id": role == roleEnterprise,
		"project_id": role == roleProjectManager}
	given := map[string]bool{"town_code": in.TownCode != nil, "enterprise_id": in.EnterpriseID != nil, "project_id": in.ProjectID != nil}
	for _, f := range []string{"town_code", "enterprise_id", "project_id"} {
		switch {
		case need[f] && !given[f]:
			v.fail(f, "required", "该角色必须指定所属单位")
		case !need[f] && given[f]:
			v.fail(f, "not_allowed", "该角色不能指定此项")
		}
	}
	v.positiveID("enterprise_id", in.EnterpriseID, false)
	v.positiveID("project_id", in.ProjectID, false)
	if in.Password != nil && in.Username != nil {
		v.password("password", *in.Password, *in.Username)
	}
	return v.err()
}

func (s *Server) accountCreate(c *fiber.Ctx) error {
	caller := principalOf(c)
	var in accountIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	if !mayAdminister(caller, *in.Role) {
		return errForbidden
	}
	password, generated := deref(in.Password), in.Password == nil
	if generated {
		password = auth.TemporaryPassword()
	}
	hash, err := auth.HashPassword(c.UserContext(), password)
	if err != nil {
		return err
	}
	var out accountCreatedOut
	err = s.inTx(c, func(q *dbq.Queries) error {
		if err := s.bindingCheck(c, q, caller, &in); err != nil {
			return err
		}
		a, err := q.AccountCreate(c.UserContext(), dbq.AccountCreateParams{Username: *in.Username, DisplayName: *in.DisplayName,
			Role: *in.Role, TownCode: in.TownCode, EnterpriseID: in.EnterpriseID, ProjectID: in.ProjectID,
			PasswordHash: hash, MustChangePassword: true, CreatedBy: &caller.AccountID})
		if err != nil {
			return err
		}
		if out.Account, err = s.administeredOne(c.UserContext(), q, a); err != nil {
			return err
		}
		return s.regrant(c, true, a)
	})
	if err != nil {
		return err
	}
	if generated {
		out.InitialPassword = &password
	}
	return c.Status(http.StatusCreated).JSON(out)
}

// bindingCheck checks the town, enterprise or project an account is bound
// to: it must exist and be active, and for an enterprise caller the
// project must be its own (as builder or general contractor). The look-ups
// are city-wide whoever calls: a project outside an enterprise's rows is
// answered "not yours" (403), as one it only works on as a labour firm.
func (s *Server) bindingCheck(c *fiber.Ctx, q *dbq.Queries, caller *Principal, in *accountIn) error {
	ctx := c.UserContext()
	all := cityWide()
	switch {
	case in.TownCode != nil:
		rows, err := q.TownList(ctx, dbq.TownListParams{ScopeLevel: all.Level(), ScopeKey: all.Key(), Code: in.TownCode})
		if err != nil {
			return err
		}
		if len(rows) == 0 || !rows[0].Active {
			return errField("town_code", "town_not_found", "镇街不存在或已停用")
		}
	case in.EnterpriseID != nil:
		rows, err := q.EnterpriseList(ctx, dbq.EnterpriseListParams{ScopeLevel: all.Level(), ScopeKey: all.Key(), ID: in.EnterpriseID, Lim: 1})
		if err != nil {
			return err
		}
		if len(rows) == 0 || !rows[0].Enterprise.Active {
			return errField("enterprise_id", "enterprise_not_found", "企业不存在或已停用")
		}
	case in.ProjectID != nil:
		rows, err := q.ProjectList(ctx, dbq.ProjectListParams{ScopeLevel: all.Level(), ScopeKey: all.Key(), ID: in.ProjectID, Lim: 1})
		if err != nil {
			return err
		}
		if len(rows) == 0 || !rows[0].Project.Active {
			return errField("project_id", "project_not_found", "项目不存在或已停用")
		}
		if e, ok := caller.Scope.EnterpriseID(); ok {
			p := rows[0].Project
			if p.ContractorID != e && p.BuilderID != e {
				return errNotYourAccount
			}
		}
	}
	return nil
}

var errSelfDeactivate = &Error{Status: http.StatusUnprocessableEntity, Code: "self_deactivate", Message: "不能停用自己的账号"}

func (s *Server) accountSetActive(active bool) fiber.Handler {
	return setActiveHandler(s, active, nil, idParam, s.administeredAccount, (*dbq.Queries).AccountSetActive,
		func(c *fiber.Ctx, q *dbq.Queries, cur dbq.AccountListRow, a dbq.Account) (any, error) {
			if !active && a.ID == principalOf(c).AccountID {
				return nil, errSelfDeactivate
			}
			if !active {
				if _, err := q.SessionRevokeAccount(c.UserContext(), dbq.SessionRevokeAccountParams{AccountID: a.ID,
					Now: s.deps.Now(), Reason: ptr("deactivated")}); err != nil {
					return nil, err
				}
			}
			if err := s.regrant(c, active, a); err != nil {
				return nil, err
			}
			return s.administeredOne(c.UserContext(), q, a)
		})
}

// administeredAccount loads an account the caller may manage: in scope
// (else 404) and of a role the caller administers (else 403).
func (s *Server) administeredAccount(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.AccountListRow, error) {
	r, err := accountGetScoped(c, q, id)
	if err != nil {
		return r, err
	}
	if !mayAdminister(principalOf(c), r.Account.Role) {
		return r, errForbidden
	}
	return r, nil
}

func (s *Server) accountUpdate(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in accountPatchIn
	if err := decodeBody(c, &in); err != nil {
		return err
	}
	var v check
	v.text("display_name", in.DisplayName, true, 100)
	v.required("version", in.Version != nil)
	if err := v.err(); err != nil {
		return err
	}
	return changeRow(s, c, id, s.administeredAccount, func(q *dbq.Queries, _ dbq.AccountListRow) (accountOut, error) {
		a, err := q.AccountRename(c.UserContext(), dbq.AccountRenameParams{ID: id, DisplayName: *in.DisplayName, Version: *in.Version})
		if err != nil {
			return accountOut{}, versioned(err)
		}
		return s.administeredOne(c.UserContext(), q, a)
	})
}

func (s *Server) accountResetPassword(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	version, err := decodeVersion(c)
	if err != nil {
		return err
	}
	tmp := auth.TemporaryPassword()
	hash, err := auth.HashPassword(c.UserContext(), tmp)
	if err != nil {
		return err
	}
	return changeRow(s, c, id, s.administeredAccount, func(q *dbq.Queries, cur dbq.AccountListRow) (resetOut, error) {
		a, err := q.AccountSetPassword(c.UserContext(), dbq.AccountSetPasswordParams{ID: id, PasswordHash: hash,
			MustChangePassword: true, Version: &version})
		if err != nil {
			return resetOut{}, versioned(err)
		}
		if _, err := q.SessionRevokeAccount(c.UserContext(), dbq.SessionRevokeAccountParams{AccountID: id,
			Now: s.deps.Now(), Reason: ptr("password_reset")}); err != nil {
			return resetOut{}, err
		}
		// a new password: the failures counted against the old one go
		if _, err := s.unlock(c.UserContext(), q, a.Username); err != nil {
			return resetOut{}, err
		}
		shown, err := s.administeredOne(c.UserContext(), q, a)
		if err != nil {
			return resetOut{}, err
		}
		return resetOut{Account: shown, TemporaryPassword: tmp}, nil
	})
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// idText is an id as the system log records it.
func idText(n int64) string { return strconv.FormatInt(n, 10) }

// regrant records, inside the request's transaction (inTx), that account
// a now holds its role in its domain (grant) or no longer does: the other
// API processes hear of it by a notification delivered on commit, and
// this process's authorizer applies it once the transaction has committed.
// A failure to apply is logged: the database is right, and the next
// reload repairs the memory.
func (s *Server) regrant(c *fiber.Ctx, grant bool, a dbq.Account) error {
	op, apply := "revoke", s.deps.Authz.Revoke
	if grant {
		op, apply = "grant", s.deps.Authz.Grant
	}
	if err := s.deps.Authz.Notify(c.UserContext(), s.txOf(c), op, a.ID, a.Role, a.Domain); err != nil {
		return err
	}
	s.afterCommit(c, func() {
		if err := apply(a.ID, a.Role, a.Domain); err != nil {
			s.deps.Logger.Error("authz: change not applied", "op", op, "account", a.ID, "err", err)
		}
	})
	return nil
}
