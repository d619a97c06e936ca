package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/workcal"
)

// validConfig is a small, valid configuration. Its storage lives under %s
// (a temporary directory), so even a mistakenly started bot touches nothing
// outside the test.
const validConfig = `
telegram:
  api_url: http://127.0.0.1:9
  poll_timeout: 2s
storage:
  path: %s/dutybot.db
http:
  listen: 127.0.0.1:0
units:
  - {id: yjb, name: 应急办, head: o-wu, leader: o-liu}
  - {id: dzb, name: 党政办}
officials:
  - {id: o-zhang, name: 张明, phone: "13800000001", unit: yjb, roles: [staff]}
  - {id: o-wu, name: 吴敏, phone: "13800000002", unit: yjb, roles: [unit_head]}
  - {id: o-liu, name: 刘洋, phone: "13800000003", unit: dzb, roles: [leader, admin]}
escalation:
  policies:
    default:
      - {after: 10m, action: remind}
      - {after: 20m, action: escalate, to: unit_head}
  levels: {blue: default, yellow: default, orange: default, red: default}
`

// writeConfig writes doc (with every %s replaced by the directory) to a
// fresh temporary directory and returns its path.
func writeConfig(t *testing.T, doc string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(doc, "%s", dir)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// replace applies old→new pairs to doc, failing if an old string is absent.
func replace(t *testing.T, doc string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("test config has no %q", pairs[i])
		}
		doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
	}
	return doc
}

func TestRun(t *testing.T) {
	// Neither secret may leak in from the developer's environment.
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", "")

	valid := writeConfig(t, validConfig)
	missing := filepath.Join(t.TempDir(), "nowhere", "config.yaml")

	tests := []struct {
		name       string
		args       func(t *testing.T) []string
		code       int
		stdout     []string // substrings stdout must contain
		stderr     []string // substrings stderr must contain
		noStdout   bool     // stdout must be empty
		noStderr   bool     // stderr must be empty
		stderrNot  []string // substrings stderr must not contain
		stdoutLine string   // a prefix of stdout's first line
	}{
		{
			name:       "version",
			args:       fixed("version"),
			code:       0,
			stdoutLine: "dutybot ",
			noStderr:   true,
		},
		{
			name:     "help",
			args:     fixed("help"),
			code:     0,
			stdout:   []string{"usage:", "dutybot check-config", "dutybot version"},
			noStderr: true,
		},
		{
			name:     "-h prints usage",
			args:     fixed("-h"),
			code:     0,
			stdout:   []string{"usage:", "dutybot check-config"},
			noStderr: true,
		},
		{
			name:     "--help prints usage",
			args:     fixed("--help"),
			code:     0,
			stdout:   []string{"usage:", "dutybot check-config"},
			noStderr: true,
		},
		{
			name:     "unknown command",
			args:     fixed("frobnicate"),
			code:     2,
			stderr:   []string{`unknown command "frobnicate"`, "usage:", "dutybot check-config [-config FILE]"},
			noStdout: true,
		},
		{
			name: "check-config example",
			args: fixed("check-config", "-config", "../../config.example.yaml"),
			code: 0,
			stdout: []string{"../../config.example.yaml: OK (", " units, ", " officials, ", " escalation policies)", "\ncalendar: ",
				"\n/who: 19 sectors, 1 of them from supervision.sectors\n",
				"\ngroups: 3 work groups: 镇安全生产工作群 g-safety: 5 expected, chat by /bindgroup g-safety; 防汛群 g-flood: ",
				"\ndelivery: 30 messages/s, 1/s per chat, 8 on their way at once; paid broadcast off\n"},
			// With no token in the environment, check-config only notes it.
			noStderr: true,
		},
		{
			name: "check-config valid, token noted",
			args: fixed("check-config", "-config", valid),
			code: 0,
			stdout: []string{valid + ": valid (2 units, 3 officials, 1 escalation policies), but the plan does not fit", "\ncalendar: ", "note: telegram.token_file", "needed by run",
				"/who: 1 sectors, 0 of them from supervision.sectors; built-in sectors left out, as no unit leads them here: 老旧楼栋电梯加装 (lead gjb)"},
			noStderr: true,
		},
		{
			name: "check-config unknown key",
			args: brokenConfig("check-config", validConfig, "poll_timeout: 2s", "poll_timeout: 2s\n  tokn_file: /x"),
			code: 1,
			stderr: []string{"invalid configuration:",
				`telegram.tokn_file: unknown key; did you mean "token_file"?`},
			noStdout: true,
		},
		{
			name:     "check-config undefined unit head",
			args:     brokenConfig("check-config", validConfig, "head: o-wu", "head: o-nobody"),
			code:     1,
			stderr:   []string{`units[0].head: official "o-nobody" is not defined`},
			noStdout: true,
		},
		{
			name: "check-config bad groups",
			args: brokenConfig("check-config", validConfig, "escalation:", `groups:
  - {id: g-flood, name: 防汛群, chat_id: 1001234, units: [yjb]}
  - {id: g-flood, name: 防汛群二, chat_id: -100, units: [nowhere]}
  - {id: g-town, name: 全镇群, chat_id: -100, officials: [o-ghost]}
escalation:`),
			code: 1,
			stderr: []string{`groups[0].chat_id: 1001234 is positive; a group's chat id is negative`,
				`groups[1].id: "g-flood" duplicates groups[0]`, `groups[1].units[0]: unit "nowhere" is not defined`,
				`groups[2].chat_id: -100 duplicates groups[1].chat_id`, `groups[2].officials[0]: official "o-ghost" is not defined`},
			noStdout: true,
		},
		{
			name:     "check-config bad duration",
			args:     brokenConfig("check-config", validConfig, "{after: 20m,", "{after: 20 minutes,"),
			code:     1,
			stderr:   []string{`escalation.policies.default[1].after: "20 minutes" is not a duration`},
			noStdout: true,
		},
		{
			name:     "check-config level mapping missing",
			args:     brokenConfig("check-config", validConfig, ", red: default}", "}"),
			code:     1,
			stderr:   []string{`escalation.levels: "red" is not mapped`},
			noStdout: true,
		},
		{
			name: "check-config several problems reported together",
			args: brokenConfig("check-config", validConfig,
				"head: o-wu", "head: o-nobody",
				"leader: o-liu", "leader: o-ghost",
				", red: default}", "}"),
			code: 1,
			stderr: []string{"3 problems",
				`units[0].head: official "o-nobody" is not defined`,
				`units[0].leader: official "o-ghost" is not defined`,
				`escalation.levels: "red" is not mapped`},
			noStdout: true,
		},
		{
			name:      "check-config missing file",
			args:      fixed("check-config", "-config", missing),
			code:      1,
			stderr:    []string{missing + ": no such file: copy config.example.yaml to " + missing, "or name another file with -config"},
			stderrNot: []string{"invalid configuration"},
			noStdout:  true,
		},
		{
			name:     "check-config extra argument",
			args:     fixed("check-config", "-config", valid, "extra"),
			code:     2,
			stderr:   []string{`unexpected argument "extra"`},
			noStdout: true,
		},
		{
			name:     "check-config unknown flag",
			args:     fixed("check-config", "-bogus"),
			code:     2,
			stderr:   []string{"flag provided but not defined: -bogus"},
			noStdout: true,
		},
		{
			name:      "run without a token",
			args:      fixed("run", "-config", valid),
			code:      1,
			stderr:    []string{valid, "telegram.token_file", "DUTYBOT_TELEGRAM_TOKEN is not set"},
			stderrNot: []string{"dutybot starting"},
			noStdout:  true,
		},
		{
			name: "run with an unreadable token file",
			args: func(t *testing.T) []string {
				dir := t.TempDir()
				path := writeConfig(t, replace(t, validConfig, "poll_timeout: 2s",
					"poll_timeout: 2s\n  token_file: "+filepath.Join(dir, "no-token")))
				return []string{"run", "-config", path}
			},
			code:     1,
			stderr:   []string{`telegram.token_file: cannot read`, "no-token"},
			noStdout: true,
		},
		{
			name:     "run is the default command",
			args:     fixed("-config", valid),
			code:     1,
			stderr:   []string{"telegram.token_file"},
			noStdout: true,
		},
		{
			name:      "run with a broken config",
			args:      brokenConfig("run", validConfig, "head: o-wu", "head: o-nobody"),
			code:      1,
			stderr:    []string{"invalid configuration:", `units[0].head: official "o-nobody" is not defined`},
			stderrNot: []string{"telegram.token_file"},
			noStdout:  true,
		},
		{
			name:     "run extra argument",
			args:     fixed("run", "-config", valid, "extra"),
			code:     2,
			stderr:   []string{`dutybot run: unexpected argument "extra"`},
			noStdout: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args(t)
			var stdout, stderr bytes.Buffer
			code := run(args, &stdout, &stderr)
			out, errOut := stdout.String(), stderr.String()
			if code != tt.code {
				t.Errorf("run(%q) = %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, tt.code, out, errOut)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(out, s) {
					t.Errorf("stdout lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.stderr {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			for _, s := range tt.stderrNot {
				if strings.Contains(errOut, s) {
					t.Errorf("stderr contains %q:\n%s", s, errOut)
				}
			}
			if tt.stdoutLine != "" && !strings.HasPrefix(out, tt.stdoutLine) {
				t.Errorf("stdout = %q, want it to start with %q", out, tt.stdoutLine)
			}
			if tt.noStdout && out != "" {
				t.Errorf("stdout should be empty, got:\n%s", out)
			}
			if tt.noStderr && errOut != "" {
				t.Errorf("stderr should be empty, got:\n%s", errOut)
			}
		})
	}
}

// fixed returns the same arguments every time.
func fixed(args ...string) func(*testing.T) []string {
	return func(*testing.T) []string { return args }
}

// brokenConfig returns the arguments of cmd on doc edited by pairs.
func brokenConfig(cmd, doc string, pairs ...string) func(*testing.T) []string {
	return func(t *testing.T) []string {
		return []string{cmd, "-config", writeConfig(t, replace(t, doc, pairs...))}
	}
}

// The version line is exactly "dutybot <version>" and honours -ldflags.
func TestVersion(t *testing.T) {
	old := version
	t.Cleanup(func() { version = old })
	version = "v1.2.3"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := stdout.String(); got != "dutybot v1.2.3\n" {
		t.Errorf("stdout = %q", got)
	}
}

// Every key path in a multi-problem file is reported, one per line, with the
// file's path first.
func TestCheckConfigReportsEveryKeyPath(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	path := writeConfig(t, replace(t, validConfig,
		"poll_timeout: 2s", "poll_timeout: 500ms",
		"head: o-wu", "head: o-nobody",
		"{after: 10m, action: remind}", "{after: 10m, action: remind, to: leader}",
		"yellow: default", "yellow: fast"))
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check-config", "-config", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	got := stderr.String()
	if !strings.HasPrefix(got, path+": invalid configuration:\n") {
		t.Errorf("stderr should start with the file's path:\n%s", got)
	}
	for _, want := range []string{
		"4 problems",
		`telegram.poll_timeout: "500ms" is too short`,
		`units[0].head: official "o-nobody" is not defined`,
		`escalation.policies.default[0].to: "leader" is not allowed with action remind`,
		`escalation.levels.yellow: policy "fast" is not defined`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("stderr lacks %q:\n%s", want, got)
		}
	}
}

// check-config reads calendar.overrides_file as the bot would and tells
// where the holidays of this year, the coming year and every year the file
// supplies come from; a broken file fails it.
func TestCheckConfigCalendar(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	this := time.Now().In(loc).Year()
	builtin, err := workcal.New(loc, nil)
	if err != nil {
		t.Fatal(err)
	}
	// builtinSource is what the calendar without a file says of year.
	builtinSource := func(year int) string { return builtin.Source(year).String() }
	// A file supplying the coming year and the one after next, whole.
	years := fmt.Sprintf(`{"years": [
  {"year": %d, "source": "国务院办公厅关于%d年部分节假日安排的通知", "days": [{"name": "元旦", "date": "%d-01-01", "isOffDay": true}]},
  {"year": %d, "papers": ["paper-1"], "days": [{"name": "元旦", "date": "%d-01-01", "isOffDay": true}]}
]}`, this+1, this+1, this+1, this+3, this+3)
	tests := []struct {
		name   string
		file   string // the overrides file's content; "" for no file
		path   string // overrides_file when not the written file
		code   int
		stdout string // the calendar line
		stderr []string
	}{
		{name: "no file", code: 0,
			stdout: fmt.Sprintf("calendar: %s; %s", builtinSource(this), builtinSource(this+1))},
		{name: "whole years", file: years, code: 0,
			stdout: fmt.Sprintf("calendar: %s; %d: from FILE, 国务院办公厅关于%d年部分节假日安排的通知; %d: from FILE, paper-1",
				builtinSource(this), this+1, this+1, this+3)},
		{name: "per-date overrides of this year", code: 0,
			file:   fmt.Sprintf(`{"days": [{"name": "x", "date": "%d-03-02", "isOffDay": true}]}`, this),
			stdout: fmt.Sprintf("calendar: %s, 1 date overridden by FILE; %s", builtinSource(this), builtinSource(this+1))},
		{name: "a day outside its year", code: 1,
			file: fmt.Sprintf(`{"year": %d, "days": [{"name": "元旦", "date": "%d-01-01", "isOffDay": true}]}`, this+1, this+2),
			stderr: []string{"config.yaml: calendar.overrides_file FILE: workcal: parse calendar file: ",
				fmt.Sprintf(`year %d: day 0 (date "%d-01-01"): date outside the year`, this+1, this+2)}},
		{name: "mixed forms", code: 1,
			file:   `{"days": [], "years": []}`,
			stderr: []string{"calendar.overrides_file FILE: ", `top-level "years" and "days"`}},
		{name: "missing file", code: 1, path: "/nonexistent/holidays.json",
			stderr: []string{"config.yaml: calendar.overrides_file: open /nonexistent/holidays.json: no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := validConfig
			file := tt.path
			if tt.file != "" {
				file = filepath.Join(t.TempDir(), "holidays.json")
				if err := os.WriteFile(file, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if file != "" {
				doc += "calendar:\n  overrides_file: " + file + "\n"
			}
			path := writeConfig(t, doc)
			var stdout, stderr bytes.Buffer
			code := run([]string{"check-config", "-config", path}, &stdout, &stderr)
			out, errOut := stdout.String(), stderr.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, errOut)
			}
			if tt.stdout != "" {
				lines := strings.Split(out, "\n")
				if want := strings.ReplaceAll(tt.stdout, "FILE", file); len(lines) < 2 || lines[1] != want {
					t.Errorf("stdout:\n%s\nwant as its second line:\n%s", out, want)
				}
			}
			for _, s := range tt.stderr {
				if s = strings.ReplaceAll(s, "FILE", file); !strings.Contains(errOut, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errOut)
				}
			}
			if tt.code != 0 && out != "" {
				t.Errorf("stdout should be empty, got:\n%s", out)
			}
		})
	}
}

// A relative calendar.overrides_file is read from the working directory,
// not from the configuration file's.
func TestCheckConfigCalendarRelativePath(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	path := writeConfig(t, validConfig+"calendar:\n  overrides_file: holidays.yaml\n")
	work := t.TempDir()
	doc := "year: 2030\nsource: 通知\ndays:\n  - {name: 元旦, date: 2030-01-01, isOffDay: true}\n"
	if err := os.WriteFile(filepath.Join(work, "holidays.yaml"), []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(work)
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check-config", "-config", path}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "2030: from holidays.yaml, 通知") {
		t.Errorf("stdout lacks the file's year:\n%s", stdout.String())
	}

	// From elsewhere the same configuration fails, naming the key.
	t.Chdir(t.TempDir())
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"check-config", "-config", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d without the file, want 1", code)
	}
	if !strings.Contains(stderr.String(), "calendar.overrides_file: open holidays.yaml: no such file or directory") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}
