package policy

import (
	"strings"
	"testing"
)

func TestNoticeSectionIsRead(t *testing.T) {
	src := policyYAML(baseRule) + `
public_notice:
  citation: Art. 34(3)(c)
  unreachable_at_least: 25
  unreachable_share_at_least: 0.1
`
	p, err := Parse([]byte(src), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := p.Notice(); n.UnreachableAtLeast != 25 || n.UnreachableShareAtLeast != 0.1 || n.DeadlineAtRisk {
		t.Errorf("Notice() = %+v", n)
	}
	words := strings.Join(p.Notice().Describe(), "; ")
	if !strings.Contains(words, "25 or more people") || !strings.Contains(words, "10% or more") {
		t.Errorf("Describe = %q", words)
	}
}

func TestNoticeSectionDefaults(t *testing.T) {
	p, err := Parse([]byte(policyYAML(baseRule)), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Notice() != DefaultNotice {
		t.Errorf("a policy without public_notice gives %+v, want DefaultNotice", p.Notice())
	}
	d := Default().Notice()
	if d.UnreachableAtLeast != 10 || d.UnreachableShareAtLeast != 0.05 || !d.DeadlineAtRisk || d.Citation == "" {
		t.Errorf("built-in policy notice rules = %+v", d)
	}
}

func TestNoticeSectionRejects(t *testing.T) {
	for name, tc := range map[string]struct{ section, want string }{
		"negative count": {"citation: x\n  unreachable_at_least: -1", "public_notice.unreachable_at_least: must not be negative"},
		"share above 1":  {"citation: x\n  unreachable_share_at_least: 5", "public_notice.unreachable_share_at_least: must be a share from 0 to 1"},
		"no citation":    {"unreachable_at_least: 10", "public_notice.citation: is empty"},
		"unknown key":    {"citation: x\n  threshold: 10", "field threshold not found"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(policyYAML(baseRule)+"\npublic_notice:\n  "+tc.section+"\n"), "test.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error %v, want %q", err, tc.want)
			}
		})
	}
}
