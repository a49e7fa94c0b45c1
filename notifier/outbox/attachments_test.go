package outbox

import (
	"bytes"
	"context"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email/emailtest"
)

func TestEmailAttachmentsWrittenBesideMessage(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelEmail)
	d := delivery(incident.ChannelEmail)
	pdf := []byte("%PDF-1.4\n\x00\x01\xff binary body\r\n%%EOF\n")
	d.Message.Attachments = []notifier.Attachment{{Name: "report-INC-2026-0042-v1.pdf", ContentType: "application/pdf", Data: pdf}}
	r, err := n.Notify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	base := FileName(d.IncidentID, d.SubjectID, "email")
	pdfName := base + "_report-INC-2026-0042-v1.pdf"
	if names := files(t, dir); !slices.Equal(names, []string{r.ProviderID, pdfName}) && !slices.Equal(names, []string{pdfName, r.ProviderID}) {
		t.Fatalf("files %v, want %s and %s", names, r.ProviderID, pdfName)
	}
	got, err := os.ReadFile(filepath.Join(dir, pdfName))
	if err != nil || !bytes.Equal(got, pdf) {
		t.Errorf("attachment file = %q (%v), want the attachment's bytes", got, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, r.ProviderID))
	if err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	inEML := emailtest.Attachments(t, m)
	if len(inEML) != 1 || inEML[0].Filename != "report-INC-2026-0042-v1.pdf" || !bytes.Equal(inEML[0].Data, pdf) {
		t.Errorf(".eml attachments = %+v, want the PDF as sent", inEML)
	}
}

func TestSMSIgnoresAttachments(t *testing.T) {
	n, dir := newOutbox(t, incident.ChannelSMS)
	d := delivery(incident.ChannelSMS)
	d.Message.Attachments = []notifier.Attachment{{Name: "x.pdf", Data: []byte("%PDF")}}
	if _, err := n.Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if names := files(t, dir); len(names) != 1 {
		t.Errorf("files %v, want only the message", names)
	}
}

func TestAttachmentNames(t *testing.T) {
	for _, name := range []string{"../../etc/passwd", ".hidden", "", "a/b\\c.pdf", strings.Repeat("x", 500) + ".pdf"} {
		got := AttachmentName("base", name)
		if !strings.HasPrefix(got, "base_") || strings.ContainsAny(got, `/\`) ||
			len(got) > 120 || filepath.Base(got) != got {
			t.Errorf("AttachmentName(%q) = %q is not a safe base name", name, got)
		}
	}
	if got := AttachmentName("base", "report v1.pdf"); got != "base_report_v1.pdf" {
		t.Errorf("AttachmentName kept %q, want the extension kept", got)
	}
}
