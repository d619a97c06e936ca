package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"dutybot/app"
	"dutybot/config"
	"dutybot/storage"
)

// The commands that use the database, run while dutybot runs: how they find
// out that it does, and what they say when the way through its API is
// blocked.

const runningAPIToken = "running-bot-api-token-never-printed"

// botConfig writes a configuration named name into dir, with its storage in
// dir (shared by every configuration written there), listening on listen,
// with extra lines under http:.
func botConfig(t testing.TB, dir, name, listen string, httpLines ...string) string {
	t.Helper()
	doc := strings.ReplaceAll(validConfig, "%s", dir)
	doc = strings.Replace(doc, "  listen: 127.0.0.1:0\n", "  listen: "+listen+"\n"+strings.Join(httpLines, ""), 1)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// runningBot runs dutybot in-process on the configuration at cfgPath as
// "dutybot run" does, without Telegram: it holds the database and serves
// its HTTP API on http.listen until the test ends. apiToken is the token it
// runs with, "" for none.
func runningBot(t testing.TB, cfgPath, apiToken string) {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Telegram.Token = "1:in-process-bot"
	cfg.HTTP.APIToken = apiToken
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(cfg, app.Options{NoBot: true, Listener: ln, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("the running bot: %v", err)
		}
	})
}

// openSpy records how a command opens the database.
type openSpy struct {
	mu    sync.Mutex
	opens []storage.Options
}

func (s *openSpy) cli() cli {
	return cli{open: func(path string, o storage.Options) (*storage.DB, error) {
		s.mu.Lock()
		s.opens = append(s.opens, o)
		s.mu.Unlock()
		return storage.OpenWith(path, o)
	}}
}

// run runs a command with the spy and returns its exit code and output.
func (s *openSpy) run(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := s.cli().run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// A command finds the running dutybot with one try at the database's lock,
// never waiting for it, and goes through the bot's API; with the bot
// stopped it works on the file.
func TestCommandsFindTheRunningBotWithoutWaiting(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", runningAPIToken)
	dir := t.TempDir()
	cfgPath := botConfig(t, dir, "config.yaml", freeAddr(t))
	base := apiBase(mustLoad(t, cfgPath))
	commands := []struct {
		args []string
		via  string // how stdout tells the API was used
	}{
		{[]string{"quarantine", "list"}, "the running dutybot's HTTP API at " + base},
		{[]string{"ledger", "verify"}, "the running dutybot's HTTP API at " + base},
		{[]string{"backup", filepath.Join(dir, "copy.db")}, "through the running dutybot's HTTP API at " + base},
		{[]string{"roster", "export", filepath.Join(dir, "roster.xlsx")}, "from the running dutybot's HTTP API at " + base},
	}
	runningBot(t, cfgPath, runningAPIToken)
	for _, c := range commands {
		var spy openSpy
		code, out, errOut := spy.run(append(c.args, "-config", cfgPath)...)
		if code != 0 || !strings.Contains(out, c.via) {
			t.Errorf("%v: exit %d, want the API (%q):\n%s%s", c.args, code, c.via, out, errOut)
		}
		if len(spy.opens) != 1 || !spy.opens[0].NoWait {
			t.Errorf("%v opened the database %+v: want one try without waiting for the lock", c.args, spy.opens)
		}
		os.Remove(c.args[len(c.args)-1])
	}
}

// With the bot stopped the same commands work on the file itself.
func TestCommandsWorkOnTheFileWhenNoBotRuns(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", runningAPIToken)
	dir := t.TempDir()
	cfgPath := botConfig(t, dir, "config.yaml", freeAddr(t))
	db := filepath.Join(dir, "dutybot.db")
	for _, args := range [][]string{
		{"quarantine", "list"}, {"ledger", "verify"}, {"backup", filepath.Join(dir, "copy.db")},
		{"roster", "export", filepath.Join(dir, "roster.xlsx")},
	} {
		var spy openSpy
		code, out, errOut := spy.run(append(args, "-config", cfgPath)...)
		if code != 0 || !strings.Contains(out, db) || strings.Contains(out, "HTTP API") {
			t.Errorf("%v: exit %d, want %s read directly:\n%s%s", args, code, db, out, errOut)
		}
		for _, o := range spy.opens {
			if !o.NoWait {
				t.Errorf("%v waited for the lock: %+v", args, spy.opens)
			}
		}
	}
}

func mustLoad(t testing.TB, path string) *config.Config {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// When the way through the running bot's API is blocked, each command says
// in one sentence what happened and what to do, naming the side (the
// command's configuration or the bot's) that lacks something.
func TestCommandsTellWhyTheRunningBotCannotBeAsked(t *testing.T) {
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	dir := t.TempDir()
	listen := freeAddr(t)
	cfgPath := botConfig(t, dir, "config.yaml", listen)
	db := filepath.Join(dir, "dutybot.db")
	empty := filepath.Join(dir, "empty-token")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	other := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(other.Close)
	missingFile := botConfig(t, dir, "missing-file.yaml", listen, "  api_token_file: "+filepath.Join(dir, "no-such-token")+"\n")
	emptyFile := botConfig(t, dir, "empty-file.yaml", listen, "  api_token_file: "+empty+"\n")
	wrongPort := botConfig(t, dir, "wrong-port.yaml", freeAddr(t))
	notDutybot := botConfig(t, dir, "not-dutybot.yaml", strings.TrimPrefix(other.URL, "http://"))

	tests := []struct {
		name     string
		botToken string // the token the bot runs with
		cliToken string // DUTYBOT_API_TOKEN of the command
		cfg      string
		want     []string
	}{
		{"the command has no token", runningAPIToken, "", cfgPath, []string{
			"the database " + db + " is in use by a running dutybot, so this command goes through its HTTP API, " +
				"which needs the API token the bot runs with: set http.api_token_file in " + cfgPath +
				" (it is not set, and neither is DUTYBOT_API_TOKEN)",
			"if the bot runs without one, set it in the bot's configuration too and restart the bot"}},
		{"its token file is missing", runningAPIToken, "", missingFile, []string{
			"which needs the API token the bot runs with, but http.api_token_file \"" + filepath.Join(dir, "no-such-token") +
				"\" of " + missingFile + " cannot be read (no such file or directory): run the command as a user who may read it"}},
		{"its token file is empty", runningAPIToken, "", emptyFile, []string{
			"but http.api_token_file \"" + empty + "\" of " + emptyFile + " is empty: put the bot's token in it"}},
		{"the bot has no token", "", runningAPIToken, cfgPath, []string{
			"the running dutybot at http://" + listen + " has its HTTP API turned off because it was started without an API token: " +
				"set http.api_token_file in the configuration it runs with (or DUTYBOT_API_TOKEN in its environment), restart it, " +
				"and run this command again"}},
		{"the tokens differ", runningAPIToken, "another-token", cfgPath, []string{
			"the running dutybot at http://" + listen + " refused the API token of DUTYBOT_API_TOKEN: give the command the token the bot runs with"}},
		{"nothing listens at http.listen", runningAPIToken, runningAPIToken, wrongPort, []string{
			"the database " + db + " is in use by a running dutybot, but its HTTP API at " + apiBase(mustLoad(t, wrongPort)) +
				" (http.listen of " + wrongPort + ") cannot be reached (", "connection refused",
			"): start the command with the configuration the bot runs with, or wait while the bot starts or stops"}},
		{"something else listens there", runningAPIToken, runningAPIToken, notDutybot, []string{
			other.URL + " answered 404 Not Found to GET /api/v1/quarantine: check that http.listen of " + notDutybot +
				" is the address the running dutybot listens on, and that it is as new as this command"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runningBot(t, cfgPath, tc.botToken)
			t.Setenv("DUTYBOT_API_TOKEN", tc.cliToken)
			for _, args := range [][]string{{"quarantine", "list"}, {"ledger", "verify"}, {"backup", filepath.Join(t.TempDir(), "b.db")},
				{"roster", "export", filepath.Join(t.TempDir(), "r.xlsx")}} {
				if tc.name == "something else listens there" && args[0] != "quarantine" {
					continue // the path in the message is the command's own
				}
				code, out, errOut := runCLI(t, append(args, "-config", tc.cfg)...)
				if code != 1 || out != "" {
					t.Errorf("%v: exit %d, stdout %q", args, code, out)
				}
				mustContain(t, fmt.Sprint(args), errOut, tc.want...)
				if strings.Contains(errOut, runningAPIToken) || strings.Contains(errOut, "alert API") || strings.Count(errOut, "\n") > 2 {
					t.Errorf("%v: the token, the API's own words or more than two lines:\n%s", args, errOut)
				}
			}
		})
	}
}

// BenchmarkQuarantineListWhileTheBotRuns times "dutybot quarantine list"
// against a running dutybot: a try at the lock, then the API. (It took
// 1.96 s a run while the command waited LockWait for the lock first;
// 0.44 ms with one try.)
func BenchmarkQuarantineListWhileTheBotRuns(b *testing.B) {
	b.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	b.Setenv("DUTYBOT_API_TOKEN", runningAPIToken)
	dir := b.TempDir()
	cfgPath := botConfig(b, dir, "config.yaml", freeAddr(b))
	runningBot(b, cfgPath, runningAPIToken)
	for b.Loop() {
		var out, errOut bytes.Buffer
		if code := run([]string{"quarantine", "list", "-config", cfgPath}, &out, &errOut); code != 0 ||
			!strings.Contains(out.String(), "HTTP API") {
			b.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
		}
	}
}
