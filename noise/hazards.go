package noise

import (
	"cmp"
	"slices"
	"strings"

	"dutybot/config"
	"dutybot/hazard"
)

// HazardLoop is what the simulated inspections and hazard loop did, what
// they sent, and whether each message went where it should.
type HazardLoop struct {
	Inspections int // 检查指导 recorded
	Problems    int // 协调解决难题 recorded
	Found       int // hazards found (and given to the enterprise at once)
	Major       int // of them, 重大 (挂牌督办)
	LateFixes   int // rounds fixed after their deadline: an overdue 叫应 first
	SentBack    int // rechecks that sent a hazard back
	Closed      int // hazards closed (销号)
	Notices     int // hazard notices delivered
	Calls       int // overdue 叫应 calls of hazards delivered
	// Stray lists the hazard notices and calls delivered to someone the
	// hazard does not concern (Concerned); Repeats the steps that told
	// one person more than once. Both should be empty.
	Stray   []HazardDelivery
	Repeats []HazardDelivery
	// List holds the hazards as they stood at the end.
	List []hazard.Hazard
}

// HazardDelivery is a hazard message, or N of them, to one official.
type HazardDelivery struct {
	Official string
	Hazard   string
	Step     string // the loop's step ("fix H20260105-01/1"), or the call's alert
	N        int
}

// Concerned lists the officials a hazard concerns, whom its notices may
// reach: those on its enterprise's plaque (行政负责人, 行业部门监管负责人),
// the head of its 属地 unit and of the supervising department, whoever
// took a step of it (found, assigned, fixed, rechecked, closed), and for a
// 重大隐患 (挂牌督办) the 属地 unit's 分管领导 and the principals.
func Concerned(cfg *config.Config, h hazard.Hazard) map[string]bool {
	ids := []string{h.FoundBy, h.Supervisor, h.Administrator}
	for _, st := range h.History {
		ids = append(ids, st.By)
	}
	u, _ := cfg.Unit(h.Unit)
	ids = append(ids, u.Head)
	if sup, ok := cfg.Official(h.Supervisor); ok {
		d, _ := cfg.Unit(sup.Unit)
		ids = append(ids, d.Head)
	}
	if h.Level == hazard.LevelMajor {
		ids = append(ids, u.Leader)
		for _, o := range cfg.OfficialsWithRole(config.RolePrincipal) {
			ids = append(ids, o.ID)
		}
	}
	out := map[string]bool{}
	for _, id := range ids {
		if _, ok := cfg.Official(id); ok && id != "" {
			out[id] = true
		}
	}
	return out
}

// hazardOf names the hazard a delivery is about: a notice names it
// (Ref.Alert), an overdue call links it ("hazard:<id>" or
// "hazard:<id>/<round>").
func hazardOf(d delivery, cat string, al alertInfo) string {
	switch cat {
	case TopicHazard:
		return d.alert
	case CatHazardCall:
		for _, l := range al.links {
			if rest, ok := strings.CutPrefix(l, "hazard:"); ok {
				id, _, _ := strings.Cut(rest, "/")
				return id
			}
		}
	}
	return ""
}

// hazardLoop adds to what the loop did what it sent: the hazard notices
// and calls delivered, and those that reached someone the hazard does not
// concern or told someone of one step twice.
func hazardLoop(cfg *config.Config, f HazardLoop, hazards []hazard.Hazard, seen []delivery, alerts map[string]alertInfo) HazardLoop {
	byID := map[string]hazard.Hazard{}
	for _, h := range hazards {
		byID[h.ID] = h
	}
	type key struct{ official, hazard, step string }
	told := map[key]int{}
	var order []key
	for _, d := range seen {
		al := alerts[d.alert]
		cat := d.category(al.kind)
		id := hazardOf(d, cat, al)
		if id == "" {
			continue
		}
		step := d.step
		if cat == CatHazardCall {
			f.Calls++
			step = "call " + d.alert
		} else {
			f.Notices++
		}
		if h, ok := byID[id]; !ok || !Concerned(cfg, h)[d.official] {
			f.Stray = append(f.Stray, HazardDelivery{Official: d.official, Hazard: id, Step: step, N: 1})
		}
		k := key{d.official, id, step}
		if told[k] == 0 {
			order = append(order, k)
		}
		told[k]++
	}
	for _, k := range order {
		if n := told[k]; n > 1 {
			f.Repeats = append(f.Repeats, HazardDelivery{Official: k.official, Hazard: k.hazard, Step: k.step, N: n})
		}
	}
	slices.SortStableFunc(f.Stray, func(a, b HazardDelivery) int {
		return cmp.Or(cmp.Compare(a.Hazard, b.Hazard), cmp.Compare(a.Official, b.Official))
	})
	f.List = hazards
	return f
}
