package api_test

import (
	"bytes"
	"fmt"
	"net/url"
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
