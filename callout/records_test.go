package callout

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dutybot/storage"
)

// recT0 is a fixed UTC instant: UTC times without a monotonic reading
// survive the JSON round trip unchanged, so reflect.DeepEqual works.
var recT0 = time.Date(2026, 11, 28, 9, 30, 0, 0, time.UTC)

// openRecords opens a fresh database in t.TempDir and closes it at cleanup.
func openRecords(tb testing.TB) *storage.DB {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "dutybot.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

func recUpdate(tb testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	tb.Helper()
	if err := db.Update(fn); err != nil {
		tb.Fatalf("Update: %v", err)
	}
}

func recView(tb testing.TB, db *storage.DB, fn func(*storage.Tx) error) {
	tb.Helper()
	if err := db.View(fn); err != nil {
		tb.Fatalf("View: %v", err)
	}
}

// sampleAlerts are an open alert with its recipients and a notice, and a
// closed one: one record of every kind the 叫应 buckets hold.
func sampleAlerts() ([]Alert, []Recipient, []Notice) {
	alerts := []Alert{
		{
			ID: "20261128-0001", Kind: "drill", Level: "high", Title: "Flood", Body: "Report in",
			Targets: Targets{Units: []string{"u1"}, Officials: []string{"li"}, Roles: []string{"duty"}},
			Issuer:  "ivanov", Source: "chat", CreatedAt: recT0, State: AlertOpen,
			Steps:      []Step{{After: 5 * time.Minute, Action: "remind"}, {After: 15 * time.Minute, Action: "escalate", To: "unit_head"}},
			Recipients: []string{"ivanov", "li"}, Total: 2, Unanswered: 1, SummaryChat: 1001, SummaryMsg: 77,
		},
		{
			ID: "20261128-0002", Kind: "call", Title: "Done one", Source: "api", CreatedAt: recT0,
			State: AlertClosed, ClosedAt: recT0.Add(time.Hour), ClosedBy: "ivanov", Targets: Targets{All: true},
		},
	}
	recipients := []Recipient{
		{AlertID: "20261128-0001", Official: "ivanov", State: StateAcked, QueuedAt: recT0, SentAt: recT0, AckedAt: recT0.Add(time.Minute), AckedBy: "ivanov", Messages: []MessageRef{{ChatID: 1001, MessageID: 5}}},
		{
			AlertID: "20261128-0001", Official: "li", State: StateEscalated, QueuedAt: recT0, SentAt: recT0, NextStep: 2, NextAt: recT0.Add(time.Hour),
			Escalations: []Escalation{{Step: 1, Action: "escalate", To: "unit_head", People: []string{"ivanov"}, At: recT0.Add(15 * time.Minute), Note: "n"}},
		},
	}
	notices := []Notice{
		{AlertID: "20261128-0001", Target: "ivanov", Silent: []string{"li"}, Handled: true, HandledAt: recT0.Add(20 * time.Minute), ChatID: 1001, MessageID: 9},
	}
	return alerts, recipients, notices
}

// stored is what the alert record keeps of a: neither the recipient list
// (Create's return only) nor the targets (stored apart).
func stored(a Alert) Alert {
	a.Recipients, a.Targets = nil, Targets{}
	return a
}

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
			db := openRecords(t)
			if tc.startSeq > 0 {
				recUpdate(t, db, func(tx *storage.Tx) error {
					return tx.PutMeta("alert_seq:"+day1.Format("20060102"), string(binary.BigEndian.AppendUint64(nil, tc.startSeq)))
				})
			}
			var got []string
			for _, now := range tc.nows {
				recUpdate(t, db, func(tx *storage.Tx) error {
					id, err := NextAlertID(tx, now)
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
	db := openRecords(t)
	seen := map[string]bool{}
	prev := -1
	for range 5 {
		recUpdate(t, db, func(tx *storage.Tx) error {
			for range 3 {
				id, err := NextAlertID(tx, recT0)
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
	_ = db.Update(func(tx *storage.Tx) error {
		_, _ = NextAlertID(tx, recT0)
		return errors.New("rollback")
	})
	recUpdate(t, db, func(tx *storage.Tx) error {
		id, err := NextAlertID(tx, recT0)
		if seen[id] {
			t.Errorf("id %q reused after rollback", id)
		}
		return err
	})
}

func TestOpenAlertsFiltersByState(t *testing.T) {
	alert := func(id, state string) Alert {
		return Alert{ID: id, Title: "t " + id, CreatedAt: recT0, State: state, Source: "api"}
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
			db := openRecords(t)
			for _, a := range tc.alerts {
				recUpdate(t, db, func(tx *storage.Tx) error { return PutAlert(tx, a) })
			}
			recView(t, db, func(tx *storage.Tx) error {
				open, err := OpenAlerts(tx)
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
	db := openRecords(t)
	alerts, _, _ := sampleAlerts()
	want := alerts[0]
	recUpdate(t, db, func(tx *storage.Tx) error { return PutAlert(tx, want) })
	recView(t, db, func(tx *storage.Tx) error {
		got, err := LoadAlert(tx, want.ID)
		if err != nil || !reflect.DeepEqual(got, stored(want)) {
			t.Errorf("Alert = %+v, %v; want %+v", got, err, stored(want))
		}
		if _, err := AlertTargets(tx, want.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("targets stored with the alert record: %v", err)
		}
		for _, id := range []string{"20261128-000", "20261128-00011", "", "nope"} {
			if _, err := LoadAlert(tx, id); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Alert(%q) err = %v, want storage.ErrNotFound", id, err)
			}
		}
		return nil
	})
}

// prefixAlerts are alert ids where one is a byte prefix of another.
var prefixAlerts = []string{"20261128-000", "20261128-0001", "20261128-00011", "20261128-0002"}

func TestRecipientsPerAlert(t *testing.T) {
	db := openRecords(t)
	// Recipients of every alert, written interleaved and out of order.
	byAlert := map[string][]string{
		"20261128-000":   {"zz"},
		"20261128-0001":  {"b", "a", "c"},
		"20261128-00011": {"a", "x"},
		"20261128-0002":  {"a"},
	}
	recUpdate(t, db, func(tx *storage.Tx) error {
		for i := range 3 {
			for _, id := range prefixAlerts {
				if offs := byAlert[id]; i < len(offs) {
					r := Recipient{AlertID: id, Official: offs[i], State: StatePending, QueuedAt: recT0}
					if err := PutRecipient(tx, r); err != nil {
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
			recView(t, db, func(tx *storage.Tx) error {
				rs, err := Recipients(tx, tc.alert)
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
	db := openRecords(t)
	r := Recipient{AlertID: "20261128-0001", Official: "li", State: StatePending, QueuedAt: recT0}
	recUpdate(t, db, func(tx *storage.Tx) error { return PutRecipient(tx, r) })
	r.State, r.AckedAt, r.AckedBy = StateAcked, recT0.Add(time.Minute), "li"
	recUpdate(t, db, func(tx *storage.Tx) error { return PutRecipient(tx, r) })
	recView(t, db, func(tx *storage.Tx) error {
		got, err := LoadRecipient(tx, "20261128-0001", "li")
		if err != nil || !reflect.DeepEqual(got, r) {
			t.Errorf("Recipient = %+v, %v; want %+v", got, err, r)
		}
		if !got.Answered() {
			t.Error("acked recipient not Answered")
		}
		if rs, _ := Recipients(tx, "20261128-0001"); len(rs) != 1 {
			t.Errorf("update duplicated the recipient: %+v", rs)
		}
		for _, k := range [][2]string{{"20261128-0001", "ivanov"}, {"20261128-00011", "li"}, {"20261128-000", "1\x00li"}} {
			if _, err := LoadRecipient(tx, k[0], k[1]); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("Recipient(%q, %q) err = %v, want storage.ErrNotFound", k[0], k[1], err)
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
	db := openRecords(t)
	byAlert := map[string][]string{
		"20261128-000":   {"head"},
		"20261128-0001":  {"leader", "head"},
		"20261128-00011": {"deputy"},
	}
	recUpdate(t, db, func(tx *storage.Tx) error {
		for _, id := range prefixAlerts {
			for _, target := range byAlert[id] {
				n := Notice{AlertID: id, Target: target, Silent: []string{"x", "y"}}
				if err := PutNotice(tx, n); err != nil {
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
			recView(t, db, func(tx *storage.Tx) error {
				ns, err := Notices(tx, tc.alert)
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
	want := Notice{AlertID: "20261128-0001", Target: "head", Silent: []string{"a", "b"}, Handled: true, HandledAt: recT0, ChatID: 5, MessageID: 6}
	recUpdate(t, db, func(tx *storage.Tx) error { return PutNotice(tx, want) })
	recView(t, db, func(tx *storage.Tx) error {
		got, err := LoadNotice(tx, "20261128-0001", "head")
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Notice = %+v, %v; want %+v", got, err, want)
		}
		if ns, _ := Notices(tx, "20261128-0001"); len(ns) != 2 {
			t.Errorf("update changed the notice count: %+v", ns)
		}
		if _, err := LoadNotice(tx, "20261128-00011", "head"); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("Notice of other alert err = %v, want storage.ErrNotFound", err)
		}
		return nil
	})
}

// Escalation.Cause reads typed reasons and the English notes of records
// written before them.
func TestEscalationCause(t *testing.T) {
	tests := []struct {
		e    Escalation
		want string
		note string
	}{
		{Escalation{Action: "escalate", To: "unit_head", People: []string{"o-wu"}}, "", ""},
		{Escalation{Action: "escalate", To: "unit_head", Reason: ReasonSelf}, ReasonSelf, "skipped: the recipient is the unit_head themself"},
		{Escalation{Action: "escalate", To: "official:o-hl", Role: "shift_leader", Reason: ReasonSelf}, ReasonSelf,
			"skipped: the recipient is the shift_leader themself"},
		{Escalation{Action: "escalate", To: "leader", Reason: ReasonNotHigher}, ReasonNotHigher, "skipped: the leader does not rank above the recipient"},
		{Escalation{Action: "escalate", To: "unit_head", Reason: ReasonNoTarget}, ReasonNoTarget, "skipped: no unit_head configured"},
		{Escalation{Action: "remind", Reason: ReasonUnreachable}, ReasonUnreachable, "skipped: unreachable"},
		// Records of older binaries.
		{Escalation{Action: "remind", Note: "skipped: unreachable"}, ReasonUnreachable, "skipped: unreachable"},
		{Escalation{Action: "escalate", To: "official:o-hl", Note: "skipped: no official:o-hl configured"}, ReasonNoTarget,
			"skipped: no official:o-hl configured"},
		{Escalation{Action: "escalate", Note: "something else"}, "", "something else"},
	}
	for _, tc := range tests {
		if got := tc.e.Cause(); got != tc.want {
			t.Errorf("%+v: Cause = %q, want %q", tc.e, got, tc.want)
		}
		if got := tc.e.NoteText(); got != tc.note {
			t.Errorf("%+v: NoteText = %q, want %q", tc.e, got, tc.note)
		}
	}
}

// An older record of a call escalated to the people named by the step,
// who were only the recipient, was the recipient's own call escalated to
// themself.
func TestEscalationCauseForRecipient(t *testing.T) {
	old := Escalation{Action: "escalate", To: "official:o-hl", Note: "skipped: no official:o-hl configured"}
	if got := old.CauseFor("o-hl"); got != ReasonSelf {
		t.Errorf("own call: %q", got)
	}
	if got := old.CauseFor("o-li"); got != ReasonNoTarget {
		t.Errorf("someone else's call: %q", got)
	}
	head := Escalation{Action: "escalate", To: "unit_head", Note: "skipped: no unit_head configured"}
	if got := head.CauseFor("o-wu"); got != ReasonNoTarget {
		t.Errorf("unit head step: %q", got)
	}
	typed := Escalation{Action: "escalate", To: "official:o-hl", Reason: ReasonNotHigher}
	if got := typed.CauseFor("o-hl"); got != ReasonNotHigher {
		t.Errorf("a typed reason is kept: %q", got)
	}
}

// The engine's reasons for an unreachable recipient are read back as
// causes; the Bot API's answers are not.
func TestUnreachableCause(t *testing.T) {
	tests := []struct {
		reason string
		cause  string
		after  time.Duration
	}{
		{UnreachableUnbound, CauseUnbound, 0},
		{UnreachableBlocked, CauseBlocked, 0},
		{UnreachableStalled(10*time.Minute + 3*time.Second), CauseStalled, 10*time.Minute + 3*time.Second},
		{"Telegram has not taken the call for ever", "", 0},
		{"chat unreachable: forbidden, Forbidden: bot was blocked by the user", "", 0},
		{"", "", 0},
	}
	for _, tc := range tests {
		if c, d := UnreachableCause(tc.reason); c != tc.cause || d != tc.after {
			t.Errorf("UnreachableCause(%q) = %q, %v; want %q, %v", tc.reason, c, d, tc.cause, tc.after)
		}
	}
}

// Every record kind reads back as written: an alert without its targets
// and recipient list, the targets apart, the open alerts, the recipients
// and notices of an alert.
func TestRecordsRoundTrip(t *testing.T) {
	db := openRecords(t)
	alerts, recipients, notices := sampleAlerts()
	recUpdate(t, db, func(tx *storage.Tx) error {
		for _, a := range alerts {
			if err := PutAlert(tx, a); err != nil {
				return err
			}
			if err := PutAlertTargets(tx, a.ID, a.Targets); err != nil {
				return err
			}
		}
		for _, r := range recipients {
			if err := PutRecipient(tx, r); err != nil {
				return err
			}
		}
		for _, n := range notices {
			if err := PutNotice(tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	recView(t, db, func(tx *storage.Tx) error {
		for _, a := range alerts {
			got, err := LoadAlert(tx, a.ID)
			if err != nil || !reflect.DeepEqual(got, stored(a)) {
				t.Errorf("LoadAlert(%s) = %+v, %v; want %+v", a.ID, got, err, stored(a))
			}
			tg, err := AlertTargets(tx, a.ID)
			if err != nil || !reflect.DeepEqual(tg, a.Targets) {
				t.Errorf("AlertTargets(%s) = %+v, %v; want %+v", a.ID, tg, err, a.Targets)
			}
		}
		open, err := OpenAlerts(tx)
		if err != nil {
			return err
		}
		if len(open) != 1 || open[0].ID != "20261128-0001" {
			t.Errorf("OpenAlerts = %+v, want only 20261128-0001", open)
		}
		rs, err := Recipients(tx, "20261128-0001")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(rs, recipients) {
			t.Errorf("Recipients = %+v, want %+v", rs, recipients)
		}
		var each []Recipient
		if err := RecipientsEach(tx, "20261128-0001", func(r Recipient) error { each = append(each, r); return nil }); err != nil {
			return err
		}
		if !reflect.DeepEqual(each, recipients) {
			t.Errorf("RecipientsEach = %+v, want %+v", each, recipients)
		}
		ns, err := Notices(tx, "20261128-0001")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(ns, notices) {
			t.Errorf("Notices = %+v, want %+v", ns, notices)
		}
		return nil
	})
}

// The buckets, keys and JSON field names are the on-disk schema of
// databases written before the records moved out of storage: records
// written there read back here, and what is written here is laid out as
// they were (a recipient's unset times now left out).
func TestRecordsOnDiskLayout(t *testing.T) {
	db := openRecords(t)
	const (
		alertJSON     = `{"id":"20261128-0001","kind":"call","level":"red","title":"暴雨","body":"到岗","source":"api","created_at":"2026-11-28T09:30:00Z","state":"open","closed_at":"0001-01-01T00:00:00Z","steps":[{"after":300000000000,"action":"remind"}],"total":1,"unanswered":1}`
		targetsJSON   = `{"units":null,"officials":["li"],"roles":null,"all":false}`
		recipientJSON = `{"alert_id":"20261128-0001","official":"li","state":"pending","queued_at":"2026-11-28T09:30:00Z","sent_at":"0001-01-01T00:00:00Z","next_step":0,"next_at":"0001-01-01T00:00:00Z","acked_at":"0001-01-01T00:00:00Z"}`
		noticeJSON    = `{"alert_id":"20261128-0001","target":"wu","silent":["li"],"handled_at":"0001-01-01T00:00:00Z","sent_at":"0001-01-01T00:00:00Z"}`
		// Written now, a recipient leaves its unset times out (omitzero):
		// 100,000 of them are written at once when an alert names them.
		recipientNowJSON = `{"alert_id":"20261128-0001","official":"li","state":"pending","queued_at":"2026-11-28T09:30:00Z","next_step":0}`
	)
	raw := []struct{ bucket, key, value string }{
		{"alerts", "20261128-0001", alertJSON},
		{"alert_targets", "20261128-0001", targetsJSON},
		{"recipients", "20261128-0001\x00li", recipientJSON},
		{"notices", "20261128-0001\x00wu", noticeJSON},
		{"alert_links", "warning:7", "20261128-0001"},
	}
	recUpdate(t, db, func(tx *storage.Tx) error {
		for _, r := range raw {
			if err := tx.Records(r.bucket).PutRaw([]byte(r.key), []byte(r.value)); err != nil {
				return err
			}
		}
		return nil
	})
	wantAlert := Alert{ID: "20261128-0001", Kind: "call", Level: "red", Title: "暴雨", Body: "到岗", Source: "api",
		CreatedAt: recT0, State: AlertOpen, Steps: []Step{{After: 5 * time.Minute, Action: "remind"}}, Total: 1, Unanswered: 1}
	wantRecipient := Recipient{AlertID: "20261128-0001", Official: "li", State: StatePending, QueuedAt: recT0}
	wantNotice := Notice{AlertID: "20261128-0001", Target: "wu", Silent: []string{"li"}}
	recView(t, db, func(tx *storage.Tx) error {
		if a, err := LoadAlert(tx, "20261128-0001"); err != nil || !reflect.DeepEqual(a, wantAlert) {
			t.Errorf("LoadAlert = %+v, %v; want %+v", a, err, wantAlert)
		}
		if tg, err := AlertTargets(tx, "20261128-0001"); err != nil || !reflect.DeepEqual(tg.Officials, []string{"li"}) {
			t.Errorf("AlertTargets = %+v, %v", tg, err)
		}
		if r, err := LoadRecipient(tx, "20261128-0001", "li"); err != nil || !reflect.DeepEqual(r, wantRecipient) {
			t.Errorf("LoadRecipient = %+v, %v; want %+v", r, err, wantRecipient)
		}
		if n, err := LoadNotice(tx, "20261128-0001", "wu"); err != nil || !reflect.DeepEqual(n, wantNotice) {
			t.Errorf("LoadNotice = %+v, %v; want %+v", n, err, wantNotice)
		}
		if id, ok := LinkedAlert(tx, "warning:7"); !ok || id != "20261128-0001" {
			t.Errorf("LinkedAlert = %q, %v", id, ok)
		}
		return nil
	})

	// Written back, the records keep their bytes.
	recUpdate(t, db, func(tx *storage.Tx) error {
		if err := PutAlert(tx, wantAlert); err != nil {
			return err
		}
		if err := PutAlertTargets(tx, "20261128-0001", Targets{Officials: []string{"li"}}); err != nil {
			return err
		}
		if err := PutRecipient(tx, wantRecipient); err != nil {
			return err
		}
		if err := PutNotice(tx, wantNotice); err != nil {
			return err
		}
		return PutLink(tx, "warning:7", "20261128-0001")
	})
	recView(t, db, func(tx *storage.Tx) error {
		for _, r := range raw {
			got := string(tx.Records(r.bucket).GetRaw([]byte(r.key)))
			if r.bucket == "alert_links" {
				if got != r.value {
					t.Errorf("%s/%q = %q, want %q", r.bucket, r.key, got, r.value)
				}
				continue
			}
			want := r.value
			if r.bucket == "recipients" {
				want = recipientNowJSON
			}
			if !sameJSON(t, got, want) {
				t.Errorf("%s/%q = %s\nwant %s", r.bucket, r.key, got, want)
			}
		}
		return nil
	})
}

// sameJSON reports whether two JSON texts hold the same values.
func sameJSON(t *testing.T, a, b string) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal([]byte(a), &va); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &vb); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// A link names the alert raised for it; an unknown link names none.
func TestLinkedAlert(t *testing.T) {
	db := openRecords(t)
	recView(t, db, func(tx *storage.Tx) error {
		if id, ok := LinkedAlert(tx, "warning:1"); ok || id != "" {
			t.Errorf("LinkedAlert in a new database = %q, %v", id, ok)
		}
		return nil
	})
	recUpdate(t, db, func(tx *storage.Tx) error { return PutLink(tx, "warning:1", "20261128-0003") })
	recView(t, db, func(tx *storage.Tx) error {
		if id, ok := LinkedAlert(tx, "warning:1"); !ok || id != "20261128-0003" {
			t.Errorf("LinkedAlert = %q, %v", id, ok)
		}
		if id, ok := LinkedAlert(tx, "warning:10"); ok {
			t.Errorf("LinkedAlert of another link = %q", id)
		}
		return nil
	})
}

// AlertsFrom starts at the first id at or after from and stops at fn's
// error.
func TestAlertsFrom(t *testing.T) {
	db := openRecords(t)
	ids := []string{"20261030-0001", "20261101-0001", "20261101-0002", "20261128-0001"}
	recUpdate(t, db, func(tx *storage.Tx) error {
		for _, id := range ids {
			if err := PutAlert(tx, Alert{ID: id, Source: "api", CreatedAt: recT0, State: AlertDone}); err != nil {
				return err
			}
		}
		return nil
	})
	stop := errors.New("stop")
	tests := []struct {
		from    string
		stopAt  string
		want    []string
		wantErr error
	}{
		{"", "", ids, nil},
		{"20261101", "", ids[1:], nil},
		{"20261101-0002", "", ids[2:], nil},
		{"20261129", "", nil, nil},
		{"20261101", "20261101-0002", ids[1:3], stop},
	}
	for _, tc := range tests {
		recView(t, db, func(tx *storage.Tx) error {
			var got []string
			err := AlertsFrom(tx, tc.from, func(a Alert) error {
				got = append(got, a.ID)
				if a.ID == tc.stopAt {
					return stop
				}
				return nil
			})
			if !errors.Is(err, tc.wantErr) || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AlertsFrom(%q) = %q, %v; want %q, %v", tc.from, got, err, tc.want, tc.wantErr)
			}
			return nil
		})
	}
}

// A record that does not decode is reported as corrupt, naming its bucket
// and key, for quarantine.
func TestCorruptRecord(t *testing.T) {
	db := openRecords(t)
	recUpdate(t, db, func(tx *storage.Tx) error {
		if err := tx.Records("alerts").PutRaw([]byte("20261128-0001"), []byte("{not json")); err != nil {
			return err
		}
		return tx.Records("recipients").PutRaw([]byte("20261128-0001\x00li"), []byte("[]"))
	})
	recView(t, db, func(tx *storage.Tx) error {
		var ce *storage.CorruptError
		if _, err := LoadAlert(tx, "20261128-0001"); !errors.As(err, &ce) || ce.Bucket != "alerts" || string(ce.Key) != "20261128-0001" {
			t.Errorf("LoadAlert of a corrupt record: %v", err)
		}
		if _, err := OpenAlerts(tx); !errors.As(err, &ce) || ce.Bucket != "alerts" {
			t.Errorf("OpenAlerts over a corrupt record: %v", err)
		}
		if _, err := Recipients(tx, "20261128-0001"); !errors.As(err, &ce) || ce.Bucket != "recipients" || string(ce.Key) != "20261128-0001\x00li" {
			t.Errorf("Recipients over a corrupt record: %v", err)
		}
		return nil
	})
}
