package api

import (
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
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

// plain decrypts a stored value for an authorised unmasked view ("" when
// absent; an error when it cannot be decrypted).
func (s *Server) plain(kind string, enc []byte) (*string, error) {
	if len(enc) == 0 {
		return nil, nil
	}
	v, err := s.deps.PII.Decrypt(kind, enc)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

type personalOut struct {
	WorkerID int64   `json:"worker_id"`
	Name     string  `json:"name"`
	IDNumber *string `json:"id_number" doc:"unmasked"`
	Phone    *string `json:"phone" doc:"unmasked"`
	BankCard *string `json:"bank_card" doc:"unmasked"`
}

// workerPersonal shows a worker's personal data unmasked, to the roles
// that hold pii:read, for a worker in their scope (a worker: themself).
// Every such view is in the system log with what was shown.
func (s *Server) workerPersonal(c *fiber.Ctx) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := workerGetScoped(c, db.Q(s.deps.Pool), id)
	if err != nil {
		return err
	}
	w := r.Worker
	out := personalOut{WorkerID: w.ID, Name: w.Name}
	if out.IDNumber, err = s.plain(kindIDNumber, w.IDNumberEnc); err != nil {
		return err
	}
	if out.Phone, err = s.plain(kindPhone, w.PhoneEnc); err != nil {
		return err
	}
	if out.BankCard, err = s.plain(kindBankCard, w.BankCardEnc); err != nil {
		return err
	}
	var shown []string
	for k, v := range map[string]*string{"id_number": out.IDNumber, "phone": out.Phone, "bank_card": out.BankCard} {
		if v != nil {
			shown = append(shown, k)
		}
	}
	sort.Strings(shown)
	auditDetail(c, "unmasked", shown)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}
