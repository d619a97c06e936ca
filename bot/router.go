package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
)

// A feature adds its own commands, button prefixes and step-by-step flows
// to the bot, as go-telegram/bot's handlers are registered by match type
// (exact command, data prefix). The bot builds its routes from every
// feature at New and refuses to start when two claim the same command,
// overlapping prefixes or one flow name: a press would otherwise go to
// whichever came first.
type feature struct {
	name      string
	commands  []commandRoute
	callbacks []callbackRoute
	flows     []flow
}

// commandRoute handles "/name".
type commandRoute struct {
	name string
	// public commands answer accounts not bound to an official (/start,
	// /help, /tip, /cancel); the others ask them to bind first.
	public bool
	handle func(ctx context.Context, c caller, cmd command, m *models.Message)
}

// callbackRoute handles the button presses whose data starts with prefix.
type callbackRoute struct {
	prefix string
	// public prefixes are pressed by accounts not bound to an official
	// (the public's hazard tips); the handler checks roles itself.
	public bool
	handle func(c caller, data string, msgID int) (toast string, alert bool)
}

// flow is a step-by-step conversation: while a chat is in it (its record
// in the conversation store names the flow) the chat's next message
// belongs to it. Starting a flow ends the chat's other one; /cancel ends
// any; an untouched flow expires after ttl and says so.
type flow struct {
	name string
	// label is the message id naming the flow to its user (“发布叫应”).
	label string
	// again is the message id telling how to start it over, shown when it
	// expired or was replaced; empty when a button starts it.
	again string
	ttl   time.Duration
	// public flows may be run by unbound accounts (a tip from the public).
	public bool
	// input takes a message (text, photo, location) sent while the chat
	// is in the flow.
	input func(c caller, cv storage.Conversation, m *models.Message)
}

// routes are every feature's handlers, checked for collisions.
type routes struct {
	commands  map[string]commandRoute
	callbacks []callbackRoute // longest prefix first
	flows     map[string]flow
	menu      []string // command names in registration order
}

// buildRoutes gathers the features' handlers; it fails on a command, a
// flow name or a button prefix claimed twice (a prefix that starts another
// counts: "t" would take "tp:"'s presses).
func buildRoutes(features ...feature) (*routes, error) {
	r := &routes{commands: map[string]commandRoute{}, flows: map[string]flow{}}
	owner := map[string]string{}
	var errs []string
	claim := func(kind, key, f string) bool {
		if prev, ok := owner[kind+" "+key]; ok {
			errs = append(errs, fmt.Sprintf("%s %q is registered by both %s and %s", kind, key, prev, f))
			return false
		}
		owner[kind+" "+key] = f
		return true
	}
	prefixOwner := map[string]string{}
	for _, f := range features {
		for _, c := range f.commands {
			if c.name == "" || c.handle == nil || strings.ToLower(c.name) != c.name {
				errs = append(errs, fmt.Sprintf("%s registers a command without a lower-case name or a handler", f.name))
				continue
			}
			if claim("command", "/"+c.name, f.name) {
				r.commands[c.name] = c
				r.menu = append(r.menu, c.name)
			}
		}
		for _, cb := range f.callbacks {
			if cb.prefix == "" || cb.handle == nil {
				errs = append(errs, fmt.Sprintf("%s registers a button prefix without a text or a handler", f.name))
				continue
			}
			clash := false
			for p, o := range prefixOwner {
				if strings.HasPrefix(p, cb.prefix) || strings.HasPrefix(cb.prefix, p) {
					errs = append(errs, fmt.Sprintf("button prefix %q of %s overlaps %q of %s", cb.prefix, f.name, p, o))
					clash = true
				}
			}
			if !clash {
				prefixOwner[cb.prefix] = f.name
				r.callbacks = append(r.callbacks, cb)
			}
		}
		for _, fl := range f.flows {
			if fl.name == "" || fl.input == nil || fl.ttl <= 0 || fl.label == "" {
				errs = append(errs, fmt.Sprintf("%s registers a flow without a name, a label, an input or a lifetime", f.name))
				continue
			}
			if claim("flow", fl.name, f.name) {
				r.flows[fl.name] = fl
			}
		}
	}
	if len(errs) > 0 {
		slices.Sort(errs)
		return nil, fmt.Errorf("bot handlers: %s", strings.Join(errs, "; "))
	}
	slices.SortStableFunc(r.callbacks, func(a, b callbackRoute) int { return len(b.prefix) - len(a.prefix) })
	return r, nil
}

// callback returns the handler of button data.
func (r *routes) callback(data string) (callbackRoute, bool) {
	for _, cb := range r.callbacks {
		if strings.HasPrefix(data, cb.prefix) {
			return cb, true
		}
	}
	return callbackRoute{}, false
}
