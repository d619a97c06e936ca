package hazard

import (
	"maps"
	"slices"
	"testing"
	"time"

	"dutybot/storage"
)

// received lists, by official, how many of got's messages each received.
func (f *fixture) received(got map[int64][]string) map[string]int {
	out := map[string]int{}
	for _, o := range f.cfg.Officials {
		if n := len(got[f.chat(o.ID)]); n > 0 {
			out[o.ID] = n
		}
	}
	return out
}

// once is the set of officials as a count of one message each.
func once(ids ...string) map[string]int {
	out := map[string]int{}
	for _, id := range ids {
		out[id] = 1
	}
	return out
}

// A passed recheck is learnt by whoever reported the fix, the hazard's
// responsible official (孙丽, its supervisor), those asked to recheck it
// and the 属地 unit head (陈杰), and by the enterprise's boss when bound;
// the closure by the handlers (孙丽, 赵刚 on the plaque, 陈杰), the finder
// (张明), the fixer and the passer. Each hears of each step once, and the
// one who takes a step is not told of it.
func TestWhoLearnsOfRecheckAndClose(t *testing.T) {
	tests := []struct {
		name                  string
		fixer, passer, closer string
		passTold, closeTold   []string
	}{
		{"the enterprise fixes, the supervisor passes and closes", storage.ActorEnterprise, "o-sun", "o-sun",
			[]string{"o-zhang", "o-chen"}, []string{"o-zhao", "o-chen", "o-zhang"}},
		{"the 属地 head fixes, the finder passes, the supervisor closes", "o-chen", "o-zhang", "o-sun",
			[]string{"o-chen", "o-sun"}, []string{"o-zhao", "o-chen", "o-zhang"}},
		{"the 行政负责人 fixes, the supervisor passes and closes", "o-zhao", "o-sun", "o-sun",
			[]string{"o-zhao", "o-zhang", "o-chen"}, []string{"o-zhao", "o-chen", "o-zhang"}},
		{"the supervisor fixes, the 属地 head passes, the finder closes", "o-sun", "o-chen", "o-zhang",
			[]string{"o-sun", "o-zhang"}, []string{"o-sun", "o-zhao", "o-chen"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			h := f.report(finding())
			f.clk.Advance(24 * time.Hour)
			if _, err := f.s.Rectified(h.ID, Rectification{By: tc.fixer, Note: "已更换电缆", Photos: []string{"p1"}}); err != nil {
				t.Fatal(err)
			}
			f.deliver()

			if _, err := f.s.Recheck(tc.passer, h.ID, Recheck{OK: true, Note: "现场核实"}); err != nil {
				t.Fatal(err)
			}
			got := f.deliver()
			if r := f.received(got); !maps.Equal(r, once(tc.passTold...)) {
				t.Errorf("the pass reached %v, want %v once each", r, tc.passTold)
			}
			if who := f.told(got, "隐患 "+h.ID, worksName, "复查通过", f.cfg.OfficialName(tc.passer), "现场核实", "现可销号"); !sameSet(who, tc.passTold) {
				t.Errorf("the pass notice reached %v: %v", who, got)
			}
			if boss := got[bossChat]; len(boss) != 1 || !containsAll(boss[0], h.ID, "复查通过", "待销号") {
				t.Errorf("the enterprise's boss read %q at the pass", boss)
			}

			if _, err := f.s.Close(tc.closer, h.ID, ""); err != nil {
				t.Fatal(err)
			}
			got = f.deliver()
			if r := f.received(got); !maps.Equal(r, once(tc.closeTold...)) {
				t.Errorf("the closure reached %v, want %v once each", r, tc.closeTold)
			}
			if who := f.told(got, "隐患 "+h.ID, "已销号", f.cfg.OfficialName(tc.closer)); !sameSet(who, tc.closeTold) {
				t.Errorf("the closure notice reached %v: %v", who, got)
			}
			if boss := got[bossChat]; len(boss) != 1 || !containsAll(boss[0], h.ID, "已销号") {
				t.Errorf("the enterprise's boss read %q at the closure", boss)
			}
		})
	}
}

// Those who may close a hazard find the 销号 button under the notice of
// its passed recheck.
func TestPassNoticeOffersTheClose(t *testing.T) {
	f := newFixture(t)
	h := f.report(finding())
	if _, err := f.s.Rectified(h.ID, Rectification{By: "o-chen", Note: "已整改", Photos: []string{"p1"}}); err != nil {
		t.Fatal(err)
	}
	f.deliver()
	if _, err := f.s.Recheck("o-zhang", h.ID, Recheck{OK: true}); err != nil {
		t.Fatal(err)
	}
	var closes []string
	f.view(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		for _, j := range jobs {
			if j.Ref.Topic != KindHazard || j.Ref.Alert != h.ID {
				t.Errorf("the pass notice to %s is marked %+v", j.Ref.Official, j.Ref)
			}
			for _, row := range j.Buttons {
				for _, b := range row {
					if b.Data == PressData(ActClose, f.hazard(h.ID)) {
						closes = append(closes, j.Ref.Official)
					}
				}
			}
		}
		return err
	})
	if !sameSet(closes, []string{"o-chen", "o-sun"}) {
		t.Errorf("offered 销号 under the pass notice: %v", closes)
	}
}

// A 重大隐患 whose 行政负责人 is also the 属地 unit's 分管领导 (王强, at the
// mill) gives him one notice of its 交办, not a 交办 and a 挂牌督办 both;
// the event still names him among the leaders.
func TestMajorHazardOneNoticeEach(t *testing.T) {
	f := newFixture(t)
	fd := finding()
	fd.Enterprise, fd.Level, fd.Assign.Five = mill, "重大", five()
	h := f.report(fd)
	got := f.deliver()
	if r := f.received(got); !maps.Equal(r, once("o-sun", "o-wang", "o-chen", "o-he")) {
		t.Errorf("the 交办 of a major hazard reached %v", r)
	}
	if who := f.told(got, "Major hazard "+h.ID+" under supervision"); len(who) != 0 {
		t.Errorf("the 挂牌督办 notice went to %v, who have the 交办", who)
	}
	evs := f.events(h.ID)
	if a, _ := evs[len(evs)-1].Arg("Leaders"); !sameSet(a.List(), []string{"o-wang", "o-he"}) {
		t.Errorf("the 交办 event names the leaders as %+v", a)
	}
	if !slices.Contains(f.told(got, "重大隐患挂牌督办 "+h.ID), "o-he") {
		t.Errorf("the principal was not told of the 挂牌督办: %v", got)
	}
}
