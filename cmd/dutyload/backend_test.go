package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"dutybot/app"
	"dutybot/config"
	"dutybot/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// A postgres town lives in a database of its own on the server, which its
// close drops; its configuration names the driver and no file, and the
// bbolt town's configuration is what it was.
func TestPostgresTownHasItsOwnDatabase(t *testing.T) {
	srv := pgtest.Shared(t)
	b := &backend{driver: config.DriverPostgres, base: srv.Base()}
	tw, err := b.town("test", 5, "http://127.0.0.1:9", defaultSteps)
	if err != nil {
		t.Fatal(err)
	}
	if !tw.cfg.Storage.Postgres() || tw.cfg.Storage.DSN == "" {
		t.Fatalf("storage %+v: want the postgres driver with a DSN", tw.cfg.Storage)
	}
	a, err := tw.open(app.Options{NoBot: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.DB.Backend(); got != "postgres" {
		t.Errorf("the town's database is on %s", got)
	}
	alert, err := tw.callStaff(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(alert.Recipients) != 5 {
		t.Errorf("%d recipients, want 5", len(alert.Recipients))
	}
	a.DB.Close()
	dsn := tw.cfg.Storage.DSN
	tw.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, dsn); err == nil {
		c.Close(ctx)
		t.Errorf("the town's database is still there after close")
	} else if !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("connect to the dropped database: %v; want that it does not exist", err)
	}

	bolt := townYAML(5, "http://127.0.0.1:9", "/tmp/x.db", "127.0.0.1:0", defaultSteps)
	if !strings.Contains(bolt, "storage:\n  path: /tmp/x.db\nhttp:\n") || strings.Contains(bolt, "driver") {
		t.Errorf("the bbolt town's storage section changed:\n%s", bolt)
	}
}

func TestWithDatabase(t *testing.T) {
	for _, c := range []struct{ base, want string }{
		{"host=127.0.0.1 port=5432 user=postgres sslmode=disable", "host=127.0.0.1 port=5432 user=postgres sslmode=disable dbname=d"},
		{"postgres://u:p@db.example:5432/?sslmode=require", "postgres://u:p@db.example:5432/d?sslmode=require"},
	} {
		got, err := withDatabase(c.base, "d")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.base, got, err, c.want)
		}
	}
}
