package auth

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPasswordHashRoundTrip(t *testing.T) {
	ctx := context.Background()
	h, err := HashPassword(ctx, "Secret#2026")
	require.NoError(t, err)
	require.Contains(t, h, "$argon2id$")
	ok, err := CheckPassword(ctx, h, "Secret#2026")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = CheckPassword(ctx, h, "secret#2026")
	require.NoError(t, err)
	require.False(t, ok)
	ok, err = CheckPassword(ctx, "", "Secret#2026")
	require.NoError(t, err)
	require.False(t, ok, "no account never matches")
}

func TestPolicy(t *testing.T) {
	for pw, code := range map[string]string{
		"Ab1!":              "password_length",
		"abcdefgh1":         "password_weak",
		"ABCDEFGH":          "password_weak",
		"Abcdefgh":          "password_weak",
		"Zhangsan#2026":     "password_contains_username",
		"P@ssw0rd":          "password_common",
		"Good Pass1":        "password_chars",
		"Ok-Password-2026":  "",
		"工地安薪Aa12":          "",
		"abcdef12#":         "",
		"ABCDEF12#":         "",
		"Abcdefghijklmn123": "",
	} {
		err := CheckPolicy(pw, "zhangsan")
		if code == "" {
			require.NoError(t, err, pw)
			continue
		}
		pe, ok := IsPolicyError(err)
		require.True(t, ok, pw)
		require.Equal(t, code, pe.Code, pw)
		require.NotEmpty(t, pe.Message)
	}
}

func TestTemporaryPasswordPassesPolicy(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		p := TemporaryPassword()
		require.NoError(t, CheckPolicy(p, "someone"))
		require.False(t, seen[p])
		seen[p] = true
	}
}

func TestTokens(t *testing.T) {
	tok, h := NewToken()
	require.True(t, WellFormed(tok))
	require.Equal(t, h, HashToken(tok))
	tok2, h2 := NewToken()
	require.NotEqual(t, tok, tok2)
	require.NotEqual(t, h, h2)
	for _, bad := range []string{"", "axs_", "Bearer " + tok, tok + "x", "xyz_" + tok[4:], tok[:len(tok)-1] + "!"} {
		require.False(t, WellFormed(bad), bad)
	}
}

// BenchmarkCheckPassword is the cost of one sign-in's hash check (argon2id
// with Params), sequential and on all cores.
func BenchmarkCheckPassword(b *testing.B) {
	ctx := context.Background()
	h, err := HashPassword(ctx, "Secret#2026")
	require.NoError(b, err)
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if ok, err := CheckPassword(ctx, h, "Secret#2026"); err != nil || !ok {
				b.Fatal(ok, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if ok, err := CheckPassword(ctx, h, "Secret#2026"); err != nil || !ok {
					b.Fatal(ok, err)
				}
			}
		})
	})
}
