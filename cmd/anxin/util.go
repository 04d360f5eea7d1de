package main

import (
	"net"
	"net/url"
)

func splitHostPort(s string) (string, string, error) { return net.SplitHostPort(s) }

// redact hides a password in a database URL for printing.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid url)"
	}
	return u.Redacted()
}
