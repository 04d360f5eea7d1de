package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/anxin-city/anxin/api"
	"github.com/anxin-city/anxin/ident"
	"github.com/anxin-city/anxin/pii"
)

// ageToday is the age in completed years today in China, as the API computes it.
func ageToday(t *testing.T, birth string) int {
	t.Helper()
	b, err := time.Parse("2006-01-02", birth)
	require.NoError(t, err)
	return ident.ResidentID{BirthDate: b}.Age(time.Now().In(time.FixedZone("CST", 8*3600)))
}

func TestWorkerRegistration(t *testing.T) {
	h := setup(t)
	h.towns()
	card := testBankCard(1)
	r := h.must(201, "POST", v1("/workers"), map[string]any{
		"id_number": " 110105 19491231 002x ", "name": "王芳", "phone": "+86 138-1234-5678",
		"bank_card": card[:4] + " " + card[4:], "bank_name": "工商银行"})
	id := r.num("id")

	t.Run("DerivedFromIDNumber", func(t *testing.T) {
		require.Equal(t, "female", r.Body["gender"])
		require.Equal(t, "女", r.Body["gender_label"])
		require.Equal(t, "1949-12-31", r.Body["birth_date"])
		require.EqualValues(t, ageToday(t, "1949-12-31"), r.num("age"))
		require.Equal(t, "11", r.Body["native_province"])
		require.Equal(t, "北京市", r.Body["native_province_name"])
		require.Equal(t, "110105", r.Body["native_region"])
		require.Equal(t, false, r.Body["on_site"])
	})
	t.Run("MaskedOutput", func(t *testing.T) {
		require.Equal(t, "王芳", r.Body["name"], "names are shown in full to registry users")
		require.Equal(t, "110105********002X", r.Body["id_number"])
		require.Equal(t, "138****5678", r.Body["phone"])
		require.Equal(t, "6222 **** **** "+card[len(card)-4:], r.Body["bank_card"])
		got := h.must(200, "GET", v1("/workers/%d", id), nil)
		require.Equal(t, r.Body["id_number"], got.Body["id_number"])
		require.NotContains(t, string(got.Raw), "11010519491231002X")
		require.NotContains(t, string(got.Raw), "13812345678")
		require.NotContains(t, string(got.Raw), card)
	})
	t.Run("CiphertextAtRest", func(t *testing.T) {
		var row string
		require.NoError(t, h.pool.QueryRow(t.Context(), "SELECT w::text FROM workers w WHERE id=$1", id).Scan(&row))
		for _, plain := range []string{"11010519491231002X", "13812345678", card} {
			require.NotContains(t, row, plain)
			require.NotContains(t, row, strings.ToLower(plain))
		}
		var idEnc, idHash, phoneEnc, phoneHash, cardEnc []byte
		require.NoError(t, h.pool.QueryRow(t.Context(),
			"SELECT id_number_enc, id_number_hash, phone_enc, phone_hash, bank_card_enc FROM workers WHERE id=$1", id).
			Scan(&idEnc, &idHash, &phoneEnc, &phoneHash, &cardEnc))
		for _, enc := range [][]byte{idEnc, phoneEnc, cardEnc} {
			require.NotContains(t, string(enc), "1949")
		}
		plain, err := h.keys.Decrypt(pii.KindIDNumber, idEnc)
		require.NoError(t, err)
		require.Equal(t, "11010519491231002X", plain, "stored normalised")
		require.Equal(t, h.keys.Hash(pii.KindIDNumber, "11010519491231002X"), idHash)
		require.Equal(t, h.keys.Hash(pii.KindPhone, "13812345678"), phoneHash)
		plain, err = h.keys.Decrypt(pii.KindBankCard, cardEnc)
		require.NoError(t, err)
		require.Equal(t, card, plain)
	})
	t.Run("DuplicateIDNumber", func(t *testing.T) {
		r := h.must(409, "POST", v1("/workers"), map[string]any{"id_number": "11010519491231002X", "name": "王芳芳"})
		require.Equal(t, "duplicate", r.code())
		require.Contains(t, r.fields(), "id_number")
		require.Equal(t, 1, h.count("workers"))
	})
	t.Run("DerivedFieldsAreNotInput", func(t *testing.T) {
		r := h.must(422, "POST", v1("/workers"), map[string]any{"id_number": testIDNumber("330102", "19900101", 3), "name": "赵六", "gender": "female"})
		require.Contains(t, r.fields(), "gender")
	})
}

func TestWorkerBadInputWritesNothing(t *testing.T) {
	h := setup(t)
	valid := testIDNumber("330102", "19900101", 1)
	wrongCheck := valid[:17] + "0"
	if valid[17] == '0' {
		wrongCheck = valid[:17] + "1"
	}
	cases := []struct {
		name  string
		body  map[string]any
		field string
		code  string
	}{
		{"MissingIDNumber", map[string]any{"name": "张三"}, "id_number", "required"},
		{"BadCheckDigit", map[string]any{"name": "张三", "id_number": wrongCheck}, "id_number", ident.CodeInvalidCheckDigit},
		{"FutureBirth", map[string]any{"name": "张三", "id_number": testIDNumber("330102", "20990101", 1)}, "id_number", ident.CodeFutureBirthDate},
		{"UnknownProvince", map[string]any{"name": "张三", "id_number": testIDNumber("990102", "19900101", 1)}, "id_number", ident.CodeUnknownProvince},
		{"OldFifteenDigits", map[string]any{"name": "张三", "id_number": "330102900101123"}, "id_number", ident.CodeInvalidLength},
		{"MissingName", map[string]any{"id_number": valid}, "name", "required"},
		{"NameTooLong", map[string]any{"id_number": valid, "name": strings.Repeat("张", 65)}, "name", "too_long"},
		{"FixedLinePhone", map[string]any{"id_number": valid, "name": "张三", "phone": "0571-87654321"}, "phone", ident.CodeInvalidPhone},
		{"BadBankCard", map[string]any{"id_number": valid, "name": "张三", "bank_card": "6222021234567890120"}, "bank_card", ident.CodeInvalidBankCard},
		{"NumberAsIDNumber", map[string]any{"id_number": 330102, "name": "张三"}, "id_number", "invalid_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("POST", v1("/workers"), tc.body)
			require.Equal(t, 422, r.Status, string(r.Raw))
			require.Contains(t, r.fields(), tc.field, string(r.Raw))
			require.Equal(t, tc.code, r.code(), string(r.Raw))
		})
	}
	require.Zero(t, h.count("workers"))
	me := h.mkWorker("李四", testIDNumber("330102", "19850101", 2))
	h.as(workerScope(me), func() {
		h.must(403, "POST", v1("/workers"), map[string]any{"id_number": valid, "name": "张三"})
	})
	require.Equal(t, 1, h.count("workers"), "a worker registers no one")
}

func TestWorkerUpdate(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	w := v1("/workers/%d", f.WorkerA)

	r := h.must(200, "PATCH", w, map[string]any{"name": "张三丰", "phone": "13912345678", "bank_card": testBankCard(7), "bank_name": "农业银行", "version": 1})
	require.Equal(t, "张三丰", r.Body["name"])
	require.Equal(t, "139****5678", r.Body["phone"])
	require.Equal(t, "农业银行", r.Body["bank_name"])
	require.Equal(t, true, r.Body["on_site"])
	require.Equal(t, "330102********"+f.IDNumberA[14:], r.Body["id_number"], "the ID number is unchanged")

	t.Run("IDNumberIsImmutable", func(t *testing.T) {
		r := h.must(422, "PATCH", w, map[string]any{"id_number": testIDNumber("330102", "19900101", 9), "version": 2})
		require.Equal(t, "immutable", r.code())
		require.Contains(t, r.fields(), "id_number")
		r = h.must(422, "PATCH", w, map[string]any{"gender": "female", "version": 2})
		require.Contains(t, r.fields(), "gender", "derived fields cannot be set either")
	})
	t.Run("EmptyStringClears", func(t *testing.T) {
		r := h.must(200, "PATCH", w, map[string]any{"phone": "", "version": 2})
		require.Equal(t, "", r.Body["phone"])
		require.Equal(t, "6222 **** **** "+testBankCard(7)[15:], r.Body["bank_card"], "absent fields are kept")
		var hash []byte
		require.NoError(t, h.pool.QueryRow(t.Context(), "SELECT phone_hash FROM workers WHERE id=$1", f.WorkerA).Scan(&hash))
		require.Nil(t, hash)
	})
	t.Run("StaleVersionConflicts", func(t *testing.T) {
		h.must(409, "PATCH", w, map[string]any{"name": "x", "version": 1})
	})
	t.Run("BadValuesNameTheirField", func(t *testing.T) {
		r := h.must(422, "PATCH", w, map[string]any{"phone": "12", "bank_card": "1", "version": 3})
		require.Contains(t, r.fields(), "phone")
		require.Contains(t, r.fields(), "bank_card")
		r = h.must(422, "PATCH", w, map[string]any{"name": "x"})
		require.Contains(t, r.fields(), "version")
		r = h.must(422, "PATCH", w, map[string]any{"name": " ", "version": 3})
		require.Equal(t, "required", r.code(), "a name that is sent must not be blank")
	})
	t.Run("DeactivateAndReactivate", func(t *testing.T) {
		h.must(422, "POST", w+"/deactivate", map[string]any{"version": 3})
		d := h.must(200, "POST", w+"/deactivate", map[string]any{"reason": "重复登记", "version": 3})
		require.Equal(t, false, d.Body["active"])
		require.Equal(t, []int64{f.WorkerA}, h.must(200, "GET", v1("/workers?active=false"), nil).ids())
		h.must(200, "POST", w+"/reactivate", map[string]any{"version": 4})
	})
	t.Run("WorkersMayNotEditTheRegistry", func(t *testing.T) {
		h.as(workerScope(f.WorkerA), func() {
			h.must(403, "PATCH", w, map[string]any{"name": "x", "version": 5})
		})
	})
}

func TestWorkerLookupAndFilters(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	idC := testIDNumber("330106", "20000229", 2) // a woman born on a leap day, on no project
	c := h.must(201, "POST", v1("/workers"), map[string]any{"id_number": idC, "name": "王小红", "phone": "13800001111"}).num("id")

	list := func(query string) []int64 {
		t.Helper()
		return h.must(200, "GET", v1("/workers%s", query), nil).ids()
	}
	require.Equal(t, []int64{f.WorkerA, f.WorkerB, c}, list(""))

	t.Run("ExactIDNumber", func(t *testing.T) {
		messy := strings.ToLower(f.IDNumberB[:6] + " " + f.IDNumberB[6:])
		require.Equal(t, []int64{f.WorkerB}, list("?id_number="+strings.ReplaceAll(messy, " ", "%20")))
		require.Empty(t, list("?id_number="+testIDNumber("330102", "19700101", 5)), "valid but not registered")
		r := h.must(400, "GET", v1("/workers?id_number=330102199001011230"), nil)
		require.Contains(t, r.fields(), "id_number")
	})
	t.Run("ExactPhone", func(t *testing.T) {
		require.Equal(t, []int64{c}, list("?phone=138-0000-1111"))
		r := h.must(400, "GET", v1("/workers?phone=abc"), nil)
		require.Contains(t, r.fields(), "phone")
	})
	t.Run("Employment", func(t *testing.T) {
		require.Equal(t, []int64{f.WorkerA}, list("?project_id="+itoa(f.ProjectA)))
		require.Equal(t, []int64{f.WorkerB}, list("?team_id="+itoa(f.TeamB)))
		require.Equal(t, []int64{f.WorkerB}, list("?town_code=330102"))
		require.Equal(t, []int64{f.WorkerA, f.WorkerB}, list("?on_site=true"))
		h.must(200, "POST", v1("/employments/%d/exit", f.EmploymentA), map[string]any{"exit_date": "2025-06-30", "exit_reason": "完工", "version": 1})
		require.Equal(t, []int64{f.WorkerB}, list("?on_site=true"))
		require.Equal(t, []int64{f.WorkerA}, list("?on_site=false"), "exited, and on no other project")
		require.Empty(t, list("?on_site=true&project_id="+itoa(f.ProjectA)))
		require.Equal(t, []int64{f.WorkerA}, list("?on_site=false&project_id="+itoa(f.ProjectA)))
		a := h.must(200, "GET", v1("/workers/%d", f.WorkerA), nil)
		require.Equal(t, false, a.Body["on_site"])
	})
	t.Run("Person", func(t *testing.T) {
		require.Equal(t, []int64{c}, list("?gender=female"))
		require.Equal(t, []int64{f.WorkerB}, list("?native_province=41"))
		require.Equal(t, []int64{f.WorkerA}, list("?q=张"))
		require.Empty(t, list("?q=%25"))
		ageA, ageB, ageC := ageToday(t, "1990-01-01"), ageToday(t, "1985-06-15"), ageToday(t, "2000-02-29")
		require.Equal(t, []int64{f.WorkerA}, list("?age_min="+itoa(int64(ageA))+"&age_max="+itoa(int64(ageA))))
		require.Equal(t, []int64{f.WorkerB}, list("?age_min="+itoa(int64(ageB))))
		require.Equal(t, []int64{c}, list("?age_max="+itoa(int64(ageC))))
		require.Equal(t, []int64{f.WorkerA, c}, list("?age_max="+itoa(int64(ageB-1))))
		r := h.must(400, "GET", v1("/workers?gender=x&native_province=99&age_min=-1&age_max=200"), nil)
		for _, k := range []string{"gender", "native_province", "age_min", "age_max"} {
			require.Contains(t, r.fields(), k)
		}
		h.must(400, "GET", v1("/workers?age_min=40&age_max=30"), nil)
	})
	t.Run("SortsAndPages", func(t *testing.T) {
		require.Equal(t, []int64{f.WorkerB, f.WorkerA, c}, list("?sort=birth_date"))
		require.Equal(t, []int64{c, f.WorkerA, f.WorkerB}, list("?sort=-birth_date"))
		require.Equal(t, []int64{c, f.WorkerB, f.WorkerA}, list("?sort=-id"))
		require.Equal(t, []int64{f.WorkerA, f.WorkerB, c}, list("?sort=created_at"))
		require.Equal(t, []int64{f.WorkerA, f.WorkerB, c}, list("?sort=name"), "张 < 李 < 王 in code-point order")
		require.Equal(t, []int64{c, f.WorkerB, f.WorkerA}, list("?sort=-name"))
		p := h.must(200, "GET", v1("/workers?sort=-birth_date&page=2&page_size=2"), nil)
		require.EqualValues(t, 3, p.num("total"))
		require.Equal(t, []int64{f.WorkerB}, p.ids())
		p = h.must(200, "GET", v1("/workers?project_id=%d&page=3", f.ProjectB), nil)
		require.Empty(t, p.ids())
		require.EqualValues(t, 1, p.num("total"), "a page past the end still has the list's total")
		h.must(400, "GET", v1("/workers?sort=id_number"), nil)
	})
}

func TestWorkerScope(t *testing.T) {
	h := setup(t)
	f := newRegistryFixture(h)
	noTeam := h.mkWorker("王五", testIDNumber("330102", "19920303", 5))
	h.mkEmployment(noTeam, f.ProjectA, nil, "2025-05-01")
	unplaced := h.mkWorker("赵六", testIDNumber("330102", "19930404", 7))
	all := []int64{f.WorkerA, f.WorkerB, noTeam, unplaced}

	scopes := []struct {
		name    string
		scope   api.Scope
		visible []int64
	}{
		{"City", cityScope(), all},
		{"TownA", townScope(f.TownA), []int64{f.WorkerA, noTeam}},
		{"TownB", townScope(f.TownB), []int64{f.WorkerB}},
		{"ContractorA", entScope(f.ContractorA), []int64{f.WorkerA, noTeam}},
		{"LabourFirmSeesItsTeamsOnly", entScope(f.LabourFirm), []int64{f.WorkerA}},
		{"BuilderB", entScope(f.BuilderB), []int64{f.WorkerB}},
		{"ProjectA", projectScope(f.ProjectA), []int64{f.WorkerA, noTeam}},
		{"WorkerB", workerScope(f.WorkerB), []int64{f.WorkerB}},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			h.as(sc.scope, func() {
				require.Equal(t, sc.visible, h.must(200, "GET", v1("/workers"), nil).ids())
				for _, id := range all {
					if contains(sc.visible, id) {
						h.must(200, "GET", v1("/workers/%d", id), nil)
						continue
					}
					h.must(404, "GET", v1("/workers/%d", id), nil)
					if !isWorker(sc.scope) {
						h.must(404, "PATCH", v1("/workers/%d", id), map[string]any{"name": "x", "version": 1})
					}
				}
				// Look-ups stay within the scope.
				byID := h.must(200, "GET", v1("/workers?id_number=%s", f.IDNumberB), nil).ids()
				require.Equal(t, contains(sc.visible, f.WorkerB), len(byID) == 1)
				byProject := h.must(200, "GET", v1("/workers?project_id=%d", f.ProjectB), nil).ids()
				require.Equal(t, contains(sc.visible, f.WorkerB), len(byProject) == 1)
			})
		})
	}
}
