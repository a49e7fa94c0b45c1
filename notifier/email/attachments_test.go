package email_test

import (
	"bytes"
	"context"
	"mime"
	netmail "net/mail"
	"testing"

	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email/emailtest"
)

// everyByte holds each byte value, so a transfer encoding that mangles
// binary data (CR, LF, NUL, high bytes) shows.
func everyByte() []byte {
	b := make([]byte, 0, 512)
	for i := range 512 {
		b = append(b, byte(i*7))
	}
	return b
}

func TestAttachmentsArriveDecoded(t *testing.T) {
	s := emailtest.NewServer(t)
	d := delivery
	pdf := append([]byte("%PDF-1.4\n"), everyByte()...)
	d.Message.Attachments = []notifier.Attachment{
		{Name: "report-INC-2026-0042-v1.pdf", ContentType: "application/pdf", Data: pdf},
		{Name: "evidence.bin", Data: everyByte()},
	}
	if _, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(bytes.NewReader(s.Messages()[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := mime.ParseMediaType(m.Header.Get("Content-Type")); mt != "multipart/mixed" {
		t.Errorf("Content-Type %q, want multipart/mixed", mt)
	}
	got := emailtest.Attachments(t, m)
	want := []emailtest.Attachment{
		{Filename: "report-INC-2026-0042-v1.pdf", ContentType: "application/pdf", Data: pdf},
		{Filename: "evidence.bin", ContentType: "application/octet-stream", Data: everyByte()},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d attachments, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Filename != w.Filename || g.ContentType != w.ContentType || !bytes.Equal(g.Data, w.Data) {
			t.Errorf("attachment %d = %q %q (%d bytes), want %q %q (%d bytes, same content)",
				i, g.Filename, g.ContentType, len(g.Data), w.Filename, w.ContentType, len(w.Data))
		}
	}
	if !bytes.Contains(s.Messages()[0].Data, []byte("n=C3=A3o autorizado")) {
		t.Error("the text body is missing beside the attachments")
	}
}

func TestNamelessAttachmentIsPermanent(t *testing.T) {
	s := emailtest.NewServer(t)
	d := delivery
	d.Message.Attachments = []notifier.Attachment{{ContentType: "application/pdf", Data: []byte("%PDF")}}
	_, err := newNotifier(t, s.Config(), nil).Notify(context.Background(), d)
	if !notifier.IsPermanent(err) {
		t.Errorf("error %v, want permanent", err)
	}
	if s.Connections() != 0 {
		t.Error("dialled the server for a message that cannot be composed")
	}
}
