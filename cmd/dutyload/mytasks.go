package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"dutybot/app"
	"dutybot/clock"
	"dutybot/config"
)

// exampleTown is config.example.yaml's town (its units match the plan)
// with n more staff spread over its units, pre-bound.
func exampleTown(n int, apiURL, dbPath string) (*config.Config, error) {
	data, err := os.ReadFile("config.example.yaml")
	if err != nil {
		return nil, fmt.Errorf("run from the repository root: %w", err)
	}
	y := string(data)
	y = strings.Replace(y, "api_url: https://api.telegram.org # default", "api_url: "+apiURL, 1)
	y = strings.Replace(y, "path: ./data/dutybot.db # default", "path: "+dbPath, 1)
	y = strings.Replace(y, "listen: 127.0.0.1:8080 # default", "listen: 127.0.0.1:0", 1)
	base, err := config.Parse([]byte(y))
	if err != nil {
		return nil, err
	}
	var extra strings.Builder
	for i := 0; i < n; i++ {
		u := base.People().Units[i%len(base.People().Units)].ID
		fmt.Fprintf(&extra, "  - {id: s-%d, name: 人员%d, phone: \"139%08d\", unit: %s, roles: [staff], telegram_id: %d}\n", i, i, i, u, userID(i))
	}
	y = strings.Replace(y, "\nofficials:\n", "\nofficials:\n"+extra.String(), 1)
	cfg, err := config.Parse([]byte(y))
	if err != nil {
		return nil, err
	}
	cfg.Telegram.Token = token
	return cfg, nil
}

// mytasks simulates a year of reports in the example town with n more
// officials, then measures /mytasks: the domain query, and the whole round
// trip through the fake Telegram and the bot.
func mytasks(n int) error {
	srv := fakeTelegram(n, nil)
	defer srv.Close()
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbPath := filepath.Join(dir, "db")
	cfg, err := exampleTown(n, srv.URL(), dbPath)
	if err != nil {
		return err
	}
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, cfg.Location)
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, cfg.Location))
	a, err := app.New(cfg, app.Options{Log: quiet(), NoHTTP: true, NoBot: true, Clock: clk})
	if err != nil {
		return err
	}
	// A year of history (tracking since 01-01): nine in ten instances due
	// before now reported, each with a note, by one of those who owe it.
	t0 := time.Now()
	reported := 0
	yearStart := time.Date(2026, 1, 1, 0, 0, 0, 0, cfg.Location)
	for _, in := range a.Tasks.Generator().Between(yearStart, now) {
		if rand.IntN(10) == 0 || a.Tasks.Counted(in) != "" { // counted from records, not reported
			continue
		}
		clk.Advance(in.Due.Add(-time.Hour).Sub(clk.Now()))
		who := in.Owers[rand.IntN(len(in.Owers))]
		count := max(in.Quota, 1)
		if _, err := a.Tasks.Report(who, in.ID(), count, "已按要求完成，检查企业若干家，发现隐患已督促整改。", ""); err != nil {
			return fmt.Errorf("report %s: %w", in.ID(), err)
		}
		reported++
	}
	history := time.Since(t0)
	a.DB.Close()
	info, err := os.Stat(dbPath)
	if err != nil {
		return err
	}
	fmt.Printf("mytasks: %d officials, %d units; a year of history: %d reports written in %s; bbolt file %.1f MB\n",
		len(cfg.People().Officials), len(cfg.People().Units), reported, history.Round(time.Millisecond), float64(info.Size())/1e6)

	// The domain query, for every official.
	clk = clock.NewFake(now)
	if a, err = app.New(cfg, app.Options{Log: quiet(), NoHTTP: true, Clock: clk}); err != nil {
		return err
	}
	var lat []time.Duration
	for _, o := range cfg.People().Officials {
		s := time.Now()
		if _, err := a.Tasks.Mine(o.ID, now); err != nil {
			return err
		}
		lat = append(lat, time.Since(s))
	}
	p50, p99 := quantiles(lat)
	fmt.Printf("mytasks: Mine for each of %d officials: p50 %s, p99 %s\n", len(lat), p50, p99)

	// The round trip: an official sends /mytasks, the bot answers.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	lat = lat[:0]
	for i := 0; i < 200; i++ {
		u := userID(rand.IntN(n))
		before := len(srv.Messages(u))
		s := time.Now()
		srv.SendText(u, "/mytasks")
		for len(srv.Messages(u)) == before {
			time.Sleep(200 * time.Microsecond)
		}
		lat = append(lat, time.Since(s))
		if m := srv.Messages(u)[before]; !strings.Contains(m.Text, "我的任务") {
			return fmt.Errorf("unexpected answer %q", m.Text)
		}
	}
	p50, p99 = quantiles(lat)
	fmt.Printf("mytasks: /mytasks round trip through the fake Telegram and the bot (200 requests): p50 %s, p99 %s\n", p50, p99)
	return nil
}

func quantiles(d []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(d)
	return d[len(d)/2].Round(time.Microsecond), d[min(len(d)-1, len(d)*99/100)].Round(time.Microsecond)
}
