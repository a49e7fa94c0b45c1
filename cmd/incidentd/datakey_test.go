package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/store/sqlite"
)

// TestUpgradeSealsPlaintextPeople: a database an earlier Herald wrote, with
// people in plaintext, is sealed by the first start with a data key, beside
// the daemon's work; afterwards its files hold none of their details.
func TestUpgradeSealsPlaintextPeople(t *testing.T) {
	dir := t.TempDir()
	d := loadDemo(t)
	old, err := sqlite.Open(filepath.Join(dir, "herald.db")) // no key: as before sealing
	if err != nil {
		t.Fatal(err)
	}
	clock := incidenttest.NewClock(time.Now())
	applier := incidenttest.NewApplier(old, clock)
	incidenttest.MustApply(t, applier, incidenttest.DemoEvent(t))
	incidenttest.MustApply(t, applier, incidenttest.DemoEventOf(t, "evt-old-subjects", incident.TypeSubjects,
		incident.SubjectsBatch{IncidentID: incidenttest.DemoID, Subjects: d.subjects}))
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := DefaultConfig()
	cfg.DataDir, cfg.HTTPAddr, cfg.EmbeddedKafkaAddr = dir, "127.0.0.1:0", "127.0.0.1:0"
	logs := &syncBuffer{}
	h := runHerald(t, &Main{Config: cfg, Channels: startProviders(t, d).channels(t)}, logs)
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(logs.String(), "sealed contact details an earlier version stored in plaintext") {
		if time.Now().After(deadline) {
			t.Fatalf("no reseal logged:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.stop()
	if !strings.Contains(logs.String(), `"sealed":`+strconv.Itoa(len(d.subjects))) {
		t.Errorf("reseal did not seal the %d people:\n%s", len(d.subjects), logs.String())
	}
	checkSealedOnDisk(t, dir, d.subjects)
}
