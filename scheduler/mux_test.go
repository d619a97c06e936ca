package scheduler

import (
	"slices"
	"testing"
	"time"

	"dutybot/storage"
)

func TestMuxRoutesByLongestPrefix(t *testing.T) {
	var m Mux
	got := map[string][]string{}
	record := func(name string) FireFunc {
		return func(_ *storage.Tx, due []storage.Deadline, _ time.Time) error {
			for _, d := range due {
				got[name] = append(got[name], d.Key)
			}
			return nil
		}
	}
	m.Handle("r:", record("alerts"))
	m.Handle("s:", record("shifts"))
	m.Handle("s:swap:", record("swaps"))
	due := []storage.Deadline{{Key: "r:1"}, {Key: "s:remind:2"}, {Key: "s:swap:3"}, {Key: "x:4"}, {Key: "r:5"}}
	if err := m.Fire(nil, due, time.Now()); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"alerts": {"r:1", "r:5"}, "shifts": {"s:remind:2"}, "swaps": {"s:swap:3"}}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s got %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("unexpected routes: %v", got)
	}
}
