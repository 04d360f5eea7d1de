package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

const xlsxMIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// download is a GET answered with a file.
type download struct {
	Status int
	Header http.Header
	Body   []byte
}

func (h *harness) download(path string) download {
	h.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	h.authorize(req)
	res, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	body, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	return download{Status: res.StatusCode, Header: res.Header, Body: body}
}

// upload posts data as the multipart field "file".
func (h *harness) upload(path string, data []byte) resp {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "导入.xlsx")
	require.NoError(h.t, err)
	_, err = fw.Write(data)
	require.NoError(h.t, err)
	require.NoError(h.t, mw.Close())
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	h.authorize(req)
	res, err := h.app.Test(req, -1)
	require.NoError(h.t, err)
	raw, err := io.ReadAll(res.Body)
	require.NoError(h.t, err)
	out := resp{Status: res.StatusCode, Raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(h.t, json.Unmarshal(raw, &out.Body), string(raw))
	}
	return out
}

// xlsxFile builds a one-sheet workbook: header, then rows. Strings are
// string cells (ID and card numbers keep their digits), numbers numbers,
// nil an empty cell.
func xlsxFile(t testing.TB, sheet string, header []string, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	require.NoError(t, f.SetSheetName("Sheet1", sheet))
	for j, hd := range header {
		cell, _ := excelize.CoordinatesToCellName(j+1, 1)
		require.NoError(t, f.SetCellStr(sheet, cell, hd))
	}
	for i, r := range rows {
		for j, v := range r {
			if v == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			if s, ok := v.(string); ok {
				require.NoError(t, f.SetCellStr(sheet, cell, s))
			} else {
				require.NoError(t, f.SetCellValue(sheet, cell, v))
			}
		}
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	return buf.Bytes()
}

// sheetRows opens an .xlsx and returns the rows of its first sheet as
// displayed text (formatted values).
func sheetRows(t testing.TB, data []byte) (string, [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	defer f.Close()
	name := f.GetSheetList()[0]
	rows, err := f.GetRows(name)
	require.NoError(t, err)
	return name, rows
}

// reportErrors returns the errors of an import report (422 body).
func (r resp) reportErrors() []map[string]any {
	rep, _ := r.Body["report"].(map[string]any)
	raw, _ := rep["errors"].([]any)
	out := make([]map[string]any, len(raw))
	for i, x := range raw {
		out[i], _ = x.(map[string]any)
	}
	return out
}

// hasRowError reports whether the report names row, field and code.
func (r resp) hasRowError(row int, field, code string) bool {
	for _, e := range r.reportErrors() {
		if int(e["row"].(float64)) == row && e["field"] == field && e["code"] == code {
			return true
		}
	}
	return false
}

func TestTemplateDownloads(t *testing.T) {
	h := setup(t)
	for _, tc := range []struct {
		name, file, sheet string
		headers           []string
	}{
		{"workers", "工人花名册导入模板.xlsx", "工人花名册",
			[]string{"*姓名", "*身份证号码", "手机号码", "银行卡号", "开户银行", "班组", "工种", "*进场日期", "合同签订日期", "日工资(元)"}},
		{"attendance", "考勤导入模板.xlsx", "考勤记录", []string{"*身份证号码", "*姓名", "*日期", "工时(小时)", "出勤分钟", "来源"}},
		{"payroll", "工资表导入模板.xlsx", "工资表",
			[]string{"*身份证号码", "*姓名", "出勤天数", "*应发工资(元)", "实发工资(元)", "发放日期", "银行流水号", "发放方式"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := h.download(v1("/templates/%s.xlsx", tc.name))
			require.Equal(t, 200, d.Status, string(d.Body))
			require.Equal(t, xlsxMIME, d.Header.Get("Content-Type"))
			cd := d.Header.Get("Content-Disposition")
			require.True(t, strings.HasPrefix(cd, "attachment; "), cd)
			require.Contains(t, cd, "filename*=UTF-8''"+url.PathEscape(tc.file))
			sheet, rows := sheetRows(t, d.Body)
			require.Equal(t, tc.sheet, sheet)
			require.Equal(t, tc.headers, rows[0])
			require.Len(t, rows, 1, "the data sheet holds the header only")
			f, err := excelize.OpenReader(bytes.NewReader(d.Body))
			require.NoError(t, err)
			defer f.Close()
			require.Contains(t, f.GetSheetList(), "填写说明")
		})
	}
	require.Equal(t, 404, h.download(v1("/templates/nope.xlsx")).Status)
}

func TestExcelRoutesAreDocumented(t *testing.T) {
	h := setup(t)
	doc := h.must(200, "GET", "/api/v1/openapi.json", nil)
	paths, _ := doc.Body["paths"].(map[string]any)
	op := func(path, method string) map[string]any {
		item, ok := paths[path].(map[string]any)
		require.True(t, ok, "missing %s", path)
		o, ok := item[method].(map[string]any)
		require.True(t, ok, "missing %s %s", method, path)
		return o
	}
	content := func(o map[string]any, status string) map[string]any {
		r := o["responses"].(map[string]any)[status].(map[string]any)
		return r["content"].(map[string]any)
	}
	for _, name := range []string{"workers", "attendance", "payroll"} {
		require.Contains(t, content(op("/api/v1/templates/"+name+".xlsx", "get"), "200"), xlsxMIME)
		imp := op("/api/v1/projects/{id}/imports/"+name, "post")
		body := imp["requestBody"].(map[string]any)["content"].(map[string]any)
		require.Contains(t, body, "multipart/form-data")
		require.Contains(t, content(imp, "200"), "application/json")
	}
	for _, entity := range []string{"enterprises", "projects", "teams", "workers", "employments", "attendance",
		"payroll-lines", "work-records", "safety-homes"} {
		o := op("/api/v1/exports/"+entity+".xlsx", "get")
		require.Contains(t, content(o, "200"), xlsxMIME)
		var names []string
		for _, p := range o["parameters"].([]any) {
			names = append(names, p.(map[string]any)["name"].(string))
		}
		require.NotContains(t, names, "page")
		require.NotContains(t, names, "sort")
	}
	workerParams := op("/api/v1/exports/workers.xlsx", "get")["parameters"].([]any)
	require.Len(t, workerParams, 12, "the filters of GET /workers")
}
