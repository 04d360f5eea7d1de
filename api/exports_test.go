package api_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var workerExportHeader = []string{"编号", "姓名", "身份证号码", "性别", "出生日期", "年龄", "籍贯", "手机号码", "银行卡号", "开户银行",
	"是否在场", "是否有效", "登记日期"}

// exportFixture is the registry fixture plus a roster on each project.
type exportFixture struct {
	*registryFixture
	ids []string // ID numbers of the imported workers, in clear
}

func newExportFixture(h *harness) *exportFixture {
	h.t.Helper()
	f := &exportFixture{registryFixture: newRegistryFixture(h)}
	var a, b [][]any
	for i := 0; i < 6; i++ {
		id := testIDNumber("330102", fmt.Sprintf("1980%02d15", i+1), 60+i)
		f.ids = append(f.ids, id)
		row := rosterLine(fmt.Sprintf("导出%d", i), id, fmt.Sprintf("1390000%04d", i), testBankCard(100+i), "", "2025-06-01")
		if i%3 == 2 {
			b = append(b, row)
		} else {
			a = append(a, row)
		}
	}
	h.asCity(func() {
		r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA), rosterFile(h.t, a...))
		require.Equal(h.t, 200, r.Status, string(r.Raw))
		r = h.upload(v1("/projects/%d/imports/workers", f.ProjectB), rosterFile(h.t, b...))
		require.Equal(h.t, 200, r.Status, string(r.Raw))
	})
	return f
}

// exportMatchesWorkerList checks that the export at query has exactly the
// rows of the worker list at the same query, in id order, as shown by
// the API (masked).
func exportMatchesWorkerList(t *testing.T, h *harness, query string) [][]string {
	t.Helper()
	d := h.download(v1("/exports/workers.xlsx%s", query))
	require.Equal(t, 200, d.Status, string(d.Body))
	sheet, rows := sheetRows(t, d.Body)
	require.Equal(t, "工人名单", sheet)
	require.Equal(t, workerExportHeader, rows[0])
	sep := "?"
	if query != "" {
		sep = "&"
	}
	list := h.must(200, "GET", v1("/workers%s%spage_size=200", query, sep), nil)
	items := list.items()
	require.Len(t, rows, len(items)+1, "one row per list item")
	require.Equal(t, fmt.Sprint(len(items)), d.Header.Get("X-Export-Rows"))
	for i, it := range items {
		row := rows[i+1]
		require.Equal(t, fmt.Sprint(int64(it["id"].(float64))), row[0])
		require.Equal(t, it["name"], row[1])
		require.Equal(t, it["id_number"], row[2], "masked as in the API")
		require.Equal(t, it["gender_label"], row[3])
		require.Equal(t, it["birth_date"], row[4])
		require.Equal(t, fmt.Sprint(it["age"]), row[5])
		require.Equal(t, it["native_province_name"], row[6])
		require.Equal(t, it["phone"], cell(row, 7))
		require.Equal(t, it["bank_card"], cell(row, 8))
		require.Equal(t, it["bank_name"], cell(row, 9))
		require.Equal(t, map[bool]string{true: "是", false: "否"}[it["on_site"].(bool)], row[10])
	}
	return rows
}

func cell(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}

func TestExportWorkers(t *testing.T) {
	h := setup(t)
	f := newExportFixture(h)

	t.Run("AllMatchTheList", func(t *testing.T) {
		rows := exportMatchesWorkerList(t, h, "")
		require.Len(t, rows, 1+2+6)
		for _, id := range append(f.ids, f.IDNumberA, f.IDNumberB) {
			require.Contains(t, flatten(rows), id[:6]+"********"+id[14:])
		}
	})
	t.Run("NoPersonalDataInClear", func(t *testing.T) {
		d := h.download(v1("/exports/workers.xlsx"))
		for _, id := range f.ids {
			require.False(t, bytes.Contains(d.Body, []byte(id)), "the file is compressed, check the cells instead")
		}
		_, rows := sheetRows(t, d.Body)
		all := flatten(rows)
		for i, id := range f.ids {
			require.NotContains(t, all, id)
			require.NotContains(t, all, fmt.Sprintf("1390000%04d", i))
			require.NotContains(t, all, testBankCard(100+i))
		}
	})
	t.Run("Filters", func(t *testing.T) {
		rows := exportMatchesWorkerList(t, h, fmt.Sprintf("?project_id=%d", f.ProjectA))
		require.Len(t, rows, 1+1+4, "worker A and four imported")
		rows = exportMatchesWorkerList(t, h, "?q="+url.QueryEscape("导出"))
		require.Len(t, rows, 1+6)
		exportMatchesWorkerList(t, h, fmt.Sprintf("?team_id=%d&on_site=true", f.TeamA))
		exportMatchesWorkerList(t, h, "?gender=female")
		exportMatchesWorkerList(t, h, "?id_number="+f.IDNumberB)
		rows = exportMatchesWorkerList(t, h, "?phone=13900000003")
		require.Len(t, rows, 2)
		require.Equal(t, "导出3", rows[1][1])
	})
	t.Run("BadFilter", func(t *testing.T) {
		d := h.download(v1("/exports/workers.xlsx?age_min=abc&gender=x"))
		require.Equal(t, 400, d.Status)
		require.Contains(t, string(d.Body), "invalid_query")
		require.Contains(t, string(d.Body), "age_min")
		require.Contains(t, string(d.Body), "gender")
	})
	t.Run("TownScopeExportsOnlyItsRows", func(t *testing.T) {
		h.as(townScope(f.TownA), func() {
			rows := exportMatchesWorkerList(t, h, "")
			require.Len(t, rows, 1+1+4)
			all := flatten(rows)
			require.Contains(t, all, "张三")
			require.NotContains(t, all, "李四")
			require.NotContains(t, all, "导出2")
		})
		h.as(townScope(f.TownB), func() {
			rows := exportMatchesWorkerList(t, h, "")
			require.Len(t, rows, 1+1+2)
			require.NotContains(t, flatten(rows), "张三")
		})
	})
	t.Run("ProjectAndWorkerScopes", func(t *testing.T) {
		h.as(projectScope(f.ProjectB), func() { exportMatchesWorkerList(t, h, "") })
		h.as(workerScope(f.WorkerA), func() {
			rows := exportMatchesWorkerList(t, h, "")
			require.Len(t, rows, 2)
			require.Equal(t, "张三", rows[1][1])
		})
	})
	t.Run("Headers", func(t *testing.T) {
		d := h.download(v1("/exports/workers.xlsx"))
		require.Equal(t, xlsxMIME, d.Header.Get("Content-Type"))
		name := fmt.Sprintf("工人名单_%s.xlsx", time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102"))
		require.Contains(t, d.Header.Get("Content-Disposition"), "filename*=UTF-8''"+url.PathEscape(name))
		require.Contains(t, d.Header.Get("Content-Disposition"), `filename="workers.xlsx"`)
		require.Equal(t, "no-store", d.Header.Get("Cache-Control"))
	})
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

// TestExportEveryList exports each list and checks its header and that it
// has as many rows as the list's total, in the city scope and in a town's.
func TestExportEveryList(t *testing.T) {
	h := setup(t)
	f := newExportFixture(h)
	att := h.upload(v1("/projects/%d/imports/attendance", f.ProjectA), xlsxFile(t, "考勤记录", attendanceHeader,
		[]any{f.IDNumberA, "张三", "2025-03-05", "8", nil, nil},
		[]any{f.IDNumberA, "张三", "2025-03-06", "7.5", nil, nil},
		[]any{f.IDNumberA, "张三", "2025-03-07", nil, 7, nil}))
	require.Equal(t, 200, att.Status, string(att.Raw))
	pay := h.upload(v1("/projects/%d/imports/payroll?month=2025-04", f.ProjectA), xlsxFile(t, "工资表", payrollHeader,
		[]any{f.IDNumberA, "张三", 22, "6,500.00", "6000", "2025-05-10", "20250510001", nil}))
	require.Equal(t, 200, pay.Status, string(pay.Raw))
	h.must(201, "POST", v1("/work-records"), map[string]any{"project_id": f.ProjectA, "worker_id": f.WorkerA,
		"work_date": "2025-03-05", "item": "模板安装", "unit": "平方米", "quantity_milli": 12500, "amount_fen": 62550})
	h.must(201, "POST", v1("/safety-homes"), map[string]any{"town_code": f.TownA, "name": "甲镇安薪之家", "established_on": "2025-01-10"})
	h.must(201, "POST", v1("/safety-homes"), map[string]any{"town_code": f.TownB, "name": "乙街道安薪之家", "established_on": "2025-02-10"})

	attendanceQuery := fmt.Sprintf("?project_id=%d&date_from=2025-03-01&date_to=2025-03-31", f.ProjectA)
	cases := []struct {
		entity, list, query, sheet string
		header                     []string
	}{
		{"enterprises", "/enterprises", "", "企业名单", []string{"编号", "统一社会信用代码", "企业名称", "企业类型", "所属镇街"}},
		{"projects", "/projects", "", "项目名单", []string{"编号", "项目编号", "项目名称", "所属镇街", "行业", "建设单位", "施工总承包单位", "合同金额(元)"}},
		{"teams", "/teams", "", "班组名单", []string{"编号", "班组名称", "所属项目", "劳务企业"}},
		{"workers", "/workers", "", "工人名单", workerExportHeader},
		{"employments", "/employments", "", "用工名单", []string{"编号", "姓名", "身份证号码", "项目", "班组", "工种", "进场日期"}},
		{"attendance", "/attendance", attendanceQuery, "考勤记录", []string{"日期", "姓名", "身份证号码", "班组", "工时(小时)", "出勤分钟", "来源"}},
		{"payroll-lines", "/payroll-lines", "", "工资明细", []string{"编号", "工资月份", "项目", "姓名", "身份证号码", "出勤天数", "应发工资(元)", "实发工资(元)", "未发工资(元)"}},
		{"work-records", "/work-records", "", "记工记录", []string{"编号", "日期", "项目", "姓名", "身份证号码", "班组", "计量项目", "单位", "数量", "金额(元)"}},
		{"safety-homes", "/safety-homes", "", "安薪之家", []string{"编号", "名称", "所属镇街", "所在项目"}},
	}
	sheets := map[string][][]string{}
	for _, sc := range []struct {
		name  string
		scope func(func())
	}{{"city", h.asCity}, {"town", func(fn func()) { h.as(townScope(f.TownA), fn) }}} {
		for _, tc := range cases {
			t.Run(sc.name+"/"+tc.entity, func(t *testing.T) {
				sc.scope(func() {
					d := h.download(v1("/exports/%s.xlsx%s", tc.entity, tc.query))
					require.Equal(t, 200, d.Status, string(d.Body))
					sheet, rows := sheetRows(t, d.Body)
					require.Equal(t, tc.sheet, sheet)
					require.Equal(t, tc.header, rows[0][:len(tc.header)])
					total := h.must(200, "GET", v1("%s%s", tc.list, tc.query), nil).num("total")
					require.Positive(t, total)
					require.EqualValues(t, total, len(rows)-1, "as many rows as the list")
					if sc.name == "city" {
						sheets[tc.entity] = rows
					}
				})
			})
		}
	}
	t.Run("Values", func(t *testing.T) {
		att := sheets["attendance"]
		require.Equal(t, []string{"2025-03-05", "张三", f.IDNumberA[:6] + "********" + f.IDNumberA[14:], "木工班", "8.00", "480", "导入"}, att[1])
		require.Equal(t, "7.50", att[2][4])
		require.Equal(t, "0.12", att[3][4], "7 minutes")
		require.Equal(t, "7", att[3][5])
		pay := sheets["payroll-lines"][1]
		require.Equal(t, []string{"2025-04", "甲住宅项目", "张三"}, pay[1:4])
		require.Equal(t, []string{"22", "6,500.00", "6,000.00", "500.00", "2025-05-10", "20250510001", "专户代发", "草稿", "待确认"}, pay[5:14])
		wr := sheets["work-records"][1]
		require.Equal(t, []string{"模板安装", "平方米", "12.5", "625.50", "是"}, wr[6:11])
		proj := sheets["projects"][1]
		require.Equal(t, []string{"PA-0001", "甲住宅项目", "甲镇", "房屋建筑", "甲建设", "甲总包", "1,000,000.00"}, proj[1:8])
		emp := flatten(sheets["employments"])
		require.Contains(t, emp, "在场")
	})
	t.Run("AttendanceNeedsProjectAndDates", func(t *testing.T) {
		for _, q := range []string{"?date_from=2025-03-01&date_to=2025-03-31", fmt.Sprintf("?project_id=%d&date_to=2025-03-31", f.ProjectA),
			fmt.Sprintf("?project_id=%d&date_from=2025-01-01&date_to=2026-06-30", f.ProjectA)} {
			d := h.download(v1("/exports/attendance.xlsx%s", q))
			require.Equal(t, 400, d.Status, q)
		}
		h.as(workerScope(f.WorkerA), func() {
			d := h.download(v1("/exports/attendance.xlsx?date_from=2025-03-01&date_to=2025-03-31"))
			require.Equal(t, 400, d.Status, "a worker names the project too")
		})
	})
	t.Run("TownScopeSeesOnlyItsRows", func(t *testing.T) {
		h.as(townScope(f.TownB), func() {
			d := h.download(v1("/exports/safety-homes.xlsx"))
			_, rows := sheetRows(t, d.Body)
			require.Len(t, rows, 2)
			require.Equal(t, "乙街道安薪之家", rows[1][1])
			d = h.download(v1("/exports/attendance.xlsx%s", attendanceQuery))
			require.Equal(t, 200, d.Status)
			_, rows = sheetRows(t, d.Body)
			require.Len(t, rows, 1, "project A is not in town B: header only")
		})
	})
}

// exportMatchesList downloads the export at exportPath+query and checks
// that it has exactly the items of the list at listPath+query: as many
// rows, with the same keys (export column keyCol against the list item's
// field key), and returns the rows (header first).
func exportMatchesList(t *testing.T, h *harness, exportPath, listPath, query string, keyCol int, key string) [][]string {
	t.Helper()
	d := h.download(v1("%s%s", exportPath, query))
	require.Equal(t, 200, d.Status, "%s%s: %s", exportPath, query, d.Body)
	_, rows := sheetRows(t, d.Body)
	sep := "?"
	if strings.Contains(query, "?") {
		sep = "&"
	}
	paging := sep + "page_size=200"
	if listPath == "/towns" || strings.HasSuffix(listPath, "/credit-listings") {
		paging = "" // not paged lists (and page_size is refused there)
	}
	list := h.must(200, "GET", v1("%s%s%s", listPath, query, paging), nil)
	items := list.items()
	require.Len(t, rows, len(items)+1, "%s%s: one row per list item", exportPath, query)
	require.Equal(t, fmt.Sprint(len(items)), d.Header.Get("X-Export-Rows"))
	var want, got []string
	for i, it := range items {
		switch v := it[key].(type) {
		case float64:
			want = append(want, fmt.Sprint(int64(v)))
		default:
			want = append(want, fmt.Sprint(v))
		}
		got = append(got, cell(rows[i+1], keyCol))
	}
	require.ElementsMatch(t, want, got, "%s%s: the list's rows", exportPath, query)
	return rows
}

// TestExportTheOtherLists covers the exports of the lists added after the
// first nine: each equals its list (count and key) unfiltered, filtered,
// in a town's scope (only the town's rows) and with a filter naming a
// project outside the scope (nothing, as the list).
func TestExportTheOtherLists(t *testing.T) {
	h := setup(t)
	f := newExportFixture(h)
	att := h.upload(v1("/projects/%d/imports/attendance", f.ProjectA), xlsxFile(t, "考勤记录", attendanceHeader,
		[]any{f.IDNumberA, "张三", "2025-03-05", "8", nil, nil},
		[]any{f.IDNumberA, "张三", "2025-03-06", "7.5", nil, nil}))
	require.Equal(t, 200, att.Status, string(att.Raw))
	pay := h.upload(v1("/projects/%d/imports/payroll?month=2025-04", f.ProjectA), xlsxFile(t, "工资表", payrollHeader,
		[]any{f.IDNumberA, "张三", 22, "6,500.00", "6000", "2025-05-10", "20250510001", nil}))
	require.Equal(t, 200, pay.Status, string(pay.Raw))
	h.must(201, "POST", v1("/payroll-sheets"), map[string]any{"project_id": f.ProjectA, "month": "2025-05"})
	h.must(201, "POST", v1("/payroll-sheets"), map[string]any{"project_id": f.ProjectB, "month": "2025-04"})
	for i, p := range []int64{f.ProjectA, f.ProjectB} {
		acc := h.must(201, "POST", v1("/wage-accounts"), map[string]any{"project_id": p, "bank_name": "工商银行",
			"account_name": fmt.Sprintf("专户%d", i), "account_no": fmt.Sprintf("622202123456789%d", i), "opened_on": "2024-06-15"}).num("id")
		h.must(201, "POST", v1("/labour-cost-transfers"), map[string]any{"account_id": acc, "month": "2025-02",
			"amount_fen": 1234567 + i, "transferred_on": "2025-02-10", "reference": fmt.Sprintf("RG-%d", i)})
		h.must(201, "POST", v1("/wage-deposits"), map[string]any{"project_id": p, "form": "cash", "required_fen": 1000000,
			"amount_fen": 800000, "bank_name": "工行", "reference": fmt.Sprintf("BZJ-%d", i), "paid_on": "2024-06-20"})
	}
	for i, town := range []string{f.TownA, f.TownB} {
		home := h.must(201, "POST", v1("/safety-homes"), map[string]any{"town_code": town, "name": fmt.Sprintf("安薪之家%d", i),
			"established_on": "2024-09-01"}).num("id")
		h.must(201, "POST", v1("/safety-supervisors"), map[string]any{"home_id": home, "name": fmt.Sprintf("监督员%d", i),
			"phone": fmt.Sprintf("1391234567%d", i), "party_member": i == 0})
		h.must(201, "POST", v1("/safety-supervisors"), map[string]any{"home_id": home, "name": fmt.Sprintf("监督员%d乙", i)})
		h.must(201, "POST", v1("/safety-activities"), map[string]any{"home_id": home, "held_on": "2025-01-15",
			"title": fmt.Sprintf("宣讲%d", i), "kind": "publicity", "participants": 80})
	}
	credit := v1("/enterprises/%d/credit-listings", f.BuilderA)
	h.must(201, "POST", credit, map[string]any{"kind": "arrears_blacklist", "listed_on": "2025-03-01", "authority": "市人社局", "reason": "拖欠工资"})
	h.must(201, "POST", credit, map[string]any{"kind": "major_violation", "listed_on": "2025-04-01"})

	type exportCase struct {
		entity, list    string
		keyCol          int
		key             string
		filter, outside string // a filter that narrows; a filter naming what town A does not see
		sheet, header0  string
	}
	pa, pb := fmt.Sprintf("?project_id=%d", f.ProjectA), fmt.Sprintf("?project_id=%d", f.ProjectB)
	cases := []exportCase{
		{"towns", "/towns", 0, "code", "?q=330101", "?q=330102", "镇街名单", "镇街代码"},
		{"payroll-sheets", "/payroll-sheets", 0, "id", pa, pb, "工资表", "编号"},
		{"wage-accounts", "/wage-accounts", 0, "id", pa, pb, "工资专用账户", "编号"},
		{"labour-cost-transfers", "/labour-cost-transfers", 0, "id", pa, pb, "人工费用拨付", "编号"},
		{"wage-deposits", "/wage-deposits", 0, "id", pa, pb, "工资保证金", "编号"},
		{"wage-deposit-movements", "/wage-deposit-movements", 0, "id", pa, pb, "保证金收支", "编号"},
		{"safety-supervisors", "/safety-supervisors", 0, "id", "?party_member=true", "?town_code=" + f.TownB, "安薪监督员", "编号"},
		{"safety-activities", "/safety-activities", 0, "id", "?town_code=" + f.TownA, "?town_code=" + f.TownB, "安薪之家活动", "编号"},
		{"attendance-summary", "/attendance/summary", 1, "worker_id", pa + "&month=2025-03", pb + "&month=2025-03", "考勤汇总", "项目编号"},
	}
	for _, tc := range cases {
		exportPath := "/exports/" + tc.entity + ".xlsx"
		t.Run(tc.entity, func(t *testing.T) {
			var all int
			if tc.entity != "attendance-summary" { // the summary needs a project
				d := h.download(v1("%s", exportPath))
				require.Equal(t, 200, d.Status, string(d.Body))
				sheet, rows := sheetRows(t, d.Body)
				require.Equal(t, tc.sheet, sheet)
				require.Equal(t, tc.header0, rows[0][0])
				all = len(exportMatchesList(t, h, exportPath, tc.list, "", tc.keyCol, tc.key)) - 1
				require.GreaterOrEqual(t, all, 2, "both towns have rows")
			}
			filtered := exportMatchesList(t, h, exportPath, tc.list, tc.filter, tc.keyCol, tc.key)
			require.Greater(t, len(filtered), 1, "the filter leaves rows")
			if all > 0 {
				require.Less(t, len(filtered)-1, all, "the filter narrows")
			}
			h.as(townScope(f.TownA), func() {
				if all > 0 {
					rows := exportMatchesList(t, h, exportPath, tc.list, "", tc.keyCol, tc.key)
					require.Greater(t, len(rows), 1)
					require.Less(t, len(rows)-1, all, "a town exports only its rows")
				}
				rows := exportMatchesList(t, h, exportPath, tc.list, tc.outside, tc.keyCol, tc.key)
				require.Len(t, rows, 1, "outside the town's scope: header only, as the list is empty")
			})
		})
	}

	t.Run("MaskedAsTheList", func(t *testing.T) {
		d := h.download(v1("/exports/safety-supervisors.xlsx"))
		_, rows := sheetRows(t, d.Body)
		all := flatten(rows)
		require.NotContains(t, all, "13912345670")
		list := h.must(200, "GET", v1("/safety-supervisors?page_size=200"), nil).items()
		for i, it := range list {
			require.Equal(t, it["phone"], cell(rows[i+1], 2), "phone as the list shows it")
		}
		require.Contains(t, all, "139****5670")

		d = h.download(v1("/exports/wage-accounts.xlsx"))
		_, rows = sheetRows(t, d.Body)
		require.NotContains(t, flatten(rows), "6222021234567890")
		for i, it := range h.must(200, "GET", v1("/wage-accounts?page_size=200"), nil).items() {
			require.Equal(t, it["account_no"], rows[i+1][4], "account number as the list shows it")
		}
	})
	t.Run("Values", func(t *testing.T) {
		d := h.download(v1("/exports/payroll-sheets.xlsx%s", pa))
		_, rows := sheetRows(t, d.Body)
		require.Equal(t, []string{"2025-04", "甲住宅项目", "草稿", "1", "6,500.00", "6,000.00", "0"}, rows[1][1:8])
		d = h.download(v1("/exports/labour-cost-transfers.xlsx%s", pa))
		_, rows = sheetRows(t, d.Body)
		require.Equal(t, []string{"2025-02", "甲住宅项目"}, rows[1][1:3])
		require.Equal(t, []string{"12,345.67", "2025-02-10", "RG-0", "是"}, rows[1][4:8])
		d = h.download(v1("/exports/wage-deposits.xlsx%s", pa))
		_, rows = sheetRows(t, d.Body)
		require.Equal(t, []string{"甲住宅项目", "现金", "10,000.00", "8,000.00", "2,000.00"}, rows[1][1:6])
		d = h.download(v1("/exports/attendance-summary.xlsx%s&month=2025-03", pa))
		_, rows = sheetRows(t, d.Body)
		require.Equal(t, []string{"张三", "2", "15.50", "930", "2025-03-05", "2025-03-06"}, rows[1][2:8])
		d = h.download(v1("/exports/safety-activities.xlsx?town_code=%s", f.TownA))
		_, rows = sheetRows(t, d.Body)
		require.Equal(t, []string{"2025-01-15", "宣讲0", "普法宣传", "80", "安薪之家0", "甲镇"}, rows[1][1:7])
	})
	t.Run("AttendanceSummaryNeedsMonth", func(t *testing.T) {
		require.Equal(t, 400, h.download(v1("/exports/attendance-summary.xlsx%s", pa)).Status)
		require.Equal(t, 400, h.download(v1("/exports/attendance-summary.xlsx?month=2025-03")).Status)
	})
	t.Run("CreditListings", func(t *testing.T) {
		path := fmt.Sprintf("/exports/enterprises/%d/credit-listings.xlsx", f.BuilderA)
		list := fmt.Sprintf("/enterprises/%d/credit-listings", f.BuilderA)
		rows := exportMatchesList(t, h, path, list, "", 0, "id")
		require.Len(t, rows, 3)
		require.Equal(t, []string{"甲建设", "欠薪黑名单"}, rows[2][1:3], "the older listing last, as in the list")
		h.as(townScope(f.TownA), func() { exportMatchesList(t, h, path, list, "", 0, "id") })
		h.as(townScope(f.TownB), func() {
			require.Equal(t, 404, h.do("GET", v1("%s", list), nil).Status)
			d := h.download(v1("%s", path))
			require.Equal(t, 404, d.Status, "an enterprise outside the scope: 404, as the list")
			require.Contains(t, string(d.Body), "not_found")
		})
		require.Equal(t, 404, h.download(v1("/exports/enterprises/999999/credit-listings.xlsx")).Status)
	})
}
