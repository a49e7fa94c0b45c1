package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// from returns subject(id) living in jurisdiction j.
func from(id, j string) incident.Subject {
	s := subject(id)
	s.Jurisdiction = j
	return s
}

func population(t *testing.T, s store.Store, incidentID string) incident.Population {
	t.Helper()
	p, err := s.Population(context.Background(), incidentID)
	if err != nil {
		t.Fatalf("Population(%s): %v", incidentID, err)
	}
	return p
}

func testPopulation(t *testing.T, s store.Store) {
	ctx := context.Background()
	seed(t, s, newIncident("INC-1", true))
	seed(t, s, newIncident("INC-2", true), from("x-1", "DE")) // counts stay per incident
	jsonEqual(t, "population before any subject", population(t, s, "INC-1"), incident.Population{})

	// Case and spaces do not split a jurisdiction; none counts in the total only.
	first := []incident.Subject{from("u-1", "DE"), from("u-2", "de"), from("u-3", " br "), from("u-4", "")}
	apply(t, s, "ev-2", "INC-1", func(tx store.Tx) error {
		if _, err := tx.AddSubjects("INC-1", first); err != nil {
			return err
		}
		p, err := tx.Population("INC-1")
		jsonEqual(t, "population inside the event", p, incident.Population{Subjects: 4,
			Jurisdictions: map[string]int{"DE": 2, "BR": 1}})
		return err
	})
	want := incident.Population{Subjects: 4, Jurisdictions: map[string]int{"DE": 2, "BR": 1}}
	jsonEqual(t, "population after the first batch", population(t, s, "INC-1"), want)

	// The same batch again, under a new event id, changes nothing; a known id
	// with another jurisdiction does not move either.
	apply(t, s, "ev-3", "INC-1", func(tx store.Tx) error {
		_, err := tx.AddSubjects("INC-1", append(first, from("u-1", "FR")))
		return err
	})
	jsonEqual(t, "population after a re-sent batch", population(t, s, "INC-1"), want)

	// Only the new subject of a mixed batch counts, once even if given twice.
	apply(t, s, "ev-4", "INC-1", func(tx store.Tx) error {
		_, err := tx.AddSubjects("INC-1", []incident.Subject{from("u-3", "BR"), from("u-5", "br"), from("u-5", "br")})
		return err
	})
	want = incident.Population{Subjects: 5, Jurisdictions: map[string]int{"DE": 2, "BR": 2}}
	jsonEqual(t, "population after a mixed batch", population(t, s, "INC-1"), want)
	jsonEqual(t, "other incident", population(t, s, "INC-2"),
		incident.Population{Subjects: 1, Jurisdictions: map[string]int{"DE": 1}})
	if p := progress(t, s, "INC-1"); p.Subjects != 5 {
		t.Errorf("progress counts %d subjects, population 5", p.Subjects)
	}

	_, err := s.Population(ctx, "INC-missing")
	wantCode(t, err, incident.CodeNotFound)
	_, err = s.ApplyEvent(ctx, "ev-5", "INC-missing", incident.TypeSubjects, func(tx store.Tx) error {
		_, err := tx.Population("INC-missing")
		return err
	})
	wantCode(t, err, incident.CodeNotFound)
}

// A failed event's subjects are not counted: the counts live in its
// transaction.
func testPopulationRollback(t *testing.T, s store.Store) {
	seed(t, s, newIncident("INC-1", true), from("u-1", "DE"))
	boom := errors.New("later step failed")
	_, err := s.ApplyEvent(context.Background(), "ev-2", "INC-1", incident.TypeSubjects, func(tx store.Tx) error {
		if _, err := tx.AddSubjects("INC-1", []incident.Subject{from("u-2", "DE"), from("u-3", "BR")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("ApplyEvent = %v, want the fn's error", err)
	}
	jsonEqual(t, "population after a rolled-back batch", population(t, s, "INC-1"),
		incident.Population{Subjects: 1, Jurisdictions: map[string]int{"DE": 1}})
}
