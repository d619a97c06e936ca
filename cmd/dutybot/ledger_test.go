package main

import (
	"strings"
	"testing"
	"time"

	"dutybot/api"
	"dutybot/config"
	"dutybot/storage"
)

// printVerify leads with the worst finding: a witness the log no longer
// matches is the headline, never preceded by "ledger OK".
func TestPrintVerifyLeadsWithTheWorst(t *testing.T) {
	cfg := &config.Config{Location: time.UTC}
	chained := api.VerifyJSON{OK: true, Schema: storage.SchemaVersion, Events: 12, HeadSeq: 12, HeadHash: "aaaa"}
	mismatched := chained
	mismatched.OK = false
	mismatched.Witnesses = []api.WitnessJSON{{Seq: 3, Hash: "bbbb", OK: true},
		{Seq: 9, Hash: "cccc", OK: false, Why: "event #9 hashes to dddd"}}
	witnessed := chained
	witnessed.Witnesses = []api.WitnessJSON{{Seq: 3, Hash: "bbbb", OK: true}}
	tests := []struct {
		name  string
		v     api.VerifyJSON
		first string
		not   string
	}{
		{"intact", chained, "ledger OK: 12 events", "DOES NOT MATCH"},
		{"witness matches", witnessed, "ledger OK: 12 events", "DOES NOT MATCH"},
		{"witness mismatched", mismatched, "ledger DOES NOT MATCH witness #9 cccc: event #9 hashes to dddd", "ledger OK"},
		{"damaged", api.VerifyJSON{Damage: "page 7 is zeroed"}, "ledger BROKEN: page 7 is zeroed", "ledger OK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			printVerify(&b, cfg, tt.v, "test")
			out := b.String()
			if first, _, _ := strings.Cut(out, "\n"); first != tt.first && !strings.HasPrefix(first, tt.first) {
				t.Errorf("first line %q, want %q\n%s", first, tt.first, out)
			}
			if strings.Contains(out, tt.not) {
				t.Errorf("output has %q:\n%s", tt.not, out)
			}
		})
	}
}
