package classify

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

// calibrationDir holds the regulator's worked cases, shared by the team.
const calibrationDir = "../../../shared/examples/calibration"

func ptr[T any](v T) *T { return &v }

var aware = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

// known returns facts with every field stated: contact data of 100 adults in
// Germany, nothing lost, no malice. Each test varies what it is about.
func known() incident.Facts {
	detected := aware.Add(-4 * time.Hour)
	awareAt := aware
	return incident.Facts{
		IncidentID: "T-1",
		Kind:       incident.KindPersonalDataBreach,
		Controller: &incident.Controller{Name: "Example", ContactPoint: "dpo@example.org", Establishment: "DE"},
		DetectedAt: &detected,
		AwareAt:    &awareAt,
		Breach: &incident.Breach{
			Confidentiality: none, Exfiltration: ruledOut, Integrity: none, Availability: none,
			RestoreHours: ptr(0.0), Malicious: ptr(false), Actor: "external",
			RecipientTrusted: ptr(false), DeletionConfirmed: ptr(false),
		},
		Data: &incident.DataInfo{
			Categories:      []string{"identity", "contact"},
			Identifiability: "maximum",
			Protection: &incident.Protection{
				Encrypted: ptr(false), StateOfTheArt: ptr(false), KeyCompromised: ptr(false),
				HashedSalted: ptr(false), BackupAvailable: ptr(true),
			},
			VulnerableSubjects: ptr(false),
		},
		Scope:   &incident.Scope{SubjectsEstimate: ptr(100), Jurisdictions: map[string]int{"DE": 100}},
		Impact:  &incident.Impact{FraudObserved: ptr(false), CrossBorder: ptr(false)},
		Entity:  &incident.Entity{NIS2: "none"},
		Contact: &incident.Contact{IndividualContactPractical: ptr(true)},
	}
}

// with returns known() changed by fn.
func with(fn func(*incident.Facts)) incident.Facts {
	f := known()
	fn(&f)
	return f
}

// clone copies the parts of facts the tests change (breach, data and its
// protection), so a variant never changes its base. Tests replace pointer
// fields rather than write through them.
func clone(f incident.Facts) incident.Facts {
	if f.Breach != nil {
		b := *f.Breach
		f.Breach = &b
	}
	if f.Data != nil {
		d := *f.Data
		d.Categories = slices.Clone(d.Categories)
		if d.Protection != nil {
			p := *d.Protection
			d.Protection = &p
		}
		f.Data = &d
	}
	return f
}

type calibrationCase struct {
	file  string
	facts incident.Facts
	raw   json.RawMessage // the event's data
	event []byte          // the whole event, as a producer sends it
}

func calibrationPresent() bool {
	_, err := os.Stat(calibrationDir)
	return !errors.Is(err, fs.ErrNotExist)
}

// loadCalibration reads every worked case; it skips the test when the shared
// directory is not there (a checkout of the module alone).
func loadCalibration(t testing.TB) []calibrationCase {
	t.Helper()
	if !calibrationPresent() {
		t.Skip("no calibration directory at " + calibrationDir)
	}
	files, err := filepath.Glob(filepath.Join(calibrationDir, "*.json"))
	if err != nil {
		t.Fatalf("list calibration: %v", err)
	}
	var out []calibrationCase
	for _, file := range files {
		if filepath.Base(file) == "expected.json" {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
		var ev incident.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("decode %s: %v", file, err)
		}
		var f incident.Facts
		if err := json.Unmarshal(ev.Data, &f); err != nil {
			t.Fatalf("decode %s data: %v", file, err)
		}
		out = append(out, calibrationCase{file: filepath.Base(file), facts: f, raw: ev.Data, event: b})
	}
	if len(out) == 0 {
		t.Fatalf("no calibration cases in %s", calibrationDir)
	}
	return out
}

func hasLine(lines []string, sub string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, sub) })
}

func signals(d incident.Decision) []string {
	if d.Review == nil {
		return nil
	}
	return d.Review.Signals
}

func obligation(d incident.Decision, regime string) *incident.Obligation {
	for i := range d.Obligations {
		if d.Obligations[i].Regime == regime {
			return &d.Obligations[i]
		}
	}
	return nil
}
