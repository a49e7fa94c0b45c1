package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/policy"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/notifier/webhook"
)

// authoritiesFile is the authorities file (authorities_file): who may read
// which regulator reports over the API.
type authoritiesFile struct {
	Authorities []authorityEntry `yaml:"authorities"`
}

// authorityEntry is one regulator as written in the file.
type authorityEntry struct {
	ID    string         `yaml:"id"`   // short and stable, e.g. "de-bfdi"; logged
	Name  string         `yaml:"name"` // for people
	Match authorityMatch `yaml:"match"`
	// Exactly one of the two: the file never holds the token itself.
	TokenSHA256 string `yaml:"token_sha256"` // hex SHA-256 of the bearer token
	TokenFile   string `yaml:"token_file"`   // a file holding the token (a mounted secret)
	// Delivery says how the authority is sent its reports; without it the
	// authority reads them over the API.
	Delivery *deliveryEntry `yaml:"delivery"`
}

// deliveryEntry is how reports reach one authority: by email (with the PDF
// attached) or to its webhook, one of the two.
type deliveryEntry struct {
	Email   string        `yaml:"email"`
	Webhook *webhookEntry `yaml:"webhook"`
}

// webhookEntry is an authority's webhook: its URL and the file holding the
// secret the requests are signed with (never the secret itself).
type webhookEntry struct {
	URL        string `yaml:"url"`
	SecretFile string `yaml:"secret_file"`
}

// authorityMatch says which reports are the authority's: the report's
// regime is one of Regimes and, when set, its Authority (as the policy
// names it, e.g. "lead supervisory authority (DE)") is AuthorityIs or
// contains AuthorityContains. Both compare without regard to case.
type authorityMatch struct {
	Regimes           []string `yaml:"regimes"`
	AuthorityIs       string   `yaml:"authority"`
	AuthorityContains string   `yaml:"authority_contains"`
}

// regulator is one loaded authority: what the gate needs, no token.
type regulator struct {
	ID, Name  string
	Match     authorityMatch
	tokenHash [sha256.Size]byte
	// Where its reports are sent: an address, or a webhook; neither when
	// it reads them over the API. Neither is ever logged.
	email   string
	webhook *webhook.Target
}

// route is how a report goes to a.
func (a *regulator) route() report.Route {
	return report.Route{AuthorityID: a.ID, Email: a.email, Webhook: a.webhook}
}

// owns says whether rep is one of a's reports.
func (a *regulator) owns(rep incident.Report) bool {
	m := a.Match
	if !slices.Contains(m.Regimes, rep.Regime) {
		return false
	}
	if m.AuthorityIs != "" && !strings.EqualFold(strings.TrimSpace(rep.Authority), m.AuthorityIs) {
		return false
	}
	return m.AuthorityContains == "" ||
		strings.Contains(strings.ToLower(rep.Authority), strings.ToLower(m.AuthorityContains))
}

// minTokenLen keeps guessable tokens out of token_file; a hash in
// token_sha256 cannot be checked, the example file says how to make one.
const minTokenLen = 32

// token68 is the syntax of a bearer token (RFC 6750 §2.1): a token that
// does not match could never be sent in an Authorization header.
var token68 = regexp.MustCompile(`^[A-Za-z0-9\-._~+/]+=*$`)

// idSyntax keeps ids short and safe to log.
var idSyntax = regexp.MustCompile(`^[a-z0-9][a-z0-9\-]{0,62}$`)

// loadAuthorities reads and checks the authorities file at path. Regimes,
// when not nil, are the regimes the policy in force knows: an authority
// matching none of them would silently see nothing. Every problem is
// named by its place, e.g. "authorities[1].token_sha256".
func loadAuthorities(path string, regimes []string) ([]*regulator, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read authorities file: %w", err)
	}
	var f authoritiesFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("authorities file %s: %w", path, err)
	}
	if len(f.Authorities) == 0 {
		return nil, fmt.Errorf("authorities file %s: authorities: list at least one authority", path)
	}
	auths := make([]*regulator, 0, len(f.Authorities))
	var errs []error
	for i, e := range f.Authorities {
		a, err := e.load(fmt.Sprintf("authorities[%d]", i), filepath.Dir(path), regimes)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		auths = append(auths, a)
	}
	errs = append(errs, duplicates(auths)...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("authorities file %s: %w", path, err)
	}
	return auths, nil
}

// load checks one entry; where is its place in the file.
func (e authorityEntry) load(where, dir string, regimes []string) (*regulator, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", where, field, fmt.Sprintf(format, args...)))
	}
	if !idSyntax.MatchString(e.ID) {
		bad("id", "required: lower-case letters, digits and dashes, e.g. de-bfdi")
	}
	if strings.TrimSpace(e.Name) == "" {
		bad("name", "required")
	}
	if len(e.Match.Regimes) == 0 {
		bad("match.regimes", "list at least one regime, e.g. GDPR")
	}
	for j, r := range e.Match.Regimes {
		if regimes != nil && !slices.Contains(regimes, r) {
			bad(fmt.Sprintf("match.regimes[%d]", j), "%q is not a regime of the policy in force (%s)", r, strings.Join(regimes, ", "))
		}
	}
	a := &regulator{ID: e.ID, Name: e.Name, Match: e.Match}
	a.Match.AuthorityIs = strings.TrimSpace(a.Match.AuthorityIs)
	hash, err := e.tokenHash(dir)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s.%w", where, err))
	}
	a.tokenHash = hash
	if e.Delivery != nil {
		if err := e.Delivery.load(a, dir); err != nil {
			errs = append(errs, fmt.Errorf("%s.delivery.%w", where, err))
		}
	}
	return a, errors.Join(errs...)
}

// load checks the delivery and sets it on a. Its errors start with the
// field's name and never quote an address, URL or secret.
func (d deliveryEntry) load(a *regulator, dir string) error {
	switch {
	case d.Email != "" && d.Webhook != nil:
		return errors.New("email, webhook: give one, not both")
	case d.Email != "":
		addr, err := mail.ParseAddress(d.Email)
		if err != nil || addr.Name != "" {
			return errors.New("email: must be one plain address, e.g. breach-reports@authority.example")
		}
		a.email = addr.Address
		return nil
	case d.Webhook != nil:
		return d.Webhook.load(a, dir)
	}
	return errors.New("email: required (or webhook)")
}

func (w webhookEntry) load(a *regulator, dir string) error {
	if err := webhook.CheckURL(w.URL); err != nil {
		return fmt.Errorf("webhook.url: %w", err)
	}
	if w.SecretFile == "" {
		return errors.New("webhook.secret_file: required: a file holding the signing secret (e.g. openssl rand -hex 32)")
	}
	path := w.SecretFile
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("webhook.secret_file: %w", err)
	}
	secret := bytes.TrimSpace(b)
	if len(secret) < webhook.MinSecretBytes {
		return fmt.Errorf("webhook.secret_file: the secret must be at least %d bytes (e.g. openssl rand -hex 32)", webhook.MinSecretBytes)
	}
	a.webhook = &webhook.Target{URL: w.URL, Secret: secret}
	return nil
}

// tokenHash is the SHA-256 the gate compares presented tokens against.
// Its errors start with the field's name.
func (e authorityEntry) tokenHash(dir string) (h [sha256.Size]byte, err error) {
	switch {
	case e.TokenSHA256 != "" && e.TokenFile != "":
		return h, errors.New("token_sha256, token_file: give one, not both")
	case e.TokenSHA256 != "":
		raw, err := hex.DecodeString(e.TokenSHA256)
		if err != nil || len(raw) != sha256.Size {
			return h, errors.New("token_sha256: must be 64 hex digits, the SHA-256 of the token (never the token)")
		}
		copy(h[:], raw)
		return h, nil
	case e.TokenFile != "":
		return readTokenFile(e.TokenFile, dir)
	}
	return h, errors.New("token_sha256: required (or token_file)")
}

// readTokenFile hashes the token in path (relative to the authorities
// file). Its errors never quote the file's content.
func readTokenFile(path, dir string) (h [sha256.Size]byte, err error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return h, fmt.Errorf("token_file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if len(tok) < minTokenLen || !token68.MatchString(tok) {
		return h, fmt.Errorf("token_file: the token must be at least %d characters of A-Z a-z 0-9 - . _ ~ + / (e.g. openssl rand -hex 32)", minTokenLen)
	}
	return sha256.Sum256([]byte(tok)), nil
}

// duplicates refuses two authorities with one id (logs and audits would
// mix them up) or one token (the gate could not tell them apart).
func duplicates(auths []*regulator) []error {
	var errs []error
	for i, a := range auths {
		for _, b := range auths[:i] {
			if a.ID == b.ID {
				errs = append(errs, fmt.Errorf("authorities: id %q is given twice", a.ID))
			}
			if a.tokenHash == b.tokenHash {
				errs = append(errs, fmt.Errorf("authorities: %q and %q have the same token", b.ID, a.ID))
			}
		}
	}
	return errs
}

// policyRegimes are the regimes the policy file names (the built-in policy
// when path is empty), for loadAuthorities to check matches against.
func policyRegimes(path string) ([]string, error) {
	var p *policy.Policy
	var err error
	if path == "" {
		p, err = policy.Parse(policy.DefaultYAML(), "built-in policy")
	} else {
		p, err = policy.Load(path)
	}
	if err != nil {
		return nil, fmt.Errorf("policy_file: %w", err)
	}
	var regimes []string
	for _, r := range p.Rules {
		if !slices.Contains(regimes, r.Regime) {
			regimes = append(regimes, r.Regime)
		}
	}
	return regimes, nil
}
