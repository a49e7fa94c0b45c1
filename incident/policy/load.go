package policy

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed default.yaml
var defaultYAML []byte

// DefaultName is the name the embedded default policy goes by in errors.
const DefaultName = "default.yaml"

// Default returns the policy Herald ships with, parsed once. It is shared:
// callers must not modify it. It panics if the embedded file is invalid,
// which a test guards against.
var Default = sync.OnceValue(func() *Policy {
	p, err := Parse(defaultYAML, DefaultName)
	if err != nil {
		panic(err)
	}
	return p
})

// DefaultYAML returns the bytes of the embedded default policy, for an
// officer to start their own file from.
func DefaultYAML() []byte { return bytes.Clone(defaultYAML) }

// Parse reads a policy file strictly (an unknown key is an error, so a
// misspelt condition never silently holds), hashes it and validates it.
// name says which file it is in error messages.
func Parse(data []byte, name string) (*Policy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("policy %s: file is empty", name)
		}
		return nil, fmt.Errorf("policy %s: decode yaml: %w", name, err)
	}
	sum := sha256.Sum256(data)
	p.Hash = hex.EncodeToString(sum[:])
	if errs := p.problems(); len(errs) > 0 {
		for i, e := range errs {
			errs[i] = fmt.Errorf("policy %s: %w", name, e)
		}
		return nil, errors.Join(errs...)
	}
	return &p, nil
}

// Load reads and parses the policy file at path.
func Load(path string) (*Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Parse(data, filepath.Base(path))
}

// Members expands the group names among entries into their jurisdictions
// and returns all of them upper-case, sorted and unique. "UK" is read as
// GB, its ISO 3166 code.
func (p *Policy) Members(entries []string) []string {
	var out []string
	for _, e := range entries {
		e = strings.ToUpper(strings.TrimSpace(e))
		if g, ok := p.group(e); ok {
			for _, m := range g {
				out = append(out, normCode(m))
			}
			continue
		}
		if e != "" {
			out = append(out, normCode(e))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// group finds a group by name, whatever the case it is written in.
func (p *Policy) group(name string) ([]string, bool) {
	for k, v := range p.Groups {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return nil, false
}

func normCode(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if c == "UK" {
		return "GB"
	}
	return c
}

// Rule returns the rule with the given id.
func (p *Policy) Rule(id string) (Rule, bool) {
	for _, r := range p.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
