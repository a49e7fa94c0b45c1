package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// Input formats of `subjects import`.
const (
	formatCSV   = "csv"
	formatJSONL = "jsonl"
)

var utf8BOM = []byte("\uFEFF")

// maxLine bounds one JSON line so a broken file cannot eat the memory.
const maxLine = 1 << 20

// csvColumns are the columns a subjects CSV may have (EVENTS.md Subject).
var csvColumns = []string{"id", "name", "locale", "jurisdiction", "email", "phone", "push_tokens", "channels"}

// row is one parsed subject and the line it started on.
type row struct {
	line    int
	subject incident.Subject
}

// rowError is a bad row: where it is and which field is wrong. It never
// carries the row's values, which are personal data.
type rowError struct {
	line  int
	field string
	msg   string
}

func (e *rowError) Error() string {
	if e.field == "" {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return fmt.Sprintf("line %d: %s: %s", e.line, e.field, e.msg)
}

// rowReader yields rows one at a time: io.EOF at the end, a *rowError for a
// row to skip (reading may go on), any other error to stop.
type rowReader interface {
	next() (row, error)
}

// detectFormat picks the format from the file name, else from the first
// non-blank byte: '{' means JSON lines, anything else CSV.
func detectFormat(name string, br *bufio.Reader) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return formatCSV
	case ".jsonl", ".ndjson", ".json":
		return formatJSONL
	}
	b, _ := br.Peek(4096) // fewer bytes near EOF is fine
	b = bytes.TrimLeft(bytes.TrimPrefix(b, utf8BOM), " \t\r\n")
	if len(b) > 0 && b[0] == '{' {
		return formatJSONL
	}
	return formatCSV
}

func newRowReader(format string, br *bufio.Reader) (rowReader, error) {
	switch format {
	case formatCSV:
		return newCSVRows(br)
	case formatJSONL:
		return &jsonlRows{br: br}, nil
	}
	return nil, usagef("unknown format %q (want csv or jsonl)", format)
}

// jsonlRows reads one Subject per line.
type jsonlRows struct {
	br   *bufio.Reader
	line int
}

func (j *jsonlRows) next() (row, error) {
	for {
		b, tooLong, err := readLine(j.br)
		if err != nil {
			return row{}, err
		}
		j.line++
		if tooLong {
			return row{}, &rowError{line: j.line, msg: fmt.Sprintf("line is longer than %d KiB", maxLine>>10)}
		}
		if j.line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		s, rerr := decodeSubjectLine(b)
		if rerr != nil {
			rerr.line = j.line
			return row{}, rerr
		}
		return row{line: j.line, subject: s}, nil
	}
}

// readLine returns the next line without its newline. A line longer than
// maxLine is skipped to its end and reported as tooLong.
func readLine(br *bufio.Reader) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			tooLong, line = true, nil
		} else if !tooLong {
			line = append(line, chunk...)
		}
		switch {
		case err == nil:
			return bytes.TrimRight(line, "\r\n"), tooLong, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && (len(line) > 0 || tooLong):
			return line, tooLong, nil
		default:
			return nil, false, err
		}
	}
}

// decodeSubjectLine decodes one JSON object strictly: unknown fields are
// errors, so a typo ("emial") does not silently drop a contact.
func decodeSubjectLine(b []byte) (incident.Subject, *rowError) {
	var s incident.Subject
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, jsonRowError(err)
	}
	if dec.More() {
		return s, &rowError{msg: "more than one JSON value on the line"}
	}
	return s, nil
}

// jsonRowError names the field of a decode error without quoting the input.
func jsonRowError(err error) *rowError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &rowError{msg: fmt.Sprintf("malformed JSON at byte %d", se.Offset)}
	case errors.As(err, &te):
		return &rowError{field: te.Field, msg: fmt.Sprintf("is a JSON %s, want %s", te.Value, te.Type)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return &rowError{field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), msg: "is not a subject field"}
	}
	return &rowError{msg: "malformed JSON"}
}

// csvRows reads subjects from CSV with a header row naming the columns.
type csvRows struct {
	r    *csv.Reader
	cols map[string]int
	n    int
}

func newCSVRows(r io.Reader) (*csvRows, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked per row, so one short row is skipped, not fatal
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return nil, incident.Invalid("header", "cannot read the CSV header row: %v", err)
	}
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if !isCSVColumn(h) {
			return nil, incident.Invalid("header", "unknown column %q (want %s)", h, strings.Join(csvColumns, ","))
		}
		cols[h] = i
	}
	if _, ok := cols["id"]; !ok {
		return nil, incident.Invalid("header", "no id column")
	}
	cr.ReuseRecord = true
	return &csvRows{r: cr, cols: cols, n: len(header)}, nil
}

func isCSVColumn(name string) bool {
	for _, c := range csvColumns {
		if c == name {
			return true
		}
	}
	return false
}

func (c *csvRows) next() (row, error) {
	rec, err := c.r.Read()
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
		return row{}, io.EOF
	case errors.As(err, &pe):
		return row{}, &rowError{line: pe.StartLine, msg: "malformed CSV: " + pe.Err.Error()}
	case err != nil:
		return row{}, fmt.Errorf("read CSV: %w", err)
	}
	line, _ := c.r.FieldPos(0)
	if len(rec) != c.n {
		return row{}, &rowError{line: line, msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), c.n)}
	}
	get := func(col string) string {
		if i, ok := c.cols[col]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	return row{line: line, subject: incident.Subject{
		ID: get("id"), Name: get("name"), Locale: get("locale"), Jurisdiction: get("jurisdiction"),
		Email: get("email"), Phone: get("phone"),
		PushTokens: splitList(get("push_tokens")), Channels: splitList(get("channels")),
	}}, nil
}

// splitList splits a CSV cell holding a list ("a;b" or "a|b").
func splitList(v string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// checkSubject catches what the contract would reject for the whole batch,
// and says which field, never the value.
func checkSubject(s incident.Subject) *rowError {
	if s.ID == "" {
		return &rowError{field: "id", msg: "is required"}
	}
	for i, ch := range s.Channels {
		switch ch {
		case incident.ChannelPush, incident.ChannelSMS, incident.ChannelEmail:
		default:
			return &rowError{field: "channels", msg: fmt.Sprintf("entry %d is not push, sms or email", i+1)}
		}
	}
	return nil
}
