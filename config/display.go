package config

import "time"

// DeadlineTime is the clock time of a deadline shown to officials, in the
// configured time zone: "10:58", or "10:58:30" when ShowSeconds is set.
func (c *Config) DeadlineTime(t time.Time) string {
	loc := c.Location
	if loc == nil {
		loc = time.Local
	}
	if c.ShowSeconds {
		return t.In(loc).Format(time.TimeOnly)
	}
	return t.In(loc).Format("15:04")
}
