package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"dutybot/config"
)

// haCompare takes issue 15's figures on both drivers in one run: acks
// recorded per second, the fan-out to 1,000 officials against Telegram's
// floor, escalation lateness with 10,000 pending and the start-up time, on
// a bbolt file and on a durable PostgreSQL (started for the run, or the
// server dsn names), each on a fresh database, and prints them side by
// side. n > 0 sizes every figure alike (the fan-out to at most 1,000:
// past that it only grows Telegram's floor); otherwise each takes its
// usual size.
func haCompare(n, workers int, spread time.Duration, officials int, dsn string) error {
	drivers := []string{config.DriverBolt, config.DriverPostgres}
	backends := map[string]*backend{}
	for _, d := range drivers {
		b, err := openBackend(d, dsn)
		if err != nil {
			return err
		}
		defer b.close()
		backends[d] = b
	}
	nAcks, nFanout, nPunct, nStartup := def(n, 10000), min(def(n, 1000), 1000), def(n, 10000), def(n, 10000)
	type row struct {
		figure string
		cells  map[string]string
	}
	var rows []row
	var notes []string
	add := func(figure string) map[string]string {
		rows = append(rows, row{figure: figure, cells: map[string]string{}})
		return rows[len(rows)-1].cells
	}
	start := time.Now()

	ackRow := add(fmt.Sprintf("acks recorded per second (%d acks, %d workers)", nAcks, workers))
	setupRow := add(fmt.Sprintf("set-up: one alert to %d officials created, its calls recorded delivered", nAcks))
	for _, d := range drivers {
		r, setup, err := acks(backends[d], nAcks, workers)
		if err != nil {
			return fmt.Errorf("acks on %s: %w", d, err)
		}
		ackRow[d] = fmt.Sprintf("%.0f/s", r)
		setupRow[d] = setup.Round(10 * time.Millisecond).String()
		if d == config.DriverPostgres && setup > time.Minute {
			notes = append(notes, fmt.Sprintf("The set-up on PostgreSQL took %s, past dutybot's 60 s bound on a transaction: the alert was created over a second connection allowed %s; dutybot itself (the API, a standby) would fail to create an alert to %d officials here.", setup.Round(time.Second), seedTxTimeout, nAcks))
		}
	}
	fanRow := add(fmt.Sprintf("fan-out to %d officials: all delivered (× Telegram's floor)", nFanout))
	tooMany := add("fan-out: 429 answers")
	for _, d := range drivers {
		r, err := fanout(backends[d], nFanout)
		if err != nil {
			return fmt.Errorf("fanout on %s: %w", d, err)
		}
		fanRow[d] = fmt.Sprintf("%s (%.3f×)", r.elapsed.Round(10*time.Millisecond), r.ratio())
		tooMany[d] = fmt.Sprint(r.tooMany)
	}
	p99 := add(fmt.Sprintf("escalation lateness p99, %d pending over %s", nPunct, spread))
	p50 := add("escalation lateness p50 / max")
	for _, d := range drivers {
		r, err := punctuality(backends[d], nPunct, spread)
		if err != nil {
			return fmt.Errorf("punctuality on %s: %w", d, err)
		}
		p99[d] = roundLate(r.p99)
		p50[d] = roundLate(r.p50) + " / " + roundLate(r.max)
	}
	up := add(fmt.Sprintf("start-up with %d pending recipients: ready (exec → /healthz)", nStartup))
	rss := add("start-up: resident memory")
	for _, d := range drivers {
		r, err := startup(backends[d], nStartup, officials, false)
		if err != nil {
			return fmt.Errorf("startup on %s: %w", d, err)
		}
		up[d] = r.wall.Round(time.Millisecond).String()
		rss[d] = r.rss
	}

	fmt.Printf("\nha-compare: bbolt file vs PostgreSQL (durable: fsync on), both on this machine's disk; %s in all\n\n", time.Since(start).Round(time.Second))
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "figure\t%s\n", strings.Join(drivers, "\t"))
	for _, r := range rows {
		cells := make([]string, len(drivers))
		for i, d := range drivers {
			cells[i] = r.cells[d]
		}
		fmt.Fprintf(w, "%s\t%s\n", r.figure, strings.Join(cells, "\t"))
	}
	if err := w.Flush(); err != nil {
		return err
	}
	for _, n := range notes {
		fmt.Println("\n" + n)
	}
	return nil
}

// roundLate shows a lateness to 10 µs, or to the millisecond from a second on.
func roundLate(d time.Duration) string {
	if d >= time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(10 * time.Microsecond).String()
}
