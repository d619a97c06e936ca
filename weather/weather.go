// Package weather sends weather warnings as 叫应 alerts, runs
// extreme-weather duty mode, and the 熔断 checklist of 禁停撤疏 actions
// that units confirm. It knows nothing of Telegram.
package weather

import (
	"context"
	"log/slog"
	"time"

	"dutybot/callout"
	"dutybot/clock"
	"dutybot/config"
	"dutybot/locales"
	"dutybot/storage"
)

// Service runs weather warnings.
type Service struct {
	cfg    *config.Config
	db     *storage.DB
	engine *callout.Engine
	tr     *locales.Catalog
	clock  clock.Clock
	log    *slog.Logger
	// DutyMode is called inside the transaction that switches
	// extreme-weather duty mode on or off (rota.Service.DutyMode).
	DutyMode func(tx *storage.Tx, w storage.Warning, on bool, now time.Time) error
}

// New returns the weather service.
func New(cfg *config.Config, db *storage.DB, engine *callout.Engine, tr *locales.Catalog, clk clock.Clock, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{cfg: cfg, db: db, engine: engine, tr: tr, clock: clk, log: log,
		DutyMode: func(*storage.Tx, storage.Warning, bool, time.Time) error { return nil }}
}

// Fire acts on due deadlines with keys "w:…". TODO(weather).
func (s *Service) Fire(tx *storage.Tx, due []storage.Deadline, now time.Time) error { return nil }

// Run runs until ctx ends. TODO(weather).
func (s *Service) Run(ctx context.Context) error { <-ctx.Done(); return nil }
