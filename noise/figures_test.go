package noise

import (
	"slices"
	"testing"

	"dutybot/storage"
)

func TestCategory(t *testing.T) {
	tests := []struct {
		name      string
		d         delivery
		alertKind string
		want      string
		routine   bool
	}{
		{"topic", delivery{kind: storage.RefInfo, op: storage.OpSend, topic: TopicAgenda}, "", TopicAgenda, true},
		{"photo", delivery{kind: storage.RefInfo, op: storage.OpPhoto, topic: TopicDigest}, "", TopicDigest, true},
		{"overdue call", delivery{kind: storage.RefCall, op: storage.OpSend}, taskAlertKind, CatTaskCall, false},
		{"other call", delivery{kind: storage.RefCall, op: storage.OpSend}, "alert", "call:alert", false},
		{"remind", delivery{kind: storage.RefRemind, op: storage.OpSend}, taskAlertKind, CatRemind, false},
		{"notice", delivery{kind: storage.RefNotice, op: storage.OpSend}, taskAlertKind, CatNotice, false},
		{"edit", delivery{kind: storage.RefInfo, op: storage.OpEdit, topic: TopicReminder}, "", CatEdit, false},
		{"hazard notice", delivery{kind: storage.RefInfo, op: storage.OpSend, topic: TopicHazard, alert: "H20261207-01"}, "", TopicHazard, false},
		{"hazard call", delivery{kind: storage.RefCall, op: storage.OpSend}, "hazard", CatHazardCall, false},
		{"update", delivery{kind: storage.RefUpdate, op: storage.OpEdit}, taskAlertKind, CatEdit, false},
		{"summary", delivery{kind: storage.RefSummary, op: storage.OpSend}, taskAlertKind, "other:summary", false},
		{"no kind", delivery{op: storage.OpSend}, "", "other:", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.d.category(tc.alertKind)
			if got != tc.want {
				t.Errorf("category = %q, want %q", got, tc.want)
			}
			if tc.d.routine() != tc.routine || isRoutine(got) != tc.routine {
				t.Errorf("routine() = %v, isRoutine(%q) = %v; want %v", tc.d.routine(), got, isRoutine(got), tc.routine)
			}
		})
	}
}

func TestCounts(t *testing.T) {
	got := counts(map[string]int{CatEdit: 3, CatNotice: 1, "call:alert": 2, CatTaskCall: 4, TopicWitness: 1,
		TopicReminder: 5, "newsletter": 1, CatRemind: 2, "zero": 0, "other:summary": 1, TopicHazard: 2})
	var cats []string
	for _, c := range got {
		cats = append(cats, c.Category)
	}
	want := []string{TopicReminder, TopicWitness, "newsletter", CatTaskCall, "call:alert", CatRemind, CatNotice, TopicHazard, "other:summary", CatEdit}
	if !slices.Equal(cats, want) {
		t.Errorf("order %q, want %q", cats, want)
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		xs   []int
		want float64
	}{
		{nil, 0},
		{[]int{3}, 3},
		{[]int{5, 1, 3}, 3},
		{[]int{4, 1, 2, 3}, 2.5},
		{[]int{0, 0, 0, 7}, 0},
	}
	for _, tc := range tests {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}
