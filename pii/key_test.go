package pii

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestLoadKeyFromConfig(t *testing.T) {
	want := testKey(3)
	for _, cfg := range []string{
		base64.StdEncoding.EncodeToString(want),
		base64.RawStdEncoding.EncodeToString(want),
		base64.URLEncoding.EncodeToString(want),
		"  " + base64.StdEncoding.EncodeToString(want) + "\n",
	} {
		for _, dev := range []bool{false, true} {
			dir := t.TempDir()
			got, err := LoadKey(cfg, dir, dev)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("LoadKey(%q, dev=%v) = %x, %v", cfg, dev, got, err)
			}
			if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
				t.Fatal("configured key must not create a key file")
			}
		}
	}
	// URL-safe alphabet with - and _.
	k := bytes.Repeat([]byte{0xfb, 0xff}, 16)
	if got, err := LoadKey(base64.RawURLEncoding.EncodeToString(k), "", false); err != nil || !bytes.Equal(got, k) {
		t.Fatalf("raw URL encoding: %v", err)
	}
}

func TestLoadKeyInvalidConfig(t *testing.T) {
	secret := "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" // valid base64 of 21 bytes
	for _, cfg := range []string{"not base64!!", secret, base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		dir := t.TempDir()
		_, err := LoadKey(cfg, dir, true) // dev must not fall back to a key file
		if err == nil {
			t.Fatalf("LoadKey(%q) succeeded", cfg)
		}
		if strings.Contains(err.Error(), cfg) {
			t.Fatalf("error leaks the configured value: %v", err)
		}
		if _, err := os.Stat(filepath.Join(dir, KeyFileName)); !os.IsNotExist(err) {
			t.Fatal("invalid configuration must not create a key file")
		}
	}
}

func TestLoadKeyProductionWithoutKey(t *testing.T) {
	for _, cfg := range []string{"", "   "} {
		_, err := LoadKey(cfg, t.TempDir(), false)
		if !errors.Is(err, ErrNoKey) {
			t.Fatalf("got %v, want ErrNoKey", err)
		}
	}
	if !strings.Contains(ErrNoKey.Error(), "ANXIN_PII_KEY") {
		t.Fatal("ErrNoKey should tell the operator what to set")
	}
}

func TestLoadKeyDevGeneratesAndReuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	k1, err := LoadKey("", dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(k1) != KeySize || bytes.Equal(k1, make([]byte, KeySize)) {
		t.Fatalf("bad generated key %x", k1)
	}
	path := filepath.Join(dir, KeyFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadKey("", dir, true)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("second start got a different key: %v", err)
	}
	// The file is in configuration form, so it can be promoted to ANXIN_PII_KEY.
	b, _ := os.ReadFile(path)
	if k3, err := LoadKey(string(b), "", false); err != nil || !bytes.Equal(k1, k3) {
		t.Fatalf("key file content is not a valid configuration value: %v", err)
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("data dir has %d entries, want 1", len(entries))
	}
}

func TestLoadKeyDevConcurrentFirstStart(t *testing.T) {
	dir := t.TempDir()
	const n = 16
	keys := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = LoadKey("", dir, true)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !bytes.Equal(keys[i], keys[0]) {
			t.Fatalf("start %d: %x, %v; first got %x", i, keys[i], errs[i], keys[0])
		}
	}
}

func TestLoadKeyDevCorruptFileIsNotOverwritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFileName)
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey("", dir, true); err == nil {
		t.Fatal("corrupt key file accepted")
	}
	if b, _ := os.ReadFile(path); string(b) != "garbage" {
		t.Fatal("corrupt key file was overwritten")
	}
}

func TestLoadKeyDevErrors(t *testing.T) {
	if _, err := LoadKey("", "", true); err == nil {
		t.Fatal("empty data dir accepted")
	}
	// Data dir path is a file.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o600)
	if _, err := LoadKey("", f, true); err == nil {
		t.Fatal("data dir that is a file accepted")
	}
}

func TestGenerateAndEncodeKey(t *testing.T) {
	a, b := GenerateKey(), GenerateKey()
	if len(a) != KeySize || bytes.Equal(a, b) {
		t.Fatal("GenerateKey")
	}
	got, err := DecodeKey(EncodeKey(a))
	if err != nil || !bytes.Equal(got, a) {
		t.Fatalf("DecodeKey(EncodeKey) = %x, %v", got, err)
	}
}
