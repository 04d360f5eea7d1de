package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Params are the argon2id parameters for new hashes: OWASP's minimum
// recommendation (19 MiB, two passes, one lane). Verifying uses the
// parameters recorded in each hash, so raising them later only affects
// new and re-hashed passwords.
var Params = argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// hashSlots bounds how many argon2id computations run at once (each takes
// Params.Memory), so a flood of logins cannot exhaust memory.
var hashSlots = make(chan struct{}, 4)

func withSlot(ctx context.Context, fn func() error) error {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-hashSlots }()
	return fn()
}

// HashPassword returns the argon2id hash of password in PHC string form.
func HashPassword(ctx context.Context, password string) (string, error) {
	var h string
	err := withSlot(ctx, func() (err error) {
		h, err = argon2id.CreateHash(password, &Params)
		return err
	})
	return h, err
}

// dummyHash is compared against when a login names no account, so that the
// answer takes as long as for a wrong password.
var dummyHash = func() string {
	h, err := argon2id.CreateHash("anxin-no-such-account", &Params)
	if err != nil {
		panic(err)
	}
	return h
}()

// CheckPassword reports whether password matches hash. An empty hash
// (no account) is checked against a dummy so that timing does not tell
// whether a user name exists; it never matches.
func CheckPassword(ctx context.Context, hash, password string) (bool, error) {
	var ok bool
	err := withSlot(ctx, func() (err error) {
		if hash == "" {
			_, err = argon2id.ComparePasswordAndHash(password, dummyHash)
			return err
		}
		ok, err = argon2id.ComparePasswordAndHash(password, hash)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("auth: check password: %w", err)
	}
	return ok, nil
}

// Password policy (密码策略), after the usual rules of Chinese government
// systems (等保 2.0): 8 to 64 characters, at least three of the four
// classes (lower case, upper case, digits, symbols), not containing the
// login name, and not one of the commonest passwords.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 64
)

// PolicyError says why a password was refused: a stable code and the
// message for the user (Chinese).
type PolicyError struct {
	Code    string
	Message string
}

func (e *PolicyError) Error() string { return "auth: password refused: " + e.Code }

// common passwords that satisfy the class rule but are guessed first.
var common = map[string]bool{
	"password1!": true, "p@ssw0rd": true, "p@ssword1": true, "admin@123": true, "admin123!": true,
	"abc@1234": true, "abcd@1234": true, "qwer@1234": true, "qwe123!@#": true, "1qaz@wsx": true,
	"1qaz!qaz": true, "passw0rd!": true, "welcome1!": true, "aa123456!": true, "a1234567!": true,
}

// CheckPolicy returns a *PolicyError if password may not be used by the
// account with login name username.
func CheckPolicy(password, username string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return &PolicyError{"password_length", fmt.Sprintf("密码长度须为 %d 至 %d 位", MinPasswordLen, MaxPasswordLen)}
	}
	var lower, upper, digit, symbol bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsControl(r) || unicode.IsSpace(r):
			return &PolicyError{"password_chars", "密码不能包含空格或控制字符"}
		default:
			symbol = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, symbol} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return &PolicyError{"password_weak", "密码须至少包含大写字母、小写字母、数字、符号中的三类"}
	}
	lp := strings.ToLower(password)
	if username != "" && strings.Contains(lp, strings.ToLower(username)) {
		return &PolicyError{"password_contains_username", "密码不能包含登录名"}
	}
	if common[lp] {
		return &PolicyError{"password_common", "密码过于常见，请换一个"}
	}
	return nil
}

// IsPolicyError reports whether err is a *PolicyError.
func IsPolicyError(err error) (*PolicyError, bool) {
	var pe *PolicyError
	ok := errors.As(err, &pe)
	return pe, ok
}

// TemporaryPassword makes a random password that satisfies the policy,
// for a new account or an administrator's reset (the user must change it
// at the first login). It avoids characters that are easily confused.
func TemporaryPassword() string {
	const (
		lowers  = "abcdefghjkmnpqrstuvwxyz"
		uppers  = "ABCDEFGHJKMNPQRSTUVWXYZ"
		digits  = "23456789"
		symbols = "@#%+=?"
	)
	sets := []string{lowers, uppers, digits, symbols, lowers, uppers, digits, lowers, uppers, digits, lowers, digits}
	b := make([]byte, len(sets))
	r := make([]byte, len(sets))
	if _, err := rand.Read(r); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i, set := range sets {
		b[i] = set[int(r[i])%len(set)]
	}
	return string(b)
}
