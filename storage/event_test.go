package storage

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestAppendEventNumbersFromOne(t *testing.T) {
	db := openTemp(t)
	mustView(t, db, func(tx *Tx) error {
		if n := tx.EventCount(); n != 0 {
			t.Errorf("EventCount on empty db = %d, want 0", n)
		}
		return nil
	})
	in := []Event{
		{At: t0, Type: EvCreated, Alert: "20261128-0001", Actor: "api"},
		{At: t0.Add(time.Second), Type: EvSent, Alert: "20261128-0001", Official: "li", Actor: "system"},
		{At: t0.Add(2 * time.Second), Type: EvBound, Official: "li", Detail: "contact"},
		{Seq: 999, At: t0.Add(3 * time.Second), Type: EvLanguage, Official: "li", Detail: "zh"}, // caller's Seq is ignored
	}
	for i, e := range in {
		mustUpdate(t, db, func(tx *Tx) error { return tx.AppendEvent(e) })
		mustView(t, db, func(tx *Tx) error {
			if n := tx.EventCount(); n != uint64(i+1) {
				t.Errorf("EventCount after %d appends = %d", i+1, n)
			}
			return nil
		})
	}
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Events(0, 100)
		if err != nil {
			return err
		}
		want := make([]Event, len(in))
		copy(want, in)
		for i := range want {
			want[i].Seq = uint64(i + 1)
			if i > 0 {
				want[i].Prev = want[i-1].Hash
			}
			want[i].Hash = want[i].Digest()
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Events =\n  %+v\nwant\n  %+v", got, want)
		}
		return nil
	})
	// A rolled-back append neither stays nor burns a number.
	_ = db.Update(func(tx *Tx) error {
		if err := tx.AppendEvent(Event{Type: EvFailed, Alert: "20261128-0001"}); err != nil {
			return err
		}
		return errors.New("rollback")
	})
	mustUpdate(t, db, func(tx *Tx) error { return tx.AppendEvent(Event{Type: EvClosed, Alert: "20261128-0001"}) })
	mustView(t, db, func(tx *Tx) error {
		evs, _ := tx.Events(4, 10)
		if len(evs) != 1 || evs[0].Seq != 5 || evs[0].Type != EvClosed {
			t.Errorf("after rollback + append, Events(4) = %+v, want one closed event with Seq 5", evs)
		}
		aevs, _ := tx.AlertEvents("20261128-0001")
		if len(aevs) != 3 {
			t.Errorf("rolled-back event visible through AlertEvents: %+v", aevs)
		}
		return nil
	})
}

func TestAlertEvents(t *testing.T) {
	db := openTemp(t)
	// Interleave events of alerts whose ids are prefixes of one another,
	// plus events without an alert.
	var appended []Event
	mustUpdate(t, db, func(tx *Tx) error {
		for round := range 300 { // > 255 so seqs use more than one key byte
			for _, id := range []string{"20261128-0001", "", "20261128-00011", "20261128-000", "20261128-0001"} {
				e := Event{At: t0.Add(time.Duration(round) * time.Second), Type: EvSent, Alert: id, Detail: fmt.Sprint(round)}
				if err := tx.AppendEvent(e); err != nil {
					return err
				}
				e.Seq = uint64(len(appended) + 1)
				if len(appended) > 0 {
					e.Prev = appended[len(appended)-1].Hash
				}
				e.Hash = e.Digest()
				appended = append(appended, e)
			}
		}
		return nil
	})
	wantFor := func(id string) []Event {
		var out []Event
		for _, e := range appended {
			if id != "" && e.Alert == id {
				out = append(out, e)
			}
		}
		return out
	}
	tests := []struct {
		alert string
		n     int
	}{
		{"20261128-0001", 600},
		{"20261128-00011", 300},
		{"20261128-000", 300},
		{"20261128-00", 0},
		{"20261128-0002", 0},
		{"", 0}, // events without alert are not indexed
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%q", tc.alert), func(t *testing.T) {
			mustView(t, db, func(tx *Tx) error {
				got, err := tx.AlertEvents(tc.alert)
				if err != nil {
					return err
				}
				if len(got) != tc.n {
					t.Fatalf("AlertEvents(%q) returned %d events, want %d", tc.alert, len(got), tc.n)
				}
				if want := wantFor(tc.alert); !reflect.DeepEqual(got, want) {
					t.Errorf("AlertEvents(%q) differs from the appended events of that alert", tc.alert)
				}
				for i := 1; i < len(got); i++ {
					if got[i].Seq <= got[i-1].Seq {
						t.Errorf("AlertEvents out of order at %d: %d after %d", i, got[i].Seq, got[i-1].Seq)
					}
				}
				return nil
			})
		})
	}
}

func TestEventsPaging(t *testing.T) {
	const total = 10
	db := openTemp(t)
	mustUpdate(t, db, func(tx *Tx) error {
		for i := range total {
			if err := tx.AppendEvent(Event{At: t0, Type: EvAcked, Detail: fmt.Sprint(i + 1)}); err != nil {
				return err
			}
		}
		return nil
	})
	seqs := func(from, to uint64) []uint64 {
		var out []uint64
		for s := from; s <= to; s++ {
			out = append(out, s)
		}
		return out
	}
	tests := []struct {
		name  string
		after uint64
		limit int
		want  []uint64
	}{
		{"first page", 0, 3, seqs(1, 3)},
		{"second page", 3, 3, seqs(4, 6)},
		{"third page", 6, 3, seqs(7, 9)},
		{"last partial page", 9, 3, seqs(10, 10)},
		{"past the end", 10, 3, nil},
		{"far past the end", 1 << 40, 3, nil},
		{"limit 0", 0, 0, nil},
		{"limit larger than log", 0, 100, seqs(1, total)},
		{"limit exactly rest", 4, 6, seqs(5, 10)},
		{"limit 1 in the middle", 5, 1, seqs(6, 6)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustView(t, db, func(tx *Tx) error {
				evs, err := tx.Events(tc.after, tc.limit)
				if err != nil {
					return err
				}
				var got []uint64
				for _, e := range evs {
					got = append(got, e.Seq)
					if e.Detail != fmt.Sprint(e.Seq) {
						t.Errorf("event %d carries detail %q, want %d", e.Seq, e.Detail, e.Seq)
					}
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Events(%d, %d) seqs = %v, want %v", tc.after, tc.limit, got, tc.want)
				}
				return nil
			})
		})
	}
	// Walking page by page visits every event exactly once.
	var after uint64
	var seen []uint64
	for pages := 0; pages < 100; pages++ {
		var evs []Event
		mustView(t, db, func(tx *Tx) error { var err error; evs, err = tx.Events(after, 4); return err })
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			seen = append(seen, e.Seq)
		}
		after = evs[len(evs)-1].Seq
	}
	if !reflect.DeepEqual(seen, seqs(1, total)) {
		t.Errorf("paging visited %v, want 1..%d", seen, total)
	}
}

func TestEventCount(t *testing.T) {
	for _, n := range []int{0, 1, 255, 256, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			db := openTemp(t)
			mustUpdate(t, db, func(tx *Tx) error {
				for i := range n {
					alert := ""
					if i%2 == 0 {
						alert = "20261128-0001"
					}
					if err := tx.AppendEvent(Event{Type: EvSent, Alert: alert}); err != nil {
						return err
					}
				}
				return nil
			})
			mustView(t, db, func(tx *Tx) error {
				if got := tx.EventCount(); got != uint64(n) {
					t.Errorf("EventCount = %d, want %d", got, n)
				}
				return nil
			})
		})
	}
}

// BenchmarkAppendEventBatch measures acknowledgements logged through Batch.
// With only GOMAXPROCS callers each batch mostly waits out bbolt's
// MaxBatchDelay; Batch pays off with many concurrent callers, hence the
// second sub-benchmark.
func BenchmarkAppendEventBatch(b *testing.B) {
	for _, par := range []int{1, 32} {
		b.Run(fmt.Sprintf("goroutines=%dxGOMAXPROCS", par), func(b *testing.B) {
			db := openTemp(b)
			e := Event{At: t0, Type: EvAcked, Alert: "20261128-0001", Official: "li", Actor: "li"}
			b.ReportAllocs()
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := db.Batch(func(tx *Tx) error { return tx.AppendEvent(e) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			var n uint64
			_ = db.View(func(tx *Tx) error { n = tx.EventCount(); return nil })
			if n != uint64(b.N) {
				b.Fatalf("EventCount = %d after %d appends", n, b.N)
			}
		})
	}
}

func TestEventsBetween(t *testing.T) {
	db := openTemp(t)
	base := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	mustUpdate(t, db, func(tx *Tx) error {
		for h := 0; h < 48; h++ {
			if err := tx.AppendEvent(Event{At: base.Add(time.Duration(h) * time.Hour), Type: EvReported}); err != nil {
				return err
			}
		}
		return nil
	})
	mustView(t, db, func(tx *Tx) error {
		evs, err := tx.EventsBetween(base.Add(24*time.Hour), base.Add(30*time.Hour))
		if err != nil {
			return err
		}
		if len(evs) != 6 || !evs[0].At.Equal(base.Add(24*time.Hour)) || !evs[5].At.Equal(base.Add(29*time.Hour)) {
			t.Errorf("EventsBetween = %d events from %v", len(evs), evs)
		}
		if evs, _ := tx.EventsBetween(base.Add(100*time.Hour), base.Add(200*time.Hour)); len(evs) != 0 {
			t.Errorf("future window: %d events", len(evs))
		}
		return nil
	})
}
