package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDefaultHasEveryRegime(t *testing.T) {
	p := Default()
	want := []string{"GDPR", "UK GDPR", "NIS2", "HIPAA", "California", "Texas", "Singapore PDPA",
		"Australia NDB", "Brazil LGPD", "China PIPL", "Canada PIPEDA", "Japan APPI"}
	var got []string
	for _, r := range p.Rules {
		got = append(got, r.Regime)
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("default policy lacks %s (has %v)", w, got)
		}
	}
}

// A privacy officer relies on every rule saying what it is and where the
// law is; the validator does not require these, the default must have them.
func TestDefaultRulesAreDocumented(t *testing.T) {
	for _, r := range Default().Rules {
		if r.Name == "" || r.Notes == "" || !strings.HasPrefix(r.Source, "http") {
			t.Errorf("rule %s: name %q, source %q, notes %d chars", r.ID, r.Name, r.Source, len(r.Notes))
		}
		if r.Subjects != nil && r.Subjects.Citation == "" {
			t.Errorf("rule %s: subjects duty without a citation", r.ID)
		}
	}
}

// The shipped numbers the regimes are known by, read back from the file.
func TestDefaultKeyNumbers(t *testing.T) {
	p := Default()
	tests := []struct {
		rule, phase string
		want        string
	}{
		{"gdpr-art33", "initial", "72 hours"},
		{"uk-gdpr-art33", "initial", "72 hours"},
		{"nis2-art23", "early_warning", "24 hours"},
		{"nis2-art23", "notification", "72 hours"},
		{"nis2-art23", "final", "1 month (Europe/Helsinki)"},
		{"hipaa-hhs-500", "notice", "60 calendar days"},
		{"hipaa-hhs-log", "annual_log", "60 days after the end of the calendar year (Pacific/Pago_Pago)"},
		{"california-1798-82", "sample_notice", "45 calendar days"},
		{"texas-521053", "report", "30 calendar days"},
		{"singapore-pdpa-26d", "notification", "3 calendar days (Asia/Singapore)"},
		{"australia-ndb", "assessment", "30 calendar days"},
		{"brazil-lgpd-48", "communication", "3 business days (BR calendar, America/Sao_Paulo)"},
		{"brazil-lgpd-48", "complementary", "20 business days (BR calendar, America/Sao_Paulo)"},
		{"china-pipl-57", "report", "24 hours (policy target)"},
		{"japan-appi-26", "final", "30 calendar days (Asia/Tokyo, the clock's day counted)"},
	}
	for _, tc := range tests {
		r, ok := p.Rule(tc.rule)
		if !ok {
			t.Errorf("no rule %s", tc.rule)
			continue
		}
		i := slices.IndexFunc(r.Phases, func(ph Phase) bool { return ph.Name == tc.phase })
		if i < 0 {
			t.Errorf("rule %s has no phase %s", tc.rule, tc.phase)
			continue
		}
		if got := r.Phases[i].Deadline.String(); got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.rule, tc.phase, got, tc.want)
		}
	}
}

func TestDefaultIsTheEmbeddedFile(t *testing.T) {
	sum := sha256.Sum256(DefaultYAML())
	if got := Default().Hash; got != hex.EncodeToString(sum[:]) {
		t.Errorf("Default().Hash = %s, want the SHA-256 of default.yaml", got)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "acme.yaml")
	data := []byte(policyYAML(baseRule))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	sum := sha256.Sum256(data)
	if p.Hash != hex.EncodeToString(sum[:]) || p.ID != "test" {
		t.Errorf("Load: id %q hash %s", p.ID, p.Hash)
	}
	other, err := Parse(append(data, "# a comment\n"...), "acme.yaml")
	if err != nil || other.Hash == p.Hash {
		t.Errorf("a changed file must hash differently (err %v)", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "read policy") {
		t.Errorf("Load of a missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: x\nrules: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "policy bad.yaml: rules: none defined") {
		t.Errorf("Load of an invalid file: %v", err)
	}
}

func TestMembers(t *testing.T) {
	p := &Policy{Groups: map[string][]string{"EU": {"FR", "de"}, "Nordics": {"NO", "SE", "DK"}}}
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"eu"}, []string{"DE", "FR"}},
		{[]string{"EU", "US-CA", "uk", "DE", " us-tx "}, []string{"DE", "FR", "GB", "US-CA", "US-TX"}},
		{[]string{"NORDICS", "EU", "SE"}, []string{"DE", "DK", "FR", "NO", "SE"}},
		{[]string{"", "JP"}, []string{"JP"}},
	}
	for _, tc := range tests {
		if got := p.Members(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("Members(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	eea := Default().Members([]string{"EEA"})
	eu := Default().Members([]string{"EU"})
	if len(eea) != len(eu)+3 || slices.Contains(eu, "NO") || !slices.Contains(eea, "NO") {
		t.Errorf("EEA %v should be EU %v plus IS, LI, NO", eea, eu)
	}
}

// Every deadline the default policy ships counts without error.
func TestDefaultDeadlinesCount(t *testing.T) {
	from := at(t, "2026-11-19T09:00:00Z")
	for _, r := range Default().Rules {
		ds := map[string]Deadline{}
		for _, ph := range r.Phases {
			ds[ph.Name] = ph.Deadline
			for j, o := range ph.Overrides {
				ds[fmt.Sprintf("%s.overrides[%d]", ph.Name, j)] = o.Deadline
			}
		}
		if r.Subjects != nil {
			ds["subjects"] = r.Subjects.Deadline
		}
		for name, d := range ds {
			got, fixed, err := d.After(from)
			if err != nil || (fixed && !got.After(from)) {
				t.Errorf("%s %s: After = %v, %v, %v", r.ID, name, got, fixed, err)
			}
		}
	}
}
