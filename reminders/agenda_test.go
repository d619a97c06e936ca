package reminders

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"dutybot/cadence"
	"dutybot/config"
	"dutybot/storage"
)

// agendaAt fires the example town's agenda at the given local time, as if
// it last fired at prev, and returns each official's message.
func agendaAt(t *testing.T, s *Service, at, prev time.Time) map[string]storage.Job {
	t.Helper()
	if err := s.db.Update(func(tx *storage.Tx) error { return cadence.PutLast(tx, "agenda", prev) }); err != nil {
		t.Fatal(err)
	}
	jobs, err := s.Prepare("agenda", at)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]storage.Job{}
	for _, j := range jobs {
		if _, dup := out[j.Ref.Official]; dup {
			t.Errorf("%s got two agendas", j.Ref.Official)
		}
		if j.Ref.Topic != "agenda" {
			t.Errorf("topic %q", j.Ref.Topic)
		}
		out[j.Ref.Official] = j
	}
	return out
}

// points lists the points an agenda reports on, from its buttons, and
// checks that each button's item is owed by the recipient.
func points(t *testing.T, s *Service, j storage.Job) []string {
	t.Helper()
	for _, row := range j.Buttons {
		for _, b := range row {
			id := b.Data[strings.LastIndex(b.Data, ":")+1:]
			in, ok := s.gen.Instance(id)
			if !ok {
				t.Fatalf("button %q names no instance", b.Data)
			}
			if !in.Owes(j.Ref.Official) {
				t.Errorf("%s got %s, owed by %v", j.Ref.Official, id, in.Owers)
			}
		}
	}
	var out []string
	for _, m := range regexp.MustCompile(`(?m)^• (\d+\.\d+) `).FindAllStringSubmatch(j.Text, -1) {
		out = append(out, m[1])
	}
	slices.Sort(out)
	return out
}

func TestAgenda(t *testing.T) {
	s, err := setup(t, func(c *config.Config) { c.Cadence.Rules = config.DefaultCadence() })
	if err != nil {
		t.Fatal(err)
	}
	loc := s.cfg.Location
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, loc) }
	tests := []struct {
		name     string
		at, prev time.Time
		want     map[string][]string // official → points; others get nothing
	}{
		{"the first working day of December", at(12, 1, 8, 30), at(11, 30, 8, 30), map[string][]string{
			"o-wumin":     {"14.2"},
			"o-machao":    {"14.2"},
			"o-guoliang":  {"14.2"},
			"o-lifang":    {"19.2", "19.3", "19.4", "8.2", "8.4"},
			"o-wangqiang": {"19.2", "19.3", "19.4", "8.2", "8.4"},
			"o-zhaojing":  {"14.4", "19.2", "19.3", "19.4"},
			"o-chenjie":   {"14.4", "19.2", "19.3", "19.4"},
			"o-sunli":     {"14.4", "19.2", "19.3", "19.4"},
			"o-yangfan":   {"19.2", "19.3", "19.4"},
			"o-zhangming": {"6.3", "8.1"},
		}},
		{"an ordinary Wednesday", at(12, 2, 8, 30), at(12, 1, 8, 30), map[string][]string{
			"o-wumin": {"14.2"}, "o-machao": {"14.2"}, "o-guoliang": {"14.2"},
			"o-lifang": {"8.2"}, "o-wangqiang": {"8.2"},
		}},
		// 10-05 (Monday) to 10-07 are 国庆: the week's items are news on
		// Thursday 10-08, its first working day.
		// The set-up items (tracking began 09-01) fall due that day too.
		{"after 国庆", at(10, 8, 8, 30), at(9, 30, 8, 30), map[string][]string{
			"o-wumin": {"14.2"}, "o-machao": {"12.1", "14.2"}, "o-guoliang": {"12.1", "14.2"},
			"o-lifang":    {"14.3", "19.2", "19.3", "19.4", "8.2", "8.3", "8.4"},
			"o-wangqiang": {"14.3", "19.2", "19.3", "19.4", "8.2", "8.3", "8.4"},
			"o-zhaojing":  {"14.4", "19.2", "19.3", "19.4"},
			"o-chenjie":   {"14.4", "19.2", "19.3", "19.4"},
			"o-sunli":     {"12.1", "14.4", "19.2", "19.3", "19.4"},
			"o-yangfan":   {"19.2", "19.3", "19.4"},
			"o-zhangming": {"3.1", "3.2", "33.2", "6.3", "6.4", "8.1"},
			"o-zhouting":  {"12.1"},
			"o-xutao":     {"1.1"},
			"o-liuyang":   {"1.1"},
		}},
		// 12-24: the year's and the quarter's items are 7 days away.
		{"a week before the year ends", at(12, 24, 8, 30), at(12, 23, 8, 30), map[string][]string{
			"o-wumin": {"14.2", "27.1", "27.2"}, "o-machao": {"14.2", "27.1", "27.2"}, "o-guoliang": {"14.2", "27.1", "27.2"},
			"o-lifang": {"19.5", "8.2"}, "o-wangqiang": {"19.5", "8.2"},
			"o-zhaojing": {"19.5"}, "o-chenjie": {"19.5"}, "o-sunli": {"19.5", "27.1", "27.2"}, "o-yangfan": {"19.5"},
			"o-zhouting":  {"27.1", "27.2", "38.1"},
			"o-zhangming": {"3.1", "3.2", "3.3", "38.1", "6.2", "6.4"},
			"o-xutao":     {"1.2", "2.2"},
			"o-liuyang":   {"1.2", "2.2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := agendaAt(t, s, tt.at, tt.prev)
			for who, j := range got {
				want, ok := tt.want[who]
				if !ok {
					t.Errorf("%s got an agenda: %s", who, j.Text)
					continue
				}
				if p := points(t, s, j); !slices.Equal(p, want) {
					t.Errorf("%s: %v, want %v\n%s", who, p, want, j.Text)
				}
			}
			for who := range tt.want {
				if _, ok := got[who]; !ok {
					t.Errorf("%s got no agenda", who)
				}
			}
		})
	}
	// In the reader's language, with the locale's title.
	j := agendaAt(t, s, at(12, 2, 8, 30), at(12, 1, 8, 30))["o-guoliang"]
	if !strings.HasPrefix(j.Text, "🗓 Today's duties · 12-02") || !strings.Contains(j.Text, "due 18:00") {
		t.Errorf("郭亮's agenda in English: %s", j.Text)
	}
}
