package templates

import (
	"time"

	"github.com/herald-notify/herald/incident"
)

// The demo incident is the example of EVENTS.md; every golden file is
// rendered from it.

func ptr[T any](v T) *T { return &v }

func at(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

const demoURL = "https://notices.example.com/notices/INC-2026-0042"

func demoFacts() incident.Facts {
	return incident.Facts{
		IncidentID: "INC-2026-0042",
		Title:      "Unauthorised access to the customer-support database",
		Summary: "On 18 November an attacker used a leaked API key to read records from our customer-support database.\n\n" +
			"We closed the access the next morning.",
		Kind:         incident.KindPersonalDataBreach,
		Controller:   &incident.Controller{Name: "Example Corp", ContactPoint: "dpo@example.com", Establishment: "DE"},
		OccurredFrom: at("2026-11-18T22:00:00Z"),
		OccurredTo:   at("2026-11-19T03:00:00Z"),
		DetectedAt:   at("2026-11-19T06:10:00Z"),
		AwareAt:      at("2026-11-19T09:00:00Z"),
		Breach: &incident.Breach{
			Confidentiality: "unknown_recipients", Exfiltration: "confirmed", Integrity: "none",
			Availability: "none", Malicious: ptr(true), Actor: "external",
		},
		Data: &incident.DataInfo{
			Categories:      []string{"identity", "contact", "credentials"},
			Identifiability: "maximum",
			Protection:      &incident.Protection{Encrypted: ptr(false), HashedSalted: ptr(false), BackupAvailable: ptr(true)},
		},
		Scope: &incident.Scope{SubjectsEstimate: ptr(12000), RecordsEstimate: ptr(30000),
			Jurisdictions: map[string]int{"DE": 8000, "FR": 3000, "US-CA": 1000}},
		Impact:      &incident.Impact{FraudObserved: ptr(false), CrossBorder: ptr(true)},
		Measures:    &incident.Measures{Taken: []string{"Revoked the leaked API key"}, Planned: []string{"Rotate all support-staff credentials"}},
		Advice:      []string{"Change your password", "Be alert to phishing mails that quote your order number"},
		Remediation: []string{"Free credit monitoring for 12 months"},
	}
}

func demoIncident() incident.Incident {
	return incident.Incident{ID: "INC-2026-0042", Status: incident.StatusOpen, Facts: demoFacts()}
}

// demoData is the fixed NoticeData of the golden files, for a named person.
func demoData() NoticeData {
	d := NoticeDataFrom(demoIncident(), demoURL)
	d.Name = "Ana Silva"
	return d
}

func demoNotice() incident.Notice {
	return incident.Notice{
		IncidentID: "INC-2026-0042", Revision: 2, Reason: incident.ExemptionDisproportionateEffort,
		Title:       "Unauthorised access to the customer-support database",
		PublishedAt: *at("2026-11-20T10:00:00Z"), UpdatedAt: *at("2026-11-22T08:30:00Z"),
		Facts: demoFacts(),
	}
}

// demoBaseURL is where the demo's notice pages are served.
const demoBaseURL = "https://notices.example.com"

// demoHistory is the demo notice's two revisions, oldest first: the first
// published before anything was planned, the second (demoNotice) two days
// later.
func demoHistory() []incident.Notice {
	first := demoNotice()
	first.Revision, first.UpdatedAt = 1, first.PublishedAt
	first.Facts.Measures = &incident.Measures{Taken: []string{"Revoked the leaked API key"}}
	return []incident.Notice{first, demoNotice()}
}

// demoPage shows the current revision with its history.
func demoPage() NoticePage {
	h := demoHistory()
	return NoticePage{Notice: h[len(h)-1], History: h, BaseURL: demoBaseURL}
}

func demoNotices() []incident.Notice {
	older := incident.Notice{
		IncidentID: "INC-2026-0007", Revision: 1, Title: "Letters sent to the wrong postal addresses",
		PublishedAt: *at("2026-03-02T09:00:00Z"), UpdatedAt: *at("2026-03-02T09:00:00Z"),
		Facts: incident.Facts{IncidentID: "INC-2026-0007", Title: "Letters sent to the wrong postal addresses"},
	}
	return []incident.Notice{older, demoNotice()}
}

// demoReport has the shape incident/report builds: typed Go values, as the
// report package puts them in Fields.
func demoReport() incident.Report {
	f := demoFacts()
	return incident.Report{
		IncidentID: "INC-2026-0042", Regime: "GDPR", Authority: "lead supervisory authority (DE)",
		Phase: incident.PhaseFollowUp, Version: 2,
		GeneratedAt: *at("2026-11-21T12:00:00Z"), Deadline: at("2026-11-22T09:00:00Z"),
		Fields: map[string]any{
			"controller":               f.Controller,
			"contact_point":            "dpo@example.com",
			"authority":                "lead supervisory authority (DE)",
			"title":                    f.Title,
			"nature_of_breach":         f.Summary,
			"occurred_from":            f.OccurredFrom,
			"occurred_to":              f.OccurredTo,
			"detected_at":              f.DetectedAt,
			"aware_at":                 f.AwareAt,
			"contained_at":             (*time.Time)(nil),
			"breach_type":              []string{"confidentiality"},
			"malicious_suspected":      true,
			"cross_border":             true,
			"subjects_approximate":     12000,
			"records_approximate":      30000,
			"subjects_by_jurisdiction": f.Scope.Jurisdictions,
			"data_categories":          []string{"contact", "credentials", "identity"},
			"likely_consequences":      []string{"risk to the rights and freedoms of data subjects assessed as high (severity high)", "data: credentials -> DPC 3"},
			"measures_taken":           f.Measures.Taken,
			"measures_proposed":        f.Measures.Planned,
			"severity": incident.Severity{Band: incident.BandHigh, Score: 3.5, DPC: 3, EI: 1, CB: 0.5,
				Rationale: []string{"data: credentials unlock accounts -> DPC 3", "identifiability maximum -> EI 1"}},
			"risk":          incident.RiskHigh,
			"subjects_plan": "affected people are being told individually (Art. 34)",
			"notification_progress": incident.Progress{Subjects: 3, Sent: 2, Failed: 1, Unreachable: 1,
				ByChannel: map[string]incident.ChannelProgress{"email": {Sent: 1}, "sms": {Sent: 1, Failed: 1}}},
			"public_notice":     map[string]any{"url": demoURL, "published_at": *at("2026-11-20T10:00:00Z"), "revision": 2},
			"more_to_follow":    true,
			"decision_version":  1,
			"analyst_note":      "IoCs shared with the national CSIRT",
			"reasons_for_delay": "",
		},
		ContentHash: "3f1d6c1c0e5b7a9d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c",
	}
}
