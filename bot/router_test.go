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
