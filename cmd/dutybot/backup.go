package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"dutybot/config"
	"dutybot/storage"
)

const backupUsageText = `usage:
  dutybot backup [-config FILE] [-force] FILE
                        write a consistent copy of the database to FILE, then open
                        the copy and check its event chain

While dutybot is running the copy is taken through its HTTP API (GET
/api/v1/backup with the token of http.api_token_file or DUTYBOT_API_TOKEN), in
one read transaction: the bot goes on working meanwhile. To restore, stop
dutybot, put the copy in place of storage.path and start dutybot.
`

// backupCmd runs "dutybot backup …".
func (c cli) backupCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, backupUsageText)
		return 0
	}
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	cfgPath := fs.String("config", "config.yaml", "configuration file")
	force := fs.Bool("force", false, "replace an existing file")
	pos, code, ok := parseArgs("backup", fs, args, 1, "FILE", stdout, stderr)
	if !ok {
		return code
	}
	file := pos[0]
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	if abs, err := filepath.Abs(file); err == nil {
		if db, err := filepath.Abs(cfg.Storage.Path); err == nil && abs == db {
			fmt.Fprintf(stderr, "dutybot backup: %s is the database itself; name another file\n", file)
			return 2
		}
	}
	if _, err := os.Stat(file); err == nil && !*force {
		fmt.Fprintf(stderr, "dutybot backup: %s exists; use -force to replace it\n", file)
		return 1
	}
	_ = cfg.ResolveSecrets(os.Getenv)

	start := time.Now()
	tmp := file + ".partial"
	n, via, err := c.backupTo(cfg, *cfgPath, tmp)
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		fmt.Fprintf(stderr, "dutybot backup: %v\nno backup was written\n", err)
		return 1
	}
	took := time.Since(start).Round(time.Millisecond)
	// The copy must open and its chain hold, or it is no backup.
	copyDB, err := storage.OpenReadOnly(file)
	if err != nil {
		fmt.Fprintf(stderr, "dutybot backup: wrote %s but it does not open: %v\n", file, err)
		return 1
	}
	var r storage.ChainReport
	_ = copyDB.View(func(tx *storage.Tx) error { r = tx.VerifyChain(); return nil })
	copyDB.Close()
	fmt.Fprintf(stdout, "wrote %s: %d bytes in %s (read %s)\n", file, n, took, via)
	switch {
	case r.OK():
		fmt.Fprintf(stdout, "the copy opens and its %s match their hash chain; head #%d %s\n", plural(int(r.Events), "event"), r.HeadSeq, r.HeadHash)
	case r.Break != nil:
		fmt.Fprintf(stderr, "dutybot backup: the copy's event chain is broken at %s (so is the database's: run dutybot ledger verify)\n", r.Break)
		return 1
	default:
		fmt.Fprintf(stdout, "the copy opens; its events are not chained yet (schema version %d)\n", r.Schema)
	}
	return 0
}

// backupTo writes a consistent copy to path: directly when the database
// is free, else through the running dutybot's API. It syncs the file.
func (c cli) backupTo(cfg *config.Config, cfgPath, path string) (int64, string, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, "", err
	}
	n, via, err := c.copyDatabase(cfg, cfgPath, f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return n, via, err
}

func (c cli) copyDatabase(cfg *config.Config, cfgPath string, w io.Writer) (int64, string, error) {
	db, held, err := c.openDirect(cfg, true)
	switch {
	case held:
		return backupViaAPI(cfg, cfgPath, w)
	case err != nil:
		return 0, "", err
	}
	defer db.Close()
	n, err := db.WriteTo(w)
	if db.Shared() {
		return n, db.Path() + " (a consistent snapshot of the shared database, as a bbolt file)", err
	}
	return n, cfg.Storage.Path + " directly (dutybot is not running)", err
}

// backupViaAPI streams GET /api/v1/backup into w.
func backupViaAPI(cfg *config.Config, cfgPath string, w io.Writer) (int64, string, error) {
	client, err := newAPIClient(cfg, cfgPath)
	if err != nil {
		return 0, "", err
	}
	via := "through the running dutybot's HTTP API at " + client.base
	const path = "/api/v1/backup"
	// No overall timeout: a large database takes as long as it takes.
	resp, cancel, err := client.request("GET", path, nil, 0)
	if err != nil {
		return 0, via, err
	}
	defer cancel()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return 0, via, client.answerError("GET", path, resp, body)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, via, fmt.Errorf("the copy broke off after %d bytes: %w", n, err)
	}
	return n, via, nil
}
