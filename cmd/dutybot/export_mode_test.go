package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Exports hold officials' names and phone numbers (the roster) or who was
// called and when (the ledger, a backup): only their owner may read them,
// whatever the umask, also when -force replaces a file that others could
// read.
func TestExportsAreReadableOnlyByTheOwner(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	cfgPath := writeConfig(t, validConfig)
	dir := t.TempDir()
	readable := func(name string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil { // past the umask
			t.Fatal(err)
		}
		return path
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"roster export", []string{"roster", "export", "-config", cfgPath, filepath.Join(dir, "roster.xlsx")}},
		{"roster export -force", []string{"roster", "export", "-config", cfgPath, "-force", readable("roster-old.xlsx")}},
		{"roster template", []string{"roster", "template", "-config", cfgPath, filepath.Join(dir, "template.xlsx")}},
		{"ledger export", []string{"ledger", "export", "-config", cfgPath, filepath.Join(dir, "ledger.xlsx")}},
		{"backup -force", []string{"backup", "-config", cfgPath, "-force", readable("backup-old.db")}},
	} {
		code, _, errOut := runCLI(t, tt.args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tt.name, code, errOut)
		}
		file := tt.args[len(tt.args)-1]
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s wrote %s with mode %04o, want 0600", tt.name, filepath.Base(file), mode)
		}
	}
}
