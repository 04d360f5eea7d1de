package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"

	"golang.org/x/crypto/hkdf"
)

// Kinds of personal data. The kind is bound to every ciphertext and hash;
// use these constants rather than ad-hoc strings.
const (
	KindIDNumber = "id_number" // resident ID number, normalised by ident.ParseResidentID
	KindPhone    = "phone"     // phone number, normalised by ident.ParsePhone
	KindBankCard = "bank_card" // bank card number, normalised by ident.ParseBankCard
	KindName     = "name"      // person's name
	// KindLogin is an account's login name, normalised by the API (a
	// mobile number for workers): only hashed, to key the sign-in
	// failure counters without storing the names tried.
	KindLogin = "login"
)

const (
	// KeySize is the length of a master key in bytes.
	KeySize = 32
	// FormatV1 is the only ciphertext format version.
	FormatV1 byte = 1
	// HashSize is the length of Hash's result in bytes.
	HashSize = sha256.Size

	headerSize = 2
	nonceSize  = 12
	tagSize    = 16
	// Overhead is the number of bytes Encrypt adds to the plaintext.
	Overhead = headerSize + nonceSize + tagSize
)

// HKDF info strings. Changing them changes every derived key: never do.
const (
	infoEncrypt = "anxin/pii/v1/aes-256-gcm"
	infoHash    = "anxin/pii/v1/hmac-sha256-lookup"
)

// Errors returned by Keyring. None of them contains personal data.
var (
	ErrKeySize         = errors.New("pii: master key must be 32 bytes")
	ErrKeyID           = errors.New("pii: key id must be between 1 and 255")
	ErrDuplicateKeyID  = errors.New("pii: key id already in keyring")
	ErrEmptyKind       = errors.New("pii: kind must not be empty")
	ErrMalformed       = errors.New("pii: malformed ciphertext")
	ErrUnknownVersion  = errors.New("pii: unknown ciphertext format version")
	ErrUnknownKey      = errors.New("pii: ciphertext names a key id that is not in the keyring")
	ErrAuthentication  = errors.New("pii: ciphertext authentication failed (tampered, wrong key or wrong kind)")
	errNilKeyring      = errors.New("pii: nil keyring")
	errMissingHashKey  = errors.New("pii: keyring has no look-up hash key")
	errRandUnavailable = errors.New("pii: random source failed")
)

// keySet holds the keys derived from one master key.
type keySet struct {
	aead    cipher.AEAD
	hashKey []byte
}

func deriveKeySet(master []byte) (*keySet, error) {
	if len(master) != KeySize {
		return nil, ErrKeySize
	}
	encKey := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(infoEncrypt)), encKey); err != nil {
		return nil, err
	}
	hashKey := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(infoHash)), hashKey); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &keySet{aead: aead, hashKey: hashKey}, nil
}

// Keyring holds one or more keys, each identified by a one-byte key id.
// It encrypts with the current key, decrypts with whichever key a
// ciphertext names, and computes look-up hashes with the hash key, which is
// the key the keyring was created with and does not change on rotation (so
// that hashes stored in unique indexes stay valid).
//
// A Keyring is immutable and safe for concurrent use. WithKey returns a new
// Keyring.
type Keyring struct {
	current byte
	hashID  byte
	keys    map[byte]*keySet
}

// NewKeyring returns a keyring holding a single master key with the given
// id (1..255), which becomes both the current key and the hash key.
func NewKeyring(id byte, master []byte) (*Keyring, error) {
	if id == 0 {
		return nil, ErrKeyID
	}
	ks, err := deriveKeySet(master)
	if err != nil {
		return nil, err
	}
	return &Keyring{current: id, hashID: id, keys: map[byte]*keySet{id: ks}}, nil
}

// New is NewKeyring(1, master), for deployments that have not rotated keys.
func New(master []byte) (*Keyring, error) { return NewKeyring(1, master) }

// WithKey returns a copy of k to which the master key with the given id has
// been added and made current: new data is encrypted with it, data under
// older keys still decrypts. The hash key is unchanged. Re-encrypting old
// rows (see KeyID) is the caller's job; keep old keys until it is done.
func (k *Keyring) WithKey(id byte, master []byte) (*Keyring, error) {
	if k == nil {
		return nil, errNilKeyring
	}
	if id == 0 {
		return nil, ErrKeyID
	}
	if _, ok := k.keys[id]; ok {
		return nil, fmt.Errorf("%w: %d", ErrDuplicateKeyID, id)
	}
	ks, err := deriveKeySet(master)
	if err != nil {
		return nil, err
	}
	keys := maps.Clone(k.keys)
	keys[id] = ks
	return &Keyring{current: id, hashID: k.hashID, keys: keys}, nil
}

// CurrentKeyID returns the id of the key used by Encrypt.
func (k *Keyring) CurrentKeyID() byte { return k.current }

// KeyID returns the id of the key that encrypted ct, without decrypting it.
// Use it to find rows that still need re-encryption after a rotation.
func (k *Keyring) KeyID(ct []byte) (byte, error) {
	if len(ct) < Overhead {
		return 0, ErrMalformed
	}
	if ct[0] != FormatV1 {
		return 0, ErrUnknownVersion
	}
	return ct[1], nil
}

// additionalData binds header and kind.
func additionalData(version, keyID byte, kind string) []byte {
	ad := make([]byte, 0, headerSize+len(kind))
	ad = append(ad, version, keyID)
	return append(ad, kind...)
}

// Encrypt encrypts plaintext under the current key, binding kind. Each call
// uses a fresh random nonce, so equal plaintexts give different
// ciphertexts; use Hash for equality look-ups. The result is
// len(plaintext)+Overhead bytes.
func (k *Keyring) Encrypt(kind, plaintext string) ([]byte, error) {
	if k == nil {
		return nil, errNilKeyring
	}
	if kind == "" {
		return nil, ErrEmptyKind
	}
	ks := k.keys[k.current]
	out := make([]byte, headerSize+nonceSize, Overhead+len(plaintext))
	out[0], out[1] = FormatV1, k.current
	if _, err := rand.Read(out[headerSize:]); err != nil {
		return nil, fmt.Errorf("%w: %v", errRandUnavailable, err)
	}
	nonce := out[headerSize : headerSize+nonceSize]
	return ks.aead.Seal(out, nonce, []byte(plaintext), additionalData(FormatV1, k.current, kind)), nil
}

// Decrypt authenticates and decrypts a ciphertext produced by Encrypt with
// the same kind. It fails with ErrAuthentication if the ciphertext was
// altered, was encrypted under a different kind, or the key with its id is
// not the one that encrypted it.
func (k *Keyring) Decrypt(kind string, ct []byte) (string, error) {
	if k == nil {
		return "", errNilKeyring
	}
	if kind == "" {
		return "", ErrEmptyKind
	}
	id, err := k.KeyID(ct)
	if err != nil {
		return "", err
	}
	ks, ok := k.keys[id]
	if !ok {
		return "", fmt.Errorf("%w: %d", ErrUnknownKey, id)
	}
	nonce := ct[headerSize : headerSize+nonceSize]
	pt, err := ks.aead.Open(nil, nonce, ct[headerSize+nonceSize:], additionalData(ct[0], id, kind))
	if err != nil {
		return "", ErrAuthentication
	}
	return string(pt), nil
}

// Hash returns HMAC-SHA256 over kind and value under the hash key: a
// deterministic, HashSize-byte look-up key for exact matches. Hash the
// normalised value (for example ident.ParseResidentID(...).Number), or
// equal values written differently will not match. The same value under
// different kinds hashes differently. kind should be one of the Kind*
// constants.
func (k *Keyring) Hash(kind, normalized string) []byte {
	ks := k.keys[k.hashID]
	if ks == nil { // only for a zero Keyring; programmer error
		panic(errMissingHashKey)
	}
	m := hmac.New(sha256.New, ks.hashKey)
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(kind)))
	m.Write(n[:]) // the length prefix keeps (kind, value) pairs unambiguous
	m.Write([]byte(kind))
	m.Write([]byte(normalized))
	return m.Sum(nil)
}
