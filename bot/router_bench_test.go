package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/go-telegram/bot/models"

	"dutybot/storage"
)

// BenchmarkText measures handling one private text from a bound official:
// finding whether a flow owns it (one read of the conversation store) and
// answering it. "in a flow" is the guided /alert at its title, given a
// title too long to take, so every round answers and changes nothing.
func BenchmarkText(b *testing.B) {
	for _, bench := range []struct {
		name, text string
		flow       bool
	}{
		{"plain", "你好", false},
		{"in a flow", strings.Repeat("长", 201), true},
	} {
		b.Run(bench.name, func(b *testing.B) {
			f := newBotFixture(b)
			f.bind("o-liu")
			liu := uid["o-liu"]
			c := f.b.who(liu, true, &models.User{ID: liu})
			if bench.flow && !f.b.startFlow(c, flowAlert, alertDraft{Step: "title", Level: "red", All: true}) {
				b.Fatal("no flow")
			}
			m := &models.Message{Chat: models.Chat{ID: liu, Type: models.ChatTypePrivate}, From: &models.User{ID: liu}, Text: bench.text}
			b.ResetTimer()
			for range b.N {
				f.b.onMessage(context.Background(), m)
			}
			b.StopTimer()
			js := f.take()
			want := "如需操作请使用命令"
			if bench.flow {
				want = "发布叫应 3/4"
			}
			if len(js) == 0 || !strings.Contains(js[len(js)-1].Text, want) {
				b.Fatalf("the text was answered %+v", js)
			}
			var n int
			_ = f.db.View(func(tx *storage.Tx) error { n = tx.ConversationCount(); return nil })
			if bench.flow != (n == 1) {
				b.Fatalf("%d conversations after the run", n)
			}
		})
	}
}
