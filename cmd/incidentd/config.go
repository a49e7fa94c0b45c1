package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is everything incidentd can be told. Only this file reads flags,
// HERALD_* environment variables and the YAML file; precedence is
// flags > environment > file > defaults. A field's env name is in its `env`
// tag; secrets may also come from a file named by the same name + "_FILE".
type Config struct {
	DataDir           string        `yaml:"data_dir" env:"HERALD_DATA_DIR" flag:"data-dir" help:"where the store, the embedded broker's log and the outbox live"`
	DataKeyFile       string        `yaml:"data_key_file" env:"HERALD_DATA_KEY_FILE" flag:"data-key-file" help:"file holding the key (64 hex digits, mode 0600) that seals people's contact details in the store; empty: DATA_DIR/data.key, created on first start"`
	HTTPAddr          string        `yaml:"http_addr" env:"HERALD_HTTP_ADDR" flag:"http-addr" help:"HTTP listen address (API, notices, metrics)"`
	PublicURL         string        `yaml:"public_url" env:"HERALD_PUBLIC_URL" flag:"public-url" help:"base URL people use to reach the notice pages (default http://HTTP_ADDR)"`
	KafkaBrokers      []string      `yaml:"kafka_brokers" env:"HERALD_KAFKA_BROKERS" flag:"kafka-brokers" help:"comma-separated Kafka brokers; empty starts the embedded broker"`
	EmbeddedKafkaAddr string        `yaml:"embedded_kafka_addr" env:"HERALD_EMBEDDED_KAFKA_ADDR" flag:"embedded-kafka-addr" help:"listen address of the embedded broker"`
	Topic             string        `yaml:"topic" env:"HERALD_TOPIC" flag:"topic" help:"incident events topic"`
	DLQTopic          string        `yaml:"dlq_topic" env:"HERALD_DLQ_TOPIC" flag:"dlq-topic" help:"dead-letter topic for rejected events"`
	GroupID           string        `yaml:"group_id" env:"HERALD_GROUP_ID" flag:"group-id" help:"Kafka consumer group"`
	PolicyFile        string        `yaml:"policy_file" env:"HERALD_POLICY_FILE" flag:"policy" help:"policy file of legal rules (YAML); empty uses the built-in policy"`
	AuthoritiesFile   string        `yaml:"authorities_file" env:"HERALD_AUTHORITIES_FILE" flag:"authorities-file" help:"regulators that may read their own reports over the API with a bearer token (YAML, see deploy/authorities.example.yaml); empty: none"`
	AuthorityEmail    string        `yaml:"authority_email" env:"HERALD_AUTHORITY_EMAIL" flag:"authority-email" help:"where regulator reports are emailed"`
	ReportFontFile    string        `yaml:"report_font_file" env:"HERALD_REPORT_FONT_FILE" flag:"report-font-file" help:"TrueType fonts (.ttf) for regulator report PDFs, ':'-separated, in order of preference; empty: the system's (DejaVu, Droid fallback...); none: Helvetica, where characters outside Windows-1252 print as '?'"`
	TeamEmail         string        `yaml:"team_email" env:"HERALD_TEAM_EMAIL" flag:"team-email" help:"where the response team is warned of report deadlines (50 %, 80 %, late); empty sends no email"`
	Workers           int           `yaml:"workers" env:"HERALD_WORKERS" flag:"workers" help:"people notified concurrently"`
	NotifyTopic       string        `yaml:"notify_topic" env:"HERALD_NOTIFY_TOPIC" flag:"notify-topic" help:"delivery jobs topic (one job per person, key = subject)"`
	NotifyGroupID     string        `yaml:"notify_group_id" env:"HERALD_NOTIFY_GROUP_ID" flag:"notify-group-id" help:"Kafka consumer group of the notifier workers"`
	ClaimLease        time.Duration `yaml:"claim_lease" env:"HERALD_CLAIM_LEASE" flag:"claim-lease" help:"how long a claimed send may stay unconfirmed before it counts as crashed (uncertain, never resent)"`
	SendDeadline      time.Duration `yaml:"send_deadline" env:"HERALD_SEND_DEADLINE" flag:"send-deadline" help:"time budget for the retries of one send on one channel before falling back"`
	WatchInterval     time.Duration `yaml:"watch_interval" env:"HERALD_WATCH_INTERVAL" flag:"watch-interval" help:"how often deadlines, notices, milestone reports and report delivery retries are checked"`
	RetryBackoff      time.Duration `yaml:"retry_backoff" env:"HERALD_RETRY_BACKOFF" flag:"retry-backoff" help:"first wait before retrying a failed send"`
	LogLevel          string        `yaml:"log_level" env:"HERALD_LOG_LEVEL" flag:"log-level" help:"debug, info, warn or error"`

	SMTPHost     string `yaml:"smtp_host" env:"HERALD_SMTP_HOST" flag:"smtp-host" help:"SMTP server; empty writes email to the outbox"`
	SMTPPort     int    `yaml:"smtp_port" env:"HERALD_SMTP_PORT" flag:"smtp-port" help:"SMTP port"`
	SMTPUsername string `yaml:"smtp_username" env:"HERALD_SMTP_USERNAME" flag:"smtp-username" help:"SMTP user"`
	SMTPPassword string `yaml:"smtp_password" env:"HERALD_SMTP_PASSWORD" flag:"-" secret:"true"`
	SMTPFrom     string `yaml:"smtp_from" env:"HERALD_SMTP_FROM" flag:"smtp-from" help:"sender address of notices"`
	SMTPTLS      string `yaml:"smtp_tls" env:"HERALD_SMTP_TLS" flag:"smtp-tls" help:"none, starttls or tls"`

	TwilioAccountSID string `yaml:"twilio_account_sid" env:"HERALD_TWILIO_ACCOUNT_SID" flag:"twilio-account-sid" help:"Twilio account; empty writes SMS to the outbox"`
	TwilioAuthToken  string `yaml:"twilio_auth_token" env:"HERALD_TWILIO_AUTH_TOKEN" flag:"-" secret:"true"`
	TwilioFrom       string `yaml:"twilio_from" env:"HERALD_TWILIO_FROM" flag:"twilio-from" help:"sending number (E.164)"`
	TwilioBaseURL    string `yaml:"twilio_base_url" env:"HERALD_TWILIO_BASE_URL" flag:"twilio-base-url" help:"override the Twilio API URL (testing)"`
	// Late delivery failures: Twilio posts them to the status callback; other
	// providers' bounce processors post them to /api/v1/receipts.
	TwilioStatusCallbackURL string `yaml:"twilio_status_callback_url" env:"HERALD_TWILIO_STATUS_CALLBACK_URL" flag:"twilio-status-callback-url" help:"public URL of /webhooks/twilio/status; when set, Twilio reports late SMS failures there and the person falls back to the next channel"`
	ReceiptsToken           string `yaml:"receipts_token" env:"HERALD_RECEIPTS_TOKEN" flag:"-" secret:"true"`

	FCMProjectID       string `yaml:"fcm_project_id" env:"HERALD_FCM_PROJECT_ID" flag:"fcm-project-id" help:"Firebase project; empty writes push to the outbox"`
	FCMCredentialsFile string `yaml:"fcm_credentials_file" env:"HERALD_FCM_CREDENTIALS_FILE" flag:"fcm-credentials-file" help:"service account JSON"`
	FCMEndpoint        string `yaml:"fcm_endpoint" env:"HERALD_FCM_ENDPOINT" flag:"fcm-endpoint" help:"override the FCM API URL (testing)"`

	// Each configured provider is guarded: a rate limit, and a circuit
	// breaker that stops calling a provider that keeps failing.
	SMTPRate         float64       `yaml:"smtp_rate" env:"HERALD_SMTP_RATE" flag:"smtp-rate" help:"emails per second at most (0 = no limit)"`
	TwilioRate       float64       `yaml:"twilio_rate" env:"HERALD_TWILIO_RATE" flag:"twilio-rate" help:"SMS per second at most (0 = no limit)"`
	FCMRate          float64       `yaml:"fcm_rate" env:"HERALD_FCM_RATE" flag:"fcm-rate" help:"push messages per second at most (0 = no limit)"`
	BreakerThreshold int           `yaml:"breaker_threshold" env:"HERALD_BREAKER_THRESHOLD" flag:"breaker-threshold" help:"consecutive retryable failures that open a provider's circuit (0 = no breaker)"`
	BreakerCooldown  time.Duration `yaml:"breaker_cooldown" env:"HERALD_BREAKER_COOLDOWN" flag:"breaker-cooldown" help:"how long an open circuit waits before one trial send"`
}

// DefaultConfig is what incidentd runs with when told nothing: everything
// embedded, everything local.
func DefaultConfig() Config {
	return Config{
		DataDir: "./data", HTTPAddr: "127.0.0.1:8080", EmbeddedKafkaAddr: "127.0.0.1:9092",
		Topic: "security.incidents", DLQTopic: "security.incidents.dlq", GroupID: "herald-incidentd",
		AuthorityEmail: "breach-reports@authority.example", Workers: 256, RetryBackoff: 200 * time.Millisecond,
		NotifyTopic: "security.notifications", NotifyGroupID: "herald-notifier",
		ClaimLease: 5 * time.Minute, SendDeadline: 2 * time.Minute, WatchInterval: 30 * time.Second,
		BreakerThreshold: 5, BreakerCooldown: 30 * time.Second,
		LogLevel: "info", SMTPPort: 587, SMTPFrom: "Security Notice <security-notice@example.com>", SMTPTLS: "starttls",
	}
}

// Validate names the first bad setting.
func (c Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("data_dir: required")
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("http_addr: %w", err)
	}
	if len(c.KafkaBrokers) == 0 {
		if _, _, err := net.SplitHostPort(c.EmbeddedKafkaAddr); err != nil {
			return fmt.Errorf("embedded_kafka_addr: %w", err)
		}
	}
	if c.Workers < 1 {
		return errors.New("workers: must be at least 1")
	}
	for name, rate := range map[string]float64{"smtp_rate": c.SMTPRate, "twilio_rate": c.TwilioRate, "fcm_rate": c.FCMRate} {
		if rate < 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
			return fmt.Errorf("%s: must be a number of sends per second, 0 or more", name)
		}
	}
	if c.SendDeadline <= 0 || c.ClaimLease <= c.SendDeadline {
		return errors.New("claim_lease, send_deadline: send_deadline must be positive and claim_lease longer, or a live send would look crashed")
	}
	if c.WatchInterval <= 0 || c.WatchInterval > time.Hour {
		return errors.New("watch_interval: must be more than 0 and at most 1h: report deadlines are hours away at the least")
	}
	if c.BreakerThreshold < 0 || c.BreakerCooldown < 0 {
		return errors.New("breaker_threshold, breaker_cooldown: must not be negative")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return errors.New("log_level: must be debug, info, warn or error")
	}
	return nil
}

// LoadConfig builds the configuration from defaults, the YAML file named by
// --config or HERALD_CONFIG, the environment and the flags in args.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("incidentd", flag.ContinueOnError)
	path := fs.String("config", getenv("HERALD_CONFIG"), "YAML configuration file")
	flagged := DefaultConfig() // shown as the defaults in -h; only given flags are applied
	bindFlags(fs, &flagged)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if *path != "" {
		b, err := os.ReadFile(*path)
		if err != nil {
			return cfg, fmt.Errorf("read config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("config %s: %w", *path, err)
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return cfg, err
	}
	applyFlags(fs, &cfg, &flagged)
	return cfg, cfg.Validate()
}

// bindFlags registers one flag per field with a `flag` tag into dst.
func bindFlags(fs *flag.FlagSet, dst *Config) {
	v := reflect.ValueOf(dst).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name := f.Tag.Get("flag")
		if name == "" || name == "-" {
			continue
		}
		fs.Var(fieldValue{v.Field(i)}, name, f.Tag.Get("help")+" ("+f.Tag.Get("env")+")")
	}
}

// applyFlags copies only the flags that were given on the command line.
func applyFlags(fs *flag.FlagSet, cfg, flagged *Config) {
	src, dst := reflect.ValueOf(flagged).Elem(), reflect.ValueOf(cfg).Elem()
	fs.Visit(func(fl *flag.Flag) {
		for i := 0; i < src.NumField(); i++ {
			if src.Type().Field(i).Tag.Get("flag") == fl.Name {
				dst.Field(i).Set(src.Field(i))
			}
		}
	})
}

// applyEnv reads HERALD_* variables, and NAME_FILE for secrets.
func applyEnv(cfg *Config, getenv func(string) string) error {
	v := reflect.ValueOf(cfg).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name := f.Tag.Get("env")
		val := getenv(name)
		if file := getenv(name + "_FILE"); val == "" && file != "" && f.Tag.Get("secret") == "true" {
			b, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("%s_FILE: %w", name, err)
			}
			val = strings.TrimSpace(string(b))
		}
		if val == "" {
			continue
		}
		if err := (fieldValue{v.Field(i)}).Set(val); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// fieldValue adapts a Config field to flag.Value and env parsing.
type fieldValue struct{ v reflect.Value }

func (f fieldValue) String() string {
	if !f.v.IsValid() {
		return ""
	}
	return fmt.Sprint(f.v.Interface())
}

func (f fieldValue) Set(s string) error {
	switch f.v.Interface().(type) {
	case string:
		f.v.SetString(s)
	case int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return errors.New("not a whole number")
		}
		f.v.SetInt(int64(n))
	case float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return errors.New("not a number")
		}
		f.v.SetFloat(x)
	case time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("not a duration like 200ms")
		}
		f.v.SetInt(int64(d))
	case []string:
		var parts []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		f.v.Set(reflect.ValueOf(parts))
	}
	return nil
}
