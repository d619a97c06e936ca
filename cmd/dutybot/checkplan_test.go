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
	got := strings.Join(lines.lines, "\n")
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
	if strings.Contains(strings.Join(lines.lines, "\n"), "do not apply") {
		t.Errorf("one-offs dropped in their own year: %q", lines.lines)
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

// check-config lists the plan's units, and names each one the configuration
// lacks with the points it is responsible for: the example fits, without a
// warning; a renamed unit or tag is named, its points listed, the first line
// no longer says OK, and -strict fails.
func TestCheckConfigNamesPlanUnitsTheConfigurationLacks(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	example, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	variant := func(pairs ...string) string {
		doc := strings.NewReplacer(pairs...).Replace(string(example))
		if doc == string(example) {
			t.Fatalf("replacements %q changed nothing", pairs)
		}
		path := filepath.Join(t.TempDir(), "config.yaml")
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	dzb := variant("id: dzb\n", "id: dangzheng\n", "unit: dzb\n", "unit: dangzheng\n")
	yigang := variant("yigang", "yg")
	tests := []struct {
		name  string
		args  []string
		code  int
		first string   // the start of the first line, after the path
		want  []string // in stdout
		not   []string // not in stdout
	}{
		{"example fits", []string{"-config", "../../config.example.yaml"}, 0, ": OK (19 units",
			[]string{"plan: its units (your units' ids): awb 安委办, awc 安委会, dzb 党政办, yjb 应急办, jw 纪委, jfb 经发办, nb 农办, gjb 规建办, djb 党建办, czs 财政所; " +
				"groups (your units' tags): @yigang “一岗双责”科室, @supervisory 负有安全生产监督管理职责的部门, @village 村（社区）"},
			[]string{"WARNING", "missing", "asked of nobody"}},
		{"example fits, strict", []string{"-strict", "-config", "../../config.example.yaml"}, 0, ": OK (19 units", nil, []string{"WARNING"}},
		{"unit renamed", []string{"-config", dzb}, 0,
			": valid (19 units, 16 officials, 2 escalation policies), but the plan does not fit: 1 plan unit is missing, 5 points of the plan's 82 lose a responsible unit (see WARNING)",
			[]string{"dzb 党政办 (missing)",
				"WARNING: the plan names 1 unit this configuration does not define; its share of 5 points of 82 is skipped:\n" +
					"  plan unit dzb (党政办) is responsible for 5 points (1.1, 1.2, 2.1, 2.2, 38.1); no unit with id dzb in units\n",
				"-strict makes check-config fail on this"},
			[]string{"asked of nobody"}},
		{"unit renamed, strict", []string{"-config", dzb, "-strict"}, 1, ": valid (19 units",
			[]string{"plan unit dzb (党政办) is responsible for 5 points", "-strict: check-config fails."}, nil},
		{"tag renamed", []string{"-config", yigang}, 0, ": valid (19 units, 16 officials, 2 escalation policies), but the plan does not fit: 1 plan unit is missing, 50 points of the plan's 82 lose a responsible unit, 3 of them would be asked of nobody (see WARNING)",
			[]string{"@yigang “一岗双责”科室 (missing)",
				"plan group @yigang (“一岗双责”科室) is responsible for 50 points (3.1, 3.2, 3.3, 4.1, 5.1, 6.2, 6.3, 6.4, 8.1, 8.2, 8.3, 8.4 and 38 more); no unit in units has the tag yigang",
				"3 of the plan's 82 points have no unit left and would be asked of nobody: 12.1, 13.1, 13.2"}, nil},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"check-config"}, tt.args...), &stdout, &stderr)
		out := stdout.String()
		if code != tt.code || stderr.Len() > 0 {
			t.Errorf("%s: exit %d, want %d; stderr %q", tt.name, code, tt.code, stderr.String())
		}
		first, _, _ := strings.Cut(out, "\n")
		if _, after, ok := strings.Cut(first, ".yaml"); !ok || !strings.HasPrefix(after, tt.first) {
			t.Errorf("%s: first line %q, want it to start with the path and %q", tt.name, first, tt.first)
		}
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout lacks %q:\n%s", tt.name, w, out)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(out, n) {
				t.Errorf("%s: stdout has %q:\n%s", tt.name, n, out)
			}
		}
	}
}
