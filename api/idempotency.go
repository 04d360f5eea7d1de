package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Idempotency keys. A client on a bad link does not know whether a create
// request whose answer it lost was carried out; sending it again must not
// record a second lead (or enterprise, or upload). So every create route
// — a POST answering 201, and the routes flagged Idempotent in the route
// table (the lead import) — accepts an Idempotency-Key header (1 to 128
// visible ASCII characters, e.g. a UUID the client made for this
// request), and the guard wraps its handler:
//
//   - the key is claimed for (account, route template, key) in
//     idempotency_keys before the handler runs — a row committed at once,
//     so that a concurrent duplicate finds it in flight (409
//     idempotency_in_progress);
//   - a success is kept (status, body encrypted with the personal-data
//     key, the headers in replayedHeaders) and answered again to every
//     request with the same key and the same request (method, path, query
//     and body — JSON compared canonically), with Idempotent-Replayed:
//     true; another request with the key is 422 idempotency_key_reused;
//   - an error gives the key back (a refused request changed nothing and
//     may be sent again, corrected), except a server error after the
//     request committed a transaction (a lead recorded, its workflow not
//     started): that answer is kept too, so that a retry cannot record the
//     lead twice;
//   - keys expire after 24 hours: an expired key is claimed anew, and each
//     claim purges a batch of expired rows.
//
// A key is claimed only once the caller is signed in and allowed, and the
// query is checked: refusals before that use no key.

const (
	headerIdempotencyKey = "Idempotency-Key"
	headerReplayed       = "Idempotent-Replayed"
	idempotencyTTL       = 24 * time.Hour
	idempotencyKeyMax    = 128
	// kindIdempotentResponse binds the encryption of kept answers.
	kindIdempotentResponse = "idempotent_response"
)

// replayedHeaders are the response headers kept with an answer.
var replayedHeaders = []string{fiber.HeaderContentType, fiber.HeaderLocation, headerUploadOffset}

var (
	errIdempotencyKeyInvalid = &Error{Status: http.StatusBadRequest, Code: "invalid_idempotency_key",
		Message: "请求头 Idempotency-Key 不正确",
		Fields:  map[string]string{headerIdempotencyKey: "应为1至128个可见ASCII字符（如UUID），不能含空格或中文"}}
	errIdempotencyKeyReused = &Error{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused",
		Message: "该 Idempotency-Key 已用于内容不同的请求，新的请求请使用新的键",
		Fields:  map[string]string{headerIdempotencyKey: "已用于另一请求"}}
	errIdempotencyInProgress = &Error{Status: http.StatusConflict, Code: "idempotency_in_progress",
		Message: "使用该 Idempotency-Key 的请求正在处理中，请稍后重试",
		Fields:  map[string]string{headerIdempotencyKey: "请求处理中"}}
)

// idempotent reports whether route r takes an Idempotency-Key: the create
// routes (POST answering 201) and those flagged, of signed-in callers.
func (r route) idempotent() bool {
	return !r.Public && (r.Idempotent || (r.Method == fiber.MethodPost && r.Status == http.StatusCreated))
}

// validIdempotencyKey reports whether k is 1 to 128 visible ASCII characters.
func validIdempotencyKey(k []byte) bool {
	if len(k) == 0 || len(k) > idempotencyKeyMax {
		return false
	}
	for _, b := range k {
		if b < 0x21 || b > 0x7e {
			return false
		}
	}
	return true
}

// requestHash identifies a request: method, path, query and body, a JSON
// body canonically (so that key order and spacing do not matter).
func requestHash(c *fiber.Ctx) []byte {
	h := sha256.New()
	h.Write([]byte(c.Method()))
	h.Write([]byte{0})
	h.Write(c.Request().URI().Path())
	h.Write([]byte{0})
	h.Write(c.Request().URI().QueryString())
	h.Write([]byte{0})
	body := c.Body()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil {
		if _, err := dec.Token(); errors.Is(err, io.EOF) {
			if canon, err := json.Marshal(v); err == nil {
				body = canon
			}
		}
	}
	h.Write(body)
	return h.Sum(nil)
}

// withIdempotency runs next (the handler) under the request's
// Idempotency-Key, if it has one: see above.
func (s *Server) withIdempotency(c *fiber.Ctx, action string, next func() error) error {
	raw := c.Request().Header.Peek(headerIdempotencyKey)
	if raw == nil {
		return next()
	}
	if !validIdempotencyKey(raw) {
		return errIdempotencyKeyInvalid
	}
	key := string(raw)
	auditDetail(c, "idempotency_key", key)
	// bookkeeping outlives a client that went away
	ctx := context.WithoutCancel(c.UserContext())
	q := db.Q(s.deps.Pool)
	now := s.deps.Now().Truncate(time.Microsecond) // as Postgres keeps it
	claim := dbq.IdempotencyClaimParams{AccountID: principalOf(c).AccountID, Route: action, Key: key,
		RequestHash: requestHash(c), Now: now, ExpiredBefore: now.Add(-idempotencyTTL)}
	for attempt := 0; ; attempt++ {
		n, err := q.IdempotencyClaim(ctx, claim)
		if err != nil {
			return err
		}
		if n == 1 {
			break
		}
		prior, err := q.IdempotencyGet(ctx, dbq.IdempotencyGetParams{AccountID: claim.AccountID, Route: action, Key: key})
		if errors.Is(err, db.ErrNotFound) && attempt < 3 {
			continue // given back meanwhile: claim it
		}
		if err != nil {
			return err
		}
		switch {
		case !bytes.Equal(prior.RequestHash, claim.RequestHash):
			return errIdempotencyKeyReused
		case prior.Status == nil:
			c.Set(fiber.HeaderRetryAfter, "1")
			return errIdempotencyInProgress
		}
		return s.replay(c, prior)
	}
	if _, err := q.IdempotencyPurge(ctx, claim.ExpiredBefore); err != nil {
		s.deps.Logger.Warn("idempotency: expired keys not purged", "err", err)
	}

	herr := next()
	status, body := c.Response().StatusCode(), []byte(nil)
	keep := false
	switch {
	case herr == nil && status < 400 && !c.Response().IsBodyStream():
		keep, body = true, bytes.Clone(c.Response().Body())
	case herr != nil:
		if ce := toClientError(herr); ce.Status >= 500 && committed(c) {
			// something was written before the failure: the answer stands
			keep, status = true, ce.Status
			body, _ = json.Marshal(errorResponse(ce))
			c.Response().Header.SetContentType(fiber.MIMEApplicationJSONCharsetUTF8)
		}
	}
	done := dbq.IdempotencyReleaseParams{AccountID: claim.AccountID, Route: action, Key: key, CreatedAt: now}
	if !keep {
		if err := q.IdempotencyRelease(ctx, done); err != nil {
			s.deps.Logger.Error("idempotency: key not released", "route", action, "err", err)
		}
		return herr
	}
	if err := s.keepAnswer(ctx, c, q, done, status, body); err != nil {
		// the request was carried out; its key stays in flight until it
		// expires, so that a retry cannot carry it out twice
		s.deps.Logger.Error("idempotency: answer not kept", "route", action, "err", err)
	}
	return herr
}

// keepAnswer stores the answer of the request that claimed a key.
func (s *Server) keepAnswer(ctx context.Context, c *fiber.Ctx, q *dbq.Queries, k dbq.IdempotencyReleaseParams, status int, body []byte) error {
	enc, err := s.deps.PII.Encrypt(kindIdempotentResponse, string(body))
	if err != nil {
		return err
	}
	headers := map[string]string{}
	for _, h := range replayedHeaders {
		if v := c.GetRespHeader(h); v != "" {
			headers[h] = v
		}
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return err
	}
	st, now := int32(status), s.deps.Now()
	_, err = q.IdempotencyComplete(ctx, dbq.IdempotencyCompleteParams{Status: &st, ResponseBody: enc, ResponseHeaders: hj,
		Now: &now, AccountID: k.AccountID, Route: k.Route, Key: k.Key, CreatedAt: k.CreatedAt})
	return err
}

// replay answers a request with the kept answer of its key.
func (s *Server) replay(c *fiber.Ctx, prior dbq.IdempotencyKey) error {
	body, err := s.deps.PII.Decrypt(kindIdempotentResponse, prior.ResponseBody)
	if err != nil {
		return err
	}
	var headers map[string]string
	if err := json.Unmarshal(prior.ResponseHeaders, &headers); err != nil {
		return err
	}
	for k, v := range headers {
		c.Set(k, v)
	}
	c.Set(headerReplayed, "true")
	auditDetail(c, "idempotent_replay", true)
	return c.Status(int(*prior.Status)).SendString(body)
}
