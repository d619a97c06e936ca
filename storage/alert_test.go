package storage

import (
	"errors"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var alertIDRe = regexp.MustCompile(`^(\d{8})-(\d{4,})$`)

func TestNextAlertID(t *testing.T) {
	day1 := time.Date(2026, 11, 28, 23, 59, 59, 0, time.UTC)
	day2 := time.Date(2026, 11, 29, 0, 0, 1, 0, time.UTC)
	tests := []struct {
		name     string
		startSeq uint64      // the day's counter before the first call
		nows     []time.Time // one NextAlertID call per entry, each in its own tx
		want     []string
	}{
		{
			name: "first ids of a fresh database",
			nows: []time.Time{day1, day1, day1},
			want: []string{"20261128-0001", "20261128-0002", "20261128-0003"},
		},
		{
			name: "date comes from now and the counter starts again each day",
			nows: []time.Time{day1, day2, day2, day1},
			want: []string{"20261128-0001", "20261129-0001", "20261129-0002", "20261128-0002"},
		},
		{
			name:     "leading zeros up to four digits",
			startSeq: 98,
			nows:     []time.Time{day1, day1, day1},
			want:     []string{"20261128-0099", "20261128-0100", "20261128-0101"},
		},
		{
			name:     "past 9999 in a day the counter grows a digit",
			startSeq: 9998,
			nows:     []time.Time{day1, day1},
			want:     []string{"20261128-9999", "20261128-10000"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			if tc.startSeq > 0 {
				mustUpdate(t, db, func(tx *Tx) error {
					return tx.tx.Bucket(bMeta).Put([]byte("alert_seq:"+day1.Format("20060102")), u64(tc.startSeq))
				})
			}
			var got []string
			for _, now := range tc.nows {
				mustUpdate(t, db, func(tx *Tx) error {
					id, err := tx.NextAlertID(now)
					got = append(got, id)
					return err
				})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ids = %q, want %q", got, tc.want)
			}
			seen := map[string]bool{}
			for i, id := range got {
				if seen[id] {
					t.Errorf("id %q handed out twice", id)
				}
				seen[id] = true
				m := alertIDRe.FindStringSubmatch(id)
				if m == nil || len(m[2]) < 4 {
					t.Errorf("id %q does not match YYYYMMDD-NNNN", id)
					continue
				}
				if m[1] != tc.nows[i].Format("20060102") {
					t.Errorf("id %q has date %s, want %s", id, m[1], tc.nows[i].Format("20060102"))
				}
			}
		})
	}
}

func TestNextAlertIDUniqueWithinAndAcrossTransactions(t *testing.T) {
	db := openTemp(t)
	seen := map[string]bool{}
	prev := -1
	for range 5 {
		mustUpdate(t, db, func(tx *Tx) error {
			for range 3 {
				id, err := tx.NextAlertID(t0)
				if err != nil {
					return err
				}
				if seen[id] {
					t.Errorf("duplicate id %q", id)
				}
				seen[id] = true
				n, err := strconv.Atoi(strings.TrimPrefix(id, "20261128-"))
				if err != nil {
					t.Fatalf("id %q: %v", id, err)
				}
				if n <= prev {
					t.Errorf("id %q is not above the previous number %d", id, prev)
				}
				prev = n
			}
			return nil
		})
	}
	// A rolled-back transaction does not leave a gap that a later id fills twice.
	_ = db.Update(func(tx *Tx) error {
		_, _ = tx.NextAlertID(t0)
		return errors.New("rollback")
	})
	mustUpdate(t, db, func(tx *Tx) error {
		id, err := tx.NextAlertID(t0)
		if seen[id] {
			t.Errorf("id %q reused after rollback", id)
		}
		return err
	})
}

func TestOpenAlertsFiltersByState(t *testing.T) {
	alert := func(id, state string) Alert {
		return Alert{ID: id, Title: "t " + id, CreatedAt: t0, State: state, Source: "api"}
	}
	tests := []struct {
		name   string
		alerts []Alert
		want   []string
	}{
		{"empty", nil, nil},
		{"only closed and done", []Alert{alert("20261128-0001", AlertClosed), alert("20261128-0002", AlertDone)}, nil},
		{
			"mixed states, oldest first",
			[]Alert{
				alert("20261128-0003", AlertOpen), alert("20261128-0001", AlertOpen),
				alert("20261128-0002", AlertDone), alert("20261129-0004", AlertClosed),
				alert("20261129-0005", AlertOpen),
			},
			[]string{"20261128-0001", "20261128-0003", "20261129-0005"},
		},
		{
			"an alert closed later drops out",
			[]Alert{alert("20261128-0001", AlertOpen), alert("20261128-0002", AlertOpen), alert("20261128-0001", AlertClosed)},
			[]string{"20261128-0002"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			for _, a := range tc.alerts {
				mustUpdate(t, db, func(tx *Tx) error { return tx.PutAlert(a) })
			}
			mustView(t, db, func(tx *Tx) error {
				open, err := tx.OpenAlerts()
				if err != nil {
					return err
				}
				var ids []string
				for _, a := range open {
					if a.State != AlertOpen {
						t.Errorf("OpenAlerts returned %s in state %q", a.ID, a.State)
					}
					ids = append(ids, a.ID)
				}
				if !reflect.DeepEqual(ids, tc.want) {
					t.Errorf("OpenAlerts ids = %q, want %q", ids, tc.want)
				}
				return nil
			})
		})
	}
}

func TestAlertRoundTripAndNotFound(t *testing.T) {
	db := openTemp(t)
	want := newFixture().alerts[0]
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutAlert(want) })
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Alert(want.ID)
		if err != nil || !reflect.DeepEqual(got, stored(want)) {
			t.Errorf("Alert = %+v, %v; want %+v", got, err, stored(want))
		}
		if _, err := tx.AlertTargets(want.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("targets stored with the alert record: %v", err)
		}
		for _, id := range []string{"20261128-000", "20261128-00011", "", "nope"} {
			if _, err := tx.Alert(id); !errors.Is(err, ErrNotFound) {
				t.Errorf("Alert(%q) err = %v, want ErrNotFound", id, err)
			}
		}
		return nil
	})
}

// prefixAlerts are alert ids where one is a byte prefix of another.
var prefixAlerts = []string{"20261128-000", "20261128-0001", "20261128-00011", "20261128-0002"}

func TestRecipientsPerAlert(t *testing.T) {
	db := openTemp(t)
	// Recipients of every alert, written interleaved and out of order.
	byAlert := map[string][]string{
		"20261128-000":   {"zz"},
		"20261128-0001":  {"b", "a", "c"},
		"20261128-00011": {"a", "x"},
		"20261128-0002":  {"a"},
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for i := range 3 {
			for _, id := range prefixAlerts {
				if offs := byAlert[id]; i < len(offs) {
					r := Recipient{AlertID: id, Official: offs[i], State: StatePending, QueuedAt: t0}
					if err := tx.PutRecipient(r); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	tests := []struct {
		alert string
		want  []string // officials in key order
	}{
		{"20261128-000", []string{"zz"}},
		{"20261128-0001", []string{"a", "b", "c"}},
		{"20261128-00011", []string{"a", "x"}},
		{"20261128-0002", []string{"a"}},
		{"20261128-00", nil},
		{"20261128-0003", nil},
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.alert, func(t *testing.T) {
			mustView(t, db, func(tx *Tx) error {
				rs, err := tx.Recipients(tc.alert)
				if err != nil {
					return err
				}
				var got []string
				for _, r := range rs {
					if r.AlertID != tc.alert {
						t.Errorf("Recipients(%q) returned a recipient of %q", tc.alert, r.AlertID)
					}
					got = append(got, r.Official)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Recipients(%q) = %q, want %q", tc.alert, got, tc.want)
				}
				return nil
			})
		})
	}
}

func TestRecipientGetUpdateNotFound(t *testing.T) {
	db := openTemp(t)
	r := Recipient{AlertID: "20261128-0001", Official: "li", State: StatePending, QueuedAt: t0}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutRecipient(r) })
	r.State, r.AckedAt, r.AckedBy = StateAcked, t0.Add(time.Minute), "li"
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutRecipient(r) })
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Recipient("20261128-0001", "li")
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("Recipient = %+v, %v; want %+v", got, err, r)
		}
		if !got.Answered() {
			t.Error("acked recipient not Answered")
		}
		if rs, _ := tx.Recipients("20261128-0001"); len(rs) != 1 {
			t.Errorf("update duplicated the recipient: %+v", rs)
		}
		for _, k := range [][2]string{{"20261128-0001", "ivanov"}, {"20261128-00011", "li"}, {"20261128-000", "1\x00li"}} {
			if _, err := tx.Recipient(k[0], k[1]); !errors.Is(err, ErrNotFound) {
				t.Errorf("Recipient(%q, %q) err = %v, want ErrNotFound", k[0], k[1], err)
			}
		}
		return nil
	})
}

func TestRecipientAnswered(t *testing.T) {
	for state, want := range map[string]bool{
		StatePending: false, StateAcked: true, StateEscalated: false, StateUnreachable: false, "": false,
	} {
		if got := (Recipient{State: state}).Answered(); got != want {
			t.Errorf("Answered() in state %q = %v, want %v", state, got, want)
		}
	}
}

func TestNoticesPerAlert(t *testing.T) {
	db := openTemp(t)
	byAlert := map[string][]string{
		"20261128-000":   {"head"},
		"20261128-0001":  {"leader", "head"},
		"20261128-00011": {"deputy"},
	}
	mustUpdate(t, db, func(tx *Tx) error {
		for _, id := range prefixAlerts {
			for _, target := range byAlert[id] {
				n := Notice{AlertID: id, Target: target, Silent: []string{"x", "y"}}
				if err := tx.PutNotice(n); err != nil {
					return err
				}
			}
		}
		return nil
	})
	tests := []struct {
		alert string
		want  []string
	}{
		{"20261128-000", []string{"head"}},
		{"20261128-0001", []string{"head", "leader"}},
		{"20261128-00011", []string{"deputy"}},
		{"20261128-0002", nil},
		{"20261128-00", nil},
	}
	for _, tc := range tests {
		t.Run(tc.alert, func(t *testing.T) {
			mustView(t, db, func(tx *Tx) error {
				ns, err := tx.Notices(tc.alert)
				if err != nil {
					return err
				}
				var got []string
				for _, n := range ns {
					if n.AlertID != tc.alert {
						t.Errorf("Notices(%q) returned a notice of %q", tc.alert, n.AlertID)
					}
					got = append(got, n.Target)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("Notices(%q) = %q, want %q", tc.alert, got, tc.want)
				}
				return nil
			})
		})
	}

	// Get, update in place, not found.
	want := Notice{AlertID: "20261128-0001", Target: "head", Silent: []string{"a", "b"}, Handled: true, HandledAt: t0, ChatID: 5, MessageID: 6}
	mustUpdate(t, db, func(tx *Tx) error { return tx.PutNotice(want) })
	mustView(t, db, func(tx *Tx) error {
		got, err := tx.Notice("20261128-0001", "head")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Notice = %+v, %v; want %+v", got, err, want)
		}
		if ns, _ := tx.Notices("20261128-0001"); len(ns) != 2 {
			t.Errorf("update changed the notice count: %+v", ns)
		}
		if _, err := tx.Notice("20261128-00011", "head"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Notice of other alert err = %v, want ErrNotFound", err)
		}
		return nil
	})
}
