package classify

import (
	"slices"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

func TestDataProcessingContext(t *testing.T) {
	cats := func(c ...string) func(*incident.Facts) {
		return func(f *incident.Facts) { f.Data.Categories = c }
	}
	tests := []struct {
		name   string
		change func(*incident.Facts)
		dpc    float64
		line   string
	}{
		{"identity", cats("identity"), 1, "data: identity -> simple, DPC 1"},
		{"contact", cats("contact"), 1, "data: contact -> simple, DPC 1"},
		{"demographic", cats("demographic"), 1, "data: demographic -> simple, DPC 1"},
		{"behavioural", cats("behavioural"), 2, "data: behavioural -> behavioural, DPC 2"},
		{"location", cats("location"), 2, "data: location -> behavioural, DPC 2"},
		{"communications", cats("communications"), 2, "data: communications -> behavioural, DPC 2"},
		{"financial", cats("financial"), 3, "data: financial -> financial, DPC 3"},
		{"government id", cats("government_id"), 3, "data: government_id -> financial, DPC 3"},
		{"health", cats("health"), 4, "data: health -> sensitive, DPC 4"},
		{"special category", cats("special_category"), 4, "data: special_category -> sensitive, DPC 4"},
		{"criminal", cats("criminal"), 4, "data: criminal -> sensitive, DPC 4"},
		{"highest wins", cats("contact", "location", "financial"), 3, "data: highest category financial -> DPC 3"},
		{"children raise via vulnerability", cats("identity", "children"), 2, "dpc: +1 vulnerable subjects"},
		{"credentials alone unlock accounts", cats("credentials"), 2, "what they unlock not stated"},
		{"credentials with financial data", cats("credentials", "financial"), 3, "credentials, taken to unlock the accounts holding the financial data -> financial, DPC 3"},
		{"credentials with health data", cats("health", "credentials"), 4, "credentials, taken to unlock the accounts holding the health data -> sensitive, DPC 4"},
		{"credentials name the data they open", cats("credentials", "financial"), 3, "data: highest category financial -> DPC 3"},
		{"credentials with fraud", func(f *incident.Facts) {
			f.Data.Categories = []string{"credentials"}
			f.Impact.FraudObserved = ptr(true)
		}, 3, "credentials, taken to unlock financial accounts (fraud observed)"},
		{"unknown category is sensitive", cats("biometric_template"), 4, `data.categories "biometric_template" not recognised`},
		{"no category is sensitive", cats(), 4, "data.categories unknown: treated as sensitive"},
		{"adjustment raises", func(f *incident.Facts) {
			f.Data.Categories = []string{"financial"}
			f.Data.DPCAdjustments = []incident.DPCAdjustment{{Delta: 1, Reason: "a year of transactions"}}
		}, 4, "dpc: +1 (a year of transactions)"},
		{"adjustment lowers, clamped at 1", func(f *incident.Facts) {
			f.Data.DPCAdjustments = []incident.DPCAdjustment{{Delta: -2, Reason: "data already public"}}
		}, 1, "dpc: -1 after adjustments, clamped to 1..4 -> DPC 1"},
		{"clamped at 4", func(f *incident.Facts) {
			f.Data.Categories = []string{"health"}
			f.Data.VulnerableSubjects = ptr(true)
			f.Data.DPCAdjustments = []incident.DPCAdjustment{{Delta: 2, Reason: "psychiatric notes"}}
		}, 4, "dpc: 7 after adjustments, clamped to 1..4 -> DPC 4"},
		{"vulnerable subjects", func(f *incident.Facts) { f.Data.VulnerableSubjects = ptr(true) }, 2, "dpc: +1 vulnerable subjects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			if d.Severity.DPC != tt.dpc {
				t.Errorf("DPC = %v, want %v; rationale %q", d.Severity.DPC, tt.dpc, d.Severity.Rationale)
			}
			if !hasLine(d.Severity.Rationale, tt.line) {
				t.Errorf("rationale lacks %q: %q", tt.line, d.Severity.Rationale)
			}
		})
	}
}

func TestEaseOfIdentification(t *testing.T) {
	tests := []struct {
		level  string
		ei     float64
		review bool
	}{
		{"negligible", 0.25, false},
		{"limited", 0.5, false},
		{"significant", 0.75, false},
		{"maximum", 1, false},
		{"", 1, true},
		{"somewhat", 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.level, func(t *testing.T) {
			d := Classify(with(func(f *incident.Facts) { f.Data.Identifiability = tt.level }))
			if d.Severity.EI != tt.ei {
				t.Errorf("EI = %v, want %v", d.Severity.EI, tt.ei)
			}
			if got := hasLine(signals(d), "data.identifiability unknown: treated as maximum"); got != tt.review {
				t.Errorf("review signal = %v, want %v (%q)", got, tt.review, signals(d))
			}
		})
	}
}

func TestCircumstancesOfBreach(t *testing.T) {
	breach := func(conf, exfil, integ, avail string, malicious bool) func(*incident.Facts) {
		return func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = conf, exfil
			f.Breach.Integrity, f.Breach.Availability = integ, avail
			f.Breach.Malicious = ptr(malicious)
		}
	}
	tests := []struct {
		name   string
		change func(*incident.Facts)
		cb     float64
		line   string
	}{
		{"nothing", breach(none, ruledOut, none, none, false), 0, "cb: total 0"},
		{"exposed, no evidence", breach(exposedNoEvidence, none, none, none, false), 0, "cb: confidentiality exposed_no_evidence -> +0"},
		{"known recipients", breach(knownRecipients, none, none, none, false), 0.25, "cb: confidentiality known_recipients -> +0.25"},
		{"unknown recipients", breach(unknownRecipients, confirmed, none, none, false), 0.5, "cb: confidentiality unknown_recipients -> +0.5"},
		{"altered, no misuse", breach(none, ruledOut, alteredNoMisuse, none, false), 0, "cb: integrity altered_no_misuse -> +0"},
		{"altered, recoverable", breach(none, ruledOut, alteredRecover, none, false), 0.25, "cb: integrity altered_recoverable -> +0.25"},
		{"altered, unrecoverable", breach(none, ruledOut, alteredLost, none, false), 0.5, "cb: integrity altered_unrecoverable -> +0.5"},
		{"restored quickly", breach(none, ruledOut, none, restoredQuickly, false), 0, "cb: availability restored_quickly -> +0"},
		{"temporary loss", breach(none, ruledOut, none, temporary, false), 0.25, "cb: availability temporary -> +0.25"},
		{"permanent loss", breach(none, ruledOut, none, permanent, false), 0.5, "cb: availability permanent -> +0.5"},
		{"malicious", breach(none, ruledOut, none, none, true), 0.5, "cb: malicious intent -> +0.5"},
		{"everything, capped", breach(unknownRecipients, confirmed, alteredLost, permanent, true), 2, "capped at 2 -> CB 2"},
		{"confirmed exfiltration overrides none", breach(none, confirmed, none, none, false), 0.5, "conflicts with exfiltration confirmed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			if d.Severity.CB != tt.cb {
				t.Errorf("CB = %v, want %v; rationale %q", d.Severity.CB, tt.cb, d.Severity.Rationale)
			}
			if !hasLine(d.Severity.Rationale, tt.line) {
				t.Errorf("rationale lacks %q: %q", tt.line, d.Severity.Rationale)
			}
		})
	}
}

func TestScoreAndBand(t *testing.T) {
	tests := []struct {
		name   string
		change func(*incident.Facts)
		score  float64
		band   string
	}{
		{"simple, nothing else", func(*incident.Facts) {}, 1, incident.BandLow},
		{"behavioural, maximum", func(f *incident.Facts) { f.Data.Categories = []string{"location"} }, 2, incident.BandMedium},
		{"financial, known recipients", func(f *incident.Facts) {
			f.Data.Categories = []string{"financial"}
			f.Breach.Confidentiality = knownRecipients
		}, 3.25, incident.BandHigh},
		{"health, stolen", func(f *incident.Facts) {
			f.Data.Categories = []string{"health"}
			f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
			f.Breach.Malicious = ptr(true)
		}, 5, incident.BandVeryHigh},
		{"financial, limited identifiability", func(f *incident.Facts) {
			f.Data.Categories = []string{"financial"}
			f.Data.Identifiability = "limited"
		}, 1.5, incident.BandLow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Classify(with(tt.change)).Severity
			if s.Score != tt.score || s.Band != tt.band {
				t.Errorf("score %v band %s, want %v %s", s.Score, s.Band, tt.score, tt.band)
			}
			if s.Score != round2(s.DPC*s.EI+s.CB) {
				t.Errorf("score %v is not DPC %v x EI %v + CB %v", s.Score, s.DPC, s.EI, s.CB)
			}
		})
	}
}

func TestBandBoundaries(t *testing.T) {
	for _, tt := range []struct {
		se   float64
		band string
	}{
		{0.25, incident.BandLow}, {1.99, incident.BandLow}, {2, incident.BandMedium}, {2.99, incident.BandMedium},
		{3, incident.BandHigh}, {3.99, incident.BandHigh}, {4, incident.BandVeryHigh}, {6, incident.BandVeryHigh},
	} {
		if got := bandOf(tt.se); got != tt.band {
			t.Errorf("bandOf(%v) = %s, want %s", tt.se, got, tt.band)
		}
	}
}

func TestNoPersonalDataHasNoSeverity(t *testing.T) {
	f := with(func(f *incident.Facts) {
		f.Kind = incident.KindServiceIncident
		f.Data = nil
	})
	s := Classify(f).Severity
	if s.Score != 0 || s.DPC != 0 || !hasLine(s.Rationale, "ENISA severity not applicable") {
		t.Errorf("severity %+v, want zero with a reason", s)
	}
}

// The number of people and unintelligibility stay out of SE: named right
// after the score, and weighed in the risk instead.
func TestOutsideTheFormula(t *testing.T) {
	tests := []struct {
		name     string
		change   func(*incident.Facts)
		subjects string
		data     string
	}{
		{"stated", func(*incident.Facts) {}, "100 people affected", "data intelligible to whoever got them"},
		{"one person", func(f *incident.Facts) { f.Scope.SubjectsEstimate = ptr(1) }, "1 person affected", "data intelligible"},
		{"count from jurisdictions", func(f *incident.Facts) {
			f.Scope.SubjectsEstimate = nil
			f.Scope.Jurisdictions = map[string]int{"DE": 30, "FR": 12}
		}, "42 people affected", "data intelligible"},
		{"count unknown", func(f *incident.Facts) { f.Scope = nil }, "number of people affected not stated", "data intelligible"},
		{"encrypted", func(f *incident.Facts) {
			f.Data.Protection.Encrypted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
		}, "100 people affected", "data unintelligible (state-of-the-art encryption, key not compromised)"},
		{"encrypted, key compromised", func(f *incident.Facts) {
			f.Data.Protection.Encrypted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
			f.Data.Protection.KeyCompromised = ptr(true)
		}, "100 people affected", "data intelligible"},
		{"hashed credentials", func(f *incident.Facts) {
			f.Data.Categories = []string{"identity", "credentials"}
			f.Data.Protection.HashedSalted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
		}, "100 people affected", "credentials unintelligible (salted state-of-the-art hashes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := with(tt.change)
			s := Classify(f).Severity
			i := slices.IndexFunc(s.Rationale, func(l string) bool { return strings.HasPrefix(l, "score: ") })
			if i < 0 || i+2 >= len(s.Rationale) {
				t.Fatalf("no score line followed by two more: %q", s.Rationale)
			}
			if want := "outside the formula: " + tt.subjects; !strings.HasPrefix(s.Rationale[i+1], want) {
				t.Errorf("line after the score %q, want %q", s.Rationale[i+1], want)
			}
			if want := "outside the formula: " + tt.data; !strings.HasPrefix(s.Rationale[i+2], want) {
				t.Errorf("second line after the score %q, want %q", s.Rationale[i+2], want)
			}
			// Neither factor moves the score: the same facts unprotected
			// and with another count score the same.
			f.Data.Protection, f.Scope = known().Data.Protection, known().Scope
			if plain := Classify(f).Severity; s.Score != plain.Score || s.DPC != plain.DPC {
				t.Errorf("score %v DPC %v, %v %v without the protection", s.Score, s.DPC, plain.Score, plain.DPC)
			}
		})
	}
}
