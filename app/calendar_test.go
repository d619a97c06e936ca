package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/app"
	"dutybot/config"
	"dutybot/storage"
	"dutybot/workcal"
)

// withCalendarFile returns a harness edit setting calendar.overrides_file
// to a new file holding doc.
func withCalendarFile(t *testing.T, doc string) func(string) string {
	path := filepath.Join(t.TempDir(), "holidays.json")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(y string) string { return y + "calendar:\n  overrides_file: " + path + "\n" }
}

// settled waits until everything queued for the admin so far has been
// delivered: their chat's messages go out in order, so the answer to a
// command sent now comes after them.
func (h *harness) settled() {
	h.t.Helper()
	before := len(h.messages(uAdmin, "当前没有进行中的操作"))
	h.srv.SendText(uAdmin, "/cancel")
	h.eventually("the answer to /cancel", func() bool { return len(h.messages(uAdmin, "当前没有进行中的操作")) > before })
}

// told reports whether the admin was recorded as told of key.
func (h *harness) told(key string) bool {
	h.t.Helper()
	var ok bool
	if err := h.app.DB.View(func(tx *storage.Tx) error {
		_, ok = tx.Meta("told:" + key + ":o-admin")
		return nil
	}); err != nil {
		h.t.Fatal(err)
	}
	return ok
}

// A year without holiday data, and a year whose holidays nobody has checked
// against the State Council's notice, are reported at start-up: to the log
// at every start, to each admin once, even across restarts. An admin not
// yet bound hears of it at the first start after binding.
func TestCalendarWarning(t *testing.T) {
	h := newHarness(t, harnessOpts{start: time.Date(2027, 3, 1, 9, 0, 0, 0, start.Location())})
	if h.told("calendar-missing-2028") || h.told("calendar-unconfirmed-2027") {
		t.Fatal("an admin who never bound the bot was recorded as told")
	}
	h.bind(uAdmin)
	h.restart()
	h.waitMsg(uAdmin, "工作日历缺少 2028 年的节假日安排")
	h.waitMsg(uAdmin, "工作日历 2027 年的节假日数据来自内置表，尚未与国务院通知核对", "calendar.overrides_file")
	if !h.told("calendar-missing-2028") || !h.told("calendar-unconfirmed-2027") {
		t.Error("the admin is not recorded as told")
	}

	h.restart()
	h.restart()
	h.settled()
	for _, s := range []string{"工作日历缺少 2028 年", "工作日历 2027 年"} {
		if n := len(h.messages(uAdmin, s)); n != 1 {
			t.Errorf("%d messages about %s after three starts, want 1", n, s)
		}
	}
	logs := h.logs.String()
	for _, s := range []string{
		`"the working calendar has no holidays for the coming year; add them with calendar.overrides_file" year=2028`,
		`"the working calendar's holidays for this year are not checked against the State Council's notice; ` +
			`load the notice's schedule as a whole year with calendar.overrides_file" year=2027 source="lunar-go table, unconfirmed"`,
	} {
		if n := strings.Count(logs, s); n != 4 {
			t.Errorf("logged %d times, want once at each of 4 starts: %s\nlogs:\n%s", n, s, logs)
		}
	}
}

// At the end of 2026 the coming year is lunar-go's unconfirmed 2027 until a
// file supplies it whole; overriding some of its dates is not enough.
func TestCalendarWarningComingYear(t *testing.T) {
	const notice = "国务院办公厅关于2027年部分节假日安排的通知"
	tests := []struct {
		name   string
		file   string // calendar.overrides_file's content; "" for none
		warned bool
		origin workcal.Origin
	}{
		{"built-in", "", true, workcal.OriginBuiltin},
		{"some dates overridden", `{"days": [{"name": "国庆节", "date": "2027-10-08", "isOffDay": true}]}`,
			true, workcal.OriginBuiltin},
		{"a whole year from the file", `{"year": 2027, "source": "` + notice + `", "days": [
  {"name": "元旦", "date": "2027-01-01", "isOffDay": true},
  {"name": "国庆节", "date": "2027-10-08", "isOffDay": true}]}`, false, workcal.OriginFile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := harnessOpts{}
			if tt.file != "" {
				o.edit = withCalendarFile(t, tt.file)
			}
			h := newHarness(t, o)
			h.bind(uAdmin)
			h.restart()
			if tt.warned {
				h.waitMsg(uAdmin, "工作日历 2027 年的节假日数据来自内置表")
			}
			h.settled()
			if n, want := len(h.messages(uAdmin, "工作日历")), map[bool]int{true: 1, false: 0}[tt.warned]; n != want {
				t.Errorf("%d messages about the working calendar, want %d", n, want)
			}
			if got := h.told("calendar-unconfirmed-2027"); got != tt.warned {
				t.Errorf("told of the unconfirmed 2027: %v, want %v", got, tt.warned)
			}
			if got := strings.Contains(h.logs.String(), "the working calendar"); got != tt.warned {
				t.Errorf("logged a warning: %v, want %v\n%s", got, tt.warned, h.logs.String())
			}
			src := h.app.Calendar.Source(2027)
			if src.Origin != tt.origin || src.Confirmed == tt.warned {
				t.Errorf("Source(2027) = %+v, want origin %s, confirmed %v", src, tt.origin, !tt.warned)
			}
			if tt.origin == workcal.OriginFile && !strings.Contains(src.Detail, notice) {
				t.Errorf("Source(2027).Detail = %q, want the notice named", src.Detail)
			}
			// 2027-10-08 is off in both files; lunar-go has it as a workday.
			if h.app.Calendar.IsWorkday(time.Date(2027, 10, 8, 12, 0, 0, 0, start.Location())) != (tt.file == "") {
				t.Error("the file's 2027-10-08 was not applied")
			}
		})
	}
}

func TestLoadCalendar(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("2027.yaml", "year: 2027\ndays:\n  - {name: 元旦, date: 2027-01-01, isOffDay: true}\n")
	broken := write("broken.json", `{"year": 2027, "days": [{"name": "元旦", "date": "2028-01-01", "isOffDay": true}]}`)
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfgOf := func(path string) *config.Config {
		return &config.Config{Location: loc, Calendar: config.Calendar{OverridesFile: path}}
	}
	tests := []struct {
		name string
		path string
		want string // Source(2027).Detail, or the error
	}{
		{"none", "", "lunar-go table, unconfirmed"},
		{"a whole year", good, "from " + good},
		{"broken", broken, "calendar.overrides_file " + broken + `: workcal: parse calendar file: year 2027: day 0 (date "2028-01-01"): date outside the year`},
		{"missing", filepath.Join(dir, "nowhere.json"), "calendar.overrides_file: open " + filepath.Join(dir, "nowhere.json") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := app.LoadCalendar(cfgOf(tt.path))
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = cal.Source(2027).Detail
			}
			if got != tt.want {
				t.Errorf("LoadCalendar(%q): %s, want %s", tt.path, got, tt.want)
			}
		})
	}

	// A relative path is relative to the working directory.
	t.Chdir(dir)
	cal, err := app.LoadCalendar(cfgOf("2027.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cal.Source(2027); got.Origin != workcal.OriginFile || got.Detail != "from 2027.yaml" {
		t.Errorf("Source(2027) = %+v, want from 2027.yaml", got)
	}
}
