package locales

import (
	"io/fs"
	"os"
	"strings"
	"testing"
)

// rejectedTerms are words the interface once used for a role or thing it
// names otherwise, with the term it uses. One role has one name: the shift's
// leader and the duty_leader role are the 带班领导 (as the town's rosters and
// the domain notes call them), never 值班领导.
var rejectedTerms = map[string]string{
	"值班领导": "带班领导",
}

// TestNoRejectedTerms scans every message file, and the README and the
// example configuration that explain them, for a rejected term.
func TestNoRejectedTerms(t *testing.T) {
	texts := map[string]string{}
	names, err := fs.Glob(files, "*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("message files: %v, %v", names, err)
	}
	for _, name := range names {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		texts["locales/"+name] = string(b)
	}
	for _, name := range []string{"README.md", "config.example.yaml"} {
		b, err := os.ReadFile("../" + name)
		if err != nil {
			t.Fatal(err)
		}
		texts[name] = string(b)
	}
	for name, text := range texts {
		for i, line := range strings.Split(text, "\n") {
			for bad, good := range rejectedTerms {
				if strings.Contains(line, bad) {
					t.Errorf("%s:%d uses %s; write %s: %s", name, i+1, bad, good, strings.TrimSpace(line))
				}
			}
		}
	}
}
