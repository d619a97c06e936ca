package callout

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"dutybot/storage"
)

// Acknowledgements share transactions (db.Batch); the unanswered counter
// must still reach zero exactly once.
func TestConcurrentAcks(t *testing.T) {
	f := newFixture(t)
	f.bind(allOfficials...)
	a := f.deliveredAlert(testStart, allOfficials...)
	var wg sync.WaitGroup
	var already atomic.Int32
	for _, o := range allOfficials {
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.e.Ack(o, a.ID, o)
				switch {
				case errors.Is(err, ErrAlready):
					already.Add(1)
				case err != nil:
					t.Errorf("Ack(%s): %v", o, err)
				}
			}()
		}
	}
	wg.Wait()
	if got, want := already.Load(), int32(2*len(allOfficials)); got != want {
		t.Errorf("%d presses were answered \"already\", want %d", got, want)
	}
	got := f.alert(a.ID)
	if got.State != AlertDone || got.Unanswered != 0 || got.Total != len(allOfficials) {
		t.Errorf("alert = %+v", got)
	}
	if n := f.countEvents(a.ID, storage.EvCompleted, ""); n != 1 {
		t.Errorf("completed events = %d", n)
	}
	if n := f.countEvents(a.ID, storage.EvAcked, ""); n != len(allOfficials) {
		t.Errorf("acked events = %d", n)
	}
}

func TestWakers(t *testing.T) {
	f := newFixture(t)
	var out, dl atomic.Int32
	f.e.SetWakers(func() { out.Add(1) }, func() { dl.Add(1) })
	f.bind("o-zhang")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	if out.Load() != 1 || dl.Load() != 1 {
		t.Errorf("after Create: outbox woken %d, deadlines %d", out.Load(), dl.Load())
	}
	if _, err := f.e.Ack("o-zhang", a.ID, "o-zhang"); err != nil {
		t.Fatal(err)
	}
	if out.Load() != 2 {
		t.Errorf("after Ack: outbox woken %d times", out.Load())
	}
	f.e.Committed()
	if out.Load() != 3 || dl.Load() != 2 {
		t.Errorf("after Committed: outbox woken %d, deadlines %d", out.Load(), dl.Load())
	}
}

func TestOpenAndGet(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang", "o-li")
	mine := f.create(Request{Level: "red", Title: "a", Targets: Targets{Officials: []string{"o-zhang"}}})
	other := f.create(Request{Level: "red", Title: "b", Issuer: "o-liu", Targets: Targets{Officials: []string{"o-li"}}})
	ids := func(vs []View) string {
		var s []string
		for _, v := range vs {
			s = append(s, v.Alert.ID)
		}
		return strings.Join(s, ",")
	}
	for _, tt := range []struct{ official, want string }{
		{"o-zhang", mine.ID},
		{"o-li", other.ID},
		{"o-liu", mine.ID + "," + other.ID}, // a leader sees everything
		{"o-duty", mine.ID + "," + other.ID},
		{"o-qian", ""},
		{"o-ghost", ""},
	} {
		vs, err := f.e.Open(tt.official)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(vs); got != tt.want {
			t.Errorf("Open(%s) = %q, want %q", tt.official, got, tt.want)
		}
	}
	v, err := f.e.Get(mine.ID)
	if err != nil || len(v.Recipients) != 1 || v.Recipients[0].Official != "o-zhang" {
		t.Errorf("Get = %+v, %v", v, err)
	}
	if _, err := f.e.Get("20991231-0001"); !errors.Is(err, ErrUnknownAlert) {
		t.Errorf("Get unknown = %v", err)
	}
	if _, err := f.e.CloseByAPI(mine.ID); err != nil {
		t.Fatal(err)
	}
	if vs, _ := f.e.Open("o-zhang"); len(vs) != 0 {
		t.Errorf("closed alert still open: %q", ids(vs))
	}
}

func TestLang(t *testing.T) {
	yaml := strings.Replace(testYAML, `unit: dzb, roles: [principal]}`, `unit: dzb, roles: [principal], language: en}`, 1)
	f := newFixtureYAML(t, yaml)
	f.update(func(tx *storage.Tx) error {
		for _, b := range []storage.Binding{
			{Official: "o-zhang", ChatID: 1, Language: "en", TelegramLang: "zh-CN"},
			{Official: "o-li", ChatID: 2, TelegramLang: "en"},
			{Official: "o-he", ChatID: 3, TelegramLang: "zh-CN"},
			{Official: "o-wu", ChatID: 4},
		} {
			if err := tx.PutBinding(b); err != nil {
				return err
			}
		}
		return nil
	})
	for official, want := range map[string]string{
		"o-zhang": "en",    // chosen with /lang
		"o-li":    "en",    // the Telegram client's
		"o-he":    "en",    // configured, before the client's
		"o-wu":    "zh-CN", // the default
		"o-qian":  "zh-CN", // unbound
	} {
		if got := f.e.Lang(official); got != want {
			t.Errorf("Lang(%s) = %q, want %q", official, got, want)
		}
	}
	// The call to o-zhang is in English.
	a := f.create(Request{Level: "red", Title: "Storm", Targets: Targets{Officials: []string{"o-zhang"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	mustContain(t, "English call", call.Text, "Alert 🔴 Red · #"+a.ID, "[Storm]")
	mustContain(t, "English button", call.Buttons[0][0].Text, "Received")
}

func TestPrebind(t *testing.T) {
	yaml := strings.Replace(testYAML, `roles: [admin]}`, `roles: [admin], telegram_id: 777}`, 1)
	f := newFixtureYAML(t, yaml)
	if err := f.e.Prebind(); err != nil {
		t.Fatal(err)
	}
	b := f.binding("o-admin")
	if b.ChatID != 777 || b.UserID != 777 || b.Source != "config" {
		t.Errorf("binding = %+v", b)
	}
	// Again: nothing changes, no second event.
	if err := f.e.Prebind(); err != nil {
		t.Fatal(err)
	}
	var bound int
	f.view(func(tx *storage.Tx) error {
		evs, err := tx.Events(0, 100)
		for _, e := range evs {
			if e.Type == storage.EvBound {
				bound++
			}
		}
		return err
	})
	if bound != 1 {
		t.Errorf("bound events = %d, want 1", bound)
	}
}

func TestTellAdmins(t *testing.T) {
	f := newFixture(t)
	if err := f.e.TellAdmins(func(lang string) string { return "hi " + lang }); err != nil {
		t.Fatal(err)
	}
	if js := f.jobs(); len(js) != 0 {
		t.Errorf("told an unbound admin: %+v", js)
	}
	f.bind("o-admin")
	if err := f.e.TellAdmins(func(lang string) string { return "hi " + lang }); err != nil {
		t.Fatal(err)
	}
	j := f.oneJob(storage.RefInfo, "o-admin")
	if j.Text != "hi zh-CN" || j.ChatID != f.chat("o-admin") {
		t.Errorf("job = %+v", j)
	}
}

// The engine uses "api" as the actor of HTTP API calls, and Close lets
// that actor through without a permission check; the configuration does
// not reserve the id.
func TestOfficialNamedAPICannotClose(t *testing.T) {
	yaml := strings.Replace(testYAML, "escalation:",
		`  - {id: api, name: 艾佩, phone: "13800000010", unit: yjb, roles: [staff]}
escalation:`, 1)
	f := newFixtureYAML(t, yaml)
	if _, ok := f.cfg.Official("api"); !ok {
		t.Fatal("config did not accept an official with id api")
	}
	f.bind("o-zhang")
	a := f.create(Request{Level: "red", Title: "t", Issuer: "o-duty", Targets: Targets{Officials: []string{"o-zhang"}}})
	if f.e.CanClose("api", a) {
		t.Fatal("CanClose says a staff member may close")
	}
	if _, err := f.e.Close("api", a.ID); err == nil {
		t.Errorf(`callout/answer.go Close skips the permission check for actor "api", and config.Parse ` +
			`accepts an official with id "api": that staff member's close button (bot/callback.go passes ` +
			`c.official.ID) closes any alert`)
	}
}

func TestDeliveredAfterCloseMarksMessage(t *testing.T) {
	f := newFixture(t)
	f.bind("o-zhang")
	a := f.create(Request{Level: "red", Title: "t", Targets: Targets{Officials: []string{"o-zhang"}}})
	call := f.oneJob(storage.RefCall, "o-zhang")
	f.setClock(testStart.Add(time.Minute))
	if _, err := f.e.Close("o-he", a.ID); err != nil {
		t.Fatal(err)
	}
	f.drain()
	f.deliver(call, 12, testStart.Add(2*time.Minute))
	edit := f.oneJob(storage.RefUpdate, "o-zhang")
	if edit.MessageID != 12 || len(edit.Buttons) != 0 {
		t.Errorf("edit = %+v", edit)
	}
	mustContain(t, "edit", edit.Text, "叫应已于 08:01 结束")
	if len(f.deadlines()) != 0 {
		t.Error("a closed alert got a deadline")
	}
}
