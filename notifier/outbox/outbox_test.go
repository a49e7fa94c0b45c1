package outbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/notifiertest"
)

func delivery(channel string) notifier.Delivery {
	d := notifier.Delivery{
		IncidentID: "INC-2026-0042",
		SubjectID:  "u-1001",
		Channel:    channel,
		Locale:     "pt-BR",
		TemplateID: channel + "/pt-BR/v1",
		Message: notifier.Message{
			Subject: "Aviso de segurança",
			Title:   "Aviso de segurança",
			Text:    "Olá Ana,\nhouve um acesso não autorizado aos seus dados.\n",
			HTML:    "<p>Olá Ana,</p><p>houve um acesso não autorizado.</p>",
			Link:    "https://status.example.com/INC-2026-0042",
		},
	}
	switch channel {
	case incident.ChannelEmail:
		d.To = []string{"ana@example.com"}
	case incident.ChannelSMS:
		d.To = []string{"+5511912345678"}
	case incident.ChannelPush:
		d.To = []string{"fcm-token-1", "fcm-token-2"}
	}
	return d
}

func newOutbox(t *testing.T, channel string, opts ...Option) (*Notifier, string) {
	t.Helper()
	dir := t.TempDir()
	n, err := New(dir, channel, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return n, filepath.Join(dir, channel)
}

// files lists the directory, failing on any leftover temp file.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temp file %s left behind", e.Name())
		}
		names = append(names, e.Name())
	}
	return names
}

func TestEmailWritesMarkedEML(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelEmail)
	d := delivery(incident.ChannelEmail)
	r, err := n.Notify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	want := FileName(d.IncidentID, d.SubjectID, "email") + ".eml"
	if r.Provider != "outbox" || r.ProviderID != want {
		t.Errorf("receipt %+v, want outbox %s", r, want)
	}
	raw, err := os.ReadFile(filepath.Join(dir, want))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("X-Herald-Outbox: not-sent - this message was NOT delivered\r\n")) {
		t.Errorf("file does not start with the not-sent mark: %.80q", raw)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"From": `"Herald" <security-notice@localhost>`, "To": "<ana@example.com>",
		"X-Herald-Incident": "INC-2026-0042", "X-Herald-Outbox": Mark,
	} {
		if got := m.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); subj != d.Message.Subject {
		t.Errorf("Subject = %q", subj)
	}
	if _, err := m.Header.Date(); err != nil || !strings.HasSuffix(m.Header.Get("Message-ID"), "@localhost>") {
		t.Errorf("Date (%v) or Message-ID %q missing", err, m.Header.Get("Message-ID"))
	}
	parts := emailtest.Alternatives(t, m)
	if parts["text/plain"] != d.Message.Text || parts["text/html"] != d.Message.HTML {
		t.Errorf("parts = %q", parts)
	}
}

func TestEmailFrom(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelEmail, WithFrom("Example Corp <dpo@example.com>"))
	r, err := n.Notify(context.Background(), delivery(incident.ChannelEmail))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, r.ProviderID))
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("From"); got != `"Example Corp" <dpo@example.com>` {
		t.Errorf("From = %q", got)
	}
}

func TestSMSAndPushWriteJSON(t *testing.T) {
	for _, channel := range []string{incident.ChannelSMS, incident.ChannelPush} {
		t.Run(channel, func(t *testing.T) {
			n, dir := newOutbox(t, channel)
			written := time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC)
			n.now = func() time.Time { return written }
			d := delivery(channel)
			r, err := n.Notify(context.Background(), d)
			if err != nil {
				t.Fatal(err)
			}
			if want := FileName(d.IncidentID, d.SubjectID, channel) + ".json"; r.ProviderID != want {
				t.Errorf("receipt names %q, want %q", r.ProviderID, want)
			}
			got := readRecord(t, filepath.Join(dir, r.ProviderID))
			want := Record{
				Status: "not_sent", Note: got.Note, Channel: channel,
				IncidentID: d.IncidentID, SubjectID: d.SubjectID, To: d.To,
				Title: d.Message.Title, Text: d.Message.Text, Link: d.Message.Link,
				Locale: d.Locale, TemplateID: d.TemplateID, WrittenAt: written,
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || !strings.Contains(got.Note, "NOT delivered") {
				t.Errorf("record\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func readRecord(t *testing.T, path string) Record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

func TestReplayReplaces(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelSMS)
	d := delivery(incident.ChannelSMS)
	first, err := n.Notify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	d.Message.Text = "second version"
	second, err := n.Notify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if first.ProviderID != second.ProviderID {
		t.Errorf("replay wrote %s, then %s", first.ProviderID, second.ProviderID)
	}
	if names := files(t, dir); len(names) != 1 {
		t.Errorf("files %v, want one", names)
	}
	if got := readRecord(t, filepath.Join(dir, second.ProviderID)); got.Text != "second version" {
		t.Errorf("file holds %q, want the latest write", got.Text)
	}
}

func TestFileNames(t *testing.T) {
	a := FileName("a/b", "u-1", "sms")
	b := FileName("a_b", "u-1", "sms")
	if a == b {
		t.Errorf("ids that clean alike share a file: %s", a)
	}
	for _, id := range []string{"../../etc/passwd", ".hidden", "", strings.Repeat("x", 500)} {
		name := FileName(id, id, "push")
		if strings.ContainsAny(name, `/\.`) || len(name) > 160 || filepath.Base(name) != name {
			t.Errorf("FileName(%q) = %q is not a safe base name", id, name)
		}
	}
}

func TestConcurrentWrites(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelPush)
	const writers = 40
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() {
			d := delivery(incident.ChannelPush)
			d.SubjectID = fmt.Sprintf("u-%d", i)
			if _, err := n.Notify(context.Background(), d); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	names := files(t, dir)
	if len(names) != writers {
		t.Fatalf("%d files, want %d", len(names), writers)
	}
	for _, name := range names {
		if r := readRecord(t, filepath.Join(dir, name)); !strings.Contains(name, r.SubjectID+"_push") {
			t.Errorf("%s holds subject %s", name, r.SubjectID)
		}
	}
}

func TestCancelledContextWritesNothing(t *testing.T) {
	for _, channel := range []string{incident.ChannelEmail, incident.ChannelSMS} {
		n, dir := newOutbox(t, channel)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		d := delivery(channel)
		_, err := n.Notify(ctx, d)
		if !errors.Is(err, context.Canceled) || notifier.IsPermanent(err) {
			t.Errorf("%s: error %v, want retryable wrapping context.Canceled", channel, err)
		}
		if names := files(t, dir); len(names) != 0 {
			t.Errorf("%s: cancelled write left %v", channel, names)
		}
	}
}

func TestBadDeliveryIsPermanent(t *testing.T) {
	cases := map[string]func(*notifier.Delivery){
		"email bad address": func(d *notifier.Delivery) { d.Channel = "email"; d.To = []string{"ana at example"} },
		"email no body":     func(d *notifier.Delivery) { d.Channel = "email"; d.Message.Text, d.Message.HTML = "", "" },
		"sms no number":     func(d *notifier.Delivery) { d.Channel = "sms"; d.To = nil },
		"push no text":      func(d *notifier.Delivery) { d.Channel = "push"; d.Message.Text, d.Message.Title = "", "" },
	}
	for name, edit := range cases {
		d := delivery(incident.ChannelEmail)
		edit(&d)
		n, dir := newOutbox(t, d.Channel)
		_, err := n.Notify(context.Background(), d)
		if !notifier.IsPermanent(err) {
			t.Errorf("%s: error %v, want permanent", name, err)
		}
		notifiertest.AssertNoPersonalData(t, err, d)
		if names := files(t, dir); len(names) != 0 {
			t.Errorf("%s: wrote %v", name, names)
		}
	}
}

// A broken outbox directory is retryable and the error names no contact.
func TestWriteFailureIsRetryable(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelSMS)
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil { // a file where the directory was
		t.Fatal(err)
	}
	d := delivery(incident.ChannelSMS)
	_, err := n.Notify(context.Background(), d)
	if err == nil || notifier.IsPermanent(err) {
		t.Fatalf("error %v, want retryable", err)
	}
	notifiertest.AssertNoPersonalData(t, err, d)
}

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	for field, call := range map[string]func() error{
		"dir":     func() error { _, err := New("", "sms"); return err },
		"channel": func() error { _, err := New(dir, "fax"); return err },
		"from":    func() error { _, err := New(dir, "email", WithFrom("nobody")); return err },
	} {
		if err := call(); incident.ErrorField(err) != field {
			t.Errorf("%s: got %v, want an error naming it", field, err)
		}
	}
	if _, err := New(dir, "push"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "push")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("push directory: %v mode %v, want 0700", err, fi.Mode().Perm())
	}
}
