package app

import (
	"fmt"
	"os"

	"dutybot/config"
	"dutybot/workcal"
)

// LoadCalendar builds the working calendar of cfg with calendar.overrides_file,
// read relative to the working directory, so that the bot and check-config
// judge the same file the same way.
func LoadCalendar(cfg *config.Config) (*workcal.Calendar, error) {
	var f workcal.File
	if path := cfg.Calendar.OverridesFile; path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("calendar.overrides_file: %w", err)
		}
		if f, err = workcal.ParseFile(data); err != nil {
			return nil, fmt.Errorf("calendar.overrides_file %s: %w", path, err)
		}
		f.Name = path
	}
	cal, err := workcal.NewFromFile(cfg.Location, f)
	if err != nil {
		return nil, fmt.Errorf("calendar.overrides_file: %w", err)
	}
	return cal, nil
}

// warnCalendar tells the log, at every start, and each admin, once, when
// this year or the coming year has no holiday data (workday rules would
// treat its holidays as workdays) or only the built-in data nobody has
// checked against the State Council's notice.
func (a *App) warnCalendar() {
	this := a.opts.Clock.Now().In(a.Config.Location).Year()
	for _, year := range []int{this, this + 1} {
		which := "this year"
		if year != this {
			which = "the coming year"
		}
		key, msg := "", ""
		switch src := a.Calendar.Source(year); {
		case !a.Calendar.HasData(year):
			a.log.Warn("the working calendar has no holidays for "+which+"; add them with calendar.overrides_file", "year", year)
			key, msg = fmt.Sprintf("calendar-missing-%d", year), "AdminCalendarMissing"
		case !src.Confirmed:
			a.log.Warn("the working calendar's holidays for "+which+" are not checked against the State Council's notice; "+
				"load the notice's schedule as a whole year with calendar.overrides_file", "year", year, "source", src.Detail)
			key, msg = fmt.Sprintf("calendar-unconfirmed-%d", year), "AdminCalendarUnconfirmed"
		default:
			continue
		}
		err := a.Engine.TellAdminsOnce(key, func(lang string) string {
			return a.Catalog.T(lang, msg, map[string]any{"Year": year})
		})
		if err != nil {
			a.log.Error("tell the admins about the working calendar", "year", year, "err", err)
		}
	}
}
