// Command incidentctl is the response team's CLI: it opens, updates and closes
// incidents, imports affected subjects, classifies facts offline and shows an
// incident's status. Everything it sends goes to Kafka as a CloudEvent; the
// daemon (incidentd) does the rest.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

const usageText = `usage: incidentctl [--brokers LIST] [--api URL] COMMAND [ARGS]

Commands:
  open FILE|-                       send an incident (CloudEvent or bare facts) as security.incident.opened
  update FILE|-                     send a facts patch (needs incident_id) as security.incident.updated
  subjects import INCIDENT_ID FILE  stream subjects from CSV or JSON lines in batches (--batch N, --quiet)
  close INCIDENT_ID [--root-cause TEXT] [--final-measure TEXT ...]
  status INCIDENT_ID [--json]       show decision, deadlines, delivery progress, notice and reports
  decisions INCIDENT_ID [--json]    show every decision version: what changed and why
  classify [--policy FILE] [FILE|-] print the classifier's decision for an event or facts (offline)
  rules [--policy FILE] [--regime R] [--json]
                                    list the policy's rules: regime, trigger, authority, deadlines, article
  notice publish INCIDENT_ID [--reason TEXT]
                                    ask for the public Security Notice (sets notice_requested)
  notice export DIR                 copy the public notices (every language, feed, CSAF) into DIR
                                    for a static web server; DIR is replaced in one swap
  report list INCIDENT_ID [--json]  list the regulator report versions: regime, phase, generated,
                                    deadline, late, delivery to the authorities, trigger
  report show INCIDENT_ID VERSION [--json]
                                    show one report version, each authority's delivery and its fields
  report ack INCIDENT_ID VERSION --authority ID [--reference REF] [--json]
                                    record that an authority acknowledged a report version
                                    (REF: its case number or receipt)
  report generate INCIDENT_ID --regime R --phase P [--reasons TEXT] [--json]
                                    make a new report version now (e.g. NIS2 intermediate);
                                    a late phase needs the reasons for the delay
  demo [--as-is]                    publish the embedded demo incident and its subjects
  help                              show this text

Settings (flags override environment):
  --brokers  HERALD_KAFKA_BROKERS  comma-separated Kafka brokers (default 127.0.0.1:9092)
  --api      HERALD_API            incidentd base URL (default http://127.0.0.1:8080)
  --timeout                        how long to wait for Kafka or the API (default 30s)
  --policy   HERALD_POLICY_FILE    policy file for classify and rules (default: built-in)

Exit status: 0 ok, 1 failure (or some rows skipped), 2 usage or invalid input.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env carries the process's I/O and settings into every command.
type env struct {
	cfg    config
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command runs one subcommand with the arguments after its name.
type command func(ctx context.Context, e *env, args []string) error

var commands = map[string]command{
	"open":      runOpen,
	"update":    runUpdate,
	"subjects":  runSubjects,
	"close":     runClose,
	"status":    runStatus,
	"decisions": runDecisions,
	"classify":  runClassify,
	"rules":     runRules,
	"demo":      runDemo,
	"notice":    runNotice,
	"report":    runReport,
}

// run is main without os.Exit, so tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{cfg: configFromEnv(), stdin: stdin, stdout: stdout, stderr: stderr}
	fs := newFlagSet("incidentctl", e)
	if err := fs.Parse(args); err != nil {
		return usage(stderr, err.Error())
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "help" {
		return usage(stderr, "")
	}
	cmd, ok := commands[rest[0]]
	if !ok {
		return usage(stderr, fmt.Sprintf("unknown command %q", rest[0]))
	}
	err := cmd(context.Background(), e, rest[1:])
	return report(stderr, rest[0], err)
}

// report prints err (if any) as one line and maps it to an exit status.
func report(stderr io.Writer, name string, err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return usage(stderr, name+": "+ue.msg)
	case incident.ErrorCode(err) == incident.CodeInvalid:
		fmt.Fprintf(stderr, "incidentctl %s: invalid input: %v\n", name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "incidentctl %s: %v\n", name, err)
		return 1
	}
}

func usage(stderr io.Writer, problem string) int {
	if problem != "" {
		fmt.Fprintf(stderr, "incidentctl: %s\n\n", problem)
	}
	fmt.Fprint(stderr, usageText)
	return 2
}

// usageError is a mistake on the command line (exit 2 with the usage text).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// config holds the settings every command may need. Only cmd/ reads the
// environment and flags (STYLE.md rule 7).
type config struct {
	brokers string
	api     string
	timeout time.Duration
}

func configFromEnv() config {
	c := config{brokers: "127.0.0.1:9092", api: "http://127.0.0.1:8080", timeout: 30 * time.Second}
	if v := os.Getenv("HERALD_KAFKA_BROKERS"); v != "" {
		c.brokers = v
	}
	if v := os.Getenv("HERALD_API"); v != "" {
		c.api = v
	}
	return c
}

// brokerList splits the comma list, dropping blanks.
func (c config) brokerList() []string {
	var out []string
	for _, b := range strings.Split(c.brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// newFlagSet returns a flag set that already knows the common settings, so
// --brokers and --api work before or after the command name.
func newFlagSet(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // report prints the parse error once, with the usage
	fs.Usage = func() {}
	fs.StringVar(&e.cfg.brokers, "brokers", e.cfg.brokers, "comma-separated Kafka brokers")
	fs.StringVar(&e.cfg.api, "api", e.cfg.api, "incidentd base URL")
	fs.DurationVar(&e.cfg.timeout, "timeout", e.cfg.timeout, "how long to wait for Kafka or the API")
	return fs
}

// parseArgs parses flags placed anywhere among the positional arguments
// (`close INC-1 --root-cause x`), which the flag package alone stops at.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseIncidentID parses the flags of a command that takes exactly one
// INCIDENT_ID, and returns it.
func parseIncidentID(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 || pos[0] == "" {
		return "", usagef("needs exactly one INCIDENT_ID")
	}
	return pos[0], nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, "; ") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }
