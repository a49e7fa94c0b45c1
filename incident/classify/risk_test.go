package classify

import (
	"testing"

	"github.com/herald-notify/herald/incident"
)

// Principles from EDPB Guidelines 9/2022 and 01/2021, each as a small case
// that is not one of the calibration files.
func TestRiskPrinciples(t *testing.T) {
	stolen := func(f *incident.Facts) {
		f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
		f.Breach.Malicious = ptr(true)
	}
	tests := []struct {
		name      string
		change    func(*incident.Facts)
		risk      string
		subjects  bool
		exemption string
		line      string
	}{
		{"nothing happened to the data", func(*incident.Facts) {}, incident.RiskUnlikely, false, incident.ExemptionNone, "confidentiality kept"},
		{"malicious insider with simple data (case 8)", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = knownRecipients, confirmed
			f.Breach.Malicious, f.Breach.Actor = ptr(true), actorInsider
			f.Data.Identifiability = "limited"
			f.Scope.SubjectsEstimate = ptr(50000)
		}, incident.RiskRisk, false, incident.ExemptionNone, "data reached known recipients"},
		{"outsider takes pseudonymous simple data", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"identity"}
			f.Data.Identifiability = "limited"
		}, incident.RiskUnlikely, false, incident.ExemptionNone, "only simple data hard to tie to a person"},
		{"mistake to a trusted recipient who deleted (case 9)", func(f *incident.Facts) {
			f.Data.Categories = []string{"identity", "financial"}
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
			f.Breach.RecipientTrusted, f.Breach.DeletionConfirmed = ptr(true), ptr(true)
		}, incident.RiskUnlikely, false, incident.ExemptionMitigated, "trusted, secrecy-bound recipient"},
		{"trusted recipient, deletion not confirmed, sensitive", func(f *incident.Facts) {
			f.Data.Categories = []string{"health"}
			f.Breach.Confidentiality = knownRecipients
			f.Breach.RecipientTrusted = ptr(true)
		}, incident.RiskRisk, false, incident.ExemptionNone, "at least risk"},
		{"health to unknown recipients (case 12)", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"identity", "health"}
		}, incident.RiskHigh, true, incident.ExemptionNone, "sensitive data (health)"},
		{"credential stuffing at a bank (case 7)", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"identity", "credentials", "financial"}
		}, incident.RiskHigh, true, incident.ExemptionNone, "sensitive data (credentials, financial)"},
		{"hashed passwords beside user names (case 6)", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"identity", "credentials"}
			f.Data.Identifiability = "limited"
			f.Data.Protection.HashedSalted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
		}, incident.RiskUnlikely, false, incident.ExemptionEncrypted, "salted state-of-the-art hashes"},
		{"hashed passwords beside e-mail addresses", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"identity", "contact", "credentials"}
			f.Data.Protection.HashedSalted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
		}, incident.RiskRisk, false, incident.ExemptionNone, "data reached unknown recipients"},
		{"encrypted health data stolen, key safe", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"health"}
			f.Data.Protection.Encrypted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
		}, incident.RiskUnlikely, false, incident.ExemptionEncrypted, "unintelligible"},
		{"encrypted, key compromised", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"health"}
			f.Data.Protection.Encrypted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
			f.Data.Protection.KeyCompromised = ptr(true)
		}, incident.RiskHigh, true, incident.ExemptionNone, "encryption key compromised"},
		{"large volume to unknown recipients", func(f *incident.Facts) {
			stolen(f)
			f.Scope.SubjectsEstimate = ptr(25000)
		}, incident.RiskHigh, true, incident.ExemptionNone, "large volume"},
		{"small volume of contact data stolen", stolen, incident.RiskRisk, false, incident.ExemptionNone, "at least risk"},
		{"vulnerable subjects raise", func(f *incident.Facts) {
			stolen(f)
			f.Data.VulnerableSubjects = ptr(true)
		}, incident.RiskHigh, true, incident.ExemptionNone, "vulnerable subjects"},
		{"ransomware without backup, simple data (case 2)", func(f *incident.Facts) {
			f.Breach.Availability, f.Breach.Malicious = permanent, ptr(true)
		}, incident.RiskRisk, false, incident.ExemptionNone, "permanent loss of availability"},
		{"quick restore, but patients waited", func(f *incident.Facts) {
			f.Data.Categories = []string{"identity", "health"}
			f.Breach.Availability, f.Breach.RestoreHours = restoredQuickly, ptr(3.0)
		}, incident.RiskRisk, false, incident.ExemptionNone, "3 h without the data"},
		{"medical records altered beyond repair", func(f *incident.Facts) {
			f.Data.Categories = []string{"health"}
			f.Breach.Integrity = alteredLost
		}, incident.RiskHigh, true, incident.ExemptionNone, "altered beyond repair"},
		{"exposed, exfiltration ruled out", func(f *incident.Facts) {
			f.Data.Categories = []string{"financial"}
			f.Breach.Confidentiality = exposedNoEvidence
		}, incident.RiskUnlikely, false, incident.ExemptionNone, "exposed without evidence of access, exfiltration ruled_out"},
		{"exposed to an attacker, exfiltration not ruled out", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = exposedNoEvidence, none
			f.Breach.Malicious = ptr(true)
		}, incident.RiskRisk, false, incident.ExemptionNone, "malicious actor and exfiltration not ruled out"},
		{"contact impractical: public notice (34(3)(c))", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"health"}
			f.Contact.IndividualContactPractical = ptr(false)
		}, incident.RiskHigh, false, incident.ExemptionDisproportionateEffort, "public communication instead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			if d.Risk != tt.risk || d.NotifySubjects != tt.subjects || d.SubjectExemption != tt.exemption {
				t.Errorf("risk %s subjects %v exemption %s, want %s %v %s\nrationale %q",
					d.Risk, d.NotifySubjects, d.SubjectExemption, tt.risk, tt.subjects, tt.exemption, d.Severity.Rationale)
			}
			if d.NotifyAuthority != (tt.risk != incident.RiskUnlikely) {
				t.Errorf("notify_authority %v with risk %s", d.NotifyAuthority, d.Risk)
			}
			if d.PublicNotice != (tt.exemption == incident.ExemptionDisproportionateEffort) {
				t.Errorf("public_notice %v with exemption %s", d.PublicNotice, d.SubjectExemption)
			}
			if !hasLine(d.Severity.Rationale, tt.line) {
				t.Errorf("rationale lacks %q: %q", tt.line, d.Severity.Rationale)
			}
			if d.Review != nil {
				t.Errorf("every fact was stated, yet review %q", d.Review.Signals)
			}
		})
	}
}

func TestKindsWithoutBreachDuties(t *testing.T) {
	tests := []struct {
		name   string
		change func(*incident.Facts)
		line   string
	}{
		{"service incident, no personal data", func(f *incident.Facts) {
			f.Kind, f.Data = incident.KindServiceIncident, nil
			f.Breach.Availability, f.Breach.Malicious = temporary, ptr(true)
		}, "no personal data breach"},
		{"vulnerability, no exposure stated", func(f *incident.Facts) {
			f.Kind = incident.KindVulnerability
			f.Breach = nil
			f.Data.Categories = []string{"health"}
			f.Vulnerability = &incident.Vulnerability{CVE: "CVE-2026-0001"}
		}, "vulnerability with no stated exposure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			if d.Risk != incident.RiskUnlikely || d.NotifyAuthority || d.NotifySubjects || d.PublicNotice {
				t.Errorf("decision %+v, want no duty", d)
			}
			if obligation(d, regimeGDPR) != nil || d.Review != nil {
				t.Errorf("obligations %+v review %+v, want none", d.Obligations, d.Review)
			}
			if !hasLine(d.Severity.Rationale, tt.line) {
				t.Errorf("rationale lacks %q: %q", tt.line, d.Severity.Rationale)
			}
		})
	}
}

func TestExploitedVulnerabilityIsABreach(t *testing.T) {
	d := Classify(with(func(f *incident.Facts) {
		f.Kind = incident.KindVulnerability
		f.Data.Categories = []string{"financial"}
		f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
		f.Breach.Malicious = ptr(true)
	}))
	if d.Risk != incident.RiskHigh || obligation(d, regimeGDPR) == nil {
		t.Errorf("risk %s obligations %+v, want high with GDPR", d.Risk, d.Obligations)
	}
}

// A missing fact is read at its worst, named, and sent to a person.
func TestUnknownFactsAreConservative(t *testing.T) {
	tests := []struct {
		name   string
		change func(*incident.Facts)
		signal string
		risk   string
	}{
		{"exfiltration", func(f *incident.Facts) { f.Breach.Exfiltration = "" },
			"breach.exfiltration unknown: treated as suspected", incident.RiskRisk},
		{"confidentiality", func(f *incident.Facts) { f.Breach.Confidentiality = "" },
			"breach.confidentiality unknown: treated as unknown_recipients", incident.RiskRisk},
		{"malicious", func(f *incident.Facts) {
			f.Breach.Malicious = nil
			f.Breach.Confidentiality = exposedNoEvidence
			f.Breach.Exfiltration = none
		}, "breach.malicious unknown: treated as malicious", incident.RiskRisk},
		{"integrity, with a backup", func(f *incident.Facts) { f.Breach.Integrity = "" },
			"breach.integrity unknown: treated as altered_recoverable", incident.RiskRisk},
		{"availability, without a backup", func(f *incident.Facts) {
			f.Breach.Availability = ""
			f.Data.Protection.BackupAvailable = ptr(false)
		}, "breach.availability unknown: treated as permanent", incident.RiskRisk},
		{"vulnerable subjects", func(f *incident.Facts) {
			f.Breach.Confidentiality = unknownRecipients
			f.Breach.Exfiltration = suspected
			f.Data.VulnerableSubjects = nil
		}, "data.vulnerable_subjects unknown: treated as vulnerable", incident.RiskHigh},
		{"key state", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
			f.Data.Categories = []string{"health"}
			f.Data.Protection.Encrypted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
			f.Data.Protection.KeyCompromised = nil
		}, "data.protection.key_compromised unknown: encryption not relied on", incident.RiskHigh},
		{"subjects count", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = unknownRecipients, confirmed
			f.Scope = nil
		}, "scope.subjects_estimate unknown: treated as a large volume", incident.RiskHigh},
		{"whole breach block", func(f *incident.Facts) { f.Breach = nil },
			"breach.exfiltration unknown: treated as suspected", incident.RiskRisk},
		{"kind", func(f *incident.Facts) { f.Kind = "" },
			"kind unknown: treated as personal_data_breach", incident.RiskUnlikely},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			if d.Review == nil || !d.Review.HumanReviewRequired || !hasLine(d.Review.Signals, tt.signal) {
				t.Fatalf("review %+v, want signal %q", d.Review, tt.signal)
			}
			if !hasLine(d.Severity.Rationale, tt.signal) {
				t.Errorf("rationale does not name %q", tt.signal)
			}
			if d.Risk != tt.risk {
				t.Errorf("risk %s, want %s; rationale %q", d.Risk, tt.risk, d.Severity.Rationale)
			}
		})
	}
}

func TestConflictingFactsGoToReview(t *testing.T) {
	d := Classify(with(func(f *incident.Facts) {
		f.Breach.Actor, f.Breach.Malicious = actorAccidental, ptr(true)
	}))
	if !hasLine(signals(d), "conflicts with actor accidental") {
		t.Errorf("signals %q, want the malicious/accidental conflict", signals(d))
	}
}
