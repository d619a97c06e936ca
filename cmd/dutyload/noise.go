package main

// dutyload noise: a year of config.example.yaml's town, with the example
// 挂牌企业台账 its officials inspect, through the real app on a fake clock,
// and how many messages each official received.

import (
	"context"
	"fmt"
	"os"
	"time"

	"dutybot/config"
	"dutybot/enterprise"
	"dutybot/noise"
)

// noiseLoad simulates year with a share onTime of items reported on time
// and prints the table; the database lives in dir.
func noiseLoad(year int, onTime float64, seed uint64, dir string) error {
	cfg, err := config.Load("config.example.yaml")
	if err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	ents, err := enterprise.ParseFile("examples/enterprises.example.yaml", cfg)
	if err != nil {
		return fmt.Errorf("the example registry: %w", err)
	}
	start := time.Now()
	r, err := noise.Simulate(context.Background(), noise.Options{Config: cfg, Year: year, OnTime: onTime, Seed: seed, Dir: dir,
		Enterprises: ents, Log: quiet()})
	if err != nil {
		return err
	}
	if err := r.WriteTable(os.Stdout); err != nil {
		return err
	}
	fmt.Printf("dutyload noise: a simulated year %d took %s of wall time\n", year, time.Since(start).Round(time.Millisecond))
	return nil
}

// memoryDir is a memory file system to keep the throw-away database in, if
// the machine has one: bbolt syncs every commit, and on disk that is most
// of a simulated year's wall time.
func memoryDir() string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return ""
}
