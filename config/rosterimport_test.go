package config

import (
	"strings"
	"testing"
	"time"
)

func TestRosterImportDefaults(t *testing.T) {
	cfg, err := Parse([]byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Roster.Import, DefaultRosterImport(); got != want {
		t.Errorf("roster.import = %+v, want %+v", got, want)
	}
	cfg, err = Parse([]byte(base + "roster:\n  import:\n    max_rows: 2000\n    max_file_size: 2MB\n"))
	if err != nil {
		t.Fatal(err)
	}
	im := cfg.Roster.Import
	if im.MaxRows != 2000 || im.MaxFileSize != 2<<20 || im.MaxCells != DefaultRosterMaxCells || im.Timeout.D() != 10*time.Second {
		t.Errorf("partly given roster.import = %+v", im)
	}
}

func TestRosterImportValidation(t *testing.T) {
	for _, tt := range []struct {
		yaml, key, why string
	}{
		{"max_file_size: 0", "roster.import.max_file_size", "not a size from 1KB to 100MB"},
		{"max_file_size: 10 furlongs", "roster.import.max_file_size", `"10 furlongs" is not a size`},
		{"max_unzipped_size: 5MB", "roster.import.max_unzipped_size", "from max_file_size (10MB)"},
		{"max_rows: 0", "roster.import.max_rows", "0 is not a number of rows from 10 to 1048576"},
		{"max_cells: 20000000", "roster.import.max_cells", "not a number of cells"},
		{"max_merged_ranges: 0", "roster.import.max_merged_ranges", "0 is not a number of merged ranges from 1 to 100000"},
		{"timeout: 0s", "roster.import.timeout", "0s is not a time from 100ms to 10m0s"},
		{"workers: 0", "roster.import.workers", "not a number of files checked at once"},
	} {
		_, err := Parse([]byte(base + "roster:\n  import:\n    " + tt.yaml + "\n"))
		if err == nil || !strings.Contains(err.Error(), tt.key) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("%s: err = %v, want %s: …%s…", tt.yaml, err, tt.key, tt.why)
		}
	}
}

func TestSize(t *testing.T) {
	for in, want := range map[string]Size{"10MB": 10 << 20, "10 mb": 10 << 20, "512KB": 512 << 10, "1GB": 1 << 30, "1500": 1500, "7B": 7} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "-1MB", "1.5MB", "ten", "99999999999GB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
	for s, want := range map[Size]string{10 << 20: "10MB", 1536: "1536B", 3 << 10: "3KB", 0: "0B"} {
		if got := s.String(); got != want {
			t.Errorf("Size(%d) = %q, want %q", int64(s), got, want)
		}
	}
}
