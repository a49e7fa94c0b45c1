package report_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/classify"
	"github.com/herald-notify/herald/incident/incidenttest"
	"github.com/herald-notify/herald/incident/report"
	"github.com/herald-notify/herald/notifier"
	"github.com/herald-notify/herald/notifier/email"
	"github.com/herald-notify/herald/notifier/email/emailtest"
	"github.com/herald-notify/herald/notifier/outbox"
	"github.com/herald-notify/herald/templates"
	"github.com/herald-notify/herald/templates/reportpdf"
)

const authorityEmail = "breach-reports@dpa.example.org"

// recorder is a notifier.Notifier that keeps what it was given and answers
// with err when set.
type recorder struct {
	mu  sync.Mutex
	got []notifier.Delivery
	err error
}

func (r *recorder) Notify(_ context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, d)
	if r.err != nil {
		return notifier.Receipt{}, r.err
	}
	return notifier.Receipt{Provider: "recorder", ProviderID: fmt.Sprint(len(r.got))}, nil
}

func (r *recorder) deliveries() []notifier.Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// renderText stands in for the report template: enough to recognise the
// report a message was made from.
func renderText(r incident.Report) string {
	return fmt.Sprintf("%s %s report on %s (content %s)", r.Regime, r.Phase, r.IncidentID, r.ContentHash)
}

func newReporter(t *testing.T, p *pipeline, deliver notifier.Notifier) *report.Reporter {
	return &report.Reporter{Store: p.Store, Deliver: deliver, AuthorityEmail: authorityEmail, Render: renderText,
		NoticeURL: func(id string) string { return "https://status.example.com/notices/" + id },
		Now:       p.Clock.Now, Log: zaptest.NewLogger(t), Recount: classify.Standard().Recount}
}

func ensure(t *testing.T, r *report.Reporter, id string) {
	t.Helper()
	if err := r.Ensure(context.Background(), id); err != nil {
		t.Fatalf("ensure reports of %s: %v", id, err)
	}
}

func TestEnsureReportsFirstPhasesThenFinal(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	dir := t.TempDir()
	box, err := outbox.New(dir, incident.ChannelEmail)
	if err != nil {
		t.Fatal(err)
	}
	r := newReporter(t, p, box)

	ensure(t, r, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID) // nothing new is due
	first := p.reports(t, incidenttest.DemoID)
	want := map[string][]string{"GDPR": {"initial"}, "NIS2": {"early_warning"},
		"California": {"sample_notice"}, "Brazil LGPD": {"communication"}}
	if got := phases(first); !reflect.DeepEqual(got, want) {
		t.Fatalf("reports after opening = %v, want %v", got, want)
	}
	for _, rep := range first {
		if rep.DeliveredTo != outbox.Provider || rep.Late || rep.Fields["more_to_follow"] != true {
			t.Errorf("%s %s: delivered via %q late=%v more_to_follow=%v",
				rep.Regime, rep.Phase, rep.DeliveredTo, rep.Late, rep.Fields["more_to_follow"])
		}
	}

	p.Clock.Advance(7 * 24 * time.Hour)
	p.close(t, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID)
	all := p.reports(t, incidenttest.DemoID)
	want = map[string][]string{"GDPR": {"initial", "final"}, "NIS2": {"early_warning", "final"},
		"California": {"sample_notice"}, "Brazil LGPD": {"communication"}}
	if got := phases(all); !reflect.DeepEqual(got, want) {
		t.Fatalf("reports after closing = %v, want %v", got, want)
	}
	for _, rep := range all[demoReports:] {
		if rep.Fields["root_cause"] != "stolen support session token" || rep.Fields["more_to_follow"] != false {
			t.Errorf("%s final: root_cause %v more_to_follow %v", rep.Regime, rep.Fields["root_cause"], rep.Fields["more_to_follow"])
		}
	}
	checkOutbox(t, filepath.Join(dir, incident.ChannelEmail), all)
}

// checkOutbox: one .eml per report, to the authority, naming the incident
// and the report it carries.
func checkOutbox(t *testing.T, dir string, reports []incident.Report) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(reports) {
		t.Fatalf("outbox holds %d emails, want one per report (%d)", len(files), len(reports))
	}
	var bodies []string
	for _, name := range files {
		msg := readEmail(t, name)
		if to := msg.Header.Get("To"); !strings.Contains(to, authorityEmail) {
			t.Errorf("%s: To = %q, want the authority", filepath.Base(name), to)
		}
		if subj := msg.Header.Get("Subject"); !strings.Contains(subj, incidenttest.DemoID) {
			t.Errorf("%s: Subject %q does not name the incident", filepath.Base(name), subj)
		}
		bodies = append(bodies, emailText(t, msg))
	}
	for _, rep := range reports {
		if !slices.ContainsFunc(bodies, func(b string) bool { return strings.Contains(b, rep.ContentHash) }) {
			t.Errorf("no email carries the %s %s report", rep.Regime, rep.Phase)
		}
	}
}

// emailText is the decoded body of a single-part message.
func emailText(t *testing.T, msg *mail.Message) string {
	t.Helper()
	var body io.Reader = msg.Body
	switch enc := strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")); enc {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected transfer encoding %q", enc)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read email body: %v", err)
	}
	return string(b)
}

func readEmail(t *testing.T, name string) *mail.Message {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	msg, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatalf("parse %s: %v", filepath.Base(name), err)
	}
	return msg
}

// demoReports is the number of first-phase reports the demo incident owes:
// GDPR, NIS2, California (over 500 Californians) and Brazil's LGPD.
const demoReports = 4

func TestEnsureDeliversEachReportToTheAuthority(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	rec := &recorder{}
	ensure(t, newReporter(t, p, rec), incidenttest.DemoID)

	got, saved := rec.deliveries(), p.reports(t, incidenttest.DemoID)
	if len(got) != demoReports || len(saved) != demoReports {
		t.Fatalf("%d deliveries for %d reports, want %d and %d", len(got), len(saved), demoReports, demoReports)
	}
	var regimes []string
	for _, rep := range saved {
		regimes = append(regimes, rep.Regime+" "+rep.Phase)
	}
	want := []string{"GDPR initial", "NIS2 early_warning", "California sample_notice", "Brazil LGPD communication"}
	if !slices.Equal(regimes, want) {
		t.Errorf("reports %q, want the first phase of each required obligation %q", regimes, want)
	}
	for i, d := range got {
		rep := saved[i]
		if d.Channel != incident.ChannelEmail || !slices.Equal(d.To, []string{authorityEmail}) || d.IncidentID != incidenttest.DemoID {
			t.Errorf("delivery %d: channel %q to %q incident %q", i, d.Channel, d.To, d.IncidentID)
		}
		if d.Message.Text != renderText(rep) {
			t.Errorf("delivery %d text %q is not the saved report rendered", i, d.Message.Text)
		}
		for _, part := range []string{rep.Regime, rep.Phase, incidenttest.DemoID} {
			if !strings.Contains(d.Message.Subject, part) {
				t.Errorf("subject %q lacks %q", d.Message.Subject, part)
			}
		}
		if strings.Contains(d.SubjectID, "@") {
			t.Errorf("delivery subject id %q carries the address", d.SubjectID)
		}
		if rep.DeliveredTo != "recorder" {
			t.Errorf("%s delivered via %q, want the receipt's provider", rep.Regime, rep.DeliveredTo)
		}
	}
}

func TestEnsureSkipsObligationsNotRequired(t *testing.T) {
	p := newPipeline(t)
	ev := readEvent(t, edpb01Path)
	p.Apply(t, ev)
	inc, err := p.Store.GetIncident(context.Background(), ev.Subject)
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Decision.Obligations) == 0 || slices.ContainsFunc(inc.Decision.Obligations,
		func(ob incident.Obligation) bool { return ob.Required }) {
		t.Fatalf("precondition: EDPB case 1 has obligations, none required; got %+v", inc.Decision.Obligations)
	}
	rec := &recorder{}
	r := newReporter(t, p, rec)
	ensure(t, r, inc.ID)
	p.close(t, inc.ID)
	ensure(t, r, inc.ID)
	if n := len(p.reports(t, inc.ID)); n != 0 || len(rec.deliveries()) != 0 {
		t.Errorf("%d reports and %d deliveries for duties not owed", n, len(rec.deliveries()))
	}
}

func TestEnsureRecordsDeliveryFailure(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	rec := &recorder{err: notifier.Permanent("smtp 550")}
	r := newReporter(t, p, rec)
	ensure(t, r, incidenttest.DemoID)

	saved := p.reports(t, incidenttest.DemoID)
	if len(saved) != demoReports {
		t.Fatalf("%d reports saved, want %d despite the failure", len(saved), demoReports)
	}
	for _, rep := range saved {
		if rep.DeliveredTo != "failed: permanent: smtp 550" {
			t.Errorf("%s delivered via %q, want the failure recorded", rep.Regime, rep.DeliveredTo)
		}
	}
	ensure(t, r, incidenttest.DemoID)
	if n := len(p.reports(t, incidenttest.DemoID)); n != demoReports || len(rec.deliveries()) != demoReports {
		t.Errorf("second ensure: %d reports, %d deliveries; want %d each", n, len(rec.deliveries()), demoReports)
	}
}

func TestEnsureWithoutDeliveryStillSaves(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	r := newReporter(t, p, nil)
	ensure(t, r, incidenttest.DemoID)
	for _, rep := range p.reports(t, incidenttest.DemoID) {
		if rep.DeliveredTo != "not configured" {
			t.Errorf("%s delivered via %q, want not configured", rep.Regime, rep.DeliveredTo)
		}
	}
}

// The NIS2 early warning is due in 24 h, the GDPR report in 72 h: at 30 h
// the NIS2 one is late, so it is held for the team's reasons (a late report
// cannot go without them) while the others go out on time.
func TestEnsureHoldsLateReportsForReasons(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	p.Clock.Set(time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)) // aware_at + 30 h
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID)
	ensure(t, r, incidenttest.DemoID) // still held
	got := phases(p.reports(t, incidenttest.DemoID))
	if _, sent := got["NIS2"]; sent || len(got) != demoReports-1 {
		t.Fatalf("reports %v: want every first phase but NIS2's, which is late", got)
	}
	for _, rep := range p.reports(t, incidenttest.DemoID) {
		if _, reasons := rep.Fields["reasons_for_delay"]; rep.Late || reasons {
			t.Errorf("%s: late=%v reasons_for_delay=%v, want an on-time report", rep.Regime, rep.Late, reasons)
		}
	}
	if _, err := r.Generate(context.Background(), incidenttest.DemoID, "NIS2", "early_warning", ""); incident.ErrorField(err) != "reasons" {
		t.Fatalf("late report without reasons: %v, want refused naming reasons", err)
	}
	rep, err := r.Generate(context.Background(), incidenttest.DemoID, "NIS2", "early_warning", "the CSIRT portal was down")
	if err != nil || !rep.Late || rep.Fields["reasons_for_delay"] != "the CSIRT portal was down" {
		t.Fatalf("late report with reasons: late=%v fields=%v, %v", rep.Late, rep.Fields["reasons_for_delay"], err)
	}
	// A second version of a phase already sent is an update, not late.
	again, err := r.Generate(context.Background(), incidenttest.DemoID, "NIS2", "early_warning", "")
	if err != nil || again.Late {
		t.Fatalf("second version: late=%v, %v; want an on-time update", again.Late, err)
	}
}

func TestEnsureReferencesPublicNotice(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	n, err := p.Store.SaveNotice(context.Background(), incident.Notice{IncidentID: incidenttest.DemoID, Reason: "test", Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	r := newReporter(t, p, &recorder{})
	ensure(t, r, incidenttest.DemoID)
	want := map[string]any{"url": r.NoticeURL(incidenttest.DemoID), "published_at": n.PublishedAt, "revision": n.Revision}
	for _, rep := range p.reports(t, incidenttest.DemoID) {
		checkFields(t, rep, map[string]any{"public_notice": want})
	}
}

func TestEnsureConcurrentCallsReportOnce(t *testing.T) {
	p := newPipeline(t)
	p.Apply(t, incidenttest.DemoEvent(t))
	rec := &recorder{}
	r := newReporter(t, p, rec)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- r.Ensure(context.Background(), incidenttest.DemoID) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := len(p.reports(t, incidenttest.DemoID)); n != demoReports || len(rec.deliveries()) != demoReports {
		t.Errorf("8 concurrent ensures: %d reports, %d deliveries; want %d each", n, len(rec.deliveries()), demoReports)
	}
}

func TestEnsureUnknownIncident(t *testing.T) {
	p := newPipeline(t)
	err := newReporter(t, p, &recorder{}).Ensure(context.Background(), "INC-NOPE")
	if incident.ErrorCode(err) != incident.CodeNotFound {
		t.Errorf("err = %v, want not found", err)
	}
}

// notifierFunc adapts a function to notifier.Notifier.
type notifierFunc func(context.Context, notifier.Delivery) (notifier.Receipt, error)

func (f notifierFunc) Notify(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
	return f(ctx, d)
}

// pdfOf renders rep with the real PDF renderer, independently of the
// reporter: what the authority should receive.
func pdfOf(t *testing.T, rep incident.Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := reportpdf.PDF(&buf, rep); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func realReporter(t *testing.T, p *pipeline, deliver notifier.Notifier) *report.Reporter {
	r := newReporter(t, p, deliver)
	r.Render, r.PDF = templates.RenderReportText, reportpdf.PDF
	return r
}

// Over real SMTP, the demo's GDPR initial report is mailed as version 1
// (the version the store assigned, not 0) with its PDF attached.
func TestEnsureEmailsVersionedReportWithPDF(t *testing.T) {
	p := demoOpened(t)
	s := emailtest.NewServer(t)
	smtp, err := email.New(s.Config())
	if err != nil {
		t.Fatal(err)
	}
	ensure(t, realReporter(t, p, smtp), incidenttest.DemoID)

	saved := p.reports(t, incidenttest.DemoID)
	gdpr := saved[0]
	if gdpr.Regime != "GDPR" || gdpr.Phase != incident.PhaseInitial || gdpr.Version != 1 {
		t.Fatalf("first report %s %s v%d, want GDPR initial v1", gdpr.Regime, gdpr.Phase, gdpr.Version)
	}
	var sent *emailtest.Message
	for _, m := range s.Messages() {
		if strings.Contains(m.Header("Subject"), "[GDPR] initial") {
			sent = &m
		}
	}
	if sent == nil {
		t.Fatalf("no GDPR initial email among %d sent", len(s.Messages()))
	}
	if subj := sent.Header("Subject"); !strings.Contains(subj, "(version 1)") {
		t.Errorf("Subject %q does not carry version 1", subj)
	}
	if !bytes.Contains(sent.Data, []byte("report version 1")) || bytes.Contains(sent.Data, []byte("report version 0")) {
		t.Error("the email text does not say report version 1")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(sent.Data))
	if err != nil {
		t.Fatal(err)
	}
	att := emailtest.Attachments(t, msg)
	if len(att) != 1 {
		t.Fatalf("%d attachments, want the PDF", len(att))
	}
	if att[0].Filename != reportpdf.Filename(gdpr) || !strings.HasSuffix(att[0].Filename, "-v1.pdf") ||
		att[0].ContentType != reportpdf.ContentType || !bytes.Equal(att[0].Data, pdfOf(t, gdpr)) {
		t.Errorf("attachment %q %q (%d bytes), want %q %q, the saved report's PDF",
			att[0].Filename, att[0].ContentType, len(att[0].Data), reportpdf.Filename(gdpr), reportpdf.ContentType)
	}
	for _, rep := range saved {
		if rep.DeliveredTo != "smtp" {
			t.Errorf("%s %s delivered via %q, want smtp", rep.Regime, rep.Phase, rep.DeliveredTo)
		}
	}
}

// The outbox (the embedded default) shows each report's PDF beside its .eml.
func TestEnsureOutboxWritesEachReportPDF(t *testing.T) {
	p := demoOpened(t)
	dir := t.TempDir()
	box, err := outbox.New(dir, incident.ChannelEmail)
	if err != nil {
		t.Fatal(err)
	}
	ensure(t, realReporter(t, p, box), incidenttest.DemoID)
	pdfs, err := filepath.Glob(filepath.Join(dir, incident.ChannelEmail, "*.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	saved := p.reports(t, incidenttest.DemoID)
	if len(pdfs) != len(saved) {
		t.Fatalf("%d PDF files for %d reports", len(pdfs), len(saved))
	}
	for _, rep := range saved {
		want := pdfOf(t, rep)
		if !slices.ContainsFunc(pdfs, func(name string) bool {
			got, err := os.ReadFile(name)
			return err == nil && strings.HasSuffix(name, "_"+reportpdf.Filename(rep)) && bytes.Equal(got, want)
		}) {
			t.Errorf("no outbox file holds the PDF of %s %s v%d", rep.Regime, rep.Phase, rep.Version)
		}
	}
}

// While a report is being delivered it is already saved, numbered and
// marked pending; its delivery is recorded once the notifier answers.
func TestEnsureSavesBeforeDeliveringThenRecordsDelivery(t *testing.T) {
	p := demoOpened(t)
	var during []incident.Report
	deliver := notifierFunc(func(ctx context.Context, d notifier.Delivery) (notifier.Receipt, error) {
		list, err := p.Store.ListReports(ctx, d.IncidentID)
		if err != nil {
			return notifier.Receipt{}, err
		}
		last := list[len(list)-1]
		if !strings.Contains(d.Message.Subject, fmt.Sprintf("(version %d)", last.Version)) {
			t.Errorf("delivery %q is not of the last saved report, version %d", d.Message.Subject, last.Version)
		}
		during = append(during, last)
		return notifier.Receipt{Provider: "probe"}, nil
	})
	ensure(t, newReporter(t, p, deliver), incidenttest.DemoID)
	if len(during) != demoReports {
		t.Fatalf("%d deliveries, want %d", len(during), demoReports)
	}
	for i, rep := range during {
		if rep.Version != i+1 || rep.DeliveredTo != "pending" {
			t.Errorf("delivery %d: stored report v%d delivered via %q, want v%d pending", i, rep.Version, rep.DeliveredTo, i+1)
		}
	}
	for i, rep := range p.reports(t, incidenttest.DemoID) {
		if rep.DeliveredTo != "probe" || rep.ContentHash != during[i].ContentHash {
			t.Errorf("v%d after delivery: via %q hash %s, want probe and the hash unchanged", rep.Version, rep.DeliveredTo, rep.ContentHash)
		}
	}
}

func TestEnsureRecordsPDFRenderFailure(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	r.PDF = func(io.Writer, incident.Report) error { return errors.New("font table missing") }
	ensure(t, r, incidenttest.DemoID)
	saved := p.reports(t, incidenttest.DemoID)
	if len(saved) != demoReports || len(rec.deliveries()) != 0 {
		t.Fatalf("%d reports saved, %d sent; want %d saved and none sent without its PDF", len(saved), len(rec.deliveries()), demoReports)
	}
	for _, rep := range saved {
		if !strings.HasPrefix(rep.DeliveredTo, "failed: ") || !strings.HasSuffix(rep.DeliveredTo, "render pdf: font table missing") {
			t.Errorf("%s delivered via %q, want the render failure", rep.Regime, rep.DeliveredTo)
		}
	}
}

// On request too: each new version is mailed with its own number and PDF.
func TestGenerateDeliversItsVersionWithPDF(t *testing.T) {
	p := demoOpened(t)
	rec := &recorder{}
	r := newReporter(t, p, rec)
	r.PDF = func(w io.Writer, rep incident.Report) error {
		_, err := fmt.Fprintf(w, "%%PDF of %s v%d", rep.Regime, rep.Version)
		return err
	}
	for want := 1; want <= 2; want++ {
		rep, err := r.Generate(context.Background(), incidenttest.DemoID, "GDPR", incident.PhaseFollowUp, "")
		if err != nil {
			t.Fatal(err)
		}
		d := rec.deliveries()[want-1]
		att := d.Message.Attachments
		if rep.Version != want || !strings.Contains(d.Message.Subject, fmt.Sprintf("(version %d)", want)) ||
			len(att) != 1 || att[0].Name != reportpdf.Filename(rep) || string(att[0].Data) != fmt.Sprintf("%%PDF of GDPR v%d", want) {
			t.Errorf("generate #%d: v%d, subject %q, attachments %+v", want, rep.Version, d.Message.Subject, att)
		}
		if rep.DeliveredTo != "recorder" || p.reports(t, incidenttest.DemoID)[want-1].DeliveredTo != "recorder" {
			t.Errorf("generate #%d: delivered via %q, not recorded as the receipt's provider", want, rep.DeliveredTo)
		}
	}
}
