package app_test

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"dutybot/app"
	"dutybot/config"
)

// A second instance polling with the same token is told so plainly.
func TestSecondInstanceIsReported(t *testing.T) {
	h := newHarness(t, harnessOpts{real: true})
	h.bind(uZhang) // the first instance is polling

	logs := &syncBuffer{}
	cfg, err := config.Parse([]byte(fmt.Sprintf(testConfig, h.srv.URL(), filepath.Join(t.TempDir(), "second.db"))))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token = testToken
	runApp(t, cfg, app.Options{Log: slog.New(slog.NewTextHandler(logs, nil)), NoHTTP: true})
	h.eventually("the conflict to be logged", func() bool {
		return strings.Contains(logs.String(), "another process is polling Telegram with this bot token")
	})
	if n := strings.Count(logs.String(), "another process is polling"); n != 1 {
		t.Errorf("conflict logged %d times; once a minute is enough", n)
	}
	// The first instance still works.
	h.srv.SendText(uZhang, "/status")
	h.waitMsg(uZhang, "当前没有进行中的叫应")
}
