package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"dutybot/config"
)

func TestScrubHidesTheBotToken(t *testing.T) {
	const token = "424242:SECRET-token"
	b := &Bot{Deps: Deps{Config: &config.Config{Telegram: config.Telegram{Token: token}}}}
	link := "http://127.0.0.1:9/file/bot" + token + "/documents/file_1.xlsx"
	for _, err := range []error{
		fmt.Errorf("download: %w", &url.Error{Op: "Get", URL: link, Err: errors.New("connection refused")}),
		fmt.Errorf("download: unexpected EOF reading %s", link),
	} {
		got := b.scrub(err).Error()
		if strings.Contains(got, token) || strings.Contains(got, "SECRET") {
			t.Errorf("scrub(%v) = %q", err, got)
		}
		if !strings.HasPrefix(got, "download: ") {
			t.Errorf("scrub lost the context: %q", got)
		}
	}
}

func TestMegabytes(t *testing.T) {
	for n, want := range map[int64]string{10 << 20: "10.0 MB", 10<<20 + 1: "10.1 MB", 1536 << 10: "1.5 MB", 0: "0.0 MB"} {
		if got := megabytes(n); got != want {
			t.Errorf("megabytes(%d) = %q, want %q", n, got, want)
		}
	}
}
