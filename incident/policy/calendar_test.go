package policy

import (
	"testing"
	"time"
)

func TestEaster(t *testing.T) {
	// Western Easter Sundays from published tables.
	for _, want := range []string{"1818-03-22", "2000-04-23", "2024-03-31", "2025-04-20", "2026-04-05", "2027-03-28", "2038-04-25"} {
		w, _ := time.Parse(time.DateOnly, want)
		if got := easter(w.Year()); !sameDate(got, w) {
			t.Errorf("easter(%d) = %s, want %s", w.Year(), got.Format(time.DateOnly), want)
		}
	}
}

func TestBrazilCalendar(t *testing.T) {
	br, ok := Default().Calendars["BR"]
	if !ok {
		t.Fatal("default policy has no BR calendar")
	}
	tests := []struct {
		date    string
		working bool
		why     string
	}{
		{"2026-01-01", false, "Confraternização Universal"},
		{"2026-01-02", true, "an ordinary Friday"},
		{"2026-01-03", false, "Saturday"},
		{"2026-02-16", true, "Carnival Monday, ponto facultativo"},
		{"2026-02-17", true, "Carnival Tuesday, ponto facultativo"},
		{"2026-04-03", false, "Good Friday (Easter 5 April)"},
		{"2025-04-18", false, "Good Friday (Easter 20 April)"},
		{"2026-04-21", false, "Tiradentes"},
		{"2026-05-01", false, "Dia do Trabalho"},
		{"2026-06-04", true, "Corpus Christi, ponto facultativo"},
		{"2026-09-07", false, "Independência"},
		{"2026-10-12", false, "Nossa Senhora Aparecida"},
		{"2026-11-02", false, "Finados"},
		{"2025-11-14", true, "the Friday before Proclamação"},
		{"2023-11-15", false, "Proclamação da República"},
		{"2026-11-20", false, "Consciência Negra"},
		{"2023-11-20", true, "before Lei 14.759/2023"},
		{"2026-12-24", true, "Christmas Eve, ponto facultativo"},
		{"2026-12-25", false, "Natal"},
	}
	for _, tc := range tests {
		d, _ := time.Parse(time.DateOnly, tc.date)
		if got := br.Working(d.Date()); got != tc.working {
			t.Errorf("Working(%s) = %v, want %v (%s)", tc.date, got, tc.working, tc.why)
		}
	}
}

func TestCalendarWeekendAndOneOff(t *testing.T) {
	one := 1
	c := Calendar{
		Weekend: []string{"Friday", "saturday"},
		Holidays: []Holiday{
			{Name: "one-off", Date: "2026-11-24"},
			{Name: "Easter Monday", Easter: &one},
			{Name: "abolished", Date: "06-01", Until: 2020},
		},
	}
	tests := []struct {
		date    string
		working bool
	}{
		{"2026-11-20", false}, // Friday
		{"2026-11-22", true},  // Sunday
		{"2026-11-24", false}, // one-off
		{"2027-11-24", true},  // one-off, not yearly
		{"2026-04-06", false}, // Easter Monday
		{"2020-06-01", false},
		{"2021-06-01", true},
	}
	for _, tc := range tests {
		d, _ := time.Parse(time.DateOnly, tc.date)
		if got := c.Working(d.Date()); got != tc.working {
			t.Errorf("Working(%s) = %v, want %v", tc.date, got, tc.working)
		}
	}
}
