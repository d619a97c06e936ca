package config

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"testing"

	"dutybot/directory"
)

// districtEntries is a district's 通讯录: villages of perVillage people,
// each with its head (whose 上级 is 刘洋 of dirDoc) and staff naming the
// head by phone, n people in all.
func districtEntries(n, perVillage int) []directory.Entry {
	out := make([]directory.Entry, 0, n)
	var head string
	for i := range n {
		v := i / perVillage
		e := directory.Entry{Name: fmt.Sprintf("村民%d", i), Unit: fmt.Sprintf("第%d村", v), Phone: fmt.Sprintf("1%010d", 5_000_000_000+i)}
		if i%perVillage == 0 {
			e.Roles, e.Superior, head = "村委会主任、单位负责人", "刘洋", e.Phone
		} else {
			e.Roles, e.Superior = "网格员", head
		}
		out = append(out, e)
	}
	return out
}

// BenchmarkLoadDirectory100k loads config.example.yaml (its groups,
// cadence, roster and supervision checked against every official) with a
// 通讯录 of 100,000 officials in 1,000 villages: read, mapped, validated
// with the rest and indexed. Start-up and every reload pay this.
func BenchmarkLoadDirectory100k(b *testing.B) {
	example, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		b.Fatal(err)
	}
	base, err := Parse(example)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []directory.Format{directory.CSV, directory.XLSX} {
		b.Run(string(f), func(b *testing.B) {
			var buf bytes.Buffer
			if err := directory.Write(&buf, f, districtEntries(100_000, 100)); err != nil {
				b.Fatal(err)
			}
			name := "通讯录." + string(f)
			path := writeDirConfig(b, setFile(b, string(example), name), map[string]string{name: buf.String()})
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			var cfg *Config
			for b.Loop() {
				cfg, err = Load(path)
				if err != nil {
					b.Fatal(err)
				}
				if n := len(cfg.People().Officials); n != 100_000+len(base.Officials) {
					b.Fatalf("%d officials", n)
				}
			}
			// What the directory keeps: the heap in use with it, less
			// without it.
			var with, without runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&with)
			runtime.KeepAlive(cfg)
			cfg = nil
			runtime.GC()
			runtime.ReadMemStats(&without)
			b.ReportMetric(float64(int64(with.HeapAlloc)-int64(without.HeapAlloc))/(1<<20), "kept-MB")
		})
	}
}

// BenchmarkReloadDirectory100k reloads the same 100,000 people: what
// SIGHUP costs, the comparison with the directory replaced included.
func BenchmarkReloadDirectory100k(b *testing.B) {
	var buf bytes.Buffer
	if err := directory.Write(&buf, directory.CSV, districtEntries(100_000, 100)); err != nil {
		b.Fatal(err)
	}
	cfg, err := Load(writeDirConfig(b, dirDoc, map[string]string{"通讯录.csv": buf.String()}))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cfg.ReloadDirectory(); err != nil {
			b.Fatal(err)
		}
	}
}
