package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/pii"
)

var rosterHeader = []string{"姓名", "身份证号码", "手机号码", "银行卡号", "开户银行", "班组", "工种", "进场日期", "合同签订日期", "日工资(元)"}

// rosterLine is one roster row in template column order.
func rosterLine(name, id, phone, card, team, entry string) []any {
	row := []any{name, id, nil, nil, nil, nil, "木工", entry, nil, "350.00"}
	if phone != "" {
		row[2] = phone
	}
	if card != "" {
		row[3], row[4] = card, "中国建设银行"
	}
	if team != "" {
		row[5] = team
	}
	return row
}

func rosterFile(t testing.TB, rows ...[]any) []byte {
	return xlsxFile(t, "工人花名册", rosterHeader, rows...)
}

// withCheckDigitWrong returns id with a wrong check character.
func withCheckDigitWrong(id string) string {
	last := id[len(id)-1]
	bad := byte('0')
	if last == '0' {
		bad = '1'
	}
	return id[:len(id)-1] + string(bad)
}

func TestImportRosterReportsEveryBadRowAndWritesNothing(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	id1 := testIDNumber("330102", "19900305", 11)
	id2 := testIDNumber("330102", "19910412", 12)
	file := rosterFile(t,
		rosterLine("王五", id1, "13900001111", testBankCard(7), "木工班", "2025-06-01"),             // row 2: good
		rosterLine("赵六", withCheckDigitWrong(id2), "", "", "", "2025-06-01"),                   // row 3: bad check digit
		rosterLine("钱七", testIDNumber("330102", "19920101", 13), "1234", "", "", "2025-06-01"), // row 4: bad phone
		rosterLine("孙八", testIDNumber("330102", "19930101", 15), "", "", "瓦工班", "2025-06-01"),  // row 5: unknown team
		rosterLine("王五", id1, "", "", "", "2025-06-01"),                                        // row 6: duplicate ID
		rosterLine("", testIDNumber("330102", "19940101", 17), "", "", "", "2025-06-01"),       // row 7: missing name
	)
	workers, employments := h.count("workers"), h.count("employments")
	r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA), file)
	require.Equal(t, 422, r.Status, string(r.Raw))
	require.Equal(t, "import_invalid", r.code())
	msg := r.Body["error"].(map[string]any)["message"].(string)
	require.Equal(t, "导入文件有5行错误，未导入任何数据", msg)
	require.True(t, r.hasRowError(3, "id_number", "invalid_check_digit"), string(r.Raw))
	require.True(t, r.hasRowError(4, "phone", "invalid_phone"), string(r.Raw))
	require.True(t, r.hasRowError(5, "team", "team_not_found"), string(r.Raw))
	require.True(t, r.hasRowError(6, "id_number", "duplicate_in_file"), string(r.Raw))
	require.True(t, r.hasRowError(7, "name", "required"), string(r.Raw))
	for _, e := range r.reportErrors() {
		require.NotEqual(t, 2, int(e["row"].(float64)), "row 2 is good: %v", e)
		require.NotEmpty(t, e["column"], "every error names its column: %v", e)
		require.NotEmpty(t, e["message"])
	}
	require.Contains(t, string(r.Raw), "身份证号码与第2行重复")
	require.Contains(t, string(r.Raw), "瓦工班")
	rep := r.Body["report"].(map[string]any)
	require.EqualValues(t, 6, rep["rows"])
	require.EqualValues(t, 5, rep["bad_rows"])
	require.Equal(t, workers, h.count("workers"), "nothing written")
	require.Equal(t, employments, h.count("employments"), "nothing written")
}

func TestImportRoster(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	idC := testIDNumber("110105", "19880808", 21)
	idD := testIDNumber("420102", "19790101", 22)
	cardC := testBankCard(31)
	file := rosterFile(t,
		rosterLine("周九", idC, "13912345678", cardC, "木工班", "2025-06-01"),
		rosterLine("吴十", idD, "", "", "", "2025-06-02"),
		// Worker B is registered (on project B): entered on project A too,
		// with a new phone.
		rosterLine("李四", f.IDNumberB, "13700001234", "", "木工班", "2025-06-03"),
	)
	workers, employments := h.count("workers"), h.count("employments")
	r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA), file)
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.Equal(t, true, r.Body["ok"])
	require.EqualValues(t, 3, r.num("rows"))
	require.EqualValues(t, 2, r.num("created"))
	require.EqualValues(t, 1, r.num("updated"))
	require.EqualValues(t, 3, r.num("employments"))
	require.Equal(t, workers+2, h.count("workers"))
	require.Equal(t, employments+3, h.count("employments"))

	t.Run("EncryptedAndMasked", func(t *testing.T) {
		list := h.must(200, "GET", v1("/workers?project_id=%d&q=周九", f.ProjectA), nil)
		require.Len(t, list.items(), 1)
		w := list.items()[0]
		require.Equal(t, idC[:6]+"********"+idC[14:], w["id_number"])
		require.Equal(t, "139****5678", w["phone"])
		require.Equal(t, cardC[:4]+" **** **** "+cardC[len(cardC)-4:], w["bank_card"])
		require.Equal(t, "中国建设银行", w["bank_name"])
		require.Equal(t, "male", w["gender"], "derived from the ID number")
		require.Equal(t, "1988-08-08", w["birth_date"])
		require.Equal(t, true, w["on_site"])
		var row string
		require.NoError(t, h.pool.QueryRow(t.Context(), "SELECT w::text FROM workers w WHERE id = $1", int64(w["id"].(float64))).Scan(&row))
		for _, plain := range []string{idC, "13912345678", cardC} {
			require.NotContains(t, row, plain)
		}
		var idEnc, idHash []byte
		require.NoError(t, h.pool.QueryRow(t.Context(), "SELECT id_number_enc, id_number_hash FROM workers WHERE id = $1",
			int64(w["id"].(float64))).Scan(&idEnc, &idHash))
		plain, err := h.keys.Decrypt(pii.KindIDNumber, idEnc)
		require.NoError(t, err)
		require.Equal(t, idC, plain)
		require.Equal(t, h.keys.Hash(pii.KindIDNumber, idC), idHash)
	})
	t.Run("EmploymentsWithTeamAndWage", func(t *testing.T) {
		list := h.must(200, "GET", v1("/employments?project_id=%d&team_id=%d", f.ProjectA, f.TeamA), nil)
		require.Len(t, list.items(), 3, "worker A, 周九 and 李四")
		for _, e := range list.items() {
			if e["worker_name"] == "周九" {
				require.Equal(t, "2025-06-01", e["entry_date"])
				require.EqualValues(t, 35000, e["daily_wage_fen"])
				require.Equal(t, "木工", e["trade"])
			}
		}
	})
	t.Run("RegisteredWorkerReusedAndUpdated", func(t *testing.T) {
		w := h.must(200, "GET", v1("/workers/%d", f.WorkerB), nil)
		require.Equal(t, "137****1234", w.Body["phone"])
		require.EqualValues(t, 2, w.num("version"))
	})
	t.Run("ReimportReportsAlreadyOnSite", func(t *testing.T) {
		workers, employments := h.count("workers"), h.count("employments")
		r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA), file)
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "import_invalid", r.code())
		for row := 2; row <= 4; row++ {
			require.True(t, r.hasRowError(row, "id_number", "already_on_site"), "row %d: %s", row, r.Raw)
		}
		require.Equal(t, workers, h.count("workers"))
		require.Equal(t, employments, h.count("employments"))
	})
	t.Run("NameMustMatchRegistration", func(t *testing.T) {
		r := h.upload(v1("/projects/%d/imports/workers", f.ProjectB), rosterFile(t, rosterLine("张三丰", f.IDNumberA, "", "", "", "2025-07-01")))
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.True(t, r.hasRowError(2, "name", "name_mismatch"), string(r.Raw))
		require.Contains(t, string(r.Raw), "“张三”")
	})
}

func TestImportRefusals(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	good := rosterFile(t, rosterLine("周九", testIDNumber("110105", "19880808", 21), "", "", "", "2025-06-01"))
	path := v1("/projects/%d/imports/workers", f.ProjectA)
	workers := h.count("workers")

	t.Run("WorkerScopeForbidden", func(t *testing.T) {
		h.as(workerScope(f.WorkerA), func() {
			r := h.upload(path, good)
			require.Equal(t, 403, r.Status, string(r.Raw))
			require.Equal(t, 403, h.upload(v1("/projects/%d/imports/attendance", f.ProjectA), good).Status)
			require.Equal(t, 403, h.upload(v1("/projects/%d/imports/payroll?month=2025-06", f.ProjectA), good).Status)
		})
	})
	t.Run("ProjectOutOfScopeIsNotFound", func(t *testing.T) {
		h.as(townScope(f.TownB), func() {
			r := h.upload(path, good)
			require.Equal(t, 404, r.Status, string(r.Raw))
		})
		h.as(entScope(f.BuilderB), func() {
			require.Equal(t, 404, h.upload(path, good).Status)
		})
		require.Equal(t, 404, h.upload(v1("/projects/999999/imports/workers"), good).Status)
	})
	t.Run("ProjectInScopeMayImport", func(t *testing.T) {
		h.as(townScope(f.TownA), func() {
			r := h.upload(path, good)
			require.Equal(t, 200, r.Status, string(r.Raw))
		})
		workers++
	})
	t.Run("NotAnExcelFile", func(t *testing.T) {
		r := h.upload(path, []byte("姓名,身份证号码\n张三,110105194912310021\n"))
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "not_xlsx", r.code())
		require.NotNil(t, r.Body["report"])
	})
	t.Run("MissingColumn", func(t *testing.T) {
		r := h.upload(path, xlsxFile(t, "工人花名册", []string{"姓名", "进场日期"}, []any{"张三", "2025-06-01"}))
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "missing_column", r.code())
		require.Contains(t, r.Body["error"].(map[string]any)["message"], "身份证号码")
	})
	t.Run("TooLarge", func(t *testing.T) {
		big := make([]byte, 21<<20)
		_, _ = rand.Read(big)
		r := h.upload(path, big)
		require.Equal(t, 413, r.Status, string(r.Raw))
		require.Equal(t, "file_too_large", r.code())
		require.Contains(t, r.Body["error"].(map[string]any)["message"], "20 MB")
	})
	t.Run("NoFile", func(t *testing.T) {
		r := h.do("POST", path, map[string]any{"file": "x"})
		require.Equal(t, 400, r.Status, string(r.Raw))
		require.Equal(t, "file_required", r.code())
	})
	t.Run("IDNumberStoredAsNumber", func(t *testing.T) {
		file := xlsxFile(t, "工人花名册", rosterHeader, []any{"张三", 3.30102199001011e17, nil, nil, nil, nil, nil, "2025-06-01"})
		r := h.upload(path, file)
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.True(t, r.hasRowError(2, "id_number", "stored_as_number"), string(r.Raw))
	})
	require.Equal(t, workers, h.count("workers"))
}

var attendanceHeader = []string{"身份证号码", "姓名", "日期", "工时(小时)", "出勤分钟", "来源"}

func TestImportAttendance(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h) // worker A entered project A on 2025-03-01
	path := v1("/projects/%d/imports/attendance", f.ProjectA)
	t.Run("BadRowsWriteNothing", func(t *testing.T) {
		before := h.count("attendance")
		r := h.upload(path, xlsxFile(t, "考勤记录", attendanceHeader,
			[]any{f.IDNumberA, "张三", "2025-03-05", "8", nil, nil},                            // 2: good
			[]any{f.IDNumberA, "张三", "2025-02-20", "8", nil, nil},                            // 3: before the entry
			[]any{f.IDNumberA, "张三", "2025-03-05", "4", nil, nil},                            // 4: duplicate of row 2
			[]any{f.IDNumberB, "李四", "2025-05-05", "8", nil, nil},                            // 5: not employed on project A
			[]any{f.IDNumberA, "张三丰", "2025-03-06", "8", nil, nil},                           // 6: wrong name
			[]any{f.IDNumberA, "张三", "2099-01-01", nil, nil, nil},                            // 7: future
			[]any{f.IDNumberA, "张三", "2025-03-07", "25", nil, nil},                           // 8: bad hours
			[]any{testIDNumber("330102", "19800101", 41), "某人", "2025-03-08", nil, 480, nil}, // 9: not registered
		))
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "import_invalid", r.code())
		require.True(t, r.hasRowError(3, "work_date", "not_employed"), string(r.Raw))
		require.True(t, r.hasRowError(4, "work_date", "duplicate_in_file"), string(r.Raw))
		require.True(t, r.hasRowError(5, "work_date", "not_employed"), string(r.Raw))
		require.True(t, r.hasRowError(6, "name", "name_mismatch"), string(r.Raw))
		require.True(t, r.hasRowError(7, "work_date", "future_date"), string(r.Raw))
		require.True(t, r.hasRowError(8, "hours", "invalid_hours"), string(r.Raw))
		require.True(t, r.hasRowError(9, "id_number", "worker_not_registered"), string(r.Raw))
		require.Equal(t, "导入文件有7行错误，未导入任何数据", r.Body["error"].(map[string]any)["message"])
		require.Equal(t, before, h.count("attendance"))
	})
	t.Run("Imports", func(t *testing.T) {
		r := h.upload(path, xlsxFile(t, "考勤记录", attendanceHeader,
			[]any{f.IDNumberA, "张三", "2025-03-05", "8", nil, nil},
			[]any{f.IDNumberA, "张三", "2025-03-06", nil, 240, "考勤机"},
			[]any{f.IDNumberA, "张三", "2025-03-07", 7.5, 450, nil},
		))
		require.Equal(t, 200, r.Status, string(r.Raw))
		require.EqualValues(t, 3, r.num("created"))
		list := h.must(200, "GET", v1("/attendance?project_id=%d&date_from=2025-03-01&date_to=2025-03-31", f.ProjectA), nil)
		require.Len(t, list.items(), 3)
		got := map[string]map[string]any{}
		for _, it := range list.items() {
			got[it["work_date"].(string)] = it
		}
		require.EqualValues(t, 480, got["2025-03-05"]["minutes"])
		require.Equal(t, "import", got["2025-03-05"]["source"])
		require.EqualValues(t, f.TeamA, got["2025-03-05"]["team_id"], "the team of the employment")
		require.EqualValues(t, 240, got["2025-03-06"]["minutes"])
		require.Equal(t, "device", got["2025-03-06"]["source"])
		require.EqualValues(t, 450, got["2025-03-07"]["minutes"])
	})
	t.Run("ReimportCorrects", func(t *testing.T) {
		r := h.upload(path, xlsxFile(t, "考勤记录", attendanceHeader,
			[]any{f.IDNumberA, "张三", "2025-03-05", "4", nil, nil},
			[]any{f.IDNumberA, "张三", "2025-03-10", "8", nil, nil},
		))
		require.Equal(t, 200, r.Status, string(r.Raw))
		require.EqualValues(t, 1, r.num("created"))
		require.EqualValues(t, 1, r.num("updated"))
		list := h.must(200, "GET", v1("/attendance?project_id=%d&date_from=2025-03-05&date_to=2025-03-05", f.ProjectA), nil)
		require.EqualValues(t, 240, list.items()[0]["minutes"])
	})
}

var payrollHeader = []string{"身份证号码", "姓名", "出勤天数", "应发工资(元)", "实发工资(元)", "发放日期", "银行流水号", "发放方式"}

func TestImportPayroll(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	// A second worker on project A.
	idE := testIDNumber("330102", "19950505", 51)
	r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA), rosterFile(t, rosterLine("郑十一", idE, "", "", "", "2025-04-10")))
	require.Equal(t, 200, r.Status, string(r.Raw))
	path := v1("/projects/%d/imports/payroll?month=2025-04", f.ProjectA)

	t.Run("BadRowsWriteNothing", func(t *testing.T) {
		sheets, lines := h.count("payroll_sheets"), h.count("payroll_lines")
		r := h.upload(path, xlsxFile(t, "工资表", payrollHeader,
			[]any{f.IDNumberA, "张三", 22, "6500", "7000", "2025-05-10", "T1", nil}, // 2: paid > due
			[]any{idE, "郑十一", 15, "4000", "4000", nil, nil, nil},                  // 3: paid without date
			[]any{f.IDNumberB, "李四", 20, "5000", nil, nil, nil, nil},              // 4: not on project A
			[]any{f.IDNumberA, "张三", 40, "100", nil, nil, nil, nil},               // 5: duplicate and 40 days
		))
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.True(t, r.hasRowError(2, "amount_paid", "paid_exceeds_due"), string(r.Raw))
		require.True(t, r.hasRowError(3, "paid_on", "required"), string(r.Raw))
		require.True(t, r.hasRowError(4, "id_number", "not_employed"), string(r.Raw))
		require.True(t, r.hasRowError(5, "id_number", "duplicate_in_file"), string(r.Raw))
		require.True(t, r.hasRowError(5, "days_worked", "invalid_days"), string(r.Raw))
		require.Equal(t, sheets, h.count("payroll_sheets"), "no sheet created")
		require.Equal(t, lines, h.count("payroll_lines"))
	})
	t.Run("MonthRequired", func(t *testing.T) {
		r := h.upload(v1("/projects/%d/imports/payroll", f.ProjectA), nil)
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Contains(t, r.fields(), "month")
		r = h.upload(v1("/projects/%d/imports/payroll?month=2099-01", f.ProjectA), nil)
		require.Equal(t, 422, r.Status, string(r.Raw))
		require.Equal(t, "future_month", r.code())
	})
	file := xlsxFile(t, "工资表", payrollHeader,
		[]any{f.IDNumberA, "张三", 22, "6,500.00", "6500", "2025-05-10", "20250510001", "专户代发"},
		[]any{idE, "郑十一", 15, "4000.5", nil, nil, nil, nil},
	)
	var sheetID int64
	t.Run("CreatesTheSheet", func(t *testing.T) {
		r := h.upload(path, file)
		require.Equal(t, 200, r.Status, string(r.Raw))
		require.EqualValues(t, 2, r.num("created"))
		require.Equal(t, true, r.Body["sheet_created"])
		sheetID = r.num("sheet_id")
		sh := h.must(200, "GET", v1("/payroll-sheets/%d", sheetID), nil)
		require.Equal(t, "2025-04", sh.Body["month"])
		require.Equal(t, "draft", sh.Body["status"])
		require.EqualValues(t, 2, sh.num("line_count"))
		require.EqualValues(t, 650000+400050, sh.num("due_fen"))
		require.EqualValues(t, 650000, sh.num("paid_fen"))
		lines := h.must(200, "GET", v1("/payroll-lines?sheet_id=%d", sheetID), nil)
		for _, l := range lines.items() {
			if l["worker_id"].(float64) == float64(f.WorkerA) {
				require.Equal(t, "2025-05-10", l["paid_on"])
				require.Equal(t, "20250510001", l["transfer_ref"])
				require.EqualValues(t, 22, l["days_worked"])
				require.EqualValues(t, f.TeamA, l["team_id"])
			}
		}
	})
	t.Run("FillsTheDraftAgain", func(t *testing.T) {
		r := h.upload(path, xlsxFile(t, "工资表", payrollHeader, []any{idE, "郑十一", 16, "4100", "4100", "2025-05-12", nil, "现金"}))
		require.Equal(t, 200, r.Status, string(r.Raw))
		require.EqualValues(t, 0, r.num("created"))
		require.EqualValues(t, 1, r.num("updated"))
		require.Equal(t, false, r.Body["sheet_created"])
		require.EqualValues(t, sheetID, r.num("sheet_id"))
		sh := h.must(200, "GET", v1("/payroll-sheets/%d", sheetID), nil)
		require.EqualValues(t, 650000+410000, sh.num("due_fen"))
	})
	t.Run("SubmittedSheetRefused", func(t *testing.T) {
		sh := h.must(200, "GET", v1("/payroll-sheets/%d", sheetID), nil)
		h.must(200, "POST", v1("/payroll-sheets/%d/submit", sheetID), map[string]any{"version": sh.num("version")})
		lines := h.count("payroll_lines")
		r := h.upload(path, file)
		require.Equal(t, 409, r.Status, string(r.Raw))
		require.Equal(t, "sheet_not_draft", r.code())
		require.Equal(t, lines, h.count("payroll_lines"))
	})
}

// TestImportWriteFailureRollsBack makes the write fail after the checks
// passed (a trigger refuses the employments) and checks that the workers
// registered by the same import are rolled back and the failure reported.
func TestImportWriteFailureRollsBack(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	ctx := context.Background()
	_, err := h.pool.Exec(ctx, `
		CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'refused by test'; END $$;
		CREATE TRIGGER test_refuse BEFORE INSERT ON employments FOR EACH STATEMENT EXECUTE FUNCTION test_refuse();`)
	require.NoError(t, err)
	workers := h.count("workers")
	r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA),
		rosterFile(t, rosterLine("周九", testIDNumber("110105", "19880808", 21), "", "", "", "2025-06-01")))
	require.Equal(t, 500, r.Status, string(r.Raw))
	require.Equal(t, "import_failed", r.code())
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "未导入任何数据")
	require.Equal(t, workers, h.count("workers"), "the new worker is rolled back")
}

// TestImportAndExportLargeRoster imports a roster of several export
// chunks and exports it again: every row once, in order.
func TestImportAndExportLargeRoster(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	const n = 4500
	rows := make([][]any, n)
	ids := make([]string, n)
	for i := range rows {
		ids[i] = benchIDNumber(i)
		rows[i] = rosterLine(fmt.Sprintf("工人%04d", i), ids[i], fmt.Sprintf("139%08d", i), "", "木工班", "2025-06-01")
	}
	r := h.upload(v1("/projects/%d/imports/workers", f.ProjectA), rosterFile(t, rows...))
	require.Equal(t, 200, r.Status, string(r.Raw))
	require.EqualValues(t, n, r.num("created"))

	d := h.download(v1("/exports/workers.xlsx?team_id=%d", f.TeamA))
	require.Equal(t, 200, d.Status, string(d.Body))
	require.Equal(t, fmt.Sprint(n+1), d.Header.Get("X-Export-Rows"), "worker A and the roster")
	_, got := sheetRows(t, d.Body)
	require.Len(t, got, n+2)
	for i := 0; i < n; i++ {
		row := got[i+2]
		require.Equal(t, fmt.Sprintf("工人%04d", i), row[1])
		require.Equal(t, ids[i][:6]+"********"+ids[i][14:], row[2])
		require.Equal(t, fmt.Sprintf("139****%04d", i%10000), row[7])
	}
	require.False(t, bytes.Contains(d.Body, []byte(ids[0])))
}
