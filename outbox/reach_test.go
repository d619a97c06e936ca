package outbox

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// errDown is a send that did not reach the chat service at all.
var errDown = errors.New("dial tcp 203.0.113.9:443: connect: connection refused")

// hintingSender is a fakeSender that tells what to check for errDown.
type hintingSender struct{ *fakeSender }

func (hintingSender) ReachHint(err error) string {
	if errors.Is(err, errDown) {
		return "check the address and the proxy"
	}
	return ""
}

// A send that cannot reach the chat service logs what to check once per
// outage: with its first failure, and again only after a send went through.
// Other failures carry no hint.
func TestReachHintOncePerOutage(t *testing.T) {
	e := newEnv(t, Limits{GlobalPerSecond: 1000, ChatPerSecond: 100}, true)
	var logs syncBuffer
	e.d = New(e.db, e.dom, hintingSender{e.sender}, e.hooks, e.limits, nil, slog.New(slog.NewTextHandler(&logs, nil)))
	e.d.SetPaceClock(e.pace)
	e.enqueue(e.job(1, "A1"), e.job(1, "A2"))
	e.sender.script("A1", errors.New("502 bad gateway"), errDown, errDown, errDown)
	e.sender.script("A2", errDown, errDown)
	e.start()
	e.drive("both delivered", 10*time.Minute, func() bool { return e.hooks.outcomes() == 2 })

	var failed, hinted []string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "send failed, will retry") {
			failed = append(failed, l)
			if strings.Contains(l, `hint="check the address and the proxy"`) {
				hinted = append(hinted, l)
			}
		}
	}
	if len(failed) != 6 || len(hinted) != 2 {
		t.Fatalf("%d retries logged, %d with the hint; want 6 and 2:\n%s", len(failed), len(hinted), logs.String())
	}
	if !strings.Contains(failed[1], "hint=") || !strings.Contains(failed[4], "hint=") {
		t.Errorf("the hint is not on the first failure of each outage (A1's second try, A2's first):\n%s", strings.Join(failed, "\n"))
	}
}
