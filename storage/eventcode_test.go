package storage

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// An event without a typed detail hashes exactly as before typed details
// existed: the chains of older logs still verify. The hash below was
// computed by the binary before Code and Args were added.
func TestDigestOfUntypedEventUnchanged(t *testing.T) {
	e := Event{Seq: 7, At: time.Date(2026, 12, 2, 8, 0, 0, 123, time.UTC), Type: "shift_started", Alert: "20261202-0001",
		Actor: "system", Detail: "shift 20261202-0800: check-in asked of o-huanglei,o-yangfan", Prev: "abc"}
	const want = "6b92dd88314fe521459b6aa16cebff554810c3f750ad70bf0d7c8f4b619c5a6d"
	if got := e.Digest(); got != want {
		t.Errorf("digest of an untyped event = %s, want %s (older chains would no longer verify)", got, want)
	}
	e.Args = []Arg{} // empty, as a record read back without args
	if got := e.Digest(); got != want {
		t.Errorf("an empty argument list changes the hash: %s", got)
	}
}

// The code and every part of every argument are covered by the hash, in
// their order, and a typed event never hashes like an untyped one.
func TestDigestCoversTypedDetail(t *testing.T) {
	base := Event{Seq: 7, At: t0, Type: "shift_started", Actor: "system", Detail: "d", Prev: "p",
		Code: CodeShiftCheckin, Args: []Arg{Span("Shift", t0, t0.Add(24*time.Hour)), Officials("People", "o-a", "o-b")}}
	h := base.Digest()
	untyped := base
	untyped.Code, untyped.Args = "", nil
	if untyped.Digest() == h {
		t.Error("a typed event hashes like the same event without its typed detail")
	}
	changes := map[string]func(e *Event){
		"code":        func(e *Event) { e.Code = CodeShiftEnded },
		"no code":     func(e *Event) { e.Code = "" },
		"arg name":    func(e *Event) { e.Args[1].Name = "Told" },
		"arg kind":    func(e *Event) { e.Args[1].Kind = ArgText },
		"arg value":   func(e *Event) { e.Args[1].Value = "o-a" },
		"arg dropped": func(e *Event) { e.Args = e.Args[:1] },
		"arg added":   func(e *Event) { e.Args = append(e.Args, Int("Count", 2)) },
		"args moved":  func(e *Event) { e.Args[0], e.Args[1] = e.Args[1], e.Args[0] },
		"boundary":    func(e *Event) { e.Args[1].Name, e.Args[1].Kind = "Peopleofficials", "" },
		"detail":      func(e *Event) { e.Detail = "D" },
	}
	for name, change := range changes {
		e := base
		e.Args = slices.Clone(base.Args)
		change(&e)
		if e.Digest() == h {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
}

// Typed events are stored, read back and chained: a log of typed and
// untyped events verifies, and changing an argument in the file breaks the
// chain at that event.
func TestTypedEventsChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	in := []Event{
		{At: t0, Type: EvSent, Alert: "20261128-0001", Official: "o-li", Actor: "system", Detail: "call"},
		{At: t0.Add(time.Minute), Type: "roster_imported", Actor: "cli", Detail: "roster.csv: 1 shifts",
			Code: CodeRosterImported, Args: []Arg{Text("Source", "roster.csv"), Int("Count", 1),
				Time("From", t0), Time("To", t0.Add(24*time.Hour)), Int("Replaced", 0)}},
		{At: t0.Add(2 * time.Minute), Type: EvEscalated, Alert: "20261128-0001", Official: "o-wu", Actor: "system",
			Detail: "unit_head: skipped", Code: CodeEscalated, Args: []Arg{Word("To", VocabRole, "unit_head"),
				Officials("People"), Word("Reason", VocabReason, "self"), Officials("Passed", "o-wu")}},
	}
	for _, e := range in {
		mustUpdate(t, db, func(tx *Tx) error { return tx.AppendEvent(e) })
	}
	var got []Event
	mustView(t, db, func(tx *Tx) error {
		var err error
		got, err = tx.Events(0, 10)
		if r := tx.VerifyChain(); !r.OK() || r.Events != 3 {
			t.Errorf("chain of typed and untyped events: %+v", r)
		}
		return err
	})
	if len(got) != 3 || got[1].Code != CodeRosterImported || !slices.Equal(got[1].Args, in[1].Args) || got[0].Args != nil {
		t.Fatalf("read back %+v", got)
	}
	if a, ok := got[2].Arg("Reason"); !ok || a.Kind != ArgWord {
		t.Errorf("Reason = %+v, %v", a, ok)
	} else if v, w := a.Vocab(); v != VocabReason || w != "self" {
		t.Errorf("Reason vocab %q word %q", v, w)
	}
	if a, _ := got[1].Arg("From"); a.Value != "2026-11-28T09:30:00Z" {
		t.Errorf("From = %+v", a)
	} else if ts, ok := a.Times(); !ok || !ts[0].Equal(t0) {
		t.Errorf("From reads back as %v %v", ts, ok)
	}
	db.Close()

	rawUpdate(t, path, func(b, _ kvBucket) error {
		return editJSON(b, 3, func(m map[string]any) {
			args := m["args"].([]any)
			args[3].(map[string]any)["value"] = "o-zhang" // someone else was passed over
		})
	})
	db, err = openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustView(t, db, func(tx *Tx) error {
		if r := tx.VerifyChain(); r.Break == nil || r.Break.Seq != 3 || r.Break.Kind != BreakChanged {
			t.Errorf("an edited argument: %+v", r.Break)
		}
		return nil
	})
}

// A version 2 file (chained, no typed details) opens as version 3 without
// a rewrite: its events keep their hashes and its chain verifies.
func TestOpenUpgradesVersion2(t *testing.T) {
	path, evs := chainedDB(t, 5)
	rawUpdate(t, path, func(_, meta kvBucket) error { return meta.Put(keyVersion, u64(2)) })
	db, err := openPath(t, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mustView(t, db, func(tx *Tx) error {
		if tx.Schema() != 3 {
			t.Errorf("schema %d after Open", tx.Schema())
		}
		got, err := tx.Events(0, 10)
		if len(got) != len(evs) {
			t.Fatalf("%d events after the upgrade, want %d (nothing re-chained)", len(got), len(evs))
		}
		for i := range got {
			if got[i].Hash != evs[i].Hash {
				t.Errorf("event #%d rehashed", got[i].Seq)
			}
		}
		if r := tx.VerifyChain(); !r.OK() {
			t.Errorf("chain after the upgrade: %+v", r)
		}
		return err
	})
}
