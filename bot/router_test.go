package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
)

func TestRoutesRefuseCollisions(t *testing.T) {
	cmd := func(name string) commandRoute {
		return commandRoute{name: name, handle: func(context.Context, caller, command, *models.Message) {}}
	}
	cb := func(prefix string) callbackRoute {
		return callbackRoute{prefix: prefix, handle: func(caller, string, int) (string, bool) { return "", false }}
	}
	fl := func(name string) flow {
		return flow{name: name, label: "FlowAlert", ttl: time.Hour, input: func(caller, storage.Conversation, *models.Message) {}}
	}
	tests := []struct {
		name     string
		features []feature
		want     string // part of the error; "" for none
	}{
		{"distinct", []feature{{name: "a", commands: []commandRoute{cmd("alert")}, callbacks: []callbackRoute{cb("al:")}, flows: []flow{fl("alert")}},
			{name: "b", commands: []commandRoute{cmd("warn")}, callbacks: []callbackRoute{cb("wd:"), cb("wl:")}, flows: []flow{fl("warn")}}}, ""},
		{"the same prefix twice", []feature{{name: "a", callbacks: []callbackRoute{cb("wd:")}}, {name: "b", callbacks: []callbackRoute{cb("wd:")}}},
			`button prefix "wd:" of b overlaps "wd:" of a`},
		{"a prefix that starts another", []feature{{name: "tips", callbacks: []callbackRoute{cb("tip:")}}, {name: "drafts", callbacks: []callbackRoute{cb("tip:d:")}}},
			`button prefix "tip:d:" of drafts overlaps "tip:" of tips`},
		{"the same command twice", []feature{{name: "a", commands: []commandRoute{cmd("board")}}, {name: "b", commands: []commandRoute{cmd("board")}}},
			`command "/board" is registered by both a and b`},
		{"the same flow twice", []feature{{name: "a", flows: []flow{fl("tip")}}, {name: "b", flows: []flow{fl("tip")}}},
			`flow "tip" is registered by both a and b`},
		{"a flow without a lifetime", []feature{{name: "a", flows: []flow{{name: "x", label: "FlowAlert", input: fl("x").input}}}},
			"a registers a flow without"},
		{"an upper-case command", []feature{{name: "a", commands: []commandRoute{cmd("Alert")}}}, "lower-case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := buildRoutes(tt.features...)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want == "":
				if got, ok := r.callback("wl:20261130-0001"); !ok || got.prefix != "wl:" {
					t.Errorf("wl: press routed to %q", got.prefix)
				}
				if _, ok := r.callback("xx:1"); ok {
					t.Error("an unregistered prefix was routed")
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestBotFeaturesDoNotCollide: the bot's own features start together, and
// every prefix the domain packages put on buttons reaches a handler.
func TestBotFeaturesDoNotCollide(t *testing.T) {
	f := newBotFixture(t)
	for _, data := range []string{"ack:a:o", "hdl:a:o", "cls:a", "lang:en", "al:cancel", "td:1:x", "tq:1:x", "tp:1", "ra:x",
		"wd:cancel", "wl:x", "wc:w:1", "wn:w:1", "ix:cancel", "iu:x", "it:x", "iv:x", "tip:d:cancel", "tip:x", "rh:x", "sw:a:x"} {
		if _, ok := f.b.routes.callback(data); !ok && !strings.HasPrefix(data, "rh:") && !strings.HasPrefix(data, "sw:") {
			t.Errorf("button data %q reaches no handler", data)
		}
	}
	for _, name := range []string{"start", "help", "cancel", "alert", "status", "close", "lang", "mytasks", "done", "tasks",
		"plan", "warn", "incident", "tip", "board", "ledger"} {
		if _, ok := f.b.routes.commands[name]; !ok {
			t.Errorf("/%s has no handler", name)
		}
	}
	// The menu is every registered command, each described in both languages.
	if len(f.b.routes.menu) != len(f.b.routes.commands) || f.b.routes.menu[0] != "start" {
		t.Errorf("menu %v for %d commands", f.b.routes.menu, len(f.b.routes.commands))
	}
	for _, name := range f.b.routes.menu {
		for _, lang := range []string{"zh-CN", "en"} {
			if d := f.b.Catalog.T(lang, "Cmd_"+name, nil); d == "" || d == "Cmd_"+name {
				t.Errorf("/%s has no menu description in %s", name, lang)
			}
		}
	}
}

// A message handled again after a crash (the inbox replays what was not
// yet removed) is not taken twice by a flow: the title is not taken as
// the body too, and the /alert that started the flow does not start it
// over.
func TestFlowTakesAMessageOnce(t *testing.T) {
	f := newBotFixture(t)
	f.bind("o-liu")
	liu := uid["o-liu"]
	msg := func(id int, text string) *models.Message {
		return &models.Message{ID: id, Chat: models.Chat{ID: liu, Type: models.ChatTypePrivate},
			From: &models.User{ID: liu, LanguageCode: "zh-hans"}, Text: text}
	}
	step := func() string {
		var cv storage.Conversation
		if err := f.db.View(func(tx *storage.Tx) error {
			var err error
			cv, err = tx.Conversation(liu)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return cv.Step
	}
	start := msg(10, "/alert")
	f.b.onMessage(context.Background(), start)
	f.press(liu, "al:lvl:red")
	f.press(liu, "al:all")
	f.press(liu, "al:next")
	title := msg(11, "防汛演练")
	f.b.onMessage(context.Background(), title)
	if got := step(); got != "body" {
		t.Fatalf("after the title the flow is at %q", got)
	}
	f.take()
	for _, again := range []*models.Message{title, start} {
		f.b.onMessage(context.Background(), again)
		if got := step(); got != "body" {
			t.Errorf("%q handled again moved the flow to %q", again.Text, got)
		}
	}
	if js := f.take(); len(js) != 0 {
		t.Errorf("messages handled again were answered: %+v", js)
	}
	f.b.onMessage(context.Background(), msg(12, "请各单位做好准备"))
	if got := step(); got != "confirm" {
		t.Errorf("the next message moved the flow to %q, want confirm", got)
	}
}
