package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

// quarantineSome puts records into the quarantine of the configuration's
// database, as the deadline runner does.
func quarantineSome(t *testing.T, cfgPath string) {
	t.Helper()
	at := time.Date(2026, 12, 2, 8, 10, 0, 0, time.UTC)
	updateConfigDB(t, cfgPath, func(tx *storage.Tx) error {
		if err := tx.QuarantineRaw("deadlines", []byte("r:20261202-0001\x00o-zhang"), []byte("1"), "due 2026-12-02T08:10:00Z, firing failed: decode recipients", at); err != nil {
			return err
		}
		return tx.QuarantineRaw("recipients", []byte("20261202-0001\x00o-zhang"), []byte(`{"state":"pend`), "does not decode: unexpected end of JSON input", at)
	})
}

// dutybot quarantine lists what was moved aside and drops records by
// number, directly on the file while dutybot is stopped.
func TestQuarantineCLI(t *testing.T) {
	cfgPath := writeConfig(t, validConfig)
	code, out, errOut := runCLI(t, "quarantine", "list", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "the quarantine is empty") {
		t.Fatalf("list of an empty quarantine: %d\n%s%s", code, out, errOut)
	}
	quarantineSome(t, cfgPath)
	code, out, errOut = runCLI(t, "quarantine", "list", "-config", cfgPath)
	mustContain(t, "list", out, "#1  2026-12-02 16:10:00  deadlines  key \"r:20261202-0001\\x00o-zhang\"  (1 bytes)",
		"    due 2026-12-02T08:10:00Z, firing failed", "#2  ", "recipients", "does not decode", "2 records in quarantine")
	if code != 0 || strings.Contains(out, "pend") || errOut != "" {
		t.Errorf("list: %d (raw bytes shown without -raw?)\n%s%s", code, out, errOut)
	}
	if _, out, _ = runCLI(t, "quarantine", "list", "-raw", "-config", cfgPath); !strings.Contains(out, `"{\"state\":\"pend"`) {
		t.Errorf("list -raw lacks the bytes:\n%s", out)
	}
	code, out, errOut = runCLI(t, "quarantine", "drop", "1", "-config", cfgPath)
	if code != 0 || !strings.Contains(out, "dropped 1 record") {
		t.Errorf("drop 1: %d\n%s%s", code, out, errOut)
	}
	if _, out, _ = runCLI(t, "quarantine", "list", "-config", cfgPath); strings.Contains(out, "#1 ") || !strings.Contains(out, "#2 ") {
		t.Errorf("after drop 1:\n%s", out)
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"quarantine", "drop", "1", "-config", cfgPath}, 1, "no quarantined record [1]"},
		{[]string{"quarantine", "drop", "x", "-config", cfgPath}, 2, `"x" is not a quarantine number`},
		{[]string{"quarantine", "drop", "-config", cfgPath}, 2, "name the numbers"},
		{[]string{"quarantine", "frob"}, 2, `unknown command "frob"`},
	} {
		if code, _, errOut := runCLI(t, tc.args...); code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("%v: %d %q, want %d %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
}

// While dutybot runs, the commands go through its API.
func TestQuarantineCLIThroughAPI(t *testing.T) {
	e := newCrashEnv(t)
	bot := e.start("dutybot")
	e.waitHealthy(bot)
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", crashAPIToken)
	code, out, errOut := runCLI(t, "quarantine", "list", "-config", e.cfgPath)
	if code != 0 || !strings.Contains(out, "the quarantine is empty (read the running dutybot's HTTP API at "+e.baseURL) {
		t.Errorf("list via API: %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "quarantine", "drop", "5", "-config", e.cfgPath); code != 1 || !strings.Contains(errOut, "no quarantined record [5]") {
		t.Errorf("drop via API: %d %s", code, errOut)
	}

	// A bot that crashed holds nothing: the system let go of its lock, and
	// the command reads the file itself.
	if err := bot.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-bot.done
	code, out, errOut = runCLI(t, "quarantine", "list", "-config", e.cfgPath)
	if code != 0 || !strings.Contains(out, "the quarantine is empty (read "+filepath.Join(filepath.Dir(e.cfgPath), "dutybot.db")+")") {
		t.Errorf("list after the bot was killed: %d\n%s%s", code, out, errOut)
	}
}
