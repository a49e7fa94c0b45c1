package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident/policy"
	"github.com/herald-notify/herald/templates/reportpdf"
)

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "herald.yaml")
	yaml := "data_dir: /from/file\nhttp_addr: 127.0.0.1:7000\nworkers: 3\nsmtp_host: file.example\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "token")
	os.WriteFile(secret, []byte("s3cret\n"), 0o600)
	env := map[string]string{
		"HERALD_CONFIG": file, "HERALD_HTTP_ADDR": "127.0.0.1:7001", "HERALD_WORKERS": "5",
		"HERALD_KAFKA_BROKERS": "k1:9092, k2:9092", "HERALD_TWILIO_AUTH_TOKEN_FILE": secret,
		"HERALD_RETRY_BACKOFF": "1s",
	}
	cfg, err := LoadConfig([]string{"--workers", "7"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"file beats default", cfg.DataDir, "/from/file"},
		{"env beats file", cfg.HTTPAddr, "127.0.0.1:7001"},
		{"flag beats env", cfg.Workers, 7},
		{"file only", cfg.SMTPHost, "file.example"},
		{"default", cfg.Topic, "security.incidents"},
		{"secret from _FILE", cfg.TwilioAuthToken, "s3cret"},
		{"duration", cfg.RetryBackoff, time.Second},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(cfg.KafkaBrokers) != 2 || cfg.KafkaBrokers[1] != "k2:9092" {
		t.Errorf("brokers = %q", cfg.KafkaBrokers)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	cases := map[string]map[string]string{
		"HERALD_WORKERS":   {"HERALD_WORKERS": "many"},
		"http_addr":        {"HERALD_HTTP_ADDR": "no-port"},
		"log_level":        {"HERALD_LOG_LEVEL": "loud"},
		"workers: must be": {"HERALD_WORKERS": "0"},
		"watch_interval":   {"HERALD_WATCH_INTERVAL": "0s"},
		"watch_interval: ": {"HERALD_WATCH_INTERVAL": "2h"},
	}
	for want, env := range cases {
		_, err := LoadConfig(nil, func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("env %v: error %v, want it to name %q", env, err, want)
		}
	}
}

func TestConfigRejectsUnknownFileKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("wokers: 3\n"), 0o600)
	if _, err := LoadConfig([]string{"--config", file}, func(string) string { return "" }); err == nil {
		t.Fatal("a misspelt key was accepted")
	}
}

// TestPolicyFileBuildsTheEngine: a named policy file is the one decisions
// rest on; a broken one stops the start with the setting named.
func TestPolicyFileBuildsTheEngine(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(good, policy.DefaultYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: Config{PolicyFile: good}, Log: zap.NewNop()}
	if err := m.loadPolicy(); err != nil {
		t.Fatal(err)
	}
	if m.Engine == nil || m.Engine.Policy().Hash != policy.Default().Hash {
		t.Fatalf("engine %+v, want the file's policy", m.Engine)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: x\nrules: [{id: r, regime: GDPR, colour: red}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m = &Main{Config: Config{PolicyFile: bad}, Log: zap.NewNop()}
	err := m.loadPolicy()
	if err == nil || !strings.Contains(err.Error(), "policy_file") || !strings.Contains(err.Error(), "colour") {
		t.Errorf("error %v, want one naming policy_file and the unknown key", err)
	}
}

// The example configuration in deploy/ stays loadable: every key it shows
// is a real setting and every value is valid.
func TestExampleConfigLoads(t *testing.T) {
	cfg, err := LoadConfig([]string{"--config", "../../deploy/herald.example.yaml"}, func(string) string { return "" })
	if err != nil {
		t.Fatalf("deploy/herald.example.yaml: %v", err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("deploy/herald.example.yaml: %v", err)
	}
	if cfg.NotifyTopic != "security.notifications" || cfg.Workers != 256 {
		t.Errorf("example config read as %+v", cfg)
	}
}

// TestReportFontFile: report_font_file names the PDF fonts; a bad one
// stops the start naming the setting; none keeps Helvetica.
func TestReportFontFile(t *testing.T) {
	m := &Main{Log: zap.NewNop()}
	m.Config.ReportFontFile = filepath.Join(t.TempDir(), "missing.ttf")
	if _, err := m.reportRenderer(); err == nil || !strings.HasPrefix(err.Error(), "report_font_file: ") {
		t.Errorf("missing font: %v, want an error naming report_font_file", err)
	}
	m.Config.ReportFontFile = noFonts
	if r, err := m.reportRenderer(); err != nil || len(r.FontFiles()) != 0 {
		t.Errorf("none: %v, %v; want Helvetica", r.FontFiles(), err)
	}
	m.Config.ReportFontFile = ""
	r, err := m.reportRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if want := reportpdf.FindFont(); want != "" && len(r.FontFiles()) == 0 {
		t.Errorf("empty: no fonts loaded, want the system's %s", want)
	}
}
