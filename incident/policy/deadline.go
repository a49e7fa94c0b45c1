package policy

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // a host without zoneinfo still knows America/Sao_Paulo
)

const (
	maxYear = 9999 // the last year a JSON time can carry
	// maxAmount bounds any amount (over 11 years in hours), well inside what
	// a time.Duration holds, so that no count can overflow.
	maxAmount = 100_000
)

// After returns the deadline counted from the clock instant from, in UTC.
// fixed is false, with a zero time, when the law sets no fixed time and Due
// says it in words. Business days need the deadline to come from a parsed
// or validated Policy, which links its calendar.
func (d Deadline) After(from time.Time) (t time.Time, fixed bool, err error) {
	if err := d.shape(); err != nil {
		return time.Time{}, false, err
	}
	switch {
	case d.Hours > 0:
		t = from.UTC().Add(time.Duration(d.Hours) * time.Hour)
	case d.Days > 0:
		t, err = d.afterDays(from)
	case d.BusinessDays > 0:
		t, err = d.afterBusinessDays(from)
	case d.Months > 0:
		t, err = d.afterMonths(from)
	case d.AfterYearEndDays > 0:
		t, err = d.afterYearEnd(from)
	default:
		return time.Time{}, false, nil // Due only
	}
	if err != nil {
		return time.Time{}, false, err
	}
	if t.Year() > maxYear {
		return time.Time{}, false, fmt.Errorf("count deadline: %s after %s is past year %d", d, from.UTC().Format(time.RFC3339), maxYear)
	}
	return t.UTC(), true, nil
}

// shape checks that exactly one amount is set, or only Due.
func (d Deadline) shape() error {
	n := 0
	for _, v := range []int{d.Hours, d.Days, d.BusinessDays, d.Months, d.AfterYearEndDays} {
		if v < 0 {
			return errors.New("deadline amount is negative")
		}
		if v > maxAmount {
			return fmt.Errorf("deadline amount %d is above %d", v, maxAmount)
		}
		if v > 0 {
			n++
		}
	}
	switch {
	case n > 1:
		return errors.New("deadline sets more than one of hours, days, business_days, months, after_year_end_days")
	case n == 0 && d.Due == "":
		return errors.New("deadline needs hours, days, business_days, months, after_year_end_days or due")
	}
	return nil
}

// afterDays: exact 24 h days without a zone; with one, to the end of the
// local day Days after the clock's local date.
func (d Deadline) afterDays(from time.Time) (time.Time, error) {
	if d.Timezone == "" {
		return from.UTC().Add(time.Duration(d.Days) * 24 * time.Hour), nil
	}
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return time.Time{}, fmt.Errorf("load timezone: %w", err)
	}
	y, m, day := from.In(loc).Date()
	if d.CountClockDay {
		day--
	}
	return endOfDay(y, m, day+d.Days, loc), nil
}

// afterBusinessDays counts forward from the day after the clock's local
// date to the BusinessDays-th working day, and ends with that local day.
func (d Deadline) afterBusinessDays(from time.Time) (time.Time, error) {
	if d.cal == nil {
		return time.Time{}, fmt.Errorf("count business days: calendar %q not linked (use a parsed or validated policy)", d.Calendar)
	}
	if d.Timezone == "" {
		return time.Time{}, errors.New("count business days: no timezone")
	}
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return time.Time{}, fmt.Errorf("load timezone: %w", err)
	}
	y, m, day := from.In(loc).Date()
	if d.CountClockDay {
		day-- // the clock's own date is the first candidate
	}
	date := time.Date(y, m, day, 12, 0, 0, 0, time.UTC)
	for n := 0; n < d.BusinessDays; {
		date = date.AddDate(0, 0, 1)
		if date.Year() > maxYear { // a calendar of only holidays must not spin forever
			return time.Time{}, fmt.Errorf("count business days: none found in calendar %q", d.Calendar)
		}
		if d.cal.Working(date.Date()) {
			n++
		}
	}
	return endOfDay(date.Year(), date.Month(), date.Day(), loc), nil
}

// endOfDay is the last instant of a local civil date: the nanosecond before
// the next local day begins. time.Date normalises an overflowing day.
func endOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	return startOfDay(y, m, d+1, loc).Add(-time.Nanosecond)
}

// startOfDay is the first instant of a local civil date. Where a DST change
// skips midnight (Brazil before 2019), time.Date may land on the previous
// day; the day then begins at the change, found minute by minute.
func startOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	want := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for i := 0; i < 24*60 && !sameDate(t, want); i++ {
		t = t.Add(time.Minute)
	}
	return t
}

// afterMonths adds calendar months on the clock's date in the deadline's
// time zone (UTC when none), keeping the local clock time.
func (d Deadline) afterMonths(from time.Time) (time.Time, error) {
	loc, err := d.location()
	if err != nil {
		return time.Time{}, err
	}
	return addMonths(from.In(loc), d.Months), nil
}

// afterYearEnd counts from the end of the clock's calendar year in the
// deadline's time zone (UTC when none) and ends with the last local day.
func (d Deadline) afterYearEnd(from time.Time) (time.Time, error) {
	loc, err := d.location()
	if err != nil {
		return time.Time{}, err
	}
	return endOfDay(from.In(loc).Year()+1, 1, d.AfterYearEndDays, loc), nil
}

func (d Deadline) location() (*time.Location, error) {
	if d.Timezone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return nil, fmt.Errorf("load time zone: %w", err)
	}
	return loc, nil
}

// addMonths adds calendar months, keeping the clock time in t's location; a
// day the target month lacks becomes its last day.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d, last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// String says the deadline in words, as a person would read it.
func (d Deadline) String() string {
	var s string
	switch {
	case d.Hours > 0:
		s = plural(d.Hours, "hour")
	case d.Days > 0:
		s = plural(d.Days, "calendar day")
		if d.Timezone != "" {
			s += " (" + d.Timezone + d.clockDayWords() + ")"
		}
	case d.BusinessDays > 0:
		s = fmt.Sprintf("%s (%s calendar, %s%s)", plural(d.BusinessDays, "business day"), d.Calendar, d.Timezone, d.clockDayWords())
	case d.Months > 0:
		s = plural(d.Months, "month") + d.zoneWords()
	case d.AfterYearEndDays > 0:
		s = plural(d.AfterYearEndDays, "day") + " after the end of the calendar year" + d.zoneWords()
	default:
		s = d.Due
	}
	if d.Target {
		s += " (policy target)"
	}
	return s
}

func (d Deadline) zoneWords() string {
	if d.Timezone == "" {
		return ""
	}
	return " (" + d.Timezone + ")"
}

func (d Deadline) clockDayWords() string {
	if d.CountClockDay {
		return ", the clock's day counted"
	}
	return ""
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}
