package api_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEvidenceNameWithFormatCharactersRefused: a file name with a
// bidirectional override (invoice‮fdp.exe shows as invoiceexe.pdf) or
// any other Unicode format (Cf), control or line-separator character is
// refused when the upload is started: 422 invalid_character on the
// filename field, and nothing is recorded.
func TestEvidenceNameWithFormatCharactersRefused(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	for _, name := range []string{
		"invoice\u202Efdp.exe", // RIGHT-TO-LEFT OVERRIDE
		"invoice\u202Dpdf.exe", // LEFT-TO-RIGHT OVERRIDE
		"凭证\u200E.png",         // LEFT-TO-RIGHT MARK
		"\u2066凭证\u2069.pdf",   // isolates
		"\u2067a.pdf", "\u2068a.pdf",
		"a\u200Bb.png", // ZERO WIDTH SPACE
		"a\u200Db.png", // ZERO WIDTH JOINER
		"\uFEFFa.png",  // BYTE ORDER MARK
		"a\u00ADb.pdf", // SOFT HYPHEN
		"a\u0007b.png", // BEL
		"a\u001Bb.png", // ESC
		"a\u0085b.png", // NEXT LINE (C1 control)
		"a\u2028b.png", // LINE SEPARATOR
		"a\u2029b.png", // PARAGRAPH SEPARATOR
	} {
		r := h.doAs(f.ent, "POST", v1("/leads/%d/evidence", f.lead), map[string]any{"filename": name, "size": 10})
		require.Equal(t, 422, r.Status, "%q: %s", name, r.Raw)
		require.Equal(t, "invalid_character", r.code(), "%q", name)
		require.Contains(t, r.fields(), "filename", "%q", name)
		require.NotEmpty(t, r.fields()["filename"], "%q: a reason in Chinese", name)
	}
	require.Equal(t, 0, h.count("evidence_files"))
	// Chinese, spaces, brackets and other printable characters are fine.
	f.start(f.ent, f.lead, "工资支付凭证（3月）- 第2页 №1.png", 10)
}

// TestEvidenceNameCarriesTheDetectedExtension: whatever the client called
// the file, once its content is known the saved name (the metadata and the
// download) ends in the extension of the detected type — replaced when the
// name has another one, appended when it has none.
func TestEvidenceNameCarriesTheDetectedExtension(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	png := evPNG(t, 20, 20)
	var jbuf bytes.Buffer
	require.NoError(t, jpeg.Encode(&jbuf, image.NewGray(image.Rect(0, 0, 16, 16)), nil))
	jpg := jbuf.Bytes()
	pdf := evPDF(3000, "names")
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"凭证.exe", png, "凭证.png"},
		{"payment.PNG.exe", png, "payment.PNG"},
		{"invoice.pdf.exe", pdf, "invoice.pdf"},
		{"银行回单", pdf, "银行回单.pdf"},
		{"付款 3.5万", pdf, "付款 3.5万.pdf"}, // ".5万" is no extension: appended
		{"scan.jpeg", jpg, "scan.jpeg"}, // another name of the detected type stays
		{"scan.JPG", jpg, "scan.JPG"},
		{"photo.png", jpg, "photo.jpg"},
		{"收据.html", pdf, "收据.pdf"},
		{".png", png, ".png"},
		{"a.", pdf, "a.pdf"},
		{strings.Repeat("凭", 255), pdf, strings.Repeat("凭", 251) + ".pdf"}, // within 255 characters
	} {
		id := f.start(f.ent, f.lead, tc.name, len(tc.data))
		last := f.upload(f.ent, id, tc.data, 0, len(tc.data))
		require.Equal(t, true, last.Body["complete"], "%q", tc.name)
		m := h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil)
		require.Equal(t, 200, m.Status, string(m.Raw))
		require.Equal(t, tc.want, m.Body["filename"], "%q: the saved name", tc.name)
		res, body := f.download(f.ent, id)
		require.Equal(t, 200, res.StatusCode, string(body))
		cd := res.Header.Get("Content-Disposition")
		require.Contains(t, cd, "filename*=UTF-8''"+rfc5987(tc.want), "%q", tc.name)
		ext := map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf"}[res.Header.Get("Content-Type")]
		require.Contains(t, cd, fmt.Sprintf(`filename="evidence-%d%s"`, id, ext), "%q", tc.name)
	}
}

// rfc5987 encodes s as an RFC 5987 ext-value: every byte but attr-char
// percent-encoded (url.PathEscape leaves more characters alone).
func rfc5987(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
