package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/herald-notify/herald/incident"
)

// source is an import input, hashed in a first pass and rewound. Stdin is
// spooled to a temporary file so it can be hashed too without holding it in
// memory.
type source struct {
	f     *os.File
	size  int64
	hash  string
	spool bool
}

func openSource(path string, stdin io.Reader) (*source, error) {
	if path == "-" {
		return spoolStdin(stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open subjects file: %w", err)
	}
	src := &source{f: f}
	if err := src.hashAndRewind(f); err != nil {
		f.Close()
		return nil, err
	}
	return src, nil
}

func spoolStdin(stdin io.Reader) (*source, error) {
	f, err := os.CreateTemp("", "incidentctl-subjects-*")
	if err != nil {
		return nil, fmt.Errorf("spool stdin: %w", err)
	}
	src := &source{f: f, spool: true}
	if _, err := io.Copy(f, stdin); err != nil {
		src.close()
		return nil, fmt.Errorf("spool stdin: %w", err)
	}
	if err := src.hashAndRewind(f); err != nil {
		src.close()
		return nil, err
	}
	return src, nil
}

func (s *source) hashAndRewind(f *os.File) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind subjects file: %w", err)
	}
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("hash subjects file: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind subjects file: %w", err)
	}
	s.size, s.hash = n, hex.EncodeToString(h.Sum(nil))
	return nil
}

func (s *source) close() {
	s.f.Close()
	if s.spool {
		os.Remove(s.f.Name())
	}
}

// bar is the import's progress bar over bytes read; it draws nothing unless
// stderr is a terminal and --quiet is off.
type bar struct {
	pb      *progressbar.ProgressBar
	w       io.Writer
	visible bool
}

func newBar(w io.Writer, size int64, quiet bool, desc string) *bar {
	visible := !quiet && isTerminal(w)
	pb := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetVisibility(visible),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return &bar{pb: pb, w: w, visible: visible}
}

func (b *bar) reader(r io.Reader) io.Reader {
	pr := progressbar.NewReader(r, b.pb)
	return &pr
}

// println writes a line above the bar.
func (b *bar) println(line string) {
	if b.visible {
		_ = b.pb.Clear()
	}
	fmt.Fprintln(b.w, line)
}

func (b *bar) finish() {
	if b.visible {
		_ = b.pb.Finish()
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// subjectPath matches the part of a contract field path that points into one
// subject: "data.subjects[0].email", "/data/subjects/0/email", "subjects.0.email".
var subjectPath = regexp.MustCompile(`subjects(?:\[\d+\]|[./]\d+)[./]?(.*)$`)

// contractRowError reports a row the contract rejected. The contract's message
// is kept only if it quotes none of the row's personal data.
func contractRowError(r row, err error) *rowError {
	field := incident.ErrorField(err)
	if m := subjectPath.FindStringSubmatch(field); m != nil && m[1] != "" {
		field = m[1]
	}
	msg := "rejected by the event contract"
	var e *incident.Error
	if errors.As(err, &e) && !quotesPersonalData(e.Message, r.subject) {
		msg = e.Message
	}
	return &rowError{line: r.line, field: field, msg: msg}
}

func quotesPersonalData(msg string, s incident.Subject) bool {
	values := append([]string{s.Name, s.Email, s.Phone}, s.PushTokens...)
	for _, v := range values {
		if v != "" && strings.Contains(msg, v) {
			return true
		}
	}
	return false
}
