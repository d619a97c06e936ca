package inspection

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"dutybot/storage"

	"dutybot/enterprise"
)

// BenchmarkSearch2000 is the /check enterprise search as an official types
// part of a name, over a stored registry of 2,000 enterprises: the registry
// read from bbolt and matched, up to 8 results. Besides the mean (ns/op) it
// reports the 99th percentile of the calls (p99-ns).
func BenchmarkSearch2000(b *testing.B) {
	admins := []string{"o-zhao", "o-liu", "o-he"}
	supervisors := []string{"o-sun", "o-wu", "o-zhang"}
	units := []string{"lhc", "ajz", "cgdd"}
	list := make([]enterprise.Enterprise, 2000)
	for i := range list {
		list[i] = enterprise.Enterprise{Code: creditCode(i + 1), Name: fmt.Sprintf("含谷第%d机械制造有限公司", i+1),
			Address: fmt.Sprintf("含谷镇工业园 %d 号", i+1), Industry: "industry_trade", Risk: "yellow",
			Admin: admins[i%3], Supervisor: supervisors[i%3], Head: storage.Contact{Name: "何伟", Phone: "13900000001"},
			Principal: storage.Contact{Name: "何伟", Phone: "13900000001"}, Unit: units[i%3]}
	}
	f := newFixture(b, list...)
	queries := []string{"第17", "机械", "含谷第1999", "化工", "制造 第2"}
	var took []time.Duration
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		start := time.Now()
		if _, _, err := f.s.Search("o-sun", queries[i%len(queries)], 8); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
}
