package pii

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the name of the development key file inside the data
// directory.
const KeyFileName = "pii.key"

// ErrNoKey is returned by LoadKey outside development mode when no key is
// configured. The service must refuse to start.
var ErrNoKey = errors.New("pii: no PII master key configured; set ANXIN_PII_KEY to the base64 encoding of 32 random bytes " +
	"(for example: openssl rand -base64 32). Refusing to start without it outside development mode")

// GenerateKey returns a new random master key.
func GenerateKey() []byte {
	k := make([]byte, KeySize)
	rand.Read(k) // never fails; crashes the program if the OS has no randomness
	return k
}

// EncodeKey returns the configuration form of a master key: standard
// base64 with padding.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// DecodeKey parses a master key in configuration form. Standard and
// URL-safe base64, with or without padding, are accepted; surrounding white
// space is ignored. The error never contains the input.
func DecodeKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("pii: master key decodes to %d bytes, want %d", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("pii: master key is not valid base64")
}

// LoadKey returns the 32-byte master key.
//
//   - If cfgValue is not blank it must be the base64 of 32 bytes (the caller
//     passes the value of ANXIN_PII_KEY); it is used whatever dev says, and an
//     invalid value is an error, never a fallback.
//   - Otherwise, if dev is true, the key is read from <dataDir>/pii.key; if
//     that file does not exist, a random key is generated and written there
//     (directory created with mode 0700, file with mode 0600) so the next
//     start reuses it. A key file that exists but cannot be parsed is an
//     error: it is never overwritten, since that would make every stored
//     ciphertext unreadable. Concurrent first starts (API and worker) agree
//     on one key.
//   - Otherwise it returns ErrNoKey.
//
// LoadKey reads no environment variables itself.
func LoadKey(cfgValue string, dataDir string, dev bool) ([]byte, error) {
	if strings.TrimSpace(cfgValue) != "" {
		k, err := DecodeKey(cfgValue)
		if err != nil {
			return nil, fmt.Errorf("configured PII key (ANXIN_PII_KEY): %w", err)
		}
		return k, nil
	}
	if !dev {
		return nil, ErrNoKey
	}
	if dataDir == "" {
		return nil, errors.New("pii: development mode needs a data directory for " + KeyFileName)
	}
	path := filepath.Join(dataDir, KeyFileName)
	k, err := readKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("pii: create data directory: %w", err)
	}
	if err := createKeyFile(path, GenerateKey()); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, err
	}
	// Read back what is on disk: if another process won the race to create
	// the file, its key is the one to use.
	return readKeyFile(path)
}

func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // keeps fs.ErrNotExist detectable
	}
	k, err := DecodeKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("pii: key file %s: %w (not overwriting it; restore it or remove it to lose all encrypted data)", path, err)
	}
	return k, nil
}

// createKeyFile writes key to path atomically without ever replacing an
// existing file: the key is written to a temporary file which is then
// hard-linked into place. It returns an error wrapping fs.ErrExist if path
// already exists.
func createKeyFile(path string, key []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".pii.key-*")
	if err != nil {
		return fmt.Errorf("pii: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("pii: create key file: %w", err)
	}
	if _, err := tmp.WriteString(EncodeKey(key) + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("pii: write key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("pii: write key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pii: write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return fmt.Errorf("pii: install key file: %w", err)
	}
	return nil
}
