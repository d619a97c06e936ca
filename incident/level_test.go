package incident

import "testing"

func TestLevelAtEveryThreshold(t *testing.T) {
	const wan = 10_000
	tests := []struct {
		name                     string
		deaths, serious, missing int
		loss                     int64
		want                     string
	}{
		{"nothing", 0, 0, 0, 0, LevelGeneral},
		// Deaths: 3 and 10 and 30 are "以上".
		{"2 dead", 2, 0, 0, 0, LevelGeneral},
		{"3 dead", 3, 0, 0, 0, LevelLarger},
		{"9 dead", 9, 0, 0, 0, LevelLarger},
		{"10 dead", 10, 0, 0, 0, LevelMajor},
		{"29 dead", 29, 0, 0, 0, LevelMajor},
		{"30 dead", 30, 0, 0, 0, LevelEspeciallyMajor},
		// The missing count with the dead.
		{"2 missing", 0, 0, 2, 0, LevelGeneral},
		{"2 dead 1 missing", 2, 0, 1, 0, LevelLarger},
		{"3 missing", 0, 0, 3, 0, LevelLarger},
		{"5 dead 4 missing", 5, 0, 4, 0, LevelLarger},
		{"5 dead 5 missing", 5, 0, 5, 0, LevelMajor},
		{"20 dead 9 missing", 20, 0, 9, 0, LevelMajor},
		{"20 dead 10 missing", 20, 0, 10, 0, LevelEspeciallyMajor},
		// Serious injuries: 10, 50, 100.
		{"9 serious", 0, 9, 0, 0, LevelGeneral},
		{"10 serious", 0, 10, 0, 0, LevelLarger},
		{"49 serious", 0, 49, 0, 0, LevelLarger},
		{"50 serious", 0, 50, 0, 0, LevelMajor},
		{"99 serious", 0, 99, 0, 0, LevelMajor},
		{"100 serious", 0, 100, 0, 0, LevelEspeciallyMajor},
		// Serious injuries do not count with the dead.
		{"2 dead 9 serious", 2, 9, 0, 0, LevelGeneral},
		// Loss: 1000万, 5000万, 1亿 (yuan).
		{"1000万 - 1 yuan", 0, 0, 0, 1000*wan - 1, LevelGeneral},
		{"1000万", 0, 0, 0, 1000 * wan, LevelLarger},
		{"5000万 - 1 yuan", 0, 0, 0, 5000*wan - 1, LevelLarger},
		{"5000万", 0, 0, 0, 5000 * wan, LevelMajor},
		{"1亿 - 1 yuan", 0, 0, 0, 10000*wan - 1, LevelMajor},
		{"1亿", 0, 0, 0, 10000 * wan, LevelEspeciallyMajor},
		// Any one criterion decides: the highest wins.
		{"2 dead, 50 serious", 2, 50, 0, 0, LevelMajor},
		{"0 dead, 0 serious, 1亿", 0, 0, 0, 10000 * wan, LevelEspeciallyMajor},
		{"3 dead, 9 serious, 999万", 3, 9, 0, 999 * wan, LevelLarger},
	}
	for _, tt := range tests {
		if got := Level(tt.deaths, tt.serious, tt.missing, tt.loss); got != tt.want {
			t.Errorf("%s: Level(%d, %d, %d, %d) = %s, want %s", tt.name, tt.deaths, tt.serious, tt.missing, tt.loss, got, tt.want)
		}
	}
}

func TestRank(t *testing.T) {
	for i, l := range Levels {
		if Rank(l) != i {
			t.Errorf("Rank(%s) = %d, want %d", l, Rank(l), i)
		}
	}
	if Rank("huge") != -1 {
		t.Error("unknown level should rank -1")
	}
	if !(Rank(LevelLarger) > Rank(LevelGeneral) && Rank(LevelEspeciallyMajor) > Rank(LevelMajor)) {
		t.Error("levels out of order")
	}
}
