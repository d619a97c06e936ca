package callout

import (
	"errors"
	"testing"
	"time"

	"dutybot/storage"
)

// paidYAML is the test town with paid broadcast for red alerts of every
// kind, and 防汛群 (应急办's people expected) for group calls.
const paidYAML = testYAML + `groups:
  - {id: g-flood, name: 防汛群, units: [yjb]}
delivery:
  paid_broadcast: {levels: [red]}
`

// paidJobs tells, per official, whether their queued first call asks for
// paid broadcast; it fails on any other job asking for it.
func (f *fixture) paidJobs() map[string]bool {
	f.t.Helper()
	out := map[string]bool{}
	for _, j := range f.jobs() {
		if j.Ref.Kind == storage.RefCall {
			out[j.Ref.Official] = j.Paid
		} else if j.Paid {
			f.t.Errorf("a %s job asks for paid broadcast: %+v", j.Ref.Kind, j)
		}
	}
	return out
}

// The first calls are paid only for the levels and kinds configured.
func TestPaidFirstCallsOnlyWhereConfigured(t *testing.T) {
	for _, tc := range []struct {
		name, paid  string // the delivery.paid_broadcast block
		level, kind string
		want        bool
	}{
		{"red configured", "{levels: [red]}", "red", "", true},
		{"orange not configured", "{levels: [red]}", "orange", "", false},
		{"both levels", "{levels: [orange, red]}", "orange", "", true},
		{"kind listed", "{levels: [red], kinds: [weather, alert]}", "red", "alert", true},
		{"kind not listed", "{levels: [red], kinds: [weather]}", "red", "alert", false},
		{"another kind listed", "{levels: [red], kinds: [weather]}", "red", "weather", true},
		{"off", "{levels: []}", "red", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureYAML(t, testYAML+"delivery:\n  paid_broadcast: "+tc.paid+"\n")
			f.bind("o-zhang", "o-li", "o-duty")
			a := f.create(Request{Kind: tc.kind, Level: tc.level, Title: "暴雨预警", Issuer: "o-duty", Source: "chat",
				Targets: Targets{Officials: []string{"o-zhang", "o-li"}}})
			got := f.paidJobs()
			if len(got) != 2 || got["o-zhang"] != tc.want || got["o-li"] != tc.want {
				t.Errorf("paid first calls = %v, want both %v", got, tc.want)
			}
			want := 0
			if tc.want {
				want = 2
			}
			if a.PaidCalls != want || f.alert(a.ID).PaidCalls != want {
				t.Errorf("paid calls = %d (stored %d), want %d", a.PaidCalls, f.alert(a.ID).PaidCalls, want)
			}
		})
	}
}

// Reminders and escalation notices keep the free pace even when the
// alert's first calls were paid.
func TestPaidNeverForRemindersOrNotices(t *testing.T) {
	f := newFixtureYAML(t, paidYAML)
	f.bind("o-zhang", "o-wu", "o-liu")
	t0 := testStart.Add(time.Minute)
	a := f.create(Request{Level: "red", Title: "暴雨红色预警", Source: "api", Targets: Targets{Officials: []string{"o-zhang"}}})
	if got := f.paidJobs(); !got["o-zhang"] {
		t.Fatalf("first call not paid: %v", got)
	}
	f.deliverKind(storage.RefCall, t0)
	f.drain()

	f.fireOnce(t0.Add(10 * time.Minute))
	if remind := f.oneJob(storage.RefRemind, "o-zhang"); remind.Paid {
		t.Errorf("reminder asks for paid broadcast: %+v", remind)
	}
	f.drain()
	f.fireOnce(t0.Add(20 * time.Minute))
	if n := f.oneJob(storage.RefNotice, "o-wu"); n.Paid {
		t.Errorf("escalation notice asks for paid broadcast: %+v", n)
	}
	f.paidJobs()
	if a.PaidCalls != 1 {
		t.Errorf("paid calls = %d, want 1", a.PaidCalls)
	}
}

// The estimate is what Create records: private first calls only, not
// those called in a work group, unbound or blocked; and a request Create
// refuses is refused alike.
func TestEstimateIsWhatCreateRecords(t *testing.T) {
	for _, tc := range []struct {
		name      string
		level     string
		targets   Targets
		wantRecip int
		wantPaid  int
	}{
		// 应急办: 张明, 李芳 (unbound), 吴敏 (blocked), 杜峰; plus 钱进.
		{"private", "red", Targets{Units: []string{"yjb", "cgdd"}}, 5, 3},
		// 应急办's people through 防汛群, 钱进 named: only 钱进 privately.
		{"group", "red", Targets{Groups: []string{"g-flood"}, Officials: []string{"o-qian"}}, 5, 1},
		{"group only", "red", Targets{Groups: []string{"g-flood"}}, 4, 0},
		{"not paid", "orange", Targets{Units: []string{"yjb", "cgdd"}}, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixtureYAML(t, paidYAML)
			f.bind("o-zhang", "o-wu", "o-duty", "o-qian")
			f.update(func(tx *storage.Tx) error {
				b, err := tx.Binding("o-wu")
				if err != nil {
					return err
				}
				b.Unreachable = true
				if err := tx.PutBinding(b); err != nil {
					return err
				}
				return tx.PutGroupChat(storage.GroupChat{ChatID: groupChat, Group: "g-flood", CanPost: true, State: storage.GroupMember})
			})
			req := Request{Level: tc.level, Title: "暴雨预警", Source: "api", Targets: tc.targets}
			est, err := f.e.Estimate(req)
			if err != nil {
				t.Fatal(err)
			}
			a := f.create(req)
			if est.Recipients != tc.wantRecip || est.PaidMessages != tc.wantPaid || est.Stars != Stars(tc.wantPaid) ||
				est.Paid != (tc.level == "red") {
				t.Errorf("estimate = %+v, want %d recipients, %d paid", est, tc.wantRecip, tc.wantPaid)
			}
			if a.PaidCalls != est.PaidMessages || f.alert(a.ID).PaidCalls != est.PaidMessages || len(a.Recipients) != est.Recipients {
				t.Errorf("created %d recipients, %d paid calls (stored %d); estimated %+v",
					len(a.Recipients), a.PaidCalls, f.alert(a.ID).PaidCalls, est)
			}
			n := 0
			for _, paid := range f.paidJobs() {
				if paid {
					n++
				}
			}
			if n != est.PaidMessages {
				t.Errorf("%d paid jobs queued, estimated %d", n, est.PaidMessages)
			}
		})
	}
}

func TestEstimateRefusesWhatCreateRefuses(t *testing.T) {
	f := newFixtureYAML(t, paidYAML) // 防汛群 not bound to a chat
	for _, req := range []Request{
		{Level: "purple", Title: "x", Targets: Targets{All: true}},
		{Level: "red", Title: "", Targets: Targets{All: true}},
		{Level: "red", Title: "x", Targets: Targets{Units: []string{"nope"}}},
		{Level: "red", Title: "x", Targets: Targets{Groups: []string{"g-flood"}}},
	} {
		_, eerr := f.e.Estimate(req)
		_, cerr := f.e.Create(req)
		var verr *ValidationError
		if !errors.As(eerr, &verr) || cerr == nil || eerr.Error() != cerr.Error() {
			t.Errorf("%+v: Estimate says %v, Create %v", req, eerr, cerr)
		}
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("refused requests queued %d jobs", len(js))
	}
}

// A first call delivered paid marks its recipient; one the dispatcher sent
// at the free pace (Paid cleared) does not, nor does a reminder.
func TestDeliveredRecordsPaidSent(t *testing.T) {
	f := newFixtureYAML(t, paidYAML)
	f.bind("o-zhang", "o-li", "o-duty")
	a := f.create(Request{Level: "red", Title: "暴雨红色预警", Source: "api",
		Targets: Targets{Officials: []string{"o-zhang", "o-li", "o-duty"}}})
	at := testStart.Add(time.Minute)
	for i, o := range []string{"o-zhang", "o-li", "o-duty"} {
		j := f.oneJob(storage.RefCall, o)
		if o == "o-li" {
			j.Paid = false // refused for lack of Stars: sent at the free pace
		}
		f.deliver(j, 100+i, at)
	}
	f.deliverKind(storage.RefSummary, at)
	v, err := f.e.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range v.Recipients {
		if want := r.Official != "o-li"; r.Paid != want {
			t.Errorf("%s paid = %v, want %v", r.Official, r.Paid, want)
		}
	}
	if v.PaidSent() != 2 || v.Alert.PaidCalls != 3 {
		t.Errorf("paid sent %d of %d estimated, want 2 of 3", v.PaidSent(), v.Alert.PaidCalls)
	}
	// A paid-flagged reminder (never queued so) still marks nothing new.
	f.drain()
	f.fireOnce(at.Add(10 * time.Minute))
	rem := f.oneJob(storage.RefRemind, "o-li")
	rem.Paid = true
	f.deliver(rem, 200, at.Add(10*time.Minute))
	if r := f.recipient(a.ID, "o-li"); r.Paid {
		t.Error("a reminder marked the recipient paid")
	}
}

func TestStars(t *testing.T) {
	for n, want := range map[int]float64{0: 0, 1: 0.1, 3: 0.3, 7: 0.7, 10000: 1000, 12345: 1234.5} {
		if got := Stars(n); got != want {
			t.Errorf("Stars(%d) = %v, want %v", n, got, want)
		}
	}
}
