package api

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// The client of a request is who the rate limit, the sign-in lockout and
// the system log count: the address the connection comes from, or —
// when that is one of the load balancers named in Deps.TrustedProxies —
// the address the load balancer says it forwarded for. X-Forwarded-For is
// read from the right, skipping the trusted proxies' own addresses, so
// that what a client writes into the header itself (the left part) is
// never believed: nobody can choose the address they are counted under.

const clientIPKey = "anxin.client_ip"

// ParseTrustedProxies parses addresses and CIDR prefixes
// ("10.0.0.5", "10.1.0.0/16", "fd00::/8").
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", s, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func trusted(proxies []netip.Prefix, a netip.Addr) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// resolveClientIP is the client address of a request (see above).
func resolveClientIP(c *fiber.Ctx, proxies []netip.Prefix) string {
	remote, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.IP()
	}
	remote = remote.Unmap()
	if len(proxies) == 0 || !trusted(proxies, remote) {
		return remote.String()
	}
	client := remote
	hops := strings.Split(c.Get(fiber.HeaderXForwardedFor), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: believe nothing further left
		}
		client = a.Unmap()
		if !trusted(proxies, client) {
			break
		}
	}
	return client.String()
}

// clientIP is the client address of a request, as resolved once by the
// first middleware.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(clientIPKey).(string); ok {
		return ip
	}
	return c.IP()
}

// clientKey is what sign-in failures are counted under for an address: an
// IPv4 address itself; for IPv6 its /64 prefix, since one subscriber
// usually holds a whole /64 and could otherwise change address at will.
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return truncate(ip, 64)
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}
