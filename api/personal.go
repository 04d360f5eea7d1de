package api

import (
	"github.com/anxin-city/anxin/pii"
)

// Kinds of personal data, bound into each ciphertext (see package pii).
const (
	kindIDNumber = pii.KindIDNumber
	kindPhone    = pii.KindPhone
	kindBankCard = pii.KindBankCard
)

// seal encrypts a normalised value and computes its look-up hash. A nil or
// empty value is stored as NULL.
func (s *Server) seal(kind string, v *string) (enc, hash []byte, err error) {
	if v == nil || *v == "" {
		return nil, nil, nil
	}
	enc, err = s.deps.PII.Encrypt(kind, *v)
	if err != nil {
		return nil, nil, err
	}
	return enc, s.deps.PII.Hash(kind, *v), nil
}

func (s *Server) sealPhone(v *string) (enc, hash []byte, err error) { return s.seal(kindPhone, v) }

// masked decrypts a stored value and masks it for output. A value that
// cannot be decrypted (wrong key) is shown as a placeholder and never as
// ciphertext.
func (s *Server) masked(kind string, enc []byte) string {
	if len(enc) == 0 {
		return ""
	}
	v, err := s.deps.PII.Decrypt(kind, enc)
	if err != nil {
		s.deps.Logger.Error("decrypt personal data", "kind", kind, "err", err)
		return "******"
	}
	return pii.Mask(kind, v)
}

func (s *Server) maskedPhone(enc []byte) string { return s.masked(kindPhone, enc) }
