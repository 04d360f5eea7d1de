package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
)

const evChunkMax = 1 << 20

// evFixture is the registry fixture with an evidence directory and a lead
// of project A (town A) that contractor A was ordered to rectify.
type evFixture struct {
	*registryFixture
	h    *harness
	dir  string
	lead int64
	ent  string // token of an enterprise user of contractor A (the uploader)
}

func newEvidenceFixture(t *testing.T) *evFixture {
	t.Helper()
	t.Parallel()
	dir := t.TempDir()
	h := setupWith(t, func(d *api.Deps) { d.EvidenceDir = dir })
	f := &evFixture{registryFixture: newRegistryFixture(h), h: h, dir: dir}
	f.lead = f.mkLead("rectifying", f.TownA, f.ContractorA, f.ProjectA)
	f.ent = h.tokenFor("enterprise_user", entScope(f.ContractorA))
	return f
}

// mkLead writes a lead as the workflow's projection would have it.
func (f *evFixture) mkLead(status, town string, enterprise, project int64) int64 {
	f.h.t.Helper()
	var id int64
	require.NoError(f.h.t, f.h.pool.QueryRow(context.Background(), `
		INSERT INTO leads (source, reporter_name, project_id, amount_claimed_fen, workers_claimed, description,
		                   received_at, status, town_code, rectify_enterprise_id)
		VALUES ('hotline', '张三', $1, 1200000, 3, '拖欠三个月工资', now(), $2, $3, $4)
		RETURNING id`, project, status, town, enterprise).Scan(&id))
	return id
}

func (f *evFixture) setStatus(lead int64, status string) {
	f.h.t.Helper()
	_, err := f.h.pool.Exec(context.Background(), `UPDATE leads SET status = $2 WHERE id = $1`, lead, status)
	require.NoError(f.h.t, err)
}

// start begins an upload as tok and requires 201.
func (f *evFixture) start(tok string, lead int64, name string, size int) int64 {
	f.h.t.Helper()
	r := f.h.doAs(tok, "POST", v1("/leads/%d/evidence", lead), map[string]any{"filename": name, "size": size})
	require.Equal(f.h.t, 201, r.Status, string(r.Raw))
	return r.num("id")
}

// patch sends one chunk at offset. It is safe in goroutines (no require).
func (f *evFixture) patch(tok string, id int64, offset int, chunk []byte) (resp, error) {
	req := httptest.NewRequest("PATCH", v1("/evidence/%d", id), bytes.NewReader(chunk))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.Itoa(offset))
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := f.h.app.Test(req, -1)
	if err != nil {
		return resp{}, err
	}
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, err
	}
	out := resp{Status: res.StatusCode, Raw: raw, Header: res.Header}
	if len(raw) > 0 && raw[0] == '{' {
		err = json.Unmarshal(raw, &out.Body)
	}
	return out, err
}

func (f *evFixture) mustPatch(status int, tok string, id int64, offset int, chunk []byte) resp {
	f.h.t.Helper()
	r, err := f.patch(tok, id, offset, chunk)
	require.NoError(f.h.t, err)
	require.Equal(f.h.t, status, r.Status, "PATCH at %d: %s", offset, r.Raw)
	return r
}

// upload sends data from offset from on in chunks of size chunk and
// returns the last answer, checking the progress after every chunk.
func (f *evFixture) upload(tok string, id int64, data []byte, from, chunk int) resp {
	f.h.t.Helper()
	var r resp
	for off := from; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		r = f.mustPatch(200, tok, id, off, data[off:end])
		require.EqualValues(f.h.t, end, r.num("received"))
		require.Equal(f.h.t, r.num("size") == int64(end), r.Body["complete"])
		require.Equal(f.h.t, strconv.Itoa(end), r.header("Upload-Offset"))
		f.partialNoLargerThan(id, int64(end))
	}
	return r
}

// partialNoLargerThan checks the invariant of the partial file: never
// longer than what the row says was received.
func (f *evFixture) partialNoLargerThan(id, received int64) {
	f.h.t.Helper()
	fi, err := os.Stat(filepath.Join(f.dir, "partial", strconv.FormatInt(id, 10)))
	if os.IsNotExist(err) {
		return
	}
	require.NoError(f.h.t, err)
	require.LessOrEqual(f.h.t, fi.Size(), received, "partial file of %d", id)
}

func (f *evFixture) received(id int64) int64 {
	f.h.t.Helper()
	var n int64
	require.NoError(f.h.t, f.h.pool.QueryRow(context.Background(), `SELECT received FROM evidence_files WHERE id = $1`, id).Scan(&n))
	return n
}

func (f *evFixture) download(tok string, id int64) (*http.Response, []byte) {
	f.h.t.Helper()
	res := f.h.doRaw("GET", v1("/evidence/%d/content", id), tok)
	b, err := io.ReadAll(res.Body)
	require.NoError(f.h.t, err)
	return res, b
}

// storedFiles lists the files under the content-addressed store.
func (f *evFixture) storedFiles() []string {
	f.h.t.Helper()
	var out []string
	root := filepath.Join(f.dir, "sha256")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	require.NoError(f.h.t, err)
	return out
}

// evPNG is a real PNG of noise (it hardly compresses): about 3 bytes per
// pixel.
func evPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(r.UintN(256)), uint8(r.UintN(256)), uint8(r.UintN(256)), 255})
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

// evPDF is a small PDF of about n bytes.
func evPDF(n int, seed string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	for b.Len() < n-16 {
		fmt.Fprintf(&b, "%% %s %d\n", seed, b.Len())
	}
	b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestEvidenceUploadInChunksAndDownload(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	data := evPNG(t, 900, 900)
	require.Greater(t, len(data), 2*evChunkMax, "three chunks")
	sum := sha256Hex(data)

	// The client sends a path: the base name is kept.
	r := h.doAs(f.ent, "POST", v1("/leads/%d/evidence", f.lead),
		map[string]any{"filename": `C:\fakepath\工资支付凭证 3月.png`, "size": len(data)})
	require.Equal(t, 201, r.Status, string(r.Raw))
	id := r.num("id")
	require.Equal(t, "工资支付凭证 3月.png", r.Body["filename"])
	require.EqualValues(t, f.lead, r.num("lead_id"))
	require.EqualValues(t, len(data), r.num("size"))
	require.EqualValues(t, 0, r.num("received"))
	require.Equal(t, false, r.Body["complete"])
	require.EqualValues(t, evChunkMax, r.num("chunk_max"))
	require.Equal(t, fmt.Sprintf("/api/v1/evidence/%d", id), r.header("Location"))

	// Progress before anything arrived, and part way.
	m := h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil)
	require.Equal(t, 200, m.Status, string(m.Raw))
	require.Equal(t, "0", m.header("Upload-Offset"))
	first := f.upload(f.ent, id, data[:evChunkMax], 0, evChunkMax)
	require.Positive(t, first.num("rate_bytes_per_s"))
	require.Nil(t, first.Body["sha256"])
	m = h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil)
	require.EqualValues(t, evChunkMax, m.num("received"))
	require.Equal(t, false, m.Body["complete"])
	require.Equal(t, strconv.Itoa(evChunkMax), m.header("Upload-Offset"))
	require.Nil(t, m.Body["sha256"])
	res, _ := f.download(f.ent, id)
	require.Equal(t, 409, res.StatusCode, "not downloadable until complete")

	last := f.upload(f.ent, id, data, evChunkMax, evChunkMax)
	require.Equal(t, true, last.Body["complete"])
	require.Equal(t, sum, last.Body["sha256"])
	require.Equal(t, "image/png", last.Body["content_type"])

	// Stored content-addressed; the partial file is gone.
	require.Equal(t, []string{filepath.Join(f.dir, "sha256", sum[:2], sum)}, f.storedFiles())
	_, err := os.Stat(filepath.Join(f.dir, "partial", strconv.FormatInt(id, 10)))
	require.True(t, os.IsNotExist(err), "partial file removed")

	m = h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil)
	require.Equal(t, 200, m.Status)
	require.Equal(t, true, m.Body["complete"])
	require.Equal(t, sum, m.Body["sha256"])
	require.Equal(t, "image/png", m.Body["content_type"])
	require.NotNil(t, m.Body["completed_at"])
	list := h.doAs(f.ent, "GET", v1("/leads/%d/evidence", f.lead), nil)
	require.Equal(t, 200, list.Status, string(list.Raw))
	require.Equal(t, []int64{id}, list.ids())

	// The download is the bytes sent, as an attachment that is not sniffed.
	for _, tok := range []string{f.ent, h.tokenFor("project_manager", projectScope(f.ProjectA)),
		h.tokenFor("town_officer", townScope(f.TownA)), h.tokenFor("city_supervisor", cityScope())} {
		res, body := f.download(tok, id)
		require.Equal(t, 200, res.StatusCode, string(body))
		require.Equal(t, sum, sha256Hex(body))
		require.True(t, bytes.Equal(data, body))
		require.Equal(t, "image/png", res.Header.Get("Content-Type"))
		require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
		cd := res.Header.Get("Content-Disposition")
		require.True(t, strings.HasPrefix(cd, "attachment;"), cd)
		require.Contains(t, cd, "filename*=UTF-8''"+url.PathEscape("工资支付凭证 3月.png"))
		require.Contains(t, cd, fmt.Sprintf(`filename="evidence-%d.png"`, id))
	}

	// Every change of the row is in the system log with the uploader.
	var changes, others int
	require.NoError(t, h.pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE role = 'enterprise_user'), count(*) FILTER (WHERE role IS DISTINCT FROM 'enterprise_user')
		FROM audit_log WHERE object_type = 'evidence_files' AND object_id = $1`, strconv.FormatInt(id, 10)).Scan(&changes, &others))
	require.GreaterOrEqual(t, changes, 5, "insert, three chunks, completion")
	require.Zero(t, others)
	require.Positive(t, h.auditCount(`action = 'GET /api/v1/evidence/:id/content' AND detail->>'sha256' = $1`, sum))
}

func TestEvidenceResumeAfterOffsetMismatch(t *testing.T) {
	f := newEvidenceFixture(t)
	data := evPDF(5000, "resume")
	id := f.start(f.ent, f.lead, "银行回单.pdf", len(data))
	f.upload(f.ent, id, data[:2000], 0, 2000)

	// The answer to the second chunk is lost: the client resends it.
	f.upload(f.ent, id, data[:3500], 2000, 1500)
	r := f.mustPatch(409, f.ent, id, 2000, data[2000:3500])
	require.Equal(t, "upload_offset_mismatch", r.code())
	require.Equal(t, "3500", r.header("Upload-Offset"))
	require.Equal(t, "3500", r.fields()["Upload-Offset"])
	rep := r.Body["report"].(map[string]any)
	require.EqualValues(t, 3500, rep["received"])
	require.EqualValues(t, len(data), rep["size"])
	require.Equal(t, false, rep["complete"])
	require.EqualValues(t, 3500, f.received(id), "nothing written twice")
	f.partialNoLargerThan(id, 3500)
	// A client that forgot everything asks, and an offset ahead is refused too.
	require.EqualValues(t, 3500, f.h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil).num("received"))
	require.Equal(t, "upload_offset_mismatch", f.mustPatch(409, f.ent, id, 4000, data[4000:]).code())

	// It continues from the offset it was told.
	last := f.upload(f.ent, id, data, 3500, 1500)
	require.Equal(t, sha256Hex(data), last.Body["sha256"])
	require.Equal(t, "application/pdf", last.Body["content_type"])
	// The last chunk resent: the upload is complete, nothing changes.
	r = f.mustPatch(409, f.ent, id, 3500, data[3500:])
	require.Equal(t, true, r.Body["report"].(map[string]any)["complete"])
	res, body := f.download(f.ent, id)
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	require.True(t, bytes.Equal(data, body))

	// The same content uploaded again is stored once.
	again := f.start(f.ent, f.lead, "银行回单（补传）.pdf", len(data))
	f.upload(f.ent, again, data, 0, evChunkMax)
	require.Len(t, f.storedFiles(), 1)
	res, body = f.download(f.ent, again)
	require.Equal(t, 200, res.StatusCode)
	require.True(t, bytes.Equal(data, body))
	require.Len(t, f.h.doAs(f.ent, "GET", v1("/leads/%d/evidence", f.lead), nil).items(), 2)
}

func TestEvidenceConcurrentChunksDoNotInterleave(t *testing.T) {
	f := newEvidenceFixture(t)
	data := evPDF(300_000, "concurrent")
	id := f.start(f.ent, f.lead, "凭证.pdf", len(data))
	f.upload(f.ent, id, data[:1000], 0, 1000)

	// Two clients (or a retry racing its original) send different chunks at
	// the same offset: one wins, the other is told the new offset.
	chunks := [][]byte{data[1000:150_000], bytes.Repeat([]byte{'x'}, 149_000)}
	results := make([]resp, len(chunks))
	errs := make([]error, len(chunks))
	var wg sync.WaitGroup
	for i := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.patch(f.ent, id, 1000, chunks[i])
		}()
	}
	wg.Wait()
	var won []int
	for i, r := range results {
		require.NoError(t, errs[i])
		switch r.Status {
		case 200:
			won = append(won, i)
		case 409:
			require.Equal(t, "upload_offset_mismatch", r.code())
		default:
			t.Fatalf("chunk %d: %d %s", i, r.Status, r.Raw)
		}
	}
	require.Len(t, won, 1, "exactly one chunk written")
	require.EqualValues(t, 150_000, f.received(id))
	got, err := os.ReadFile(filepath.Join(f.dir, "partial", strconv.FormatInt(id, 10)))
	require.NoError(t, err)
	require.True(t, bytes.Equal(append(append([]byte{}, data[:1000]...), chunks[won[0]]...), got), "the partial file is the winner's")
}

func TestEvidenceRefusals(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	post := func(body any) resp {
		return h.doAs(f.ent, "POST", v1("/leads/%d/evidence", f.lead), body)
	}
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"filename": "a.png", "size": 0}, "size"},
		{map[string]any{"filename": "a.png", "size": 20<<20 + 1}, "size"},
		{map[string]any{"filename": "a.png", "size": -5}, "size"},
		{map[string]any{"filename": "", "size": 10}, "filename"},
		{map[string]any{"filename": "photos/", "size": 10}, "filename"},
		{map[string]any{"filename": strings.Repeat("凭", 256), "size": 10}, "filename"},
		{map[string]any{"filename": "a\x00.png", "size": 10}, "filename"},
	} {
		r := post(tc.body)
		require.Equal(t, 422, r.Status, "%v: %s", tc.body, r.Raw)
		require.Contains(t, r.fields(), tc.field, "%v", tc.body)
	}
	require.Equal(t, 0, h.count("evidence_files"))
	// The largest file is accepted.
	max := post(map[string]any{"filename": strings.Repeat("凭", 251) + ".pdf", "size": 20 << 20})
	require.Equal(t, 201, max.Status, string(max.Raw))
	require.Equal(t, false, max.Body["complete"])

	data := evPDF(3000, "limits")
	id := f.start(f.ent, f.lead, "回单.pdf", len(data))
	f.upload(f.ent, id, data[:1000], 0, 1000)

	// A chunk past the declared size writes nothing.
	r := f.mustPatch(422, f.ent, id, 1000, append(append([]byte{}, data[1000:]...), "more"...))
	require.Equal(t, "chunk_beyond_size", r.code())
	require.Contains(t, r.fields(), "body")
	require.EqualValues(t, 1000, f.received(id))
	f.partialNoLargerThan(id, 1000)

	// A chunk larger than chunk_max, no offset, another content type.
	big := f.start(f.ent, f.lead, "大文件.pdf", 3<<20)
	r = f.mustPatch(413, f.ent, big, 0, bytes.Repeat([]byte{'%'}, evChunkMax+1))
	require.Equal(t, "chunk_too_large", r.code())
	require.EqualValues(t, 0, f.received(big))
	f.partialNoLargerThan(big, 0)
	req := httptest.NewRequest("PATCH", v1("/evidence/%d", id), bytes.NewReader(data[1000:]))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Authorization", "Bearer "+f.ent)
	res, err := h.app.Test(req, -1)
	require.NoError(t, err)
	require.Equal(t, 400, res.StatusCode)
	req = httptest.NewRequest("PATCH", v1("/evidence/%d", id), bytes.NewReader(data[1000:]))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Upload-Offset", "1000")
	req.Header.Set("Authorization", "Bearer "+f.ent)
	res, err = h.app.Test(req, -1)
	require.NoError(t, err)
	require.Equal(t, 415, res.StatusCode)
	require.EqualValues(t, 1000, f.received(id))

	// An empty chunk at the right offset changes nothing.
	r = f.mustPatch(200, f.ent, id, 1000, nil)
	require.EqualValues(t, 1000, r.num("received"))
	f.upload(f.ent, id, data, 1000, 2000)
}

func TestEvidenceWrongTypeIsRefusedAndNothingStored(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	text := []byte(strings.Repeat("这是一份文本文件，不是付款凭证。\n", 200))
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 300)...)
	// An image/png name does not help: the type is decided on the content.
	html := []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")
	for _, tc := range []struct {
		name  string
		data  []byte
		first int // the first chunk: the refusal comes with it
	}{
		{"付款凭证.pdf", text, 600},
		{"setup.png", exe, len(exe)},
		{"凭证.jpg", html, len(html)},
	} {
		id := f.start(f.ent, f.lead, tc.name, len(tc.data))
		r := f.mustPatch(415, f.ent, id, 0, tc.data[:tc.first])
		require.Equal(t, "evidence_type_not_allowed", r.code(), tc.name)
		// The upload is dropped: no row, no partial file, nothing stored.
		require.Equal(t, 404, h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil).Status)
		require.Equal(t, 404, f.mustPatch(404, f.ent, id, 0, tc.data[:tc.first]).Status)
		_, err := os.Stat(filepath.Join(f.dir, "partial", strconv.FormatInt(id, 10)))
		require.True(t, os.IsNotExist(err), "%s: partial file removed", tc.name)
	}
	require.Equal(t, 0, h.count("evidence_files"))
	require.Empty(t, f.storedFiles())
	require.Empty(t, h.doAs(f.ent, "GET", v1("/leads/%d/evidence", f.lead), nil).items())
	// The dropped uploads stay in the system log.
	require.Equal(t, 3, h.auditCount(`action = 'evidence_files.delete' AND role = 'enterprise_user'`))
}

func TestEvidenceScope(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	data := evPDF(2000, "scope")
	done := f.start(f.ent, f.lead, "完成.pdf", len(data))
	f.upload(f.ent, done, data, 0, evChunkMax)
	half := f.start(f.ent, f.lead, "未完成.pdf", len(data))
	f.upload(f.ent, half, data[:1000], 0, 1000)

	entB := h.tokenFor("enterprise_user", entScope(f.ContractorB))
	pmA := h.tokenFor("project_manager", projectScope(f.ProjectA))
	pmB := h.tokenFor("project_manager", projectScope(f.ProjectB))
	townA := h.tokenFor("town_officer", townScope(f.TownA))
	townB := h.tokenFor("town_officer", townScope(f.TownB))
	_, otherUser := h.account("enterprise_user", entScope(f.ContractorA)) // a colleague of the uploader
	colleague := h.login(otherUser, testPassword)

	// Outside the lead's scope everything is 404, as if it did not exist.
	for _, tok := range []string{entB, pmB, townB} {
		for _, path := range []string{v1("/evidence/%d", done), v1("/evidence/%d/content", done), v1("/evidence/%d", half),
			v1("/leads/%d/evidence", f.lead)} {
			r := h.doAs(tok, "GET", path, nil)
			require.Equal(t, 404, r.Status, "%s: %s", path, r.Raw)
			require.Equal(t, "not_found", r.code())
		}
	}
	for _, tok := range []string{entB, pmB} {
		require.Equal(t, 404, f.mustPatch(404, tok, half, 1000, data[1000:]).Status)
		r := h.doAs(tok, "POST", v1("/leads/%d/evidence", f.lead), map[string]any{"filename": "x.pdf", "size": 10})
		require.Equal(t, 404, r.Status, string(r.Raw))
	}
	// Only the uploader continues an upload, even in the same scope.
	for _, tok := range []string{colleague, pmA} {
		require.Equal(t, "not_uploader", f.mustPatch(409, tok, half, 1000, data[1000:]).code())
	}
	require.EqualValues(t, 1000, f.received(half))

	// In scope: the town, the project's labour manager, a colleague read.
	for _, tok := range []string{townA, pmA, colleague} {
		require.Equal(t, 200, h.doAs(tok, "GET", v1("/evidence/%d", done), nil).Status)
		require.ElementsMatch(t, []int64{done, half}, h.doAs(tok, "GET", v1("/leads/%d/evidence", f.lead), nil).ids())
		res, body := f.download(tok, done)
		require.Equal(t, 200, res.StatusCode)
		require.True(t, bytes.Equal(data, body))
		res, _ = f.download(tok, half)
		require.Equal(t, 409, res.StatusCode, "incomplete")
	}
	// The labour manager uploads too.
	own := f.start(pmA, f.lead, "专管员上传.pdf", len(data))
	f.upload(pmA, own, data, 0, 700)

	// Roles without the permission are refused before anything is read.
	worker := h.tokenFor("worker", workerScope(f.WorkerA))
	require.Equal(t, 403, h.doAs(worker, "GET", v1("/evidence/%d", done), nil).Status)
	// A town officer uploads a dispatch report's files, never a lead's
	// (the enterprise side's), nor continues anyone else's upload.
	require.Equal(t, "not_uploader", f.mustPatch(409, townA, half, 1000, data[1000:]).code())
	r := h.doAs(townA, "POST", v1("/leads/%d/evidence", f.lead), map[string]any{"filename": "x.pdf", "size": 10})
	require.Equal(t, 403, r.Status, string(r.Raw))
	require.Equal(t, "evidence_not_party", r.code())
	require.EqualValues(t, 1000, f.received(half))
}

func TestEvidenceLeadNotRectifying(t *testing.T) {
	f := newEvidenceFixture(t)
	h := f.h
	body := map[string]any{"filename": "凭证.pdf", "size": 3000}
	for _, status := range []string{"investigating", "confirming", "closed"} {
		lead := f.mkLead(status, f.TownA, f.ContractorA, f.ProjectA)
		r := h.doAs(f.ent, "POST", v1("/leads/%d/evidence", lead), body)
		require.Equal(t, 409, r.Status, "%s: %s", status, r.Raw)
		require.Equal(t, "lead_not_rectifying", r.code())
	}
	verifying := f.mkLead("verifying", f.TownA, f.ContractorA, f.ProjectA)
	require.Equal(t, 201, h.doAs(f.ent, "POST", v1("/leads/%d/evidence", verifying), body).Status)

	// An upload in progress stops when the lead moves on.
	data := evPDF(3000, "moved")
	id := f.start(f.ent, f.lead, "凭证.pdf", len(data))
	f.upload(f.ent, id, data[:1000], 0, 1000)
	f.setStatus(f.lead, "confirming")
	r := f.mustPatch(409, f.ent, id, 1000, data[1000:])
	require.Equal(t, "lead_not_rectifying", r.code())
	require.EqualValues(t, 1000, f.received(id))
	f.partialNoLargerThan(id, 1000)
	// What was uploaded stays readable.
	require.Equal(t, 200, h.doAs(f.ent, "GET", v1("/evidence/%d", id), nil).Status)
	// A lead of another enterprise is not there at all.
	other := f.mkLead("rectifying", f.TownB, f.ContractorB, f.ProjectB)
	require.Equal(t, 404, h.doAs(f.ent, "POST", v1("/leads/%d/evidence", other), body).Status)
}

func TestEvidenceUnavailableWithoutDirectory(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	tok := h.tokenFor("enterprise_user", entScope(f.ContractorA))
	for _, c := range []struct{ method, path string }{
		{"POST", v1("/leads/1/evidence")}, {"GET", v1("/leads/1/evidence")}, {"GET", v1("/evidence/1")},
		{"GET", v1("/evidence/1/content")},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{"filename": "a.pdf", "size": 10}
		}
		r := h.doAs(tok, c.method, c.path, body)
		require.Equal(t, 503, r.Status, "%s %s: %s", c.method, c.path, r.Raw)
		require.Equal(t, "evidence_unavailable", r.code())
	}
}

func TestEvidenceLostPartialFileRestartsTheUpload(t *testing.T) {
	f := newEvidenceFixture(t)
	data := evPDF(4000, "lost")
	id := f.start(f.ent, f.lead, "凭证.pdf", len(data))
	f.upload(f.ent, id, data[:2000], 0, 2000)
	require.NoError(t, os.Remove(filepath.Join(f.dir, "partial", strconv.FormatInt(id, 10))))

	// The bytes acknowledged are gone: the client is sent back to 0
	// instead of a file with a hole.
	r := f.mustPatch(409, f.ent, id, 2000, data[2000:])
	require.Equal(t, "upload_offset_mismatch", r.code())
	require.Equal(t, "0", r.header("Upload-Offset"))
	require.EqualValues(t, 0, f.received(id))
	last := f.upload(f.ent, id, data, 0, 1500)
	require.Equal(t, sha256Hex(data), last.Body["sha256"])
	res, body := f.download(f.ent, id)
	require.Equal(t, 200, res.StatusCode)
	require.True(t, bytes.Equal(data, body))
}
