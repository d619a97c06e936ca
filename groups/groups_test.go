package groups

import (
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

const townYAML = `
units:
  - {id: yjb, name: 应急办, head: o-wu}
  - {id: cun, name: 含谷村, tags: [village]}
officials:
  - {id: o-wu, name: 吴敏, phone: "13800000003", unit: yjb, roles: [unit_head]}
  - {id: o-admin, name: 安琪, phone: "13800000007", unit: yjb, roles: [admin]}
  - {id: o-yang, name: 杨帆, phone: "13800000009", unit: cun, roles: [unit_head]}
groups:
  - {id: g-flood, name: 防汛群, units: ["@village", yjb]}
  - {id: g-safety, name: 安全生产群, roles: [unit_head]}
`

type fixture struct {
	t   *testing.T
	cfg *config.Config
	db  *storage.DB
	clk *clock.Fake
	s   *Service
}

// newFixture starts the service on a real database; extra is appended to
// the town's configuration, path reuses a database file (a restart).
func newFixture(t *testing.T, extra, path string) *fixture {
	t.Helper()
	cfg, err := config.Parse([]byte(townYAML + extra))
	if err != nil {
		t.Fatal(err)
	}
	if path == "" {
		path = filepath.Join(t.TempDir(), "dutybot.db")
	}
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	tr, err := locales.New(locales.ZH)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	eng := callout.New(cfg, db, clk, tr, nil, log)
	return &fixture{t: t, cfg: cfg, db: db, clk: clk, s: New(cfg, db, eng, tr, clk, log)}
}

func (f *fixture) chat(id int64) storage.GroupChat {
	f.t.Helper()
	var g storage.GroupChat
	err := f.db.View(func(tx *storage.Tx) (err error) { g, err = tx.GroupChat(id); return err })
	if err != nil {
		f.t.Fatalf("GroupChat(%d): %v", id, err)
	}
	return g
}

func (f *fixture) events(typ string) int {
	f.t.Helper()
	n := 0
	_ = f.db.View(func(tx *storage.Tx) error {
		evs, err := tx.Events(0, 1000)
		for _, e := range evs {
			if e.Type == typ {
				n++
			}
		}
		return err
	})
	return n
}

func TestCauseOf(t *testing.T) {
	for reason, want := range map[string]string{
		"chat unreachable: forbidden, Forbidden: bot was kicked from the group chat":                       storage.GroupKicked,
		"chat unreachable: forbidden, Forbidden: bot was kicked from the supergroup chat":                  storage.GroupKicked,
		"chat unreachable: forbidden, Forbidden: bot is not a member of the group chat":                    storage.GroupLeft,
		"chat unreachable: bad request, Bad Request: chat not found":                                       causeGone,
		"chat unreachable: forbidden, Forbidden: the group chat was deactivated":                           causeGone,
		"permanent failure: bad request, Bad Request: not enough rights to send text messages to the chat": storage.GroupRestricted,
		"permanent failure: bad request, Bad Request: have no rights to send a message":                    storage.GroupRestricted,
		"permanent failure: bad request, Bad Request: message text is empty":                               "",
		"gave up after 10m0s: 502 Bad Gateway":                                                             "",
	} {
		if got := causeOf(reason); got != want {
			t.Errorf("causeOf(%q) = %q, want %q", reason, got, want)
		}
	}
}

// Bind's refusals change nothing; its successes bind once.
func TestBind(t *testing.T) {
	f := newFixture(t, "", "")
	if _, err := f.s.Bind("o-admin", "g-flood", -500, "含谷镇防汛群"); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Placed(Place{Chat: -600, Title: "另一个群", State: storage.GroupMember, CanPost: true}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		official, id string
		chat         int64
		refusal      string
	}{
		{"o-wu", "g-safety", -600, "GroupBindForbidden"},
		{"o-ghost", "g-safety", -600, "GroupBindForbidden"},
		{"o-admin", "g-safety", 7, "GroupBindPrivate"},
		{"o-admin", "", -600, "GroupBindUsage"},
		{"o-admin", "g-nowhere", -600, "GroupUnknown"},
		{"o-admin", "g-safety", -500, "GroupChatTaken"},
		{"o-admin", "g-flood", -600, "GroupBoundElsewhere"},
	} {
		_, err := f.s.Bind(tc.official, tc.id, tc.chat, "x")
		var r *Refusal
		if !errors.As(err, &r) || r.Message != tc.refusal {
			t.Errorf("Bind(%s, %q, %d) = %v, want %s", tc.official, tc.id, tc.chat, err, tc.refusal)
		}
	}
	if g := f.chat(-600); g.Group != "" || g.Title != "另一个群" {
		t.Errorf("a refused chat changed: %+v", g)
	}
	again, err := f.s.Bind("o-admin", "g-flood", -500, "含谷镇防汛群")
	if err != nil || !again.Already || again.Expected != 3 {
		t.Errorf("bound again = %+v, %v; want already, 3 expected", again, err)
	}
	if n := f.events(storage.EvGroupBound); n != 1 {
		t.Errorf("%d bound events, want 1", n)
	}
	if got := f.s.Expected("g-flood"); len(got) != 3 {
		t.Errorf("Expected(g-flood) = %v", got)
	}
}

// Sync binds the configured chats, takes a chat over from /bindgroup,
// follows a configured chat that became a supergroup, and lets go of a
// group the configuration no longer lists.
func TestSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dutybot.db")
	f := newFixture(t, "", path)
	for _, b := range []struct {
		id   string
		chat int64
	}{{"g-flood", -500}, {"g-safety", -700}} {
		if _, err := f.s.Bind("o-admin", b.id, b.chat, b.id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.Migrated(-700, -1000000000700); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Migrated(-700, -1000000000700); err != nil { // seen twice: moved once
		t.Fatal(err)
	}
	if n := f.events(storage.EvGroupMigrated); n != 1 {
		t.Errorf("%d migrated events, want 1", n)
	}
	f.db.Close()

	// The configuration now gives 安全生产群 the old chat, 防汛群's chat to a
	// new group, and drops nothing else.
	f = newFixture(t, `  - {id: g-new, name: 新群, chat_id: -500, officials: [o-wu]}
`, path)
	f.cfg.Groups[1].ChatID = -700
	if err := f.s.Sync(); err != nil {
		t.Fatal(err)
	}
	if g := f.chat(-500); g.Group != "g-new" || g.BoundBy != ActorConfig {
		t.Errorf("chat -500 = %+v, want taken over by g-new from the configuration", g)
	}
	if c, ok, _ := f.s.Get("g-flood"); !ok || c.Bound() {
		t.Errorf("g-flood = %+v, want unbound: its chat went to g-new", c)
	}
	c, ok, err := f.s.ByChat(-700)
	if err != nil || !ok || c.Group.ID != "g-safety" || c.Chat.ChatID != -1000000000700 || c.Chat.MigratedFrom != -700 {
		t.Errorf("ByChat(-700) = %+v, %v, %v; want g-safety in its supergroup", c, ok, err)
	}
	f.db.Close()

	// g-new leaves the configuration: its chat is let go at the next start.
	f = newFixture(t, "", path)
	if err := f.s.Sync(); err != nil {
		t.Fatal(err)
	}
	if g := f.chat(-500); g.Group != "" {
		t.Errorf("chat -500 = %+v, want let go", g)
	}
	list, others, err := f.s.List()
	if err != nil || len(list) != 2 || list[0].Bound() || !list[1].Bound() {
		t.Errorf("List = %+v, %v", list, err)
	}
	if len(others) != 1 || others[0].ChatID != -500 {
		t.Errorf("others = %+v, want the let-go chat", others)
	}
}

// An update of the bot's place seen twice (a replay after a crash)
// records one change.
func TestPlacedTwice(t *testing.T) {
	f := newFixture(t, "", "")
	if _, err := f.s.Bind("o-admin", "g-flood", -500, "防汛"); err != nil {
		t.Fatal(err)
	}
	p := Place{Chat: -500, Title: "防汛", State: storage.GroupKicked, By: "o-wu"}
	for range 2 {
		if err := f.s.Placed(p); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.events(storage.EvGroupState); n != 1 {
		t.Errorf("%d state events, want 1", n)
	}
	if g := f.chat(-500); g.CanPost || g.State != storage.GroupKicked || g.Group != "g-flood" {
		t.Errorf("chat = %+v", g)
	}
}
