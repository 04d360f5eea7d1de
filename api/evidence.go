package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/anxin-city/anxin/db"
	"github.com/anxin-city/anxin/db/dbq"
)

// Evidence files (整改凭证): the payment proofs an enterprise or a project's
// labour manager uploads to a lead in rectification or with its answer to
// a warning, and the files a town reports back on a dispatch with — from
// phones on slow links — that the offices read. Each file belongs to one
// case (api/evidence_cases.go). An upload is resumable (docs/API.md,
// "Evidence uploads"):
//
//  1. POST /leads/:id/evidence (/warnings/:id/evidence,
//     /dispatches/:id/evidence) declares the file (name, size) and answers
//     the upload's id;
//  2. PATCH /evidence/:id sends the next chunk (at most evidenceChunkMax)
//     at Upload-Offset, which must equal the bytes received so far; a
//     client that lost an answer asks GET /evidence/:id (or reads the 409
//     of a wrong offset) and continues from there;
//  3. the chunk that completes the file has it checked by its content
//     (JPEG, PNG or PDF), hashed and stored content-addressed.
//
// On disk, under Deps.EvidenceDir: partial/<id> is an upload in progress,
// never longer than its row's received once a chunk's transaction has
// ended; sha256/<first two hex digits>/<sha256> is a completed file,
// written whole (a temporary file renamed into place) and never changed.
// Every chunk runs in one transaction with its row locked (FOR UPDATE), so
// two chunks of one upload cannot interleave, and every row change is in
// the system log with the caller.

const (
	evidenceMaxSize    = 20 << 20 // bytes of one file
	evidenceChunkMax   = 1 << 20  // bytes of one PATCH
	evidenceMaxPerCase = 100      // uploads of one case (of a dispatch: one town's report), complete or not
	// evidenceSniffLen is how much of the start of a file decides its
	// type (http.DetectContentType reads no more).
	evidenceSniffLen   = 512
	evidenceChunkType  = "application/offset+octet-stream"
	headerUploadOffset = "Upload-Offset"
)

// evidenceTypes are the content types accepted, with the extension a
// saved name gets (and the ASCII fallback name of a download).
var evidenceTypes = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}

// evidenceOtherExts are further extensions of an accepted type that a name
// may keep.
var evidenceOtherExts = map[string][]string{"image/jpeg": {".jpeg", ".jpe", ".jfif"}}

var (
	errEvidenceUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "evidence_unavailable",
		Message: "整改凭证存储未配置，暂不能上传或查看凭证"}
	errLeadNotRectifying = &Error{Status: http.StatusConflict, Code: "lead_not_rectifying",
		Message: "线索不在整改或核查阶段，不能上传整改凭证"}
	errEvidenceTypeNotAllowed = &Error{Status: http.StatusUnsupportedMediaType, Code: "evidence_type_not_allowed",
		Message: "只能上传 JPG、PNG 图片或 PDF 文件；本次上传已作废，请重新选择文件上传"}
	errEvidenceIncomplete = &Error{Status: http.StatusConflict, Code: "evidence_incomplete",
		Message: "凭证文件尚未上传完成"}
	errEvidenceChunkType = &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Message: "分片的内容类型应为 " + evidenceChunkType}
	errEvidenceChunkTooLarge = &Error{Status: http.StatusRequestEntityTooLarge, Code: "chunk_too_large",
		Message: fmt.Sprintf("每个分片不能超过%d KB", evidenceChunkMax>>10), Fields: map[string]string{"body": "分片过大"}}
	errEvidenceOffsetRequired = &Error{Status: http.StatusBadRequest, Code: "upload_offset_required",
		Message: "请在请求头 Upload-Offset 中给出已上传的字节数", Fields: map[string]string{headerUploadOffset: "应为非负整数"}}
	errEvidenceLengthRequired = &Error{Status: http.StatusLengthRequired, Code: "length_required",
		Message: "分片须带 Content-Length"}
	errEvidenceChunkShort = &Error{Status: http.StatusBadRequest, Code: "chunk_incomplete",
		Message: "分片未完整收到，请从已上传的位置重新发送"}
)

// errEvidenceOffset answers a chunk sent at the wrong offset: 409 with the
// upload's state beside the error (as "report"), so that a client that
// lost an answer continues from received.
func errEvidenceOffset(r dbq.EvidenceFile) *Error {
	msg := fmt.Sprintf("上传位置不一致：服务器已收到%d字节，请从该位置继续上传", r.Received)
	if r.CompletedAt != nil {
		msg = "该文件已上传完成"
	}
	return &Error{Status: http.StatusConflict, Code: "upload_offset_mismatch", Message: msg,
		Fields: map[string]string{headerUploadOffset: strconv.FormatInt(r.Received, 10)},
		Report: evidenceOffsetOut{ID: r.ID, Received: r.Received, Size: r.DeclaredSize, Complete: r.CompletedAt != nil}}
}

type evidenceCreateIn struct {
	Filename string `json:"filename" doc:"the file's name, 1..255 characters; a path is cut to its last element"`
	Size     int64  `json:"size" doc:"the file's size in bytes, 1 .. 20 MiB (20971520)"`
}

// evidenceChunkIn documents the body of a PATCH (raw bytes, not JSON).
type evidenceChunkIn struct {
	File string `json:"file" doc:"the next bytes of the file, at most chunk_max, starting at Upload-Offset"`
}

type evidenceOut struct {
	ID            int64      `json:"id"`
	CaseKind      string     `json:"case_kind" doc:"lead, warning or dispatch: the case the file belongs to" codes:"case_kinds"`
	CaseKindLabel string     `json:"case_kind_label"`
	LeadID        *int64     `json:"lead_id" doc:"a lead's file"`
	WarningID     *int64     `json:"warning_id" doc:"a warning's file (its answer's)"`
	DispatchID    *int64     `json:"dispatch_id" doc:"a dispatch's file (a town's report's)"`
	TownCode      *string    `json:"town_code" doc:"a dispatch's file: the town whose report"`
	Filename      string     `json:"filename"`
	Size          int64      `json:"size" doc:"declared size in bytes"`
	Received      int64      `json:"received" doc:"bytes stored so far: the Upload-Offset of the next chunk"`
	Complete      bool       `json:"complete"`
	ChunkMax      int64      `json:"chunk_max" doc:"the largest chunk a PATCH may carry, in bytes"`
	ContentType   *string    `json:"content_type" doc:"detected on the content (image/jpeg, image/png, application/pdf) once complete"`
	SHA256        *string    `json:"sha256" doc:"hex SHA-256 of the content once complete"`
	UploadedBy    int64      `json:"uploaded_by" doc:"account id of the uploader"`
	CreatedAt     time.Time  `json:"created_at"`
	CompletedAt   *time.Time `json:"completed_at"`
	ContentURL    string     `json:"content_url" doc:"where the complete file is downloaded (GET; 409 while incomplete)"`
}

func evidenceOutOf(r dbq.EvidenceFile) evidenceOut {
	name := r.Filename
	if r.ContentType != nil {
		name = evidenceSavedName(name, *r.ContentType) // a no-op for files completed since names are saved so
	}
	return evidenceOut{ID: r.ID, CaseKind: string(evidenceCaseOf(r).kind), LeadID: r.LeadID, WarningID: r.WarningID,
		DispatchID: r.DispatchID, TownCode: r.DispatchTown, Filename: name, Size: r.DeclaredSize, Received: r.Received,
		Complete: r.CompletedAt != nil, ChunkMax: evidenceChunkMax, ContentType: r.ContentType, SHA256: r.Sha256,
		UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt, CompletedAt: r.CompletedAt, ContentURL: evidenceContentURL(r.ID)}
}

type evidenceListOut struct {
	Items []evidenceOut `json:"items" doc:"oldest first, complete and in progress"`
}

type evidenceProgressOut struct {
	ID            int64   `json:"id"`
	Received      int64   `json:"received" doc:"bytes stored so far (also the Upload-Offset header)"`
	Size          int64   `json:"size"`
	Complete      bool    `json:"complete"`
	RateBytesPerS int64   `json:"rate_bytes_per_s" doc:"this chunk's bytes per second of its request's time on the server (the body is read before the handler runs, so the network transfer is not in it)"`
	ContentType   *string `json:"content_type" doc:"once complete"`
	SHA256        *string `json:"sha256" doc:"once complete: compare with the client's own hash"`
}

// evidenceOffsetOut is the state of an upload beside a 409
// upload_offset_mismatch.
type evidenceOffsetOut struct {
	ID       int64 `json:"id"`
	Received int64 `json:"received"`
	Size     int64 `json:"size"`
	Complete bool  `json:"complete"`
}

func (s *Server) evidenceRoutes() {
	s.add(route{Method: "POST", Path: "/leads/:id/evidence", Perm: "evidence:write", Tag: "evidence",
		Summary: "Start an evidence upload (整改凭证) to a lead in rectifying or verifying (the enterprise side): declare filename and size (1 byte .. 20 MiB); " +
			"answers the upload (received 0, chunk_max); then send the bytes with PATCH /evidence/{id}",
		Body: evidenceCreateIn{}, Out: evidenceOut{}, Status: 201, Handler: s.evidenceCreate(evidenceOfLead)})
	s.add(route{Method: "GET", Path: "/leads/:id/evidence", Perm: "evidence:read", Tag: "evidence",
		Summary: "The evidence files of a lead in scope, complete and in progress, oldest first (at most 100, unpaged)",
		Out:     evidenceListOut{}, Handler: s.evidenceList(evidenceOfLead)})
	s.add(route{Method: "POST", Path: "/warnings/:id/evidence", Perm: "evidence:write", Tag: "evidence",
		Summary: "Start an evidence upload for the answer to a warning (整改说明) while it awaits the answer, by the warned enterprise " +
			"or its project's labour manager: as POST /leads/{id}/evidence; the answer action names the files in evidence_ids",
		Body: evidenceCreateIn{}, Out: evidenceOut{}, Status: 201, Handler: s.evidenceCreate(evidenceOfWarning)})
	s.add(route{Method: "GET", Path: "/warnings/:id/evidence", Perm: "evidence:read", Tag: "evidence",
		Summary: "The evidence files of a warning in scope, complete and in progress, oldest first (at most 100, unpaged)",
		Out:     evidenceListOut{}, Handler: s.evidenceList(evidenceOfWarning)})
	s.add(route{Method: "POST", Path: "/dispatches/:id/evidence", Perm: "dispatches:act", Tag: "evidence",
		Summary: "Start an evidence upload for the caller's town's report on a dispatch (办理反馈) while the report is due " +
			"(an officer of one of its towns): as POST /leads/{id}/evidence; the report action names the files in evidence_ids",
		Body: evidenceCreateIn{}, Out: evidenceOut{}, Status: 201, Handler: s.evidenceCreate(evidenceOfDispatch)})
	s.add(route{Method: "GET", Path: "/dispatches/:id/evidence", Perm: "dispatches:read", Tag: "evidence",
		Summary: "The evidence files of a dispatch in scope, every town's report's, complete and in progress, oldest first (unpaged)",
		Query:   []param{{Name: "town_code", Type: "string", Desc: "only this town's report's files"}},
		Out:     evidenceListOut{}, Handler: s.evidenceList(evidenceOfDispatch)})
	s.add(route{Method: "PATCH", Path: "/evidence/:id", Perm: "evidence:write", Tag: "evidence",
		Summary: "Append the next chunk (raw bytes, Content-Type application/offset+octet-stream, at most chunk_max) to one's own upload; " +
			"header Upload-Offset must equal the bytes received (else 409 upload_offset_mismatch with the offset); the last chunk " +
			"has the file checked by content (JPEG, PNG, PDF; else 415 evidence_type_not_allowed and the upload is dropped), hashed and stored",
		Body: evidenceChunkIn{}, Consumes: evidenceChunkType, Out: evidenceProgressOut{}, Handler: s.evidenceAppend})
	s.add(route{Method: "GET", Path: "/evidence/:id", Perm: "evidence:read", Tag: "evidence",
		Summary: "An evidence file's metadata and upload progress (also as the Upload-Offset header), when its case is in scope",
		Out:     evidenceOut{}, Handler: s.evidenceGet})
	s.add(route{Method: "GET", Path: "/evidence/:id/content", Perm: "evidence:read", Tag: "evidence",
		Summary:  "Download a complete evidence file (its detected Content-Type, as an attachment) when its case is in scope; 409 while incomplete",
		Produces: "application/octet-stream", Handler: s.evidenceContent})
}

// evidenceStore is the evidence directory (Deps.EvidenceDir).
type evidenceStore struct{ dir string }

func (st evidenceStore) partial(id int64) string {
	return filepath.Join(st.dir, "partial", strconv.FormatInt(id, 10))
}

func (st evidenceStore) stored(sum string) string {
	return filepath.Join(st.dir, "sha256", sum[:2], sum)
}

// evidenceFiles is the evidence store, or 503 when none is configured.
func (s *Server) evidenceFiles() (evidenceStore, error) {
	if s.deps.EvidenceDir == "" {
		return evidenceStore{}, errEvidenceUnavailable
	}
	return evidenceStore{dir: s.deps.EvidenceDir}, nil
}

// evidenceVisible loads an evidence file whose case the caller sees.
func evidenceVisible(c *fiber.Ctx, q *dbq.Queries, id int64) (dbq.EvidenceFile, error) {
	r, err := q.EvidenceGet(c.UserContext(), id)
	if err != nil {
		return r, err
	}
	if err := evidenceCaseVisible(c, q, evidenceCaseOf(r)); err != nil {
		return dbq.EvidenceFile{}, err
	}
	return r, nil
}

// evidenceOpen reports whether evidence may be uploaded to a lead in this
// status: while the enterprise rectifies, and while the town verifies
// (evidence it asks for).
func evidenceOpen(status string) bool { return status == "rectifying" || status == "verifying" }

// evidenceFilename checks a declared file name and returns its base name.
// Control characters and invisible format characters (Unicode Cf: the
// bidirectional overrides, marks and isolates with which
// "invoice\u202Efdp.exe" shows as "invoiceexe.pdf", zero-width
// characters, …) and line separators are refused: a name is shown to
// other people and saved on their disks.
func evidenceFilename(v *check, name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:] // a client's path (C:\fakepath\x.jpg): keep the base name
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		v.fail("filename", "required", "文件名不能为空")
	case !utf8.ValidString(name) || strings.IndexFunc(name, unsafeNameRune) >= 0:
		v.fail("filename", "invalid_character", "文件名含有不允许的字符（控制字符，或文字方向控制符等不可见的格式字符）")
	case name == "." || name == "..":
		v.fail("filename", "invalid_filename", "文件名不正确")
	case utf8.RuneCountInString(name) > 255:
		v.fail("filename", "too_long", "文件名不能超过255个字")
	}
	return name
}

// unsafeNameRune reports a character a file name may not contain: a
// control character (Cc), a format character (Cf: U+200B…U+200F,
// U+202A…U+202E, U+2066…U+2069, U+FEFF, soft hyphen, …) or a line or
// paragraph separator.
func unsafeNameRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// evidenceSavedName is the name a file of the detected content type is
// saved and downloaded under: the extension of that type, whatever the
// client called the file. A name ending in another extension has it
// replaced ("凭证.exe" → "凭证.png"; "invoice.pdf.exe" → "invoice.pdf"), a
// name without one gets it appended ("银行回单" → "银行回单.pdf"); a name
// already ending in an extension of the type keeps it ("scan.jpeg").
// Characters a name may not contain are dropped (names are checked when
// the upload starts; this guards rows older than that check). The result
// has at most 255 characters.
func evidenceSavedName(name, ctype string) string {
	name = strings.Map(func(r rune) rune {
		if unsafeNameRune(r) {
			return -1
		}
		return r
	}, name)
	ext, ok := evidenceTypes[ctype]
	if !ok {
		return name
	}
	typeExt := func(e string) bool {
		if strings.EqualFold(e, ext) {
			return true
		}
		for _, o := range evidenceOtherExts[ctype] {
			if strings.EqualFold(e, o) {
				return true
			}
		}
		return false
	}
	stem := name
	if i := strings.LastIndexByte(name, '.'); i >= 0 && looksLikeExt(name[i+1:]) {
		if typeExt(name[i:]) {
			return name
		}
		stem = name[:i]
		if j := strings.LastIndexByte(stem, '.'); j >= 0 && typeExt(stem[j:]) {
			return stem
		}
	}
	stem = strings.TrimRight(stem, ". ")
	if n := 255 - utf8.RuneCountInString(ext); utf8.RuneCountInString(stem) > n {
		stem = string([]rune(stem)[:n])
	}
	return stem + ext
}

// looksLikeExt reports whether the text after a name's last dot is a file
// extension: 1 to 5 ASCII letters and digits, at least one a letter ("exe",
// "mp4"; not the "5万" of "3.5万" or the "2" of "v1.2").
func looksLikeExt(s string) bool {
	if len(s) == 0 || len(s) > 5 {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			letter = true
		case c >= '0' && c <= '9':
		default:
			return false
		}
	}
	return letter
}

// evidenceCreate starts an upload to a case of kind, the path's id (a
// dispatch's: to the caller's town's report).
func (s *Server) evidenceCreate(kind evidenceKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c)
		if err != nil {
			return err
		}
		var in evidenceCreateIn
		if err := decodeBody(c, &in); err != nil {
			return err
		}
		var v check
		name := evidenceFilename(&v, in.Filename)
		if in.Size < 1 || in.Size > evidenceMaxSize {
			v.fail("size", "invalid_size", fmt.Sprintf("文件大小应在1字节到%d MB之间", evidenceMaxSize>>20))
		}
		if err := v.err(); err != nil {
			return err
		}
		if _, err := s.evidenceFiles(); err != nil { // bad input is told first
			return err
		}
		ec := evidenceCase{kind: kind, id: id}
		if kind == evidenceOfDispatch {
			ec.town = actorOf(c).TownCode
		}
		ctx := c.UserContext()
		var row dbq.EvidenceFile
		err = s.inTx(c, func(q *dbq.Queries) error {
			if err := evidenceUploadable(c, q, ec); err != nil {
				return err
			}
			p := ec.params()
			n, err := q.EvidenceCountOfCase(ctx, dbq.EvidenceCountOfCaseParams(p))
			if err != nil {
				return err
			}
			if n >= evidenceMaxPerCase {
				return errEvidenceLimit(kind)
			}
			row, err = q.EvidenceCreate(ctx, dbq.EvidenceCreateParams{LeadID: p.LeadID, WarningID: p.WarningID,
				DispatchID: p.DispatchID, DispatchTown: p.DispatchTown, UploadedBy: principalOf(c).AccountID,
				Filename: name, DeclaredSize: in.Size})
			return err
		})
		if err != nil {
			return err
		}
		c.Location("/api/v1/evidence/" + strconv.FormatInt(row.ID, 10))
		c.Set(headerUploadOffset, "0")
		return c.Status(http.StatusCreated).JSON(evidenceOutOf(row))
	}
}

// evidenceList answers the files of a case of kind, the path's id (a
// dispatch's: every town's report's, or query town_code's).
func (s *Server) evidenceList(kind evidenceKind) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if _, err := s.evidenceFiles(); err != nil {
			return err
		}
		id, err := idParam(c)
		if err != nil {
			return err
		}
		ec := evidenceCase{kind: kind, id: id}
		if kind == evidenceOfDispatch {
			if town := queryText(c, "town_code"); town != nil {
				ec.town = *town
			}
		}
		q := db.Q(s.deps.Pool)
		if err := evidenceCaseVisible(c, q, ec); err != nil {
			return err
		}
		rows, err := q.EvidenceListOfCase(c.UserContext(), ec.params())
		if err != nil {
			return err
		}
		out := evidenceListOut{Items: make([]evidenceOut, len(rows))}
		for i, r := range rows {
			out.Items[i] = evidenceOutOf(r)
		}
		return c.JSON(out)
	}
}

// evidencePath is the store and the evidence row the path names, if the
// caller may see it.
func (s *Server) evidencePath(c *fiber.Ctx) (evidenceStore, dbq.EvidenceFile, error) {
	st, err := s.evidenceFiles()
	if err != nil {
		return st, dbq.EvidenceFile{}, err
	}
	id, err := idParam(c)
	if err != nil {
		return st, dbq.EvidenceFile{}, err
	}
	r, err := evidenceVisible(c, db.Q(s.deps.Pool), id)
	return st, r, err
}

func (s *Server) evidenceGet(c *fiber.Ctx) error {
	_, r, err := s.evidencePath(c)
	if err != nil {
		return err
	}
	c.Set(headerUploadOffset, strconv.FormatInt(r.Received, 10))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(evidenceOutOf(r))
}

func (s *Server) evidenceContent(c *fiber.Ctx) error {
	st, r, err := s.evidencePath(c)
	if err != nil {
		return err
	}
	if r.Sha256 == nil || r.ContentType == nil {
		return errEvidenceIncomplete
	}
	f, err := os.Open(st.stored(*r.Sha256))
	if err != nil {
		return fmt.Errorf("evidence %d: open stored file: %w", r.ID, err)
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("evidence %d: stat stored file: %w", r.ID, err)
	}
	c.Set(fiber.HeaderContentType, *r.ContentType)
	setAttachment(c, evidenceSavedName(r.Filename, *r.ContentType), fmt.Sprintf("evidence-%d%s", r.ID, evidenceTypes[*r.ContentType]))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set(fiber.HeaderETag, `"`+*r.Sha256+`"`)
	auditDetail(c, "sha256", *r.Sha256)
	// streamed from the file (closed by fasthttp once sent), never read
	// whole into memory
	return c.SendStream(f, int(fi.Size()))
}

// evidenceOutcome is how a chunk ended when its transaction commits.
type evidenceOutcome int

const (
	evidenceAppended evidenceOutcome = iota // written (or an empty chunk at the right offset)
	evidenceMismatch                        // wrong offset: nothing written
	evidenceLost                            // the partial file was lost: the upload restarts at 0
	evidenceRejected                        // not an allowed type: the upload is dropped
)

func (s *Server) evidenceAppend(c *fiber.Ctx) error {
	st, err := s.evidenceFiles()
	if err != nil {
		return err
	}
	id, err := idParam(c)
	if err != nil {
		return err
	}
	body, n, err := evidenceChunk(c)
	if err != nil {
		return err
	}
	started := c.Context().Time()
	var (
		row     dbq.EvidenceFile
		outcome evidenceOutcome
	)
	err = s.inTx(c, func(q *dbq.Queries) error {
		row, outcome, err = s.evidenceWrite(c, q, st, id, body, n)
		return err
	})
	if err != nil {
		return err
	}
	switch outcome {
	case evidenceRejected:
		return errEvidenceTypeNotAllowed
	case evidenceMismatch, evidenceLost:
		c.Set(headerUploadOffset, strconv.FormatInt(row.Received, 10))
		return errEvidenceOffset(row)
	}
	c.Set(headerUploadOffset, strconv.FormatInt(row.Received, 10))
	// The request's time as the server knows it: from when fasthttp handed
	// it over (after reading a buffered body; a streamed body is read
	// within it) to now.
	elapsed := max(time.Since(started), time.Millisecond)
	return c.JSON(evidenceProgressOut{ID: row.ID, Received: row.Received, Size: row.DeclaredSize, Complete: row.CompletedAt != nil,
		RateBytesPerS: int64(float64(n) / elapsed.Seconds()), ContentType: row.ContentType, SHA256: row.Sha256})
}

// evidenceChunk is the body of a PATCH and its length, checked against
// evidenceChunkMax before anything is written: the request body stream
// when the server streams bodies (Fiber's StreamRequestBody), else the
// body Fiber read (bounded by the server's BodyLimit).
func evidenceChunk(c *fiber.Ctx) (io.Reader, int64, error) {
	if stream := c.Context().RequestBodyStream(); stream != nil {
		n := int64(c.Request().Header.ContentLength())
		switch {
		case n < 0:
			return nil, 0, errEvidenceLengthRequired
		case n > evidenceChunkMax:
			return nil, 0, errEvidenceChunkTooLarge
		}
		return io.LimitReader(stream, n), n, nil
	}
	b := c.Body()
	if len(b) > evidenceChunkMax {
		return nil, 0, errEvidenceChunkTooLarge
	}
	return bytes.NewReader(b), int64(len(b)), nil
}

// evidenceOffset reads the headers of a chunk: its content type and
// Upload-Offset.
func evidenceOffset(c *fiber.Ctx) (int64, error) {
	if mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType)); err != nil || mt != evidenceChunkType {
		return 0, errEvidenceChunkType
	}
	offset, err := strconv.ParseInt(strings.TrimSpace(c.Get(headerUploadOffset)), 10, 64)
	if err != nil || offset < 0 {
		return 0, errEvidenceOffsetRequired
	}
	return offset, nil
}

// evidenceWrite appends a chunk of n bytes at Upload-Offset to the
// caller's upload id, in the request's transaction, with the row locked.
// An upload of a case the caller cannot see is 404 before anything else
// is looked at; one a colleague started is 409 not_uploader; an
// incomplete one continues only while its case takes uploads
// (evidenceUploadable). A refusal that changes nothing is an error (the transaction
// rolls back); the outcomes that change the row (a lost partial file
// reset, a rejected type dropped) commit and are answered by the caller.
func (s *Server) evidenceWrite(c *fiber.Ctx, q *dbq.Queries, st evidenceStore, id int64, body io.Reader, n int64) (dbq.EvidenceFile, evidenceOutcome, error) {
	ctx := c.UserContext()
	row, err := q.EvidenceForUpdate(ctx, id)
	if err != nil {
		return row, 0, err
	}
	ec := evidenceCaseOf(row)
	if err := evidenceCaseVisible(c, q, ec); err != nil {
		return row, 0, err
	}
	if row.UploadedBy != principalOf(c).AccountID {
		return row, 0, errNotUploader // visible, but only its uploader continues an upload
	}
	offset, err := evidenceOffset(c)
	if err != nil {
		return row, 0, err
	}
	if row.CompletedAt == nil {
		if err := evidenceUploadable(c, q, ec); err != nil {
			return row, 0, err
		}
	}
	if offset != row.Received {
		return row, evidenceMismatch, nil
	}
	if n == 0 {
		return row, evidenceAppended, nil
	}
	if row.Received+n > row.DeclaredSize {
		msg := fmt.Sprintf("分片超出声明的文件大小：已收到%d字节，本分片%d字节，文件共%d字节", row.Received, n, row.DeclaredSize)
		return row, 0, errField("body", "chunk_beyond_size", msg)
	}

	path := st.partial(id)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return row, 0, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return row, 0, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return row, 0, err
	}
	if fi.Size() < row.Received {
		// The bytes acknowledged are gone (a lost data directory):
		// restart the upload from 0 rather than store a hole.
		s.deps.Logger.Warn("evidence: partial file shorter than received; upload restarts", "id", id,
			"received", row.Received, "on_disk", fi.Size())
		if err := f.Truncate(0); err != nil {
			return row, 0, err
		}
		row, err = q.EvidenceReset(ctx, id)
		return row, evidenceLost, err
	}
	// Bytes past received are a chunk whose transaction did not commit.
	if err := f.Truncate(row.Received); err != nil {
		return row, 0, err
	}
	ok := false
	defer func() {
		if !ok { // keep the partial file no longer than received
			_ = f.Truncate(row.Received)
		}
	}()
	if _, err := f.Seek(row.Received, io.SeekStart); err != nil {
		return row, 0, err
	}
	if copied, err := io.Copy(f, body); err != nil || copied != n {
		if err == nil || errors.Is(err, io.ErrUnexpectedEOF) {
			return row, 0, errEvidenceChunkShort
		}
		return row, 0, fmt.Errorf("evidence %d: write chunk: %w", id, err)
	}
	if err := f.Sync(); err != nil {
		return row, 0, err
	}
	total := row.Received + n

	// The type is decided by the first bytes as soon as they are here,
	// so that a wrong file is refused before the rest is sent.
	sniff := min(int64(evidenceSniffLen), row.DeclaredSize)
	if row.Received < sniff && total >= sniff {
		if _, allowed, err := evidenceSniff(f, sniff); err != nil {
			return row, 0, err
		} else if !allowed {
			if err := q.EvidenceDelete(ctx, id); err != nil {
				return row, 0, err
			}
			s.afterCommit(c, func() { s.evidenceRemove(path) })
			ok = true
			return row, evidenceRejected, nil
		}
	}
	appended, err := q.EvidenceAppend(ctx, dbq.EvidenceAppendParams{Bytes: n, ID: id, AtOffset: row.Received})
	if err != nil {
		return row, 0, err
	}
	if total == row.DeclaredSize {
		sum, ctype, err := st.keep(f, sniff)
		if err != nil {
			return row, 0, err
		}
		now := s.deps.Now()
		if appended, err = q.EvidenceComplete(ctx, dbq.EvidenceCompleteParams{Sha256: &sum, ContentType: &ctype,
			Filename: evidenceSavedName(row.Filename, ctype), CompletedAt: &now, ID: id}); err != nil {
			return row, 0, err
		}
		// the stored copy is in place; the partial goes once that is committed
		s.afterCommit(c, func() { s.evidenceRemove(path) })
	}
	ok = true
	return appended, evidenceAppended, nil
}

// evidenceSniff detects the type of a file from its first n bytes.
func evidenceSniff(f *os.File, n int64) (string, bool, error) {
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, 0); err != nil {
		return "", false, fmt.Errorf("evidence: read start: %w", err)
	}
	ct := http.DetectContentType(buf)
	_, ok := evidenceTypes[ct]
	return ct, ok, nil
}

// keep stores a complete partial file content-addressed: it streams the
// file once through SHA-256 into a temporary file beside its place, and
// renames that into place (or drops it when the content is stored
// already). The partial file itself is left alone, so that a transaction
// that fails after this leaves the upload as it was.
func (st evidenceStore) keep(f *os.File, sniff int64) (sum, ctype string, err error) {
	ctype, ok, err := evidenceSniff(f, sniff)
	if err != nil {
		return "", "", err
	}
	if !ok { // decided when the first bytes came; a guard
		return "", "", fmt.Errorf("evidence: type %s not allowed at completion", ctype)
	}
	dir := filepath.Join(st.dir, "sha256", ".tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", "", err
	}
	tmp, err := os.CreateTemp(dir, "evidence-*")
	if err != nil {
		return "", "", err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // a no-op once renamed
	defer func() { _ = tmp.Close() }()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(h, tmp), f); err != nil {
		return "", "", fmt.Errorf("evidence: copy to store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", "", err
	}
	sum = hex.EncodeToString(h.Sum(nil))
	dst := st.stored(sum)
	if _, err := os.Stat(dst); err == nil {
		return sum, ctype, nil // the same content is stored already: drop the duplicate
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", "", err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", "", fmt.Errorf("evidence: store: %w", err)
	}
	return sum, ctype, nil
}

// evidenceRemove deletes a partial file after its transaction committed;
// a failure leaves garbage, not an inconsistency, and is logged.
func (s *Server) evidenceRemove(path string) {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.deps.Logger.Warn("evidence: partial file not removed", "path", path, "err", err)
	}
}

var errNotUploader = &Error{Status: http.StatusConflict, Code: "not_uploader", Message: "只能由上传人继续上传该文件"}
