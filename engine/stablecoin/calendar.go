package stablecoin

import "time"

// OpenHours is the time, in hours, during which the desk is open within
// [from, to): business days (Monday to Friday, not a holiday) between
// OpenHour and CloseHour UTC. It does not allocate.
func (c *Calendar) OpenHours(from, to time.Time) float64 {
	from, to = from.UTC(), to.UTC()
	var open time.Duration
	for t := from; t.Before(to); {
		day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		next := day.Add(24 * time.Hour)
		if next.After(to) {
			next = to
		}
		if c.businessDay(day) {
			lo := day.Add(time.Duration(c.OpenHour) * time.Hour)
			hi := day.Add(time.Duration(c.CloseHour) * time.Hour)
			if lo.Before(t) {
				lo = t
			}
			if hi.After(next) {
				hi = next
			}
			if hi.After(lo) {
				open += hi.Sub(lo)
			}
		}
		t = next
	}
	return open.Hours()
}

// UntilOpen is the time in hours from t to the next moment the desk is
// open (0 when it is open at t), looking at most 60 days ahead.
func (c *Calendar) UntilOpen(t time.Time) float64 {
	t = t.UTC()
	for d := 0; d <= 60; d++ {
		day := time.Date(t.Year(), t.Month(), t.Day()+d, 0, 0, 0, 0, time.UTC)
		if !c.businessDay(day) {
			continue
		}
		lo := day.Add(time.Duration(c.OpenHour) * time.Hour)
		hi := day.Add(time.Duration(c.CloseHour) * time.Hour)
		if !t.Before(hi) {
			continue
		}
		if t.Before(lo) {
			return lo.Sub(t).Hours()
		}
		return 0
	}
	return 60 * 24
}

func (c *Calendar) businessDay(day time.Time) bool {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	y, yd := day.Year(), day.YearDay()
	for _, h := range c.Holidays {
		h = h.UTC()
		if h.Year() == y && h.YearDay() == yd {
			return false
		}
	}
	return true
}
