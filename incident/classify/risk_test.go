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
		{"mistake to known recipients, at the bound of few people", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
			f.Scope.SubjectsEstimate = ptr(fewPeople)
		}, incident.RiskUnlikely, false, incident.ExemptionNone, "disclosed by mistake to known recipients, 100 people"},
		{"mistake to known recipients, past the bound", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
			f.Scope.SubjectsEstimate = ptr(fewPeople + 1)
		}, incident.RiskRisk, false, incident.ExemptionNone, "data reached known recipients"},
		{"mistake with location data", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
			f.Data.Categories = []string{"identity", "location"}
			f.Data.DPCAdjustments = []incident.DPCAdjustment{{Delta: 1, Reason: "a year of movements"}}
		}, incident.RiskRisk, false, incident.ExemptionNone, "data reached known recipients"},
		{"financial data the team judged to reveal little, stolen", func(f *incident.Facts) {
			stolen(f)
			f.Data.Categories = []string{"identity", "financial"}
			f.Data.DPCAdjustments = []incident.DPCAdjustment{{Delta: -2, Reason: "expired card numbers"}}
		}, incident.RiskRisk, false, incident.ExemptionNone, "data reached unknown recipients"},
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
			f.Vulnerability = &incident.Vulnerability{CVE: "CVE-2026-0001", CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
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
		{"recipients' trust", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.RecipientTrusted = knownRecipients, nil
		}, "breach.recipient_trusted unknown: recipients treated as untrusted", incident.RiskUnlikely},
		{"deletion by a trusted recipient", func(f *incident.Facts) {
			f.Data.Categories = []string{"health"}
			f.Breach.Confidentiality = knownRecipients
			f.Breach.RecipientTrusted, f.Breach.DeletionConfirmed = ptr(true), nil
		}, "breach.deletion_confirmed unknown: deletion not relied on", incident.RiskRisk},
		{"subjects count in a mistaken disclosure", func(f *incident.Facts) {
			f.Breach.Confidentiality, f.Breach.Actor = knownRecipients, actorAccidental
			f.Scope = nil
		}, "scope.subjects_estimate unknown: a mistaken disclosure not taken as minor", incident.RiskRisk},
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

// The eighteen cases of EDPB Guidelines 01/2021, encoded from their text,
// with the Board's conclusions (authority, people). Cases 1, 3, 6, 10, 11
// and 14 are also calibration files; here they vary a fact the files fix.
func TestEDPBCases(t *testing.T) {
	type facts = incident.Facts
	attack := func(f *facts, conf, exfil string) {
		f.Breach.Confidentiality, f.Breach.Exfiltration = conf, exfil
		f.Breach.Malicious, f.Breach.Actor = ptr(true), "external"
	}
	mistake := func(f *facts, subjects int, cats ...string) {
		f.Breach.Confidentiality, f.Breach.Exfiltration = knownRecipients, none
		f.Breach.Malicious, f.Breach.Actor = ptr(false), actorAccidental
		f.Data.Categories, f.Scope.SubjectsEstimate = cats, ptr(subjects)
	}
	tests := []struct {
		name                string
		change              func(*facts)
		authority, subjects bool
		line                string
	}{
		{"01 ransomware, backup, no exfiltration, data not encrypted at rest", func(f *facts) {
			attack(f, none, ruledOut)
			f.Breach.Availability, f.Breach.RestoreHours = restoredQuickly, ptr(4.0)
		}, false, false, "restored without difficulty"},
		{"02 ransomware without backup, restored from paper in 5 days", func(f *facts) {
			attack(f, none, ruledOut)
			f.Breach.Availability, f.Breach.RestoreHours = temporary, ptr(120.0)
			f.Data.Protection.BackupAvailable = ptr(false)
			f.Scope.SubjectsEstimate = ptr(40)
		}, true, false, "temporary loss of availability -> at least risk"},
		{"03 ransomware in a hospital, two days to restore", func(f *facts) {
			attack(f, none, ruledOut)
			f.Data.Categories, f.Data.VulnerableSubjects = []string{"identity", "health"}, ptr(true)
			f.Breach.Availability, f.Breach.RestoreHours = temporary, ptr(48.0)
		}, true, true, "needed for the care of the people concerned"},
		{"04 ransomware without backup, with exfiltration", func(f *facts) {
			attack(f, unknownRecipients, confirmed)
			f.Breach.Availability = permanent
			f.Data.Categories = []string{"identity", "government_id", "financial"}
			f.Data.Protection.BackupAvailable = ptr(false)
			f.Scope.SubjectsEstimate = ptr(4000)
		}, true, true, "sensitive data (financial, government_id)"},
		{"05 job application forms skimmed from a website", func(f *facts) {
			attack(f, unknownRecipients, suspected)
			f.Data.Categories = []string{"identity", "contact", "demographic"}
			f.Scope.SubjectsEstimate = ptr(213)
		}, true, true, "enable identity theft"},
		{"06 hashed passwords, user names only", func(f *facts) {
			attack(f, unknownRecipients, confirmed)
			f.Data.Categories, f.Data.Identifiability = []string{"identity", "credentials"}, "limited"
			f.Data.Protection.HashedSalted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
			f.Scope.SubjectsEstimate = ptr(50000)
		}, false, false, "salted state-of-the-art hashes"},
		{"07 credential stuffing on a banking website", func(f *facts) {
			attack(f, unknownRecipients, confirmed)
			f.Data.Categories = []string{"identity", "demographic", "government_id", "credentials"}
			f.Scope.SubjectsEstimate = ptr(2000)
		}, true, true, "sensitive data (credentials, government_id)"},
		{"08 former employee takes basic contact data", func(f *facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = knownRecipients, confirmed
			f.Breach.Malicious, f.Breach.Actor = ptr(true), actorInsider
			f.Scope.SubjectsEstimate = ptr(3000)
		}, true, false, "data reached known recipients"},
		{"09 sent by mistake to a trusted agent who deleted it", func(f *facts) {
			mistake(f, 300, "identity", "contact", "financial")
			f.Breach.RecipientTrusted, f.Breach.DeletionConfirmed = ptr(true), ptr(true)
		}, false, false, "trusted, secrecy-bound recipient"},
		{"10 stolen encrypted tablets, no backup", func(f *facts) {
			attack(f, exposedNoEvidence, none)
			f.Data.Categories, f.Data.VulnerableSubjects = []string{"identity", "children"}, ptr(true)
			f.Data.Protection.Encrypted, f.Data.Protection.StateOfTheArt = ptr(true), ptr(true)
		}, false, false, "unintelligible"},
		{"11 stolen notebook, names, sex, address, birth date", func(f *facts) {
			attack(f, unknownRecipients, suspected)
			f.Data.Categories = []string{"identity", "contact", "demographic"}
			f.Scope.SubjectsEstimate = ptr(100000)
		}, true, true, "large volume"},
		{"12 stolen logbook of a rehabilitation centre", func(f *facts) {
			attack(f, unknownRecipients, suspected)
			f.Data.Categories, f.Data.VulnerableSubjects = []string{"identity", "health"}, ptr(true)
			f.Scope.SubjectsEstimate = ptr(120)
		}, true, true, "sensitive data (health)"},
		{"13 two parcels and invoices swapped", func(f *facts) {
			mistake(f, 2, "identity", "contact", "behavioural")
		}, false, false, "disclosed by mistake to known recipients, 2 people"},
		{"14 social-security numbers mailed to job-seekers, fewer of them", func(f *facts) {
			mistake(f, 60, "identity", "contact", "government_id")
		}, true, true, "sensitive data (government_id)"},
		{"15 course list with a meal preference sent to 15 participants", func(f *facts) {
			mistake(f, 15, "identity", "contact", "health")
			f.Data.DPCAdjustments = []incident.DPCAdjustment{{Delta: -3, Reason: "only a lactose intolerance"}}
		}, false, false, "disclosed by mistake to known recipients, 15 people"},
		{"16 another policyholder's letter with birth date in the envelope", func(f *facts) {
			mistake(f, 1, "identity", "contact", "demographic")
		}, true, false, "data reached known recipients"},
		{"17 impersonator has a client's bills redirected", func(f *facts) {
			f.Breach.Confidentiality, f.Breach.Exfiltration = knownRecipients, confirmed
			f.Breach.Malicious = ptr(true)
			f.Data.Categories = []string{"identity", "contact", "communications"}
			f.Scope.SubjectsEstimate = ptr(1)
		}, true, true, "taken maliciously (case 17)"},
		{"18 mail rules forward invoices to an attacker", func(f *facts) {
			attack(f, unknownRecipients, confirmed)
			f.Data.Categories = []string{"identity", "contact", "financial"}
			f.Impact.FraudObserved = ptr(true)
		}, true, true, "fraud observed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Classify(with(tt.change))
			if d.NotifyAuthority != tt.authority || d.NotifySubjects != tt.subjects {
				t.Errorf("authority %v people %v, want %v %v\nrationale %q",
					d.NotifyAuthority, d.NotifySubjects, tt.authority, tt.subjects, d.Severity.Rationale)
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
