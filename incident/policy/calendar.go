package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Calendar is a jurisdiction's working week and public holidays, the data a
// business-day deadline counts with. Holidays are listed with the law that
// makes them holidays, so an officer can check each one.
type Calendar struct {
	Name   string `yaml:"name"`   // for people, e.g. "Brazil, national holidays"
	Source string `yaml:"source"` // where the list comes from (URL or statute)
	Notes  string `yaml:"notes"`  // what is left out on purpose, and why
	// Weekend lists the days that are never working days, in English
	// ("saturday", "sunday"). Empty: Saturday and Sunday.
	Weekend  []string  `yaml:"weekend"`
	Holidays []Holiday `yaml:"holidays"`
}

// Holiday is one public holiday. Exactly one of Date and Easter is set.
type Holiday struct {
	Name string `yaml:"name"`
	// Date is "MM-DD" for a holiday every year or "YYYY-MM-DD" for a single
	// day (a one-off holiday declared by law).
	Date string `yaml:"date"`
	// Easter is the offset in days from Western (Gregorian) Easter Sunday:
	// Good Friday is -2, Easter Monday 1. A pointer, as 0 is Easter itself.
	Easter *int `yaml:"easter"`
	// From and Until bound the years a yearly holiday is kept (0: no bound),
	// for a holiday created or abolished by a later law.
	From     int    `yaml:"from"`
	Until    int    `yaml:"until"`
	Citation string `yaml:"citation"` // the law that makes it a holiday
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday,
	"wednesday": time.Wednesday, "thursday": time.Thursday, "friday": time.Friday,
	"saturday": time.Saturday,
}

// Working reports whether the civil date (year, month, day) is a working
// day: neither a weekend day nor a holiday.
func (c *Calendar) Working(y int, m time.Month, d int) bool {
	day := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	if c.weekend(day.Weekday()) {
		return false
	}
	for _, h := range c.Holidays {
		if h.on(day) {
			return false
		}
	}
	return true
}

func (c *Calendar) weekend(w time.Weekday) bool {
	if len(c.Weekend) == 0 {
		return w == time.Saturday || w == time.Sunday
	}
	return slices.ContainsFunc(c.Weekend, func(s string) bool {
		return weekdays[strings.ToLower(s)] == w
	})
}

// on reports whether the holiday falls on day (noon UTC of a civil date).
func (h Holiday) on(day time.Time) bool {
	y := day.Year()
	if (h.From != 0 && y < h.From) || (h.Until != 0 && y > h.Until) {
		return false
	}
	if h.Easter != nil {
		return sameDate(easter(y).AddDate(0, 0, *h.Easter), day)
	}
	if len(h.Date) == len("2006-01-02") {
		return h.Date == day.Format("2006-01-02")
	}
	return h.Date == day.Format("01-02")
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// easter returns Western Easter Sunday of year y (noon UTC), by the
// anonymous Gregorian algorithm (Meeus/Jones/Butcher).
func easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(y, time.Month(month), day, 12, 0, 0, 0, time.UTC)
}

// validate lists the calendar's problems, each prefixed with where.
func (c *Calendar) validate(where string) []error {
	var errs []error
	for _, w := range c.Weekend {
		if _, ok := weekdays[strings.ToLower(w)]; !ok {
			errs = append(errs, fmt.Errorf("%s.weekend: %q is not a day of the week", where, w))
		}
	}
	for i, h := range c.Holidays {
		errs = append(errs, h.validate(fmt.Sprintf("%s.holidays[%d] (%s)", where, i, h.Name))...)
	}
	return errs
}

func (h Holiday) validate(where string) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(where+": "+format, args...))
	}
	switch {
	case h.Date == "" && h.Easter == nil:
		bad("needs a date or an easter offset")
	case h.Date != "" && h.Easter != nil:
		bad("has both a date and an easter offset")
	case h.Date != "" && !validDate(h.Date):
		bad("date %q is neither MM-DD nor YYYY-MM-DD", h.Date)
	}
	if h.Until != 0 && h.From > h.Until {
		bad("from %d is after until %d", h.From, h.Until)
	}
	return errs
}

func validDate(s string) bool {
	if _, err := time.Parse("2006-01-02", s); err == nil {
		return true
	}
	// 2000 is a leap year, so 02-29 parses.
	_, err := time.Parse("2006-01-02", "2000-"+s)
	return err == nil && len(s) == len("01-02")
}
