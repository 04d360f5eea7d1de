package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// tokenPrefix marks Anxin session tokens (so that a leaked one is easy to
// recognise in logs and by secret scanners).
const tokenPrefix = "axs_"

// NewToken returns a new session token for the client and the hash to
// store: 32 random bytes, base64url-encoded after the prefix.
func NewToken() (token string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the stored form of a token: its SHA-256. A token is 256
// random bits, so a plain (unsalted, fast) hash is enough: what the table
// holds cannot be replayed and cannot be guessed back.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// WellFormed reports whether s looks like a token NewToken makes; others
// are refused without a database look-up.
func WellFormed(s string) bool {
	if !strings.HasPrefix(s, tokenPrefix) || len(s) != len(tokenPrefix)+43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(tokenPrefix):])
	return err == nil
}
