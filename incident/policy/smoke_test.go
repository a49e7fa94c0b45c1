package policy

import "testing"

func TestDefaultValid(t *testing.T) {
	p := Default()
	if len(p.Rules) == 0 || p.Hash == "" {
		t.Fatalf("default policy empty: %d rules, hash %q", len(p.Rules), p.Hash)
	}
}
