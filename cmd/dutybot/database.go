package main

import (
	"errors"

	"dutybot/app"
	"dutybot/config"
	"dutybot/storage"
)

// How a command reaches the database. The running dutybot holds the file
// (bbolt's lock on it); a command then asks the bot over its HTTP API. The
// command tries the lock once and does not wait for it (storage's
// NoWait): waiting could only delay the answer, as a bot that holds the
// file keeps holding it. A lock is held by an open file of a live process,
// so a bot that crashed leaves none behind, and the command then works on
// the file directly.

// cli is what the commands that use the database share: how they open it,
// so that a test can watch every attempt.
type cli struct {
	// open opens the database: storage.OpenWith, or a test's spy.
	open func(path string, o storage.Options) (*storage.DB, error)
}

// newCLI returns the commands as they run for real.
func newCLI() cli { return cli{open: storage.OpenWith} }

// openDirect opens the configured database for a command (read-only for
// one that only reads), or reports held when another process holds it:
// the running dutybot, to be asked over its API instead. A PostgreSQL
// database is never held: every instance and every command writes
// straight into it.
func (c cli) openDirect(cfg *config.Config, readOnly bool) (db *storage.DB, held bool, err error) {
	if cfg.Storage.Postgres() {
		db, err := openShared(cfg)
		return db, false, err
	}
	db, err = c.open(cfg.Storage.Path, storage.Options{ReadOnly: readOnly, NoWait: true})
	if errors.Is(err, storage.ErrLocked) {
		return nil, true, nil
	}
	return db, false, err
}

// held reports whether another process holds the database at path, for a
// command that opens the database itself afterwards (through app.New). A
// missing, empty or damaged file is not held; the command's own open then
// creates it or says what is wrong.
func (c cli) held(cfg *config.Config) bool {
	if cfg.Storage.Postgres() {
		return false
	}
	db, err := c.open(cfg.Storage.Path, storage.Options{ReadOnly: true, NoWait: true, NoCheck: true})
	if err != nil {
		return errors.Is(err, storage.ErrLocked)
	}
	db.Close()
	return false
}

// openShared opens the PostgreSQL database of cfg, reading its connection
// string first if need be.
func openShared(cfg *config.Config) (*storage.DB, error) {
	if cfg.Storage.DSN == "" {
		if err := cfg.ResolveStorage(nil); err != nil {
			return nil, err
		}
	}
	return app.OpenStorage(cfg, storage.Options{})
}
