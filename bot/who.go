package bot

import (
	"context"
	"strings"

	"github.com/go-telegram/bot/models"
)

// whoFeature is /who: which department supervises a sector (item 7 of the
// plan: 谁主管谁牵头), and its 分管领导.
func (b *Bot) whoFeature() feature {
	if b.Supervision == nil {
		return feature{name: "who"}
	}
	return feature{name: "who", commands: []commandRoute{{name: "who",
		handle: func(_ context.Context, c caller, cmd command, _ *models.Message) { b.onWho(c, cmd.args) }}}}
}

// onWho answers /who <sector>, or lists the sectors it knows.
func (b *Bot) onWho(c caller, query string) {
	var names []string
	for _, s := range b.Supervision.Sectors() {
		names = append(names, s.Name)
	}
	if query == "" {
		b.reply(c, b.t(c, "WhoUsage", map[string]any{"Sectors": strings.Join(names, "、")}))
		return
	}
	answers := b.Supervision.Lookup(query)
	if len(answers) == 0 {
		b.reply(c, b.t(c, "WhoNotFound", map[string]any{"Query": cutText(query, maxEchoUnits),
			"Sectors": strings.Join(names, "、")}))
		return
	}
	lines := make([]string, 0, len(answers))
	for _, a := range answers {
		var with []string
		for _, u := range a.With {
			with = append(with, u.Name)
		}
		lines = append(lines, b.t(c, "WhoAnswer", map[string]any{"Sector": a.Sector.Name, "Lead": a.Lead.Name,
			"Head": a.Head.Name, "HeadPhone": a.Head.Phone, "Leader": a.Leader.Name, "With": strings.Join(with, "、"),
			"Note": a.Sector.Note}))
	}
	b.reply(c, strings.Join(lines, "\n\n"))
}
