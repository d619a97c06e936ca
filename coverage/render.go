package coverage

import (
	"strings"
	"time"
	"unicode/utf8"
)

// noticeBudget bounds a gap list in characters, below Telegram's 4096 per
// message with room for the header and the footer.
const noticeBudget = 3000

// Notice renders the daily gap notice in lang.
func (c *Checker) Notice(lang string, gaps []Gap) string {
	var b strings.Builder
	b.WriteString(c.tr.T(lang, "CoverageNoticeHeader", map[string]any{"DayStarts": hhmm(c.days.start)}))
	b.WriteString("\n\n")
	b.WriteString(c.GapList(lang, gaps, noticeBudget))
	b.WriteString("\n\n")
	b.WriteString(c.tr.T(lang, "CoverageNoticeFooter", map[string]any{"At": hhmm(c.at)}))
	return b.String()
}

// hhmm formats a time of day given as the time since midnight.
func hhmm(d time.Duration) string {
	return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(d).Format("15:04")
}

// GapList renders gaps in lang as a list grouped by period, whole days
// running on merged into one line, at most about budget characters (then
// it says how many more there are). It renders no gaps as a line saying so.
func (c *Checker) GapList(lang string, gaps []Gap, budget int) string {
	if len(gaps) == 0 {
		return c.tr.T(lang, "CoverageNone", nil)
	}
	var lines []string
	var rest int
	var cur *Period
	for i := 0; i < len(gaps); {
		g := gaps[i]
		if cur == nil || !samePeriod(*cur, g.Period) {
			p := g.Period
			cur = &p
			lines = append(lines, c.periodLine(lang, p))
		}
		j := i
		if g.Whole {
			for j+1 < len(gaps) && gaps[j+1].Whole && samePeriod(gaps[j+1].Period, g.Period) &&
				c.days.add(gaps[j].Day, 1).Equal(gaps[j+1].Day) {
				j++
			}
		}
		lines = append(lines, c.gapLine(lang, gaps[i:j+1]))
		i = j + 1
	}
	var b strings.Builder
	for i, l := range lines {
		if b.Len() > 0 && utf8.RuneCountInString(b.String())+utf8.RuneCountInString(l) > budget {
			rest = len(lines) - i
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	if rest > 0 {
		b.WriteString("\n")
		b.WriteString(c.tr.T(lang, "CoverageMore", map[string]any{"Count": rest}))
	}
	return b.String()
}

func samePeriod(a, b Period) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.First.Equal(b.First) && a.Warning == b.Warning
}

// PeriodName names a period in lang: the holiday or important date as
// configured, 汛期, or the warning's type and level.
func (c *Checker) PeriodName(lang string, p Period) string {
	switch p.Kind {
	case KindFlood:
		return c.tr.T(lang, "CoverageFlood", nil)
	case KindWarning:
		return c.tr.T(lang, "CoverageWarning", map[string]any{
			"Type":  c.tr.T(lang, "WarnType_"+p.Type, nil),
			"Level": c.tr.T(lang, "WarnLevel_"+p.Level, nil)})
	}
	return p.Name
}

func (c *Checker) periodLine(lang string, p Period) string {
	name := c.PeriodName(lang, p)
	if p.Open() {
		return c.tr.T(lang, "CoveragePeriodOpen", map[string]any{"Name": name,
			"From": p.NotBefore.In(c.days.loc).Format("2006-01-02 15:04")})
	}
	return c.tr.T(lang, "CoveragePeriod", map[string]any{"Name": name,
		"From": p.First.Format(time.DateOnly), "To": p.Last.Format(time.DateOnly)})
}

// gapLine renders one gap, or a run of whole days.
func (c *Checker) gapLine(lang string, run []Gap) string {
	day := func(t time.Time) string { return t.Format("01-02") }
	at := func(t time.Time) string { return t.In(c.days.loc).Format("01-02 15:04") }
	g := run[0]
	switch {
	case len(run) > 1:
		return c.tr.T(lang, "CoverageWholeDays", map[string]any{"From": day(g.Day), "To": day(run[len(run)-1].Day),
			"Count": len(run)})
	case g.Whole:
		return c.tr.T(lang, "CoverageWholeDay", map[string]any{"Day": day(g.Day)})
	}
	parts := make([]string, len(g.Missing))
	for i, m := range g.Missing {
		parts[i] = c.tr.T(lang, "CoverageRange", map[string]any{"From": at(m.From), "To": at(m.To)})
	}
	return c.tr.T(lang, "CoverageMissing", map[string]any{"Day": day(g.Day), "Ranges": strings.Join(parts, c.tr.T(lang, "CoverageSep", nil))})
}
