package incident

// Preliminary accident levels of 国务院令第493号 第三条, lowest first.
const (
	LevelGeneral         = "general"          // 一般事故
	LevelLarger          = "larger"           // 较大事故
	LevelMajor           = "major"            // 重大事故
	LevelEspeciallyMajor = "especially_major" // 特别重大事故
)

// Levels lists the levels, lowest first.
var Levels = []string{LevelGeneral, LevelLarger, LevelMajor, LevelEspeciallyMajor}

// Thresholds of 第三条 ("以上" includes the number, "以下" does not):
// deaths (with the missing), serious injuries, direct loss in yuan.
const (
	yuanPerWan = 10_000
	yi         = 10_000 * yuanPerWan // 1亿元
)

var thresholds = []struct {
	level   string
	dead    int
	serious int
	loss    int64
}{
	{LevelEspeciallyMajor, 30, 100, 1 * yi},
	{LevelMajor, 10, 50, 5000 * yuanPerWan},
	{LevelLarger, 3, 10, 1000 * yuanPerWan},
}

// Level returns the preliminary level of an accident from its casualties
// and estimated direct economic loss (yuan); any one criterion decides.
//
// Missing people are counted with the dead, as the regulation's practice
// is ("死亡（含失踪）"): an accident with 2 dead and 1 missing is 较大. The
// level is preliminary: 续报 recompute it as the figures change.
func Level(deaths, serious, missing int, lossYuan int64) string {
	dead := deaths + missing
	for _, t := range thresholds {
		if dead >= t.dead || serious >= t.serious || lossYuan >= t.loss {
			return t.level
		}
	}
	return LevelGeneral
}

// Rank orders levels: 0 for 一般 up to 3 for 特别重大, -1 for an unknown one.
func Rank(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}
