package main

import (
	"fmt"
	"time"

	"dutybot/app"
	"dutybot/callout"
	"dutybot/clock"
	"dutybot/storage"
)

// seedTxTimeout bounds the set-up's transactions on PostgreSQL.
const seedTxTimeout = 15 * time.Minute

// seeder sets a town's database up before a measurement. On bbolt it is
// the app's own engine. On PostgreSQL it is an engine on a second
// connection whose transactions may run for minutes: an alert to 10,000
// officials is one transaction, longer there than dutybot's bound of 60 s
// (storage.PGOptions.TxTimeout), and the figures are about what follows.
type seeder struct {
	db     *storage.DB
	engine *callout.Engine
	close  func()
}

// seeder returns the set-up engine of the town a runs on.
func (t *town) seeder(a *app.App) (*seeder, error) {
	if !t.cfg.Storage.Postgres() {
		return &seeder{db: a.DB, engine: a.Engine, close: func() {}}, nil
	}
	db, err := storage.OpenPostgres(t.cfg.Storage.DSN, storage.PGOptions{TxTimeout: seedTxTimeout})
	if err != nil {
		return nil, fmt.Errorf("open the set-up connection: %w", err)
	}
	e := callout.New(t.cfg, db, clock.Real{}, a.Catalog, nil, quiet())
	return &seeder{db: db, engine: e, close: func() { db.Close() }}, nil
}

// callStaff creates one red alert to every staff member.
func (s *seeder) callStaff(n int) (callout.Alert, error) {
	return s.engine.Create(callout.Request{Level: "red", Title: "压测", Targets: callout.Targets{Officials: staffIDs(n)}, Source: "api"})
}

// deliverSpread records the queued calls as delivered at times spread
// evenly over spread, starting at at.
func (s *seeder) deliverSpread(at time.Time, spread time.Duration) error {
	return deliverSpreadOn(s.db, s.engine, at, spread)
}
