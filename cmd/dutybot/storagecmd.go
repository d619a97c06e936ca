package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

const storageUsageText = `usage:
  dutybot storage copy [-config FILE] -from FILE.db -to postgres
                        copy a township's bbolt database (bindings, alerts, the outbox,
                        deadlines, the chained log, every record) into the PostgreSQL
                        database of storage.dsn_file or DUTYBOT_STORAGE_DSN, then verify
                        the event chain there; the target must be new (no alerts, no events)
  dutybot storage copy [-config FILE] -from postgres -to FILE.db
                        the way back: the shared database into a new bbolt file

Stop dutybot first: the copy must see the database as it is when nothing writes.
"Moving to a pair" in README.md walks through a switch without losing a call.
`

// storageCmd runs "dutybot storage …".
func (c cli) storageCmd(args []string, stdout, stderr io.Writer) int {
	return subcommands("storage", storageUsageText, map[string]cmdFunc{
		"copy": c.storageCopy,
	}, args, stdout, stderr)
}

func (c cli) storageCopy(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "config.yaml", "configuration file (for storage.dsn_file)")
	from := fs.String("from", "", `the bbolt file to copy, or "postgres"`)
	to := fs.String("to", "", `"postgres", or the new bbolt file to copy into`)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *from == "" || *to == "" || (*from == "postgres") == (*to == "postgres") || fs.NArg() > 0 {
		fmt.Fprint(stderr, "dutybot storage copy: give -from and -to, one of them \"postgres\"\n", storageUsageText)
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	start := time.Now()
	src, err := c.openCopyEnd(cfg, *from, true)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot storage copy: open -from: %v\n", err)
		return 1
	}
	defer src.Close()
	dst, err := c.openCopyEnd(cfg, *to, false)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot storage copy: open -to: %v\n", err)
		return 1
	}
	defer dst.Close()
	st, err := storage.Copy(dst, src)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot storage copy: %v\n", err)
		return 1
	}
	var events uint64
	_ = dst.View(func(tx *storage.Tx) error { events, _ = tx.ChainHead(); return nil })
	fmt.Fprintf(stdout, "copied %s to %s: %d buckets, %d records, %d events; the event chain verifies on the target (%s)\n",
		src.Path(), dst.Path(), st.Buckets, st.Keys, events, time.Since(start).Round(time.Millisecond))
	if *to == "postgres" {
		fmt.Fprintln(stdout, "now set storage.driver: postgres (and storage.dsn_file) in every instance's configuration and start them")
	}
	return 0
}

// openCopyEnd opens one end of a copy: the configured PostgreSQL database,
// or a bbolt file (read-only as the source; new as the target).
func (c cli) openCopyEnd(cfg *config.Config, where string, source bool) (*storage.DB, error) {
	if where == "postgres" {
		pc := *cfg
		pc.Storage.Driver, pc.Storage.DSN = config.DriverPostgres, ""
		return openShared(&pc)
	}
	if source {
		db, err := c.open(where, storage.Options{ReadOnly: true, NoWait: true})
		if errors.Is(err, storage.ErrLocked) {
			return nil, fmt.Errorf("%w: stop dutybot before copying its database", err)
		}
		return db, err
	}
	return c.open(where, storage.Options{NoWait: true})
}
