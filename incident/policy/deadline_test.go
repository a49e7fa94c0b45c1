package policy

import (
	"strings"
	"testing"
	"time"
)

func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// brBusinessDays is the shipped Brazilian deadline with another count, so
// the tests run on the calendar the default policy really uses.
func brBusinessDays(t *testing.T, n int) Deadline {
	t.Helper()
	r, ok := Default().Rule("brazil-lgpd-48")
	if !ok {
		t.Fatal("default policy has no brazil-lgpd-48 rule")
	}
	d := r.Phases[0].Deadline
	d.BusinessDays = n
	return d
}

func TestDeadlineAfter(t *testing.T) {
	sg := Deadline{Days: 3, Timezone: "Asia/Singapore"}
	jp := Deadline{Days: 30, Timezone: "Asia/Tokyo", CountClockDay: true}
	br := brBusinessDays(t, 3)
	tests := []struct {
		name string
		d    Deadline
		from string
		want string
	}{
		{"hours across a year end", Deadline{Hours: 72}, "2026-12-30T10:00:00Z", "2027-01-02T10:00:00Z"},
		{"hours from another zone", Deadline{Hours: 24}, "2026-11-19T09:00:00+02:00", "2026-11-20T07:00:00Z"},
		{"days without a zone are 24 h each", Deadline{Days: 60}, "2026-11-19T09:00:00Z", "2027-01-18T09:00:00Z"},
		// 17:30Z is already 24 Nov in Singapore: three days later is 27 Nov.
		{"days in Singapore", sg, "2026-11-23T17:30:00Z", "2026-11-27T15:59:59.999999999Z"},
		{"days in Singapore, same local day", sg, "2026-11-23T15:59:00Z", "2026-11-26T15:59:59.999999999Z"},
		{"days counting the clock's day", jp, "2026-11-23T16:00:00Z", "2026-12-23T14:59:59.999999999Z"},
		{"days across a DST gap at midnight (Sao Paulo 2018)", Deadline{Days: 1, Timezone: "America/Sao_Paulo"},
			"2018-11-02T12:00:00-03:00", "2018-11-04T02:59:59.999999999Z"},
		{"business days across a weekend", br, "2026-11-06T09:00:00-03:00", "2026-11-12T02:59:59.999999999Z"},
		{"business days across Good Friday and Tiradentes", br, "2025-04-17T10:00:00-03:00", "2025-04-25T02:59:59.999999999Z"},
		// 20 April 2026 is a ponto facultativo: a working day.
		{"business days over a ponto facultativo", br, "2026-04-17T10:00:00-03:00", "2026-04-24T02:59:59.999999999Z"},
		{"business days over 20 November", br, "2026-11-18T10:00:00-03:00", "2026-11-25T02:59:59.999999999Z"},
		{"20 November before Lei 14.759/2023", br, "2023-11-17T10:00:00-03:00", "2023-11-23T02:59:59.999999999Z"},
		{"business days over Christmas", br, "2026-12-23T10:00:00-03:00", "2026-12-30T02:59:59.999999999Z"},
		{"business days over New Year", br, "2026-12-29T10:00:00-03:00", "2027-01-05T02:59:59.999999999Z"},
		{"business days from a Saturday", br, "2026-11-21T10:00:00-03:00", "2026-11-26T02:59:59.999999999Z"},
		// 22:30 on Thursday in Sao Paulo is Friday in UTC: the local date counts.
		{"business days from a late local evening", br, "2026-11-27T01:30:00Z", "2026-12-02T02:59:59.999999999Z"},
		{"business days across a DST start (2018)", br, "2018-11-01T10:00:00-03:00", "2018-11-08T01:59:59.999999999Z"},
		{"months from 31 January, non-leap", Deadline{Months: 1}, "2027-01-31T10:00:00Z", "2027-02-28T10:00:00Z"},
		{"months from 31 January, leap", Deadline{Months: 1}, "2028-01-31T10:00:00Z", "2028-02-29T10:00:00Z"},
		{"months across a year end", Deadline{Months: 2}, "2026-12-31T08:00:00Z", "2027-02-28T08:00:00Z"},
		{"months count in UTC", Deadline{Months: 1}, "2026-01-31T23:30:00-05:00", "2026-03-01T04:30:00Z"},
		{"after year end", Deadline{AfterYearEndDays: 60}, "2026-06-15T10:00:00Z", "2027-03-01T23:59:59.999999999Z"},
		{"after year end into a leap year", Deadline{AfterYearEndDays: 60}, "2027-12-31T23:00:00Z", "2028-02-29T23:59:59.999999999Z"},
		// New Year's Eve in New York is already the next UTC year.
		{"after year end counts the UTC year", Deadline{AfterYearEndDays: 60}, "2026-12-31T23:30:00-05:00", "2028-02-29T23:59:59.999999999Z"},
		// 30 Mar 23:30 UTC is 31 Mar 02:30 in Helsinki: one month on is 30 Apr 02:30 EEST.
		{"months in a time zone", Deadline{Months: 1, Timezone: "Europe/Helsinki"}, "2026-03-30T23:30:00Z", "2026-04-29T23:30:00Z"},
		// 5 Mar 10:00 EET + 1 month = 5 Apr 10:00 EEST: summer time moves the UTC instant an hour earlier.
		{"months across summer time", Deadline{Months: 1, Timezone: "Europe/Helsinki"}, "2026-03-05T08:00:00Z", "2026-04-05T07:00:00Z"},
		// 1 Jan 2028 02:00 UTC is still 31 Dec 2027 in American Samoa: the 2027 log, ending 29 Feb 2028 there.
		{"after year end in a time zone", Deadline{AfterYearEndDays: 60, Timezone: "Pacific/Pago_Pago"}, "2028-01-01T02:00:00Z", "2028-03-01T10:59:59.999999999Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, fixed, err := tc.d.After(at(t, tc.from))
			if err != nil || !fixed {
				t.Fatalf("After(%s) = %v, fixed %v, err %v", tc.from, got, fixed, err)
			}
			if want := at(t, tc.want); !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("After(%s) = %s, want %s (UTC)", tc.from, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
			}
		})
	}
}

func TestDeadlineAfterNoFixedTime(t *testing.T) {
	got, fixed, err := Deadline{Due: "as soon as practicable"}.After(time.Now())
	if err != nil || fixed || !got.IsZero() {
		t.Errorf("Due only: got %v, fixed %v, err %v; want zero, false, nil", got, fixed, err)
	}
}

func TestDeadlineAfterErrors(t *testing.T) {
	from := time.Date(2026, 11, 19, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		d    Deadline
		want string
	}{
		{"empty", Deadline{}, "needs hours"},
		{"two amounts", Deadline{Hours: 72, Days: 3}, "more than one"},
		{"negative", Deadline{Hours: -1}, "negative"},
		{"overflowing", Deadline{Hours: 1 << 40}, "is above 100000"},
		{"calendar not linked", Deadline{BusinessDays: 3, Calendar: "BR", Timezone: "America/Sao_Paulo"}, "not linked"},
		{"unknown zone", Deadline{Days: 3, Timezone: "Mars/Olympus_Mons"}, "load timezone"},
		{"past year 9999", Deadline{Months: 12 * 8000}, "past year 9999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.d.After(from)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("After: err %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// A calendar with no working day must end with an error, not spin.
func TestBusinessDaysNoWorkingDay(t *testing.T) {
	all := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	d := Deadline{BusinessDays: 1, Calendar: "none", Timezone: "UTC", cal: &Calendar{Weekend: all}}
	if _, _, err := d.After(time.Date(9990, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("After found a working day in a calendar of weekends")
	}
}

func TestDeadlineString(t *testing.T) {
	tests := []struct {
		d    Deadline
		want string
	}{
		{Deadline{Hours: 72}, "72 hours"},
		{Deadline{Hours: 1}, "1 hour"},
		{Deadline{Days: 30}, "30 calendar days"},
		{Deadline{Days: 3, Timezone: "Asia/Singapore"}, "3 calendar days (Asia/Singapore)"},
		{Deadline{Days: 30, Timezone: "Asia/Tokyo", CountClockDay: true}, "30 calendar days (Asia/Tokyo, the clock's day counted)"},
		{Deadline{BusinessDays: 3, Calendar: "BR", Timezone: "America/Sao_Paulo"}, "3 business days (BR calendar, America/Sao_Paulo)"},
		{Deadline{Months: 1}, "1 month"},
		{Deadline{Months: 2}, "2 months"},
		{Deadline{AfterYearEndDays: 60}, "60 days after the end of the calendar year"},
		{Deadline{Due: "as soon as practicable"}, "as soon as practicable"},
		{Deadline{Hours: 24, Target: true, Due: "immediately"}, "24 hours (policy target)"},
	}
	for _, tc := range tests {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.d, got, tc.want)
		}
	}
}
