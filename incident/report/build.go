// Package report builds regulator status reports from an incident's facts,
// decision and notification progress (GDPR Art. 33(3); RULES.md §6).
package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/herald-notify/herald/incident"
)

// Input is everything a report may draw on.
type Input struct {
	Incident   incident.Incident
	Obligation incident.Obligation
	Phase      string
	Progress   incident.Progress
	Notice     *incident.Notice // nil: no public notice
	NoticeURL  string
	Now        time.Time
	// Earlier are the obligation's reports made before this one. A phase
	// with a version among them is being updated, never late; a phase
	// counted from an earlier one is due from when that one was sent.
	Earlier []incident.Report
	// Recount counts such a phase's deadline from that sending (nil: the
	// computed deadline shifted; see schedule).
	Recount Recount
	// Trigger says why the report was made ("incident opened",
	// "notification 50 % processed", "requested by the response team").
	Trigger string
}

// Build makes one report for one regime and phase. It is pure: the same
// input gives the same report and content hash.
func Build(in Input) incident.Report {
	f := in.Incident.Facts
	fields := map[string]any{
		"controller":               f.Controller,
		"contact_point":            contactPoint(f),
		"authority":                in.Obligation.Authority,
		"title":                    f.Title,
		"nature_of_breach":         f.Summary,
		"occurred_from":            f.OccurredFrom,
		"occurred_to":              f.OccurredTo,
		"detected_at":              f.DetectedAt,
		"aware_at":                 f.AwareAt,
		"contained_at":             f.ContainedAt,
		"breach_type":              breachType(f.Breach),
		"malicious_suspected":      malicious(f.Breach),
		"cross_border":             crossBorder(f.Impact),
		"subjects_approximate":     subjectsEstimate(f.Scope),
		"records_approximate":      recordsEstimate(f.Scope),
		"subjects_by_jurisdiction": jurisdictions(f.Scope),
		"data_categories":          categories(f.Data),
		"likely_consequences":      consequences(in.Incident.Decision),
		"measures_taken":           measures(f.Measures, true),
		"measures_proposed":        measures(f.Measures, false),
		"severity":                 severityFor(in.Incident.Decision.Severity),
		"risk":                     in.Incident.Decision.Risk,
		"subjects_plan":            subjectsPlan(in.Incident.Decision),
		"notification_progress":    in.Progress,
		"more_to_follow":           in.Phase != incident.PhaseFinal,
		"decision_version":         in.Incident.Decision.Version,
		"authorities_notified":     otherAuthorities(in.Incident.Decision, in.Obligation),
		"threat_type":              threatType(f.Breach),
		"indicators_of_compromise": f.IndicatorsOfCompromise,
		"recovery_status":          recoveryStatus(f),
	}
	if in.Notice != nil {
		fields["public_notice"] = map[string]any{"url": in.NoticeURL, "published_at": in.Notice.PublishedAt, "revision": in.Notice.Revision}
	}
	if in.Trigger != "" {
		fields["trigger"] = in.Trigger
	}
	if in.Phase == incident.PhaseFinal {
		fields["root_cause"] = f.RootCause
		fields["final_measures"] = f.FinalMeasures
		fields["closed_at"] = f.ClosedAt
		fields["final_impact"] = finalImpact(f.Impact)
	}
	// Each phase is late against its own deadline (NIS2's notification is
	// due at 72 h, not at the early warning's 24 h).
	deadline := phaseDeadlineOf(in.Obligation, in.Earlier, in.Phase, in.Recount)
	late := deadline != nil && in.Now.After(*deadline) && !hasPhase(in.Earlier, in.Phase)
	if late {
		// Art. 33(1): a late notification states the reasons for the delay;
		// the team supplies them in a follow-up, so the gap is flagged here.
		fields["reasons_for_delay"] = "not yet provided by the response team"
	}
	r := incident.Report{
		IncidentID: in.Incident.ID, Regime: in.Obligation.Regime, Authority: in.Obligation.Authority,
		Phase: in.Phase, GeneratedAt: in.Now.UTC(), Deadline: deadline, Late: late, Fields: fields,
	}
	r.ContentHash = hash(fields)
	return r
}

// hash is the content hash: the SHA-256 of the fields as canonical JSON
// (see canonicalJSON), so anyone can recompute it from the report served.
func hash(fields map[string]any) string {
	sum := sha256.Sum256(canonicalJSON(fields))
	return hex.EncodeToString(sum[:])
}

// canonicalJSON writes v compactly with the keys of every object sorted
// (structs included: v is decoded to plain JSON values first), numbers as
// written, and no HTML escaping: what json.dumps(v, sort_keys=True,
// separators=(",", ":"), ensure_ascii=False) gives in Python.
func canonicalJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return nil // fields Build made always marshal
	}
	var plain any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&plain); err != nil {
		return nil
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(plain); err != nil {
		return nil
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}
