package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSandboxCommand starts `dutybot sandbox` as a newcomer does, from the
// repository root with no config.yaml and no tokens, and follows the URL
// it prints.
func TestSandboxCommand(t *testing.T) {
	t.Chdir("../..")
	t.Setenv("DUTYBOT_TELEGRAM_TOKEN", "")
	t.Setenv("DUTYBOT_API_TOKEN", "")
	if _, err := os.Stat("config.yaml"); err == nil {
		t.Skip("this checkout has a config.yaml; the test wants a fresh one")
	}
	var stdout, stderr lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- runContext(ctx, []string{"sandbox", "-port", "0"}, &stdout, &stderr) }()

	urlRe := regexp.MustCompile(`Open\s+(http://127\.0\.0\.1:\d+/)\n`)
	var url string
	deadline := time.Now().Add(10 * time.Second)
	for url == "" {
		if m := urlRe.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("sandbox exited with %d before printing its URL\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	banner := stdout.String()
	tokenRe := regexp.MustCompile(`API token ([0-9a-f]{32})\n`)
	dataRe := regexp.MustCompile(`Data\s+(\S+) \(removed at exit\)`)
	tm, dm := tokenRe.FindStringSubmatch(banner), dataRe.FindStringSubmatch(banner)
	if tm == nil || dm == nil || !strings.Contains(banner, "÷60: default 10s/20s/30s/45s, urgent 2s/3.5s/5s/10s/15s") ||
		!strings.Contains(banner, url+"board") {
		t.Fatalf("banner:\n%s", banner)
	}
	if _, err := os.Stat(dm[1]); err != nil {
		t.Fatalf("data directory: %v", err)
	}

	get := func(path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("", ""); code != http.StatusOK || !strings.Contains(body, "dutybot 沙盒") || !strings.Contains(body, "/sandbox/static/chat.js") {
		t.Errorf("the page: %d\n%.300s", code, body)
	}
	if code, body := get("healthz", ""); code != http.StatusOK || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("healthz: %d %s", code, body)
	}
	// The printed token opens the API (404: no such alert, but admitted).
	if code, _ := get("api/v1/alerts/20260101-0001", tm[1]); code != http.StatusNotFound {
		t.Errorf("API with the printed token: %d, want 404", code)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d\nstderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
	if _, err := os.Stat(dm[1]); !os.IsNotExist(err) {
		t.Errorf("data directory left behind: %v", err)
	}
	if !strings.Contains(stdout.String(), "stopped") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
	if strings.Contains(stderr.String(), tm[1]) {
		t.Error("the API token was logged")
	}
}

func TestSandboxCommandRefusesBadUse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		says string
	}{
		{"no config here", []string{"-port", "0"}, 1, "run from the repository root"},
		{"bad speed", []string{"-config", "../../config.example.yaml", "-port", "0", "-speed", "0"}, 2, "from 1 to 3600"},
		{"speed too high", []string{"-speed", "3601"}, 2, "from 1 to 3600"},
		{"bad port", []string{"-port", "70000"}, 2, "not a port"},
		{"stray argument", []string{"extra"}, 2, `unexpected argument "extra"`},
		{"bad config", []string{"-config", "main.go", "-port", "0"}, 1, "main.go"},
	}
	for _, tt := range tests {
		var stdout, stderr lockedBuffer
		code := sandboxCmd(context.Background(), tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.says) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", tt.name, code, stderr.String(), tt.code, tt.says)
		}
	}
}
