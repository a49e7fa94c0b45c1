package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/stream"
	"github.com/herald-notify/herald/notifier/email/emailtest"
)

// TestMain lets the test binary stand in for incidentd as a child process,
// so a test can SIGKILL a real daemon and start it again.
func TestMain(m *testing.M) {
	if os.Getenv("HERALD_TEST_RUN_DAEMON") == "1" {
		os.Exit(run())
	}
	os.Exit(m.Run())
}

// TestKilledMidRunTellsEveryoneOnce kills incidentd (SIGKILL: no shutdown,
// no flush) while 10,000 people are being told by email, restarts it on the
// same data, and counts at the SMTP server: nobody receives two messages,
// everybody ends in a final state, and everybody recorded as sent received
// exactly one. A send claimed but unconfirmed at the kill is resolved as
// uncertain, never resent; those are at most the sends in flight.
func TestKilledMidRunTellsEveryoneOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts incidentd twice with 10,000 people")
	}
	const people = 10000
	smtp := emailtest.NewServer(t)
	smtp.SetDelay(2 * time.Millisecond)
	d := loadDemo(t)
	subjects := make([]incident.Subject, people)
	for i := range subjects {
		subjects[i] = incident.Subject{ID: fmt.Sprintf("p-%05d", i), Email: fmt.Sprintf("p%05d@example.com", i),
			Channels: []string{incident.ChannelEmail}}
	}
	dir := t.TempDir()
	env := daemonEnv(t, dir, smtp)
	first := startDaemon(t, env, filepath.Join(dir, "first.log"))
	events := [][]byte{d.opened}
	for i := 0; i < people; i += 1000 {
		events = append(events, subjectsEvent(t, fmt.Sprintf("evt-kill-subjects-%d", i), demoID, subjects[i:i+1000]))
	}
	produceTo(t, env["HERALD_EMBEDDED_KAFKA_ADDR"], demoID, events)
	waitAccepted(t, smtp, people/4)
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	atKill := smtp.Accepted()
	if atKill >= people {
		t.Fatalf("everyone was told before the kill (%d): the kill did not happen mid-run", atKill)
	}

	second := startDaemon(t, env, filepath.Join(dir, "second.log"))
	defer stopDaemon(second)
	h := &herald{main: &Main{httpURL: "http://" + env["HERALD_HTTP_ADDR"]}}
	v := h.waitFor(t, demoID, "every person final", allToldOrUnreachable(people))
	perPerson := map[string]int{}
	for _, m := range smtp.Messages() {
		for _, r := range m.Recipients {
			perPerson[r]++
		}
	}
	for addr, n := range perPerson {
		if n > 1 && addr != env["HERALD_AUTHORITY_EMAIL"] {
			t.Errorf("a person received %d messages", n)
		}
	}
	reached := len(perPerson)
	if _, ok := perPerson[env["HERALD_AUTHORITY_EMAIL"]]; ok {
		reached--
	}
	p := v.Progress
	if p.Sent+p.Uncertain != people || p.Unreachable != 0 {
		t.Errorf("progress %s, want %d sent or uncertain", describe(v), people)
	}
	// Every person recorded as sent got exactly one message; an uncertain
	// one got at most one (the crash hid whether the server took it).
	if reached < p.Sent || reached > p.Sent+p.Uncertain {
		t.Errorf("%d people reached at the SMTP server for %d sent and %d uncertain", reached, p.Sent, p.Uncertain)
	}
	if inFlight := DefaultConfig().Workers; p.Uncertain > inFlight {
		t.Errorf("%d uncertain: more than the %d sends that can be in flight at once", p.Uncertain, inFlight)
	}
	t.Logf("killed after %d messages; after restart: %d sent, %d uncertain, %d reached", atKill, p.Sent, p.Uncertain, reached)
}

// daemonEnv configures a child incidentd: embedded broker and HTTP on fixed
// free ports (the restart must find them again), email through smtp.
func daemonEnv(t *testing.T, dir string, smtp *emailtest.Server) map[string]string {
	host, port := smtp.Addr()
	return map[string]string{
		"HERALD_TEST_RUN_DAEMON": "1", "HERALD_DATA_DIR": dir,
		"HERALD_HTTP_ADDR": freeAddr(t), "HERALD_EMBEDDED_KAFKA_ADDR": freeAddr(t),
		"HERALD_SMTP_HOST": host, "HERALD_SMTP_PORT": strconv.Itoa(port), "HERALD_SMTP_TLS": "none",
		"HERALD_AUTHORITY_EMAIL": "reports@authority.example", "HERALD_LOG_LEVEL": "warn",
		"HERALD_CLAIM_LEASE": "3s", "HERALD_SEND_DEADLINE": "2s", "HERALD_RETRY_BACKOFF": "5ms",
	}
}

func startDaemon(t *testing.T, env map[string]string, logFile string) *exec.Cmd {
	t.Helper()
	log, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0]) // TestMain runs incidentd: no test flags
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + env["HERALD_HTTP_ADDR"] + "/healthz"); err == nil {
			resp.Body.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopDaemon(cmd)
	out, _ := os.ReadFile(logFile)
	t.Fatalf("incidentd did not start:\n%s", out)
	return nil
}

func stopDaemon(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func produceTo(t *testing.T, broker, key string, values [][]byte) {
	t.Helper()
	w := stream.NewWriter([]string{broker}, stream.TopicIncidents)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, v := range values {
		msg := kafka.Message{Key: []byte(key), Value: v,
			Headers: []kafka.Header{{Key: "content-type", Value: []byte("application/cloudevents+json")}}}
		if err := w.WriteMessages(ctx, msg); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
}

func waitAccepted(t *testing.T, smtp *emailtest.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for smtp.Accepted() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d messages accepted, waiting for %d", smtp.Accepted(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
