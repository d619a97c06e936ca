package board

import (
	"slices"
	"testing"

	"dutybot/config"
)

// A reload of the 通讯录 reaches the board: recipients in one state are
// listed in the order of the directory as it is now.
func TestBoardFollowsReloadedDirectory(t *testing.T) {
	f := newFixture(t, Options{})
	f.alert("red", "暴雨红色预警", "o-zhang", "o-li")
	order := func() []string {
		var out []string
		for _, r := range f.board().Alerts[0].Recipients {
			out = append(out, r.Official)
		}
		return out
	}
	if got := order(); !slices.Equal(got, []string{"o-zhang", "o-li"}) {
		t.Fatalf("before the reload: %v", got)
	}
	p := f.cfg.People()
	officials := slices.Clone(p.Officials)
	i, j := slices.IndexFunc(officials, func(o config.Official) bool { return o.ID == "o-zhang" }),
		slices.IndexFunc(officials, func(o config.Official) bool { return o.ID == "o-li" })
	officials[i], officials[j] = officials[j], officials[i]
	next, err := f.cfg.CheckPeople(p.Units, officials)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg.SetPeople(next)
	if got := order(); !slices.Equal(got, []string{"o-li", "o-zhang"}) {
		t.Errorf("after the reload: %v, want the new directory's order", got)
	}
}
