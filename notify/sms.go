package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// SMS sends a text message; it answers the provider's id of the message.
// An error means not sent (the outbox retries it with backoff).
type SMS interface {
	Send(ctx context.Context, phone, text string) (id string, err error)
}

// Providers (config ANXIN_SMS_PROVIDER).
const (
	ProviderOutbox = "outbox"
	ProviderHTTP   = "http"
)

// Outbox is the development and test provider: it sends nothing, and a
// message is delivered by being marked sent in sms_outbox, where tests
// and developers read it.
type Outbox struct{ n atomic.Int64 }

// Send answers a local id.
func (o *Outbox) Send(_ context.Context, _, _ string) (string, error) {
	return "outbox-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(o.n.Add(1), 10), nil
}

// HTTP posts each message as JSON {"phone", "text"} to URL with
// "Authorization: Bearer <Token>" (when set). A 2xx answer is sent (its
// JSON "id", if any, is the provider's id); anything else, or no answer
// within Timeout, is a failure.
type HTTP struct {
	URL     string
	Token   string
	Timeout time.Duration // default 10 s
	Client  *http.Client  // default http.DefaultClient
}

// Send posts one message.
func (h *HTTP) Send(ctx context.Context, phone, text string) (string, error) {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := json.Marshal(map[string]string{"phone": phone, "text": text})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if h.Token != "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "", fmt.Errorf("sms provider: no answer within %s", timeout)
		}
		return "", fmt.Errorf("sms provider: %w", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return "", fmt.Errorf("sms provider: HTTP %d: %s", res.StatusCode, truncate(strings.TrimSpace(string(raw)), 200))
	}
	var out struct {
		ID any `json:"id"`
	}
	if json.Unmarshal(raw, &out) == nil && out.ID != nil {
		return fmt.Sprint(out.ID), nil
	}
	return "", nil
}

// NewProvider makes the provider the configuration names.
func NewProvider(kind, url, token string) (SMS, error) {
	switch kind {
	case "", ProviderOutbox:
		return &Outbox{}, nil
	case ProviderHTTP:
		if url == "" {
			return nil, errors.New("sms provider http: ANXIN_SMS_URL is required")
		}
		return &HTTP{URL: url, Token: token}, nil
	}
	return nil, fmt.Errorf("sms provider %q: want outbox or http", kind)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
