package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/stream"
	"github.com/herald-notify/herald/notifier/email/emailtest"
)

// TestTwoProcessesShareTheWork runs two incidentd processes on one Kafka
// cluster and one data directory (one SQLite file) and tells 3,000 people by
// email. The notifier consumer group must split the delivery jobs: each
// process sends part of them, together exactly everyone, and the SMTP
// server sees one message per person, never two.
func TestTwoProcessesShareTheWork(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two incidentd processes and tells 3,000 people")
	}
	const people = 3000
	broker, err := stream.StartBroker(stream.BrokerConfig{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close) // runs last: the daemons stop first
	smtp := emailtest.NewServer(t)
	smtp.SetDelay(3 * time.Millisecond) // long enough that the work is there to be shared
	dir := t.TempDir()
	var procs []sharedProc
	for _, name := range []string{"a", "b"} {
		procs = append(procs, sharedStart(t, dir, name, broker.Addrs(), smtp))
	}
	joined := time.Now()
	sharedWaitMembers(t, broker.Addrs()[0], DefaultConfig().NotifyGroupID, stream.TopicNotifications, len(procs))
	t.Logf("both processes share the notifier group after %v", time.Since(joined).Round(time.Millisecond))

	subjects := sharedSubjects(people)
	events := [][]byte{loadDemo(t).opened}
	for i := 0; i < people; i += 500 {
		events = append(events, subjectsEvent(t, fmt.Sprintf("evt-shared-subjects-%d", i), demoID, subjects[i:i+500]))
	}
	start := time.Now()
	produceTo(t, broker.Addrs()[0], demoID, events)
	h := &herald{main: &Main{httpURL: procs[0].url}}
	v := h.waitFor(t, demoID, "every person final", allToldOrUnreachable(people))
	t.Logf("%d people final in %v", people, time.Since(start).Round(time.Millisecond))

	if p := v.Progress; p.Sent != people || p.Uncertain != 0 || p.Unreachable != 0 {
		t.Errorf("progress %s, want all %d sent", describe(v), people)
	}
	sharedCheckOnePerPerson(t, smtp, subjects)
	sharedCheckBothWorked(t, procs, people)
	sharedCheckReportsOnce(t, h)
	sharedCheckLogs(t, procs)
}

// sharedCheckReportsOnce: both processes run the periodic check, yet each
// report (regime, phase, why) is made once: the incident's claim lets one
// process make its reports.
func sharedCheckReportsOnce(t *testing.T, h *herald) {
	t.Helper()
	v := h.waitFor(t, demoID, "the 100 % milestone reported", func(v incident.Overview) bool {
		return slices.ContainsFunc(v.Reports, func(r incident.Report) bool {
			trigger, _ := r.Fields["trigger"].(string)
			return strings.Contains(trigger, "100 % processed")
		})
	})
	time.Sleep(time.Second) // several more passes of both processes
	v = h.waitFor(t, demoID, "the reports", func(incident.Overview) bool { return true })
	seen := map[string]int{}
	for _, r := range v.Reports {
		trigger, _ := r.Fields["trigger"].(string)
		seen[r.Regime+" "+r.Phase+" ("+trigger+")"]++
	}
	for what, n := range seen {
		if n != 1 {
			t.Errorf("report %s made %d times, want once", what, n)
		}
	}
}

// sharedProc is one incidentd child process of the shared-work test.
type sharedProc struct {
	name, url, logFile string
}

// sharedStart runs incidentd as a child on the shared broker and data dir,
// with its own HTTP address and log file.
func sharedStart(t *testing.T, dir, name string, brokers []string, smtp *emailtest.Server) sharedProc {
	t.Helper()
	env := daemonEnv(t, dir, smtp)
	delete(env, "HERALD_EMBEDDED_KAFKA_ADDR")
	env["HERALD_KAFKA_BROKERS"] = strings.Join(brokers, ",")
	env["HERALD_WATCH_INTERVAL"] = "200ms" // both processes check often: their reports must not double
	// Logs go next to the store, not into it: both processes share dir.
	logFile := filepath.Join(t.TempDir(), name+".log")
	cmd := startDaemon(t, env, logFile)
	t.Cleanup(func() { stopDaemon(cmd) })
	return sharedProc{name: name, url: "http://" + env["HERALD_HTTP_ADDR"], logFile: logFile}
}

// sharedSubjects are people told by email only, each at their own address.
func sharedSubjects(n int) []incident.Subject {
	out := make([]incident.Subject, n)
	for i := range out {
		out[i] = incident.Subject{ID: fmt.Sprintf("s-%05d", i), Email: fmt.Sprintf("s%05d@example.com", i),
			Channels: []string{incident.ChannelEmail}}
	}
	return out
}

// sharedWaitMembers waits until the group is stable with n members, each
// assigned part of topic: only then can both processes take a share.
func sharedWaitMembers(t *testing.T, broker, group, topic string, n int) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(broker), Timeout: 5 * time.Second}
	deadline := time.Now().Add(20 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		resp, err := client.DescribeGroups(context.Background(), &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
		if err == nil && len(resp.Groups) == 1 {
			g := resp.Groups[0]
			last = fmt.Sprintf("state %q, %d members, %d with %s partitions", g.GroupState, len(g.Members), sharedAssigned(g, topic), topic)
			if g.Error == nil && g.GroupState == "Stable" && len(g.Members) == n && sharedAssigned(g, topic) == n {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("consumer group %s never had %d members sharing %s: %s", group, n, topic, last)
}

// sharedAssigned counts the members holding at least one partition of topic.
func sharedAssigned(g kafka.DescribeGroupsResponseGroup, topic string) int {
	n := 0
	for _, m := range g.Members {
		for _, tp := range m.MemberAssignments.Topics {
			if tp.Topic == topic && len(tp.Partitions) > 0 {
				n++
				break
			}
		}
	}
	return n
}

// sharedCheckOnePerPerson: every person got exactly one message.
func sharedCheckOnePerPerson(t *testing.T, smtp *emailtest.Server, subjects []incident.Subject) {
	t.Helper()
	got := map[string]int{}
	for _, m := range smtp.Messages() {
		for _, r := range m.Recipients {
			got[r]++
		}
	}
	missing, twice := 0, 0
	for _, s := range subjects {
		switch n := got[s.Email]; {
		case n == 0:
			missing++
		case n > 1:
			twice++
		}
	}
	if missing > 0 || twice > 0 {
		t.Errorf("of %d people, %d received no message and %d more than one", len(subjects), missing, twice)
	}
}

// sharedCheckBothWorked: each process recorded some of the sends, and
// together exactly one per person. Both processes' enqueuers may queue the
// same person (a duplicate job); the copy that loses the ledger claim must
// neither send nor count the person's outcome a second time.
func sharedCheckBothWorked(t *testing.T, procs []sharedProc, people int) {
	t.Helper()
	total := 0
	var shares []string
	for _, p := range procs {
		n := sharedCounter(t, p.url, "herald_subject_outcomes_total", `outcome="sent"`, `channel="email"`)
		queued := sharedCounter(t, p.url, "herald_delivery_jobs_queued_total")
		shares = append(shares, fmt.Sprintf("%s=%d (queued %d jobs)", p.name, n, queued))
		if n == 0 {
			t.Errorf("process %s sent nothing: the work was not shared", p.name)
		}
		total += n
	}
	t.Logf("emails sent per process: %s", strings.Join(shares, " "))
	if total != people {
		t.Errorf("processes counted %d people sent by email (%s), want %d: a duplicate job counted a person again",
			total, strings.Join(shares, " "), people)
	}
}

// sharedCounter reads one series of a counter from a process's /metrics:
// the line of name carrying every one of labels (like `outcome="sent"`).
func sharedCounter(t *testing.T, url, name string, labels ...string) int {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !sharedSeries(line, name, labels) {
			continue
		}
		f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		return int(f)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read /metrics: %v", err)
	}
	return 0 // a labelled series appears with its first increment
}

func sharedSeries(line, name string, labels []string) bool {
	if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
		return false
	}
	for _, l := range labels {
		if !strings.Contains(line, l) {
			return false
		}
	}
	return true
}

// sharedCheckLogs fails on a store write lost to the other process
// (SQLite busy or locked) and sums up what else the processes warned about.
func sharedCheckLogs(t *testing.T, procs []sharedProc) {
	t.Helper()
	for _, p := range procs {
		b, err := os.ReadFile(p.logFile)
		if err != nil {
			t.Fatal(err)
		}
		var shown, warned int
		for _, line := range strings.Split(string(b), "\n") {
			lower := strings.ToLower(line)
			switch {
			case strings.Contains(lower, "sqlite_busy") || strings.Contains(lower, "database is locked"):
				t.Errorf("process %s lost a store write to the other: %s", p.name, line)
			case strings.Contains(line, "\twarn\t") || strings.Contains(line, "\terror\t"):
				if warned++; shown < 3 {
					shown++
					t.Logf("process %s logged: %s", p.name, line)
				}
			}
		}
		t.Logf("process %s logged %d warnings or errors", p.name, warned)
	}
}
