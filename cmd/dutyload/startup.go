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
	"runtime/pprof"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/bot/fakeapi"
	"dutybot/callout"
	"dutybot/config"
	"dutybot/storage"
)

// startupResult is what one start-up measured.
type startupResult struct {
	wall time.Duration // from exec to /healthz answering
	rss  string        // the child's resident set, as it says
}

// startup prepares a database with n pending recipients (n/officials
// alerts to a town of that many officials, all delivered, first deadline
// ten minutes away), then starts a fresh process on it and reports the time
// until it serves /healthz, and its memory.
//
// With dir, the officials come from a 通讯录 file (directory.file) rather
// than the YAML list, as a district keeps them.
func startup(b *backend, n, officials int, dir bool) (res startupResult, err error) {
	officials = min(officials, n)
	alerts := (n + officials - 1) / officials
	srv := fakeapi.New(fakeapi.Options{Token: token})
	defer srv.Close()
	tmp, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	var dsn string
	if b.postgres() {
		var drop func()
		if dsn, drop, err = b.database("startup"); err != nil {
			return res, err
		}
		defer drop()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	listen := ln.Addr().String()
	ln.Close()
	dbPath := filepath.Join(tmp, "db")
	spec := townSpec{storageYAML: b.storageYAML(dbPath)}
	if dir {
		spec.directory = "通讯录.csv"
		if err := writeDirectory(filepath.Join(tmp, spec.directory), officials); err != nil {
			return res, err
		}
	}
	y := townConfig(officials, srv.URL(), listen, defaultSteps, spec)
	cfgPath := filepath.Join(tmp, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(y), 0o600); err != nil {
		return res, err
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return res, err
	}
	cfg.Telegram.Token = token
	cfg.Storage.DSN = dsn
	a, err := app.New(cfg, app.Options{Log: discard(), NoHTTP: true, NoBot: true})
	if err != nil {
		return res, err
	}
	if dir {
		if err := bindStaff(a.DB, officials); err != nil {
			a.DB.Close()
			return res, err
		}
	}
	for i := 0; i < alerts; i++ {
		if _, err := a.Engine.Create(callout.Request{Level: "red", Title: fmt.Sprintf("压测 %d", i),
			Targets: callout.Targets{Officials: staffIDs(officials)}, Source: "api"}); err != nil {
			a.DB.Close()
			return res, err
		}
		if err := deliverAll(a, time.Now()); err != nil {
			a.DB.Close()
			return res, err
		}
	}
	var deadlines int
	_ = a.DB.View(func(tx *storage.Tx) error { deadlines = tx.DeadlineCount(); return nil })
	a.DB.Close()

	start := time.Now()
	cmd := exec.Command(os.Args[0], "startup-child", "-config", cfgPath)
	cmd.Env = childEnv(dsn)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, err
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
		return res, fmt.Errorf("child never became ready")
	}
	from := "YAML"
	if dir {
		from = "通讯录 CSV"
	}
	fmt.Printf("startup (%s, officials from %s): %d pending recipients (%d alerts to %d officials, %d deadlines): ready in %s wall from exec; child says %s\n",
		b.driver, from, alerts*officials, alerts, officials, deadlines, wall.Round(time.Millisecond), strings.TrimPrefix(line, "READY "))
	res.wall = wall
	if _, after, ok := strings.Cut(line, "VmRSS: "); ok {
		res.rss, _, _ = strings.Cut(after, ",")
	}
	return res, nil
}

// startupChild runs the real app and prints READY once /healthz answers
// and the bot has connected.
//
// DUTYLOAD_CHILD_PROFILE=file writes a CPU profile of the child's start-up,
// DUTYLOAD_CHILD_HEAP=file a heap profile once it is ready.
func startupChild(cfgPath string) error {
	t0 := time.Now()
	if p := os.Getenv("DUTYLOAD_CHILD_PROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
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
	pprof.StopCPUProfile()
	ready, mem := time.Since(t0), memory()
	if p := os.Getenv("DUTYLOAD_CHILD_HEAP"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		if err := pprof.WriteHeapProfile(f); err != nil {
			return err
		}
		f.Close()
	}
	fmt.Printf("READY in %s after main; %s\n", ready.Round(time.Millisecond), mem)
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
