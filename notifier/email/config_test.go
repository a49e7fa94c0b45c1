package email

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
)

func TestDefaults(t *testing.T) {
	for mode, port := range map[string]int{"": 587, TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25} {
		c := Config{TLS: mode}.WithDefaults()
		if c.Port != port || c.Timeout != 15*time.Second {
			t.Errorf("TLS %q: port %d timeout %v, want %d 15s", mode, c.Port, c.Timeout, port)
		}
	}
	if c := (Config{}).WithDefaults(); c.TLS != TLSStartTLS {
		t.Errorf("default TLS %q, want starttls", c.TLS)
	}
	if c := (Config{Port: 2525, TLS: TLSNone}).WithDefaults(); c.Port != 2525 {
		t.Errorf("an explicit port was replaced by %d", c.Port)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	good := Config{Host: "smtp.example.com", From: "security@example.com"}.WithDefaults()
	cases := map[string]func(*Config){
		"host":     func(c *Config) { c.Host = "" },
		"port":     func(c *Config) { c.Port = 70000 },
		"tls":      func(c *Config) { c.TLS = "ssl" },
		"username": func(c *Config) { c.Password = "x" },
		"timeout":  func(c *Config) { c.Timeout = -time.Second },
		"from":     func(c *Config) { c.From = "not an address" },
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for field, breakIt := range cases {
		c := good
		breakIt(&c)
		err := c.Validate()
		if incident.ErrorField(err) != field || incident.ErrorCode(err) != incident.CodeInvalid {
			t.Errorf("%s: got %v, want an invalid error naming %q", field, err, field)
		}
	}
	if _, err := New(Config{From: "security@example.com"}); incident.ErrorField(err) != "host" {
		t.Errorf("New without host: %v", err)
	}
}

func TestConfigStringHidesPassword(t *testing.T) {
	c := Config{Host: "smtp.example.com", Username: "herald", Password: "s3cret"}
	for _, s := range []string{c.String(), fmtV(c)} {
		if strings.Contains(s, "s3cret") {
			t.Errorf("config printed its password: %q", s)
		}
	}
}

func fmtV(c Config) string { return fmt.Sprintf("%v %+v", c, c) }
