package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"dutybot/config"
	"dutybot/pgtest"
)

// backend is where a measurement's town keeps its state: a bbolt file in a
// temporary directory, or a fresh database on a PostgreSQL server (one
// durable pgtest server per run, or the server -dsn names), so the same
// figure can be taken on both drivers.
type backend struct {
	driver string
	base   string // connection string without a database (postgres)
	srv    *pgtest.Server
	mu     sync.Mutex
	seq    int
	stop   func() // stops watching for SIGINT and SIGTERM
}

// openBackend prepares the driver: for postgres it starts a durable
// PostgreSQL server in a temporary directory unless dsn names a running
// one (a connection string without dbname, on which the tool creates and
// drops databases named dutyload_*).
func openBackend(driver, dsn string) (*backend, error) {
	switch driver {
	case config.DriverBolt:
		return &backend{driver: driver}, nil
	case config.DriverPostgres:
	default:
		return nil, fmt.Errorf("-driver %q: use %s or %s", driver, config.DriverBolt, config.DriverPostgres)
	}
	b := &backend{driver: driver, base: dsn}
	if dsn == "" {
		start := time.Now()
		srv, err := pgtest.Start(pgtest.Options{Durable: true})
		if err != nil {
			return nil, fmt.Errorf("start postgres: %w", err)
		}
		b.srv, b.base = srv, srv.Base()
		fmt.Fprintf(os.Stderr, "dutyload: started a durable PostgreSQL (fsync on) in %s in %s\n", srv.Dir, time.Since(start).Round(time.Millisecond))
	}
	// An interrupted run still stops the server it started.
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			b.close()
			os.Exit(1)
		case <-done:
		}
	}()
	b.stop = func() { signal.Stop(ch); close(done) }
	return b, nil
}

// close stops the server the run started.
func (b *backend) close() {
	if b.stop != nil {
		b.stop()
		b.stop = nil
	}
	if b.srv != nil {
		b.srv.Remove()
		b.srv = nil
	}
}

// postgres reports whether the town's state is kept in PostgreSQL.
func (b *backend) postgres() bool { return b.driver == config.DriverPostgres }

// database creates a new, empty database for what (a measurement) and
// returns its connection string and a function that drops it.
func (b *backend) database(what string) (dsn string, drop func(), err error) {
	b.mu.Lock()
	b.seq++
	name := fmt.Sprintf("dutyload_%d_%d_%s", os.Getpid(), b.seq, strings.ReplaceAll(what, "-", "_"))
	b.mu.Unlock()
	ident := pgx.Identifier{name}.Sanitize()
	if err := b.admin("CREATE DATABASE " + ident); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	dsn, err = withDatabase(b.base, name)
	if err != nil {
		return "", nil, err
	}
	drop = func() {
		if err := b.admin("DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)"); err != nil {
			fmt.Fprintf(os.Stderr, "dutyload: drop database %s: %v\n", name, err)
		}
	}
	return dsn, drop, nil
}

// admin runs one statement on the server's maintenance database.
func (b *backend) admin(sql string) error {
	dsn, err := withDatabase(b.base, "postgres")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("connect to the server: %w", err)
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}

// withDatabase names the database in a connection string given as
// key=value pairs or as a postgres:// URL.
func withDatabase(base, name string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("-dsn does not parse as a URL")
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return strings.TrimSpace(base) + " dbname=" + name, nil
}

// storageYAML is the storage section of a generated configuration: the
// bbolt file dbPath, or the driver alone for postgres (the connection
// string is a secret: DUTYBOT_STORAGE_DSN or cfg.Storage.DSN carry it).
func (b *backend) storageYAML(dbPath string) string {
	if b.postgres() {
		return "storage:\n  driver: postgres\n"
	}
	return "storage:\n  path: " + dbPath + "\n"
}

// town generates a town of n staff talking to apiURL on a fresh database
// of the driver's; close removes it.
func (b *backend) town(what string, n int, apiURL, steps string) (*town, error) {
	if !b.postgres() {
		return newTown(n, apiURL, steps)
	}
	dir, err := os.MkdirTemp("", "dutyload")
	if err != nil {
		return nil, err
	}
	dsn, drop, err := b.database(what)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cfg, err := config.Parse([]byte(townConfig(n, apiURL, "127.0.0.1:0", steps, townSpec{storageYAML: b.storageYAML("")})))
	if err != nil {
		drop()
		os.RemoveAll(dir)
		return nil, err
	}
	cfg.Telegram.Token = token
	cfg.Storage.DSN = dsn
	return &town{dir: dir, cfg: cfg, n: n, drop: drop}, nil
}

// childEnv is the environment of a dutybot child process on dsn (empty
// for bbolt): the secrets config.ResolveSecrets reads.
func childEnv(dsn string) []string {
	env := append(os.Environ(), "DUTYBOT_TELEGRAM_TOKEN="+token)
	if dsn != "" {
		env = append(env, config.EnvStorageDSN+"="+dsn)
	}
	return env
}

// withBackend runs measure on the driver's backend and closes it.
func withBackend(driver, dsn string, measure func(*backend) error) error {
	b, err := openBackend(driver, dsn)
	if err != nil {
		return err
	}
	defer b.close()
	return measure(b)
}
