package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dutybot/config"
)

// check-config tells how the plan runs this year: the built-in 2022 plan
// drops its one-offs in 2026, and the parts the example town leaves to
// nobody are named by unit and role.
func TestPlanReport(t *testing.T) {
	cfg, err := config.Load("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := planReport(cfg, time.Date(2026, 12, 2, 9, 0, 0, 0, cfg.Location))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"plan: 含镇府〔2022〕16号",
		"(built-in), plan year 2022",
		"plan: in 2026 its 15 dated one-off deadlines of 2022 do not apply (4.1, 6.1,",
		"load this year's plan with tasks.catalogue",
		"units have nobody to owe their items (give them staff or a head): 党建办, 经发办",
		"roles nobody holds: 14.2 staff in 经发办",
		"14.4 unit_head in 经发办",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	// In the plan year itself nothing is dropped.
	lines, _ = planReport(cfg, time.Date(2022, 6, 1, 9, 0, 0, 0, cfg.Location))
	if strings.Contains(strings.Join(lines, "\n"), "do not apply") {
		t.Errorf("one-offs dropped in their own year: %q", lines)
	}
}

// A plan file without its year is refused by check-config, which names the
// key and says why.
func TestCheckConfigPlanWithoutYear(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	dir := t.TempDir()
	plan := filepath.Join(dir, "plan.yaml")
	doc := "source: test\nmeasures:\n  - no: 1\n    title: 一\n    tasks:\n      - {no: 1, text: 任务, units: [yjb], points: [{no: 1, text: 要点, timing: {kind: monthly}}]}\n"
	if err := os.WriteFile(plan, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, validConfig+"tasks:\n  catalogue: "+plan+"\n")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"check-config", "-config", path}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, stdout %q", code, stdout.String())
	}
	if !strings.Contains(stderr.String(), "tasks.catalogue") || !strings.Contains(stderr.String(), "year: 0: give the plan year") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
