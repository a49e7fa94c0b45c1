// Package policy holds the rules that turn a classified incident into legal
// duties: which regime applies, whom to tell, by when and in which phases.
//
// The rules are data (a YAML file with a citation on every rule) so that a
// privacy officer can read and change them without Go. Herald ships a
// default policy (default.yaml, embedded); an operator may point Herald at
// their own file. The vocabulary of conditions is fixed here; the numbers,
// authorities, clocks and deadlines are the file's.
package policy

// Policy is one policy file, validated.
type Policy struct {
	ID    string `yaml:"id"`    // e.g. "herald-default-2026-11"
	Title string `yaml:"title"` // one line for people
	// Groups names sets of jurisdictions a territory may refer to by name,
	// e.g. EEA: [AT, BE, ...].
	Groups map[string][]string `yaml:"groups"`
	Rules  []Rule              `yaml:"rules"`
	// Calendars are the public-holiday calendars business-day deadlines
	// count with, by name (e.g. "BR").
	Calendars map[string]Calendar `yaml:"calendars"`
	// PublicNotice says when the public Security Notice stands in for
	// telling people one by one; nil uses DefaultNotice.
	PublicNotice *NoticePolicy `yaml:"public_notice"`

	// Hash is the hex SHA-256 of the file's bytes, set by Parse, so that a
	// decision can name exactly the policy it rests on.
	Hash string `yaml:"-"`
}

// Rule is one regime's duty to tell an authority (and, with Subjects, the
// people affected). One regime may have several rules, for instance HIPAA's
// notice to HHS for 500 or more people and its annual log for fewer.
type Rule struct {
	ID       string `yaml:"id"`       // unique in the file, e.g. "gdpr-art33"
	Regime   string `yaml:"regime"`   // GDPR, UK GDPR, NIS2, HIPAA, ...
	Name     string `yaml:"name"`     // the law's full name
	Citation string `yaml:"citation"` // the article the duty rests on
	Source   string `yaml:"source"`   // where to read the primary text (URL)
	// Authority is who is told. It may contain {establishment} (the
	// controller's country) and {territories} (the matched jurisdictions).
	Authority string `yaml:"authority"`
	// AuthorityAbroad replaces Authority when the controller is not
	// established in the rule's territory (GDPR without a main establishment
	// in the EEA: every authority concerned).
	AuthorityAbroad string `yaml:"authority_abroad"`

	Territory Territory `yaml:"territory"`
	// Applies, beyond the territory, says when the rule is listed at all
	// (HIPAA only for health data). Empty: always, within the territory.
	Applies Condition `yaml:"applies"`
	// Trigger says when the duty is required; a listed rule whose trigger
	// does not hold is shown as not required, with the reason.
	Trigger Condition `yaml:"trigger"`
	// Clock lists the facts clocks the deadlines count from, in order of
	// preference (aware_at, detected_at, assessed_at); a fallback is named in
	// the rationale and raised for review.
	Clock []string `yaml:"clock"`
	// Phases are the reports owed, in order. The first phase's deadline is
	// the obligation's deadline.
	Phases   []Phase       `yaml:"phases"`
	Subjects *SubjectsRule `yaml:"subjects"`
	Notes    string        `yaml:"notes"` // caveats for the privacy officer
}

// Territory says whose establishment or whose people engage a rule. Entries
// are ISO 3166-1 alpha-2 countries ("DE"), subdivisions ("US-CA") or group
// names from Policy.Groups. A country matches its subdivisions ("US" matches
// a subject in "US-TX"); a subdivision matches only itself.
type Territory struct {
	Establishment []string `yaml:"establishment"`
	Subjects      []string `yaml:"subjects"`
	// WhenUnknown engages the rule when neither the establishment nor any
	// jurisdiction of the people is known: unknown is not "no".
	WhenUnknown bool `yaml:"when_unknown"`
}

// Condition is a test on the facts and the decision. Every field that is
// set must hold, and, when Any is not empty, at least one of Any. The zero
// Condition always holds. A fact the condition needs but the incident does
// not state is read conservatively (the duty holds) and flagged for review.
type Condition struct {
	PersonalData *bool    `yaml:"personal_data"` // a personal data breach is at stake
	Kinds        []string `yaml:"kinds"`         // facts.kind is one of these
	// RiskAtLeast: "risk" (not unlikely) or "high", on the GDPR risk scale
	// the classifier computes.
	RiskAtLeast string   `yaml:"risk_at_least"`
	Exemptions  []string `yaml:"exemptions"`     // the decision's subject_exemption is one of these
	Categories  []string `yaml:"categories_any"` // any of these data categories is involved
	// Unintelligible: the data were unintelligible to whoever got them
	// (state-of-the-art encryption with a safe key, or salted strong hashes).
	Unintelligible *bool `yaml:"unintelligible"`
	Malicious      *bool `yaml:"malicious"`
	// Counts of people: in total, in the rule's subject territory, and in
	// the single jurisdiction of that territory with the most people.
	SubjectsAtLeast       int `yaml:"subjects_at_least"`
	SubjectsBelow         int `yaml:"subjects_below"`
	ResidentsAtLeast      int `yaml:"residents_at_least"`
	ResidentsBelow        int `yaml:"residents_below"`
	ResidentsInOneAtLeast int `yaml:"residents_in_one_at_least"`

	NIS2Entity      []string `yaml:"nis2_entity"`      // entity.nis2 is one of these
	NIS2Significant *bool    `yaml:"nis2_significant"` // Art. 23(3) NIS2, as the classifier judges it
	HIPAAEntity     []string `yaml:"hipaa_entity"`     // entity.hipaa is one of these

	Any []Condition `yaml:"any"`
}

// Phase is one report owed to the authority.
type Phase struct {
	Name string `yaml:"name"` // initial, early_warning, notification, final, ...
	// After is what the deadline counts from: empty for the rule's clock,
	// "phase:<name>" for an earlier phase's deadline, "on_request" or
	// "closed_at" for a phase with no deadline known in advance.
	After    string   `yaml:"after"`
	Deadline Deadline `yaml:"deadline"`
	// Overrides give another deadline when a condition holds (APPI: the
	// final report is due in 60 days, not 30, when the cause is malicious).
	// The first that holds wins.
	Overrides []Override `yaml:"overrides"`
}

// Override is a deadline that applies when its condition holds.
type Override struct {
	When     Condition `yaml:"when"`
	Deadline Deadline  `yaml:"deadline"`
}

// SubjectsRule is a regime's duty to tell the people affected.
type SubjectsRule struct {
	Citation string    `yaml:"citation"`
	Trigger  Condition `yaml:"trigger"`
	Clock    []string  `yaml:"clock"` // empty: the rule's clock
	Deadline Deadline  `yaml:"deadline"`
}

// Deadline is how long a duty may take. Exactly one of Hours, Days,
// BusinessDays, Months and AfterYearEndDays is set, or none and Due says in
// words what the law asks ("as soon as practicable"), with no fixed time.
type Deadline struct {
	Hours int `yaml:"hours"` // exact hours after the clock
	// Days are calendar days. Without a Timezone: exactly Days x 24 h after
	// the clock. With one: to the end of the local day Days after the
	// clock's local date (the clock's own day is not counted).
	Days int `yaml:"days"`
	// BusinessDays need a Calendar and a Timezone: to the end of the
	// BusinessDays-th working day after the clock's local date, skipping
	// weekends and the calendar's public holidays.
	BusinessDays int `yaml:"business_days"`
	// Months are calendar months in UTC; a day the month lacks becomes its
	// last day (31 Jan + 1 month = 28/29 Feb).
	Months int `yaml:"months"`
	// AfterYearEndDays count from the end of the calendar year (UTC) of the
	// clock (HIPAA's annual log: 60 days after the end of the year).
	AfterYearEndDays int `yaml:"after_year_end_days"`

	Calendar string `yaml:"calendar"` // public-holiday calendar for BusinessDays, e.g. "BR"
	Timezone string `yaml:"timezone"` // IANA zone, e.g. "America/Sao_Paulo"
	// CountClockDay makes the clock's own local date day 1 of Days or
	// BusinessDays, for a law that counts that way (Japan's PPC reports);
	// by default the count starts the next day.
	CountClockDay bool `yaml:"count_clock_day"`
	// Due is the law's words, shown beside the time; required when no fixed
	// time is set.
	Due string `yaml:"due"`
	// Target marks a time the policy sets for an open-ended duty ("promptly")
	// so that a clock can run; it is not the law's own deadline.
	Target bool `yaml:"target"`

	// cal is the named calendar, linked by Validate so After can count.
	cal *Calendar
}
