package emailtest

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
)

// Attachment is one file found in a message, decoded.
type Attachment struct {
	Filename    string // from Content-Disposition
	ContentType string // media type without parameters
	Data        []byte
}

// Attachments walks every multipart level of m and returns the parts sent
// as attachments (Content-Disposition: attachment), their base64 decoded.
// It consumes m.Body.
func Attachments(t testing.TB, m *netmail.Message) []Attachment {
	t.Helper()
	var found []Attachment
	walk(t, m.Header.Get("Content-Type"), m.Body, &found)
	return found
}

func walk(t testing.TB, contentType string, body io.Reader, found *[]Attachment) {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		return
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("read %s part: %v", mt, err)
		}
		ct := p.Header.Get("Content-Type")
		if disp, _, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); disp != "attachment" {
			walk(t, ct, p, found)
			continue
		}
		*found = append(*found, decodeAttachment(t, p, ct))
	}
}

func decodeAttachment(t testing.TB, p *multipart.Part, contentType string) Attachment {
	t.Helper()
	raw, err := io.ReadAll(p)
	if err != nil {
		t.Fatalf("read attachment: %v", err)
	}
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
		raw, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(stripSpace(raw))))
		if err != nil {
			t.Fatalf("decode base64 attachment: %v", err)
		}
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	return Attachment{Filename: p.FileName(), ContentType: mt, Data: raw}
}

func stripSpace(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, b)
}
