package email

import (
	"crypto/tls"
	"fmt"
	netmail "net/mail"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/herald-notify/herald/incident"
)

// TLS modes for Config.TLS.
const (
	TLSNone     = "none"     // plain SMTP: only for a relay on a trusted network or a local test server
	TLSStartTLS = "starttls" // STARTTLS is required; the connection fails rather than fall back to plain
	TLSImplicit = "tls"      // TLS from the first byte (SMTPS, usually port 465)
)

// Config says where and how to send email. Only cmd/ fills it from flags,
// environment or the config file.
type Config struct {
	Host               string
	Port               int // default 587 for starttls, 465 for tls, 25 for none
	Username, Password string
	From               string // the sender, e.g. "Example Corp Security <security@example.com>"
	TLS                string // "none" | "starttls" | "tls"; default "starttls"
	TLSConfig          *tls.Config
	Timeout            time.Duration // bounds the connection and each SMTP exchange; default 15s
}

// WithDefaults fills the unset fields with their defaults.
func (c Config) WithDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = defaultPort(c.TLS)
	}
	if c.Timeout == 0 {
		c.Timeout = 15 * time.Second
	}
	return c
}

func defaultPort(mode string) int {
	switch mode {
	case TLSImplicit:
		return mail.DefaultPortSSL
	case TLSNone:
		return mail.DefaultPort
	default:
		return mail.DefaultPortTLS
	}
}

// Validate reports the first unusable field as an incident.Invalid error
// that names it.
func (c Config) Validate() error {
	switch {
	case c.Host == "":
		return incident.Invalid("host", "is required")
	case c.Port < 1 || c.Port > 65535:
		return incident.Invalid("port", "must be between 1 and 65535, got %d", c.Port)
	case c.TLS != TLSNone && c.TLS != TLSStartTLS && c.TLS != TLSImplicit:
		return incident.Invalid("tls", "must be none, starttls or tls, got %q", c.TLS)
	case c.Password != "" && c.Username == "":
		return incident.Invalid("username", "is required when a password is set")
	case c.Timeout <= 0:
		return incident.Invalid("timeout", "must be positive")
	case c.From == "":
		return incident.Invalid("from", "is required")
	}
	if _, err := netmail.ParseAddress(c.From); err != nil {
		return incident.Invalid("from", "is not an email address")
	}
	return nil
}

// options translates the config into go-mail client options. Each message
// gets a fresh connection, so the NOOP before sending and the RSET after it
// are wasted round trips.
func (c Config) options() []mail.Option {
	opts := []mail.Option{
		mail.WithPort(c.Port),
		mail.WithTimeout(c.Timeout),
		mail.WithoutNoop(),
		mail.WithoutRset(),
	}
	switch c.TLS {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	}
	if c.TLSConfig != nil {
		tc := c.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = c.Host
		}
		opts = append(opts, mail.WithTLSConfig(tc))
	}
	if c.Username != "" {
		// Auto-discovery never picks PLAIN or LOGIN on an unencrypted connection.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(c.Username), mail.WithPassword(c.Password))
	}
	return opts
}

// String describes the config without the credentials, so a logged config
// never carries the password.
func (c Config) String() string {
	return fmt.Sprintf("smtp %s:%d tls=%s", c.Host, c.Port, c.TLS)
}
