package enterprise

import (
	"bytes"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"dutybot/clock"
	"dutybot/storage"
)

// registryOf returns n enterprises spread over the test town's officials
// and units, every column filled, as Export writes them.
func registryOf(t testing.TB, n int) []byte {
	t.Helper()
	cfg := loadConfig(t)
	admins := []string{"o-li", "o-wang"}
	supervisors := []string{"o-zhao", "o-sun"}
	units := []string{"yjb", "scjgs", "v-hangu"}
	list := make([]Enterprise, n)
	for i := range list {
		list[i] = Enterprise{Name: fmt.Sprintf("含谷第%d机械制造有限公司", i+1), Code: code(i + 1),
			Address: fmt.Sprintf("含谷镇工业园 %d 号", i+1), Industry: Industries[i%len(Industries)], Risk: Risks[i%len(Risks)],
			MajorHazard: i%10 == 0, MajorHazardNote: "液氨储罐", Admin: admins[i%2], Supervisor: supervisors[i%2],
			Head:          storage.Contact{Name: "何伟", Phone: fmt.Sprintf("139%08d", i)},
			Principal:     storage.Contact{Name: "何伟", Phone: fmt.Sprintf("139%08d", i)},
			Deputy:        storage.Contact{Name: "唐亮", Phone: fmt.Sprintf("137%08d", i)},
			SafetyManager: storage.Contact{Name: "罗敏", Phone: fmt.Sprintf("136%08d", i)},
			Guarantor:     "o-he1", Unit: units[i%3]}
	}
	data, err := Export(list, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// BenchmarkImport2000 reads a registry of 2,000 enterprises from .xlsx,
// checks every row and replaces the stored registry with it (one bbolt
// transaction, the index and the event), as `dutybot enterprises import`
// does.
func BenchmarkImport2000(b *testing.B) {
	cfg := loadConfig(b)
	data := registryOf(b, 2000)
	reg := New(cfg, openDB(b), clock.NewFake(time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)), slog.New(slog.DiscardHandler))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		list, err := ParseXLSX(bytes.NewReader(data), cfg)
		if err != nil || len(list) != 2000 {
			b.Fatalf("%d enterprises: %v", len(list), err)
		}
		if _, err := reg.Import(list, "cli", "台账.xlsx"); err != nil {
			b.Fatal(err)
		}
	}
}

// A registry of 2,000 enterprises reads within the default limits of
// roster.import, and the export round-trips at that size too.
func TestLargeRegistryRoundTrips(t *testing.T) {
	if testing.Short() {
		t.Skip("large file")
	}
	cfg := loadConfig(t)
	data := registryOf(t, 2000)
	list, err := ParseXLSX(bytes.NewReader(data), cfg)
	if err != nil || len(list) != 2000 {
		t.Fatalf("%d: %v", len(list), err)
	}
	if list[1999].Code != code(2000) || list[1999].Guarantor != "o-he1" || list[1999].Head.Phone != "13900001999" {
		t.Errorf("last %+v", list[1999])
	}
}

// BenchmarkSniffRoster is what telling a file sent in chat costs when it
// is a roster of 2,000 rows (read once here, then again by the roster's
// reader): the price of sending both registers the same way.
func BenchmarkSniffRoster(b *testing.B) {
	cfg := loadConfig(b)
	rows := [][]string{{"日期", "班次", "带班领导", "值班人员", "值班电话", "备注"}}
	for i := range 2000 {
		rows = append(rows, []string{fmt.Sprintf("2026-%02d-%02d", 1+i%12, 1+i%28), "全天", "李芳", "赵静", "023-12345678", ""})
	}
	data := sheetFile(b, rows...)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok, _ := ParseIfRegistry("值班表.xlsx", data, cfg); ok {
			b.Fatal("a roster read as a registry")
		}
	}
}
