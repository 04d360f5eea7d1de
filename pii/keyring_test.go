package pii

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

func mustKeyring(t testing.TB, id byte, master []byte) *Keyring {
	t.Helper()
	k, err := NewKeyring(id, master)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestRoundTrip(t *testing.T) {
	k := mustKeyring(t, 1, testKey(1))
	for _, tc := range []struct{ kind, pt string }{
		{KindIDNumber, "330102199001011234"},
		{KindPhone, "13812345678"},
		{KindBankCard, "6222021234567890128"},
		{KindName, "张三丰"},
		{KindName, ""},
		{"custom", strings.Repeat("x", 10000)},
	} {
		ct, err := k.Encrypt(tc.kind, tc.pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(ct) != len(tc.pt)+Overhead {
			t.Errorf("len(ct) = %d, want %d", len(ct), len(tc.pt)+Overhead)
		}
		if ct[0] != FormatV1 || ct[1] != 1 {
			t.Errorf("header = %x", ct[:2])
		}
		if tc.pt != "" && bytes.Contains(ct, []byte(tc.pt)) {
			t.Error("plaintext visible in ciphertext")
		}
		got, err := k.Decrypt(tc.kind, ct)
		if err != nil || got != tc.pt {
			t.Errorf("Decrypt = %q, %v; want %q", got, err, tc.pt)
		}
	}
}

func TestEncryptIsRandomized(t *testing.T) {
	k := mustKeyring(t, 1, testKey(1))
	a, _ := k.Encrypt(KindPhone, "13812345678")
	b, _ := k.Encrypt(KindPhone, "13812345678")
	if bytes.Equal(a, b) {
		t.Fatal("two encryptions of the same value are equal")
	}
}

func TestTamperDetection(t *testing.T) {
	k := mustKeyring(t, 1, testKey(1))
	ct, err := k.Encrypt(KindIDNumber, "330102199001011234")
	if err != nil {
		t.Fatal(err)
	}
	for i := range ct {
		for _, bit := range []byte{0x01, 0x80} {
			bad := bytes.Clone(ct)
			bad[i] ^= bit
			if pt, err := k.Decrypt(KindIDNumber, bad); err == nil {
				t.Fatalf("flipped bit %#x of byte %d accepted: %q", bit, i, pt)
			}
		}
	}
	// Truncation and extension.
	for _, bad := range [][]byte{nil, {}, ct[:1], ct[:Overhead-1], ct[:len(ct)-1], append(bytes.Clone(ct), 0)} {
		if _, err := k.Decrypt(KindIDNumber, bad); err == nil {
			t.Fatalf("ciphertext of length %d accepted", len(bad))
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	k := mustKeyring(t, 1, testKey(1))
	ct, _ := k.Encrypt(KindIDNumber, "330102199001011234")

	if _, err := k.Decrypt(KindPhone, ct); !errors.Is(err, ErrAuthentication) {
		t.Errorf("wrong kind: %v", err)
	}
	other := mustKeyring(t, 1, testKey(2))
	if _, err := other.Decrypt(KindIDNumber, ct); !errors.Is(err, ErrAuthentication) {
		t.Errorf("wrong key: %v", err)
	}
	other2 := mustKeyring(t, 2, testKey(1))
	if _, err := other2.Decrypt(KindIDNumber, ct); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("unknown key id: %v", err)
	}
	bad := bytes.Clone(ct)
	bad[0] = 2
	if _, err := k.Decrypt(KindIDNumber, bad); !errors.Is(err, ErrUnknownVersion) {
		t.Errorf("version: %v", err)
	}
	if _, err := k.Decrypt(KindIDNumber, ct[:Overhead-1]); !errors.Is(err, ErrMalformed) {
		t.Errorf("short: %v", err)
	}
	if _, err := k.Decrypt("", ct); !errors.Is(err, ErrEmptyKind) {
		t.Errorf("empty kind: %v", err)
	}
	if _, err := k.Encrypt("", "x"); !errors.Is(err, ErrEmptyKind) {
		t.Errorf("empty kind: %v", err)
	}
	// Errors never carry the plaintext.
	if _, err := k.Decrypt(KindPhone, ct); strings.Contains(err.Error(), "330102") {
		t.Errorf("error leaks plaintext: %v", err)
	}
}

func TestKeyringConstruction(t *testing.T) {
	if _, err := NewKeyring(0, testKey(1)); !errors.Is(err, ErrKeyID) {
		t.Errorf("id 0: %v", err)
	}
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKeyring(1, make([]byte, n)); !errors.Is(err, ErrKeySize) {
			t.Errorf("key size %d: %v", n, err)
		}
	}
	k := mustKeyring(t, 1, testKey(1))
	if _, err := k.WithKey(1, testKey(2)); !errors.Is(err, ErrDuplicateKeyID) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := k.WithKey(0, testKey(2)); !errors.Is(err, ErrKeyID) {
		t.Errorf("id 0: %v", err)
	}
	if _, err := k.WithKey(2, testKey(2)[:5]); !errors.Is(err, ErrKeySize) {
		t.Errorf("size: %v", err)
	}
	if k2, err := New(testKey(1)); err != nil || k2.CurrentKeyID() != 1 {
		t.Errorf("New: %v", err)
	}
	var nilK *Keyring
	if _, err := nilK.Encrypt(KindPhone, "x"); err == nil {
		t.Error("nil keyring encrypted")
	}
	if _, err := nilK.Decrypt(KindPhone, nil); err == nil {
		t.Error("nil keyring decrypted")
	}
}

// Known-answer tests. The expected values were computed independently (Python:
// hmac/hashlib HKDF and cryptography's AESGCM) from the format documented in
// doc.go. A failure means existing data could no longer be read or found.
func TestKnownAnswers(t *testing.T) {
	k := mustKeyring(t, 1, testKey(7))
	const wantHash = "86d293aa3414d84eb85e02773d7ee6f436497f6ff7c88cdc6bb29973a5c0bcaf"
	if got := hex.EncodeToString(k.Hash(KindPhone, "13812345678")); got != wantHash {
		t.Errorf("Hash = %s, want %s", got, wantHash)
	}
	ct, _ := hex.DecodeString("0101000102030405060708090a0b438141e2659e57c8bd17ed94491f00357e00354f0de92c3f5e018e661a1ced067f4b")
	if pt, err := k.Decrypt(KindIDNumber, ct); err != nil || pt != "330102199001011234" {
		t.Errorf("Decrypt(known ciphertext) = %q, %v", pt, err)
	}
}

func TestRotation(t *testing.T) {
	k1 := mustKeyring(t, 1, testKey(1))
	old, err := k1.Encrypt(KindIDNumber, "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	h1 := k1.Hash(KindIDNumber, "11010519491231002X")

	k2, err := k1.WithKey(2, testKey(2))
	if err != nil {
		t.Fatal(err)
	}
	if k1.CurrentKeyID() != 1 || k2.CurrentKeyID() != 2 {
		t.Fatalf("current ids %d %d", k1.CurrentKeyID(), k2.CurrentKeyID())
	}
	// Old ciphertext still decrypts.
	if pt, err := k2.Decrypt(KindIDNumber, old); err != nil || pt != "11010519491231002X" {
		t.Fatalf("old ciphertext after rotation: %q, %v", pt, err)
	}
	// New ciphertext uses key 2.
	fresh, err := k2.Encrypt(KindIDNumber, "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if id, err := k2.KeyID(fresh); err != nil || id != 2 {
		t.Fatalf("KeyID(fresh) = %d, %v", id, err)
	}
	if id, err := k2.KeyID(old); err != nil || id != 1 {
		t.Fatalf("KeyID(old) = %d, %v", id, err)
	}
	// The old keyring is unchanged and cannot read the new key's data.
	if _, err := k1.Decrypt(KindIDNumber, fresh); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("k1 decrypting key-2 data: %v", err)
	}
	// Look-up hashes survive rotation.
	if !bytes.Equal(k2.Hash(KindIDNumber, "11010519491231002X"), h1) {
		t.Fatal("hash changed on rotation")
	}
	// A keyring with the key ids swapped decrypts both as well.
	k3, err := mustKeyring(t, 2, testKey(2)).WithKey(1, testKey(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range [][]byte{old, fresh} {
		if pt, err := k3.Decrypt(KindIDNumber, ct); err != nil || pt != "11010519491231002X" {
			t.Fatalf("k3: %q, %v", pt, err)
		}
	}
}

func TestHash(t *testing.T) {
	k := mustKeyring(t, 1, testKey(1))
	a := k.Hash(KindIDNumber, "330102199001011234")
	if len(a) != HashSize {
		t.Fatalf("len = %d", len(a))
	}
	if !bytes.Equal(a, k.Hash(KindIDNumber, "330102199001011234")) {
		t.Fatal("hash not deterministic")
	}
	if !bytes.Equal(a, mustKeyring(t, 1, testKey(1)).Hash(KindIDNumber, "330102199001011234")) {
		t.Fatal("hash differs between keyrings with the same key")
	}
	if !bytes.Equal(a, mustKeyring(t, 9, testKey(1)).Hash(KindIDNumber, "330102199001011234")) {
		t.Fatal("hash depends on key id")
	}
	distinct := [][]byte{
		a,
		k.Hash(KindPhone, "330102199001011234"),
		k.Hash(KindIDNumber, "330102199001011235"),
		mustKeyring(t, 1, testKey(2)).Hash(KindIDNumber, "330102199001011234"),
		// Kind/value boundary is unambiguous.
		k.Hash("id_number3", "30102199001011234"),
		k.Hash("id_numbe", "r330102199001011234"),
		k.Hash("", "id_number330102199001011234"),
	}
	seen := map[string]int{}
	for i, h := range distinct {
		if j, ok := seen[string(h)]; ok {
			t.Fatalf("hash %d equals hash %d", i, j)
		}
		seen[string(h)] = i
	}
}

func TestConcurrentUse(t *testing.T) {
	k := mustKeyring(t, 1, testKey(1))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				ct, err := k.Encrypt(KindPhone, "13812345678")
				if err != nil {
					t.Error(err)
					return
				}
				if pt, err := k.Decrypt(KindPhone, ct); err != nil || pt != "13812345678" {
					t.Error("concurrent round trip failed")
					return
				}
				k.Hash(KindPhone, "13812345678")
			}
		}()
	}
	wg.Wait()
}

func BenchmarkEncrypt(b *testing.B) {
	k := mustKeyring(b, 1, testKey(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Encrypt(KindIDNumber, "330102199001011234"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecrypt(b *testing.B) {
	k := mustKeyring(b, 1, testKey(1))
	ct, _ := k.Encrypt(KindIDNumber, "330102199001011234")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Decrypt(KindIDNumber, ct); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	k := mustKeyring(b, 1, testKey(1))
	b.ReportAllocs()
	for b.Loop() {
		k.Hash(KindIDNumber, "330102199001011234")
	}
}
