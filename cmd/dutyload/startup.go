package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// startup prepares a database with n pending recipients (n/officials
// alerts to a town of that many officials, all delivered, first deadline
// ten minutes away), then starts a fresh process on it and reports the time
// until it serves /healthz, and its memory.
func startup(n, officials int) error {
	officials = min(officials, n)
	alerts := (n + officials - 1) / officials
	srv := fakeapi.New(fakeapi.Options{Token: token})
	defer srv.Close()
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	listen := ln.Addr().String()
	ln.Close()
	dbPath := filepath.Join(dir, "db")
	y := townYAML(officials, srv.URL(), dbPath, listen, defaultSteps)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(y), 0o600); err != nil {
		return err
	}
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		return err
	}
	cfg.Telegram.Token = token
	a, err := app.New(cfg, app.Options{Log: discard(), NoHTTP: true, NoBot: true})
	if err != nil {
		return err
	}
	for i := 0; i < alerts; i++ {
		if _, err := a.Engine.Create(callout.Request{Level: "red", Title: fmt.Sprintf("压测 %d", i),
			Targets: storage.Targets{Officials: staffIDs(officials)}, Source: "api"}); err != nil {
			return err
		}
		if err := deliverAll(a, time.Now()); err != nil {
			return err
		}
	}
	var deadlines int
	_ = a.DB.View(func(tx *storage.Tx) error { deadlines = tx.DeadlineCount(); return nil })
	a.DB.Close()

	start := time.Now()
	cmd := exec.Command(os.Args[0], "startup-child", "-config", cfgPath)
	cmd.Env = append(os.Environ(), "DUTYBOT_TELEGRAM_TOKEN="+token)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	sc := bufio.NewScanner(out)
	var line string
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "READY") {
			line = sc.Text()
			break
		}
	}
	wall := time.Since(start)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if line == "" {
		return fmt.Errorf("child never became ready")
	}
	fmt.Printf("startup: %d pending recipients (%d alerts to %d officials, %d deadlines): ready in %s wall from exec; child says %s\n",
		alerts*officials, alerts, officials, deadlines, wall.Round(time.Millisecond), strings.TrimPrefix(line, "READY "))
	return nil
}

// startupChild runs the real app and prints READY once /healthz answers
// and the bot has connected.
func startupChild(cfgPath string) error {
	t0 := time.Now()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return err
	}
	if os.Getenv("DUTYLOAD_STAGES") != "" {
		fmt.Fprintf(os.Stderr, "after config: %s\n", memory())
		defer func() { fmt.Fprintf(os.Stderr, "at end: %s\n", memory()) }()
	}
	if err := cfg.ResolveSecrets(os.Getenv); err != nil {
		return err
	}
	a, err := app.New(cfg, app.Options{Log: discard()})
	if err != nil {
		return err
	}
	if os.Getenv("DUTYLOAD_STAGES") != "" {
		fmt.Fprintf(os.Stderr, "after app.New: %s\n", memory())
	}
	go func() { _ = a.Run(context.Background()) }()
	for {
		resp, err := http.Get("http://" + cfg.HTTP.Listen + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	fmt.Printf("READY in %s after main; %s\n", time.Since(t0).Round(time.Millisecond), memory())
	return nil
}

// memory reads the resident set size from /proc.
func memory() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "memory unknown"
	}
	var parts []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			parts = append(parts, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(parts, ", ")
}
