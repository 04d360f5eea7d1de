package api

import (
	"context"
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"

	"github.com/anxin-city/anxin/audit"
	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// What the handlers of every resource share: "today", who may write, one
// transaction per write, and the handlers of the shapes every registry
// resource repeats — get one row, change one row under its version,
// deactivate and reactivate it, answer a page of a list.

// chinaTime is the zone "today" is reckoned in (China, no daylight saving).
var chinaTime = time.FixedZone("CST", 8*3600)

// today is today's date in China as a UTC midnight, the form in which
// dates are parsed and read from the database.
func (s *Server) today() time.Time {
	y, m, d := s.deps.Now().In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const (
	txKey    = "anxin.tx"
	afterKey = "anxin.after"
)

// inTx runs fn in one transaction of the request. The transaction carries
// the caller (audit.SetActor), so that every row it changes is recorded in
// the system log with who changed it, from where and in which request.
// Functions registered with afterCommit run once it has committed.
func (s *Server) inTx(c *fiber.Ctx, fn func(q *dbq.Queries) error) error {
	return s.inTxAs(c, s.actor(c), func(q *dbq.Queries, _ pgx.Tx) error { return fn(q) })
}

// inTxAs is inTx with the actor given (sign-in and registration name the
// login they are about before anyone is signed in) and the transaction
// handed to fn.
func (s *Server) inTxAs(c *fiber.Ctx, actor audit.Actor, fn func(q *dbq.Queries, tx pgx.Tx) error) error {
	ctx := c.UserContext()
	err := db.InTx(ctx, s.deps.Pool, func(q *dbq.Queries, tx pgx.Tx) error {
		if err := audit.SetActor(ctx, tx, actor); err != nil {
			return err
		}
		c.Locals(txKey, tx)
		defer c.Locals(txKey, nil)
		return fn(q, tx)
	})
	hooks, _ := c.Locals(afterKey).([]func())
	c.Locals(afterKey, nil)
	if err != nil {
		return err
	}
	c.Locals(committedKey, true)
	for _, h := range hooks {
		h()
	}
	return nil
}

const committedKey = "anxin.committed"

// committed reports whether the request has committed a transaction
// (through inTx): whether it changed something, whatever it answers.
func committed(c *fiber.Ctx) bool {
	done, _ := c.Locals(committedKey).(bool)
	return done
}

// txOf is the transaction inTx is running for this request.
func (s *Server) txOf(c *fiber.Ctx) pgx.Tx {
	tx, ok := c.Locals(txKey).(pgx.Tx)
	if !ok {
		panic("api: txOf outside inTx")
	}
	return tx
}

// afterCommit runs fn once the request's transaction has committed (and
// never if it rolls back), e.g. to update in-memory state that must not
// run ahead of the database.
func (s *Server) afterCommit(c *fiber.Ctx, fn func()) {
	hooks, _ := c.Locals(afterKey).([]func())
	c.Locals(afterKey, append(hooks, fn))
}

// ---- one row ----

// rowGetter loads the row with key K as the caller of c sees it. A row
// outside the caller's scope fails like a missing one (db.ErrNotFound,
// answered 404), so that ids cannot be probed.
type rowGetter[K, Row any] func(c *fiber.Ctx, q *dbq.Queries, key K) (Row, error)

// oneRow is the row a list query narrowed to one id (its id filter, limit
// 1) returned: the scope and visibility rules of an entity are written once,
// in its list query, and a get by id goes through it. No row (a missing id
// or one outside the caller's scope) is db.ErrNotFound, answered 404.
func oneRow[R any](rows []R, err error) (R, error) {
	var zero R
	if err != nil {
		return zero, err
	}
	if len(rows) == 0 {
		return zero, db.NotFound()
	}
	return rows[0], nil
}

// idParam reads the :id path parameter (see pathID).
func idParam(c *fiber.Ctx) (int64, error) { return pathID(c, "id") }

// getHandler answers GET of one row: the key from the path, the row as the
// caller sees it, rendered by out.
func getHandler[K, Row, Out any](s *Server, key func(*fiber.Ctx) (K, error), get rowGetter[K, Row], out func(Row) Out) fiber.Handler {
	return func(c *fiber.Ctx) error {
		k, err := key(c)
		if err != nil {
			return err
		}
		r, err := get(c, db.Q(s.deps.Pool), k)
		if err != nil {
			return err
		}
		return c.JSON(out(r))
	}
}

// changeRow answers a write to one existing row: in one transaction it
// loads the row as the caller sees it and runs change on it, then answers
// 200 with what change returns. change maps a failed versioned UPDATE
// with versioned.
func changeRow[K, Cur, Out any](s *Server, c *fiber.Ctx, key K, get rowGetter[K, Cur], change func(q *dbq.Queries, cur Cur) (Out, error)) error {
	var out Out
	err := s.inTx(c, func(q *dbq.Queries) error {
		cur, err := get(c, q, key)
		if err != nil {
			return err
		}
		out, err = change(q, cur)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// versioned maps "no row updated" of a versioned UPDATE (after the row was
// found in scope) to a version conflict.
func versioned(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return errVersionConflict
	}
	return err
}

// versionIn is the body of a step that needs nothing but the version read.
type versionIn struct {
	Version *int32 `json:"version" required:"true"`
}

// decodeVersion reads a versionIn body.
func decodeVersion(c *fiber.Ctx) (int32, error) {
	var in versionIn
	if err := decodeBody(c, &in); err != nil {
		return 0, err
	}
	var v check
	v.required("version", in.Version != nil)
	if err := v.err(); err != nil {
		return 0, err
	}
	return *in.Version, nil
}

// ---- deactivate and reactivate ----

// activeIn deactivates (with a reason) or reactivates a registry row.
type activeIn struct {
	Reason  *string `json:"reason,omitempty" doc:"required when deactivating"`
	Version *int32  `json:"version" required:"true"`
}

// deactivateIn documents the body of a deactivation that cannot be undone
// (an append-only row): the reason is required. It decodes as activeIn.
type deactivateIn struct {
	Reason  *string `json:"reason" required:"true"`
	Version *int32  `json:"version" required:"true"`
}

// decodeActive reads a deactivate/reactivate body: a version always, and a
// reason when deactivating.
func decodeActive(c *fiber.Ctx, active bool) (activeIn, error) {
	var in activeIn
	if err := decodeBody(c, &in); err != nil {
		return in, err
	}
	var v check
	v.required("version", in.Version != nil)
	v.text("reason", in.Reason, !active, 500)
	if active {
		in.Reason = nil
	}
	return in, v.err()
}

// activeArgs are the parameters of every XSetActive query: queries/*.sql
// name them in this order (the key is id), so sqlc generates parameter
// structs of this one underlying type (activeParams).
type activeArgs[K any] struct {
	Active  bool
	Reason  *string
	ID      K
	Version int32
}

// activeParams is dbq.XSetActiveParams for any X (and activeArgs itself).
type activeParams[K any] interface {
	~struct {
		Active  bool
		Reason  *string
		ID      K
		Version int32
	}
}

// setActiveHandler answers POST .../deactivate (active false) and
// .../reactivate (true):
//
//   - guard (nil: none) decides who may write at all, before anything else;
//   - key reads the row's key from the path;
//   - the body gives the version read (and, to deactivate, a reason);
//   - in one transaction, get loads the row as the caller sees it (it may
//     also refuse the change), set is the XSetActive query, e.g.
//     (*dbq.Queries).TeamSetActive (a stale version is a conflict), and
//     out renders the answer from the row before and after.
func setActiveHandler[K, Cur, Row any, P activeParams[K]](s *Server, active bool,
	guard func(*fiber.Ctx) error, key func(*fiber.Ctx) (K, error), get rowGetter[K, Cur],
	set func(*dbq.Queries, context.Context, P) (Row, error),
	out func(c *fiber.Ctx, q *dbq.Queries, cur Cur, row Row) (any, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if guard != nil {
			if err := guard(c); err != nil {
				return err
			}
		}
		k, err := key(c)
		if err != nil {
			return err
		}
		in, err := decodeActive(c, active)
		if err != nil {
			return err
		}
		return changeRow(s, c, k, get, func(q *dbq.Queries, cur Cur) (any, error) {
			row, err := set(q, c.UserContext(), P{Active: active, Reason: in.Reason, ID: k, Version: *in.Version})
			if err != nil {
				return nil, versioned(err)
			}
			return out(c, q, cur, row)
		})
	}
}

// ---- lists ----

// listPage answers a list request with one page. (List queries filter with
// "(@x IS NULL OR …)", which needs plans made for the actual values: every
// pool from db.Open forces them.) fetch reads the rows at
// limit and offset; every row carries the total (count(*) OVER () or a
// separate count, see workers.sql), which total reads; out renders a row.
// A page past the end has no row to carry the total, so then the total is
// read from the first page.
func listPage[R, Out any](c *fiber.Ctx, p page, fetch func(lim, off int32) ([]R, error), total func(R) int64, out func(R) Out) error {
	rows, err := fetch(p.limit(), p.offset())
	if err != nil {
		return err
	}
	if len(rows) == 0 && p.offset() > 0 {
		first, err := fetch(1, 0)
		if err != nil {
			return err
		}
		return listResponse(c, p, []Out{}, totalOf(first, total))
	}
	items := make([]Out, len(rows))
	for i, r := range rows {
		items[i] = out(r)
	}
	return listResponse(c, p, items, totalOf(rows, total))
}

func totalOf[R any](rows []R, total func(R) int64) int64 {
	if len(rows) == 0 {
		return 0
	}
	return total(rows[0])
}

// wholeList answers an unpaged list (all rows as one page).
func wholeList[T any](c *fiber.Ctx, items []T) error {
	return listResponse(c, page{Page: 1, PageSize: len(items)}, items, int64(len(items)))
}
