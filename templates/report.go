package templates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/herald-notify/herald/incident"
)

// reportView is what the report templates see.
type reportView struct {
	IncidentID, Regime, Authority, Phase string
	Version                              int
	Generated, Deadline                  string
	Late                                 bool
	ContentHash                          string
	Sections                             []reportSection
}

// reportSection is a titled group of fields; Lines is its plain-text form.
type reportSection struct {
	Title  string
	Fields []field
	Lines  []string
}

// field is one labelled value; a value is text, a list or nested fields.
type field struct {
	Label string
	Value value
}

type value struct {
	Text   string
	List   []value
	Fields []field
}

// RenderReportHTML writes a regulator status report as a printable HTML
// page (English, no external resources).
func RenderReportHTML(w io.Writer, r incident.Report) error {
	s, err := Default()
	if err != nil {
		return err
	}
	return s.RenderReportHTML(w, r)
}

// RenderReportText returns a regulator status report as a plain-text email
// body. A report whose fields cannot be read gives a short body saying so,
// with the incident and content hash, rather than nothing.
func RenderReportText(r incident.Report) string {
	s, err := Default()
	if err != nil {
		return brokenReport(r, err)
	}
	return s.RenderReportText(r)
}

// RenderReportHTML is the package-level RenderReportHTML on this set.
func (s *Set) RenderReportHTML(w io.Writer, r incident.Report) error {
	v, err := reportViewOf(r)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := s.report.ExecuteTemplate(&b, "report.html.tmpl", v); err != nil {
		return fmt.Errorf("render report %s: %w", r.IncidentID, err)
	}
	if _, err := b.WriteTo(w); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// RenderReportText is the package-level RenderReportText on this set.
func (s *Set) RenderReportText(r incident.Report) string {
	v, err := reportViewOf(r)
	if err != nil {
		return brokenReport(r, err)
	}
	var b strings.Builder
	if err := s.reportText.ExecuteTemplate(&b, "report.txt.tmpl", v); err != nil {
		return brokenReport(r, err)
	}
	return b.String()
}

func brokenReport(r incident.Report, err error) string {
	return fmt.Sprintf("Incident %s: %s report version %d could not be rendered (%v).\nContent hash: %s\n",
		r.IncidentID, r.Regime, r.Version, err, r.ContentHash)
}

func reportViewOf(r incident.Report) (reportView, error) {
	fields, err := normalize(r.Fields)
	if err != nil {
		return reportView{}, fmt.Errorf("read report %s fields: %w", r.IncidentID, err)
	}
	v := reportView{
		IncidentID: r.IncidentID, Regime: r.Regime, Authority: r.Authority,
		Phase: phaseLabel(r.Phase), Version: r.Version, Late: r.Late,
		Generated: reportTime(r.GeneratedAt), ContentHash: r.ContentHash,
	}
	if r.Deadline != nil {
		v.Deadline = reportTime(*r.Deadline)
	}
	v.Sections = groupFields(fields)
	for i := range v.Sections {
		v.Sections[i].Lines = textLines(v.Sections[i].Fields, "")
	}
	return v, nil
}

// normalize turns any Go values in the report (structs, typed slices,
// times) into plain JSON values, so one renderer handles them all.
func normalize(in map[string]any) (map[string]any, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	out := map[string]any{}
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// groupFields puts known keys in their section and order, then anything
// else under "Other information", sorted by key.
func groupFields(fields map[string]any) []reportSection {
	var out []reportSection
	for _, sec := range reportSections {
		var fs []field
		for _, k := range sec.keys {
			if v, ok := fields[k]; ok {
				fs = append(fs, field{Label: label(k), Value: toValue(v)})
				delete(fields, k)
			}
		}
		if len(fs) > 0 {
			out = append(out, reportSection{Title: sec.title, Fields: fs})
		}
	}
	if len(fields) > 0 {
		out = append(out, reportSection{Title: "Other information", Fields: toValue(fields).Fields})
	}
	return out
}

// textLines writes fields as indented "Label: value" lines.
func textLines(fs []field, indent string) []string {
	var out []string
	for _, f := range fs {
		switch {
		case f.Value.Fields != nil:
			out = append(out, indent+f.Label+":")
			out = append(out, textLines(f.Value.Fields, indent+"  ")...)
		case f.Value.List != nil:
			out = append(out, indent+f.Label+":")
			out = append(out, listLines(f.Value.List, indent+"  ")...)
		case strings.Contains(f.Value.Text, "\n"):
			out = append(out, indent+f.Label+":")
			for _, l := range strings.Split(f.Value.Text, "\n") {
				out = append(out, strings.TrimRight(indent+"  "+l, " "))
			}
		default:
			out = append(out, indent+f.Label+": "+f.Value.Text)
		}
	}
	return out
}

func listLines(items []value, indent string) []string {
	var out []string
	for _, it := range items {
		switch {
		case it.Fields != nil:
			out = append(out, indent+"-")
			out = append(out, textLines(it.Fields, indent+"  ")...)
		case it.List != nil:
			out = append(out, indent+"-")
			out = append(out, listLines(it.List, indent+"  ")...)
		default:
			out = append(out, indent+"- "+it.Text)
		}
	}
	return out
}

func reportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
