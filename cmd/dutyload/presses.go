package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// pressRound is what one kill in the middle of a burst of presses left.
type pressRound struct {
	atKill     int // presses answered when the process was killed
	lost       int // presses never answered after the restart
	unrecorded int // recipients whose acknowledgement is not recorded
	answered2  int // presses answered twice (the second answer refused by Telegram)
	recorded2  int // acknowledgements recorded more than once
}

// pressCrash repeats rounds times: a town of n pre-bound staff gets a red
// call; every staff member presses "acknowledge" at once; the dutybot
// process is killed with SIGKILL part-way through the burst (later in each
// round) and started again. It reports presses lost and handled twice.
func pressCrash(n, rounds int) error {
	var total pressRound
	for r := 0; r < rounds; r++ {
		// Kill after 10% of the burst in the first round, up to 82% in the last.
		killAt := max(1, n*(10+72*r/max(1, rounds-1))/100)
		res, err := pressRoundRun(n, killAt)
		if err != nil {
			return fmt.Errorf("round %d: %w", r+1, err)
		}
		fmt.Printf("round %2d: killed with %3d/%d answered: lost %d, unrecorded %d, answered twice %d, recorded twice %d\n",
			r+1, res.atKill, n, res.lost, res.unrecorded, res.answered2, res.recorded2)
		total.lost += res.lost
		total.unrecorded += res.unrecorded
		total.answered2 += res.answered2
		total.recorded2 += res.recorded2
	}
	fmt.Printf("presses lost across %d kills mid-burst of %d presses: %d (acknowledgements not recorded: %d); duplicates: %d presses handled twice, %d acknowledgements recorded twice\n",
		rounds, n, total.lost, total.unrecorded, total.answered2, total.recorded2)
	return nil
}

func pressRoundRun(n, killAt int) (pressRound, error) {
	var res pressRound
	srv := fakeTelegram(n, nil)
	defer srv.Close()
	proxy, refused := refusedAnswers(srv.URL())
	defer proxy.Close()
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	listen := ln.Addr().String()
	ln.Close()
	dbPath := filepath.Join(dir, "db")
	y := townYAML(n, proxy.URL, dbPath, listen, defaultSteps)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(y), 0o600); err != nil {
		return res, err
	}
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		return res, err
	}
	cfg.Telegram.Token = token
	cfg.Delivery.GlobalPerSecond, cfg.Delivery.ChatPerSecond = 100000, 100
	a, err := app.New(cfg, app.Options{Log: discard(), NoHTTP: true, NoBot: true})
	if err != nil {
		return res, err
	}
	t := &town{dir: dir, cfg: cfg, n: n}
	alert, err := t.callStaff(a)
	a.DB.Close()
	if err != nil {
		return res, err
	}

	child, err := startServeChild(cfgPath)
	if err != nil {
		return res, err
	}
	defer func() { _ = child.Process.Kill(); _ = child.Wait() }()
	calls := make([]fakeapi.Message, n)
	ids := staffIDs(n)
	if err := waitFor(60*time.Second, "every call delivered", func() bool {
		for i := range calls {
			if calls[i].ID == 0 {
				ms := srv.Messages(userID(i))
				if len(ms) == 0 {
					return false
				}
				calls[i] = ms[0]
			}
		}
		return outboxEmpty(listen)
	}); err != nil {
		return res, err
	}

	answered := srv.Count("answerCallbackQuery")
	queries := make([]string, n)
	for i := range queries {
		queries[i] = srv.Press(userID(i), userID(i), calls[i].ID, callout.AckData(alert.ID, ids[i]))
	}
	if err := waitFor(30*time.Second, "the first answers", func() bool {
		return srv.Count("answerCallbackQuery")-answered >= killAt
	}); err != nil {
		return res, err
	}
	_ = child.Process.Kill()
	_ = child.Wait()
	res.atKill = srv.Count("answerCallbackQuery") - answered

	if child, err = startServeChild(cfgPath); err != nil {
		return res, err
	}
	unanswered := func() int {
		k := 0
		for _, q := range queries {
			if _, ok := srv.Answer(q); !ok {
				k++
			}
		}
		return k
	}
	// Wait for every answer, or for 5 s without progress.
	last, since := unanswered(), time.Now()
	for last > 0 && time.Since(since) < 5*time.Second {
		time.Sleep(20 * time.Millisecond)
		if k := unanswered(); k != last {
			last, since = k, time.Now()
		}
	}
	_ = waitFor(10*time.Second, "outbox drained", func() bool { return outboxEmpty(listen) })
	res.lost = last
	res.answered2 = int(refused.Load())
	_ = child.Process.Signal(syscall.SIGTERM)
	_ = child.Wait()

	db, err := storage.Open(dbPath)
	if err != nil {
		return res, err
	}
	defer db.Close()
	err = db.View(func(tx *storage.Tx) error {
		evs, err := tx.AlertEvents(alert.ID)
		if err != nil {
			return err
		}
		acks := map[string]int{}
		for _, ev := range evs {
			if ev.Type == storage.EvAcked {
				acks[ev.Official]++
			}
		}
		for _, id := range ids {
			switch {
			case acks[id] == 0:
				res.unrecorded++
			case acks[id] > 1:
				res.recorded2 += acks[id] - 1
			}
		}
		return nil
	})
	return res, err
}

// refusedAnswers puts a proxy in front of the Bot API at target that counts
// answerCallbackQuery calls Telegram refuses: an answer to a query answered
// already, that is a press handled twice.
func refusedAnswers(target string) (*httptest.Server, *atomic.Int64) {
	u, err := url.Parse(target)
	if err != nil {
		panic(err)
	}
	var n atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if strings.HasSuffix(resp.Request.URL.Path, "/answerCallbackQuery") && resp.StatusCode == http.StatusBadRequest {
			n.Add(1)
		}
		return nil
	}
	return httptest.NewServer(rp), &n
}

// startServeChild starts this binary as a dutybot process on cfgPath.
func startServeChild(cfgPath string) (*exec.Cmd, error) {
	cmd := exec.Command(os.Args[0], "serve-child", "-config", cfgPath)
	cmd.Env = append(os.Environ(), "DUTYBOT_TELEGRAM_TOKEN="+token)
	cmd.Stderr = os.Stderr
	return cmd, cmd.Start()
}

// serveChild runs the real app on cfgPath until SIGTERM (or SIGKILL).
func serveChild(cfgPath string) error {
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	if err := cfg.ResolveSecrets(os.Getenv); err != nil {
		return err
	}
	a, err := app.New(cfg, app.Options{Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return a.Run(ctx)
}

// outboxEmpty reports whether the process serving on listen has sent and
// recorded every queued message.
func outboxEmpty(listen string) bool {
	resp, err := http.Get("http://" + listen + "/healthz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var h struct {
		Outbox int `json:"outbox"`
	}
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&h) == nil && h.Outbox == 0
}

// waitFor polls cond every millisecond until it holds or timeout passes.
func waitFor(timeout time.Duration, what string, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
