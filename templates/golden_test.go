package templates

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/<name>, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./templates -update): %v", err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("%s differs from the golden file; run go test ./templates -update and review the diff\n--- got ---\n%s", path, got)
	}
}

func TestGoldenNotices(t *testing.T) {
	for _, loc := range locales {
		for _, ch := range []string{"email", "sms", "push"} {
			t.Run(ch+"/"+loc, func(t *testing.T) {
				m, id, err := Render(ch, loc, demoData())
				if err != nil {
					t.Fatal(err)
				}
				if want := ch + "/" + loc + "@" + Version; id != want {
					t.Errorf("template id = %q, want %q", id, want)
				}
				switch ch {
				case "email":
					golden(t, "email/"+loc+".txt", "Subject: "+m.Subject+"\nLink: "+m.Link+"\n\n"+m.Text)
					golden(t, "email/"+loc+".html", m.HTML)
				case "sms":
					golden(t, "sms/"+loc+".txt", m.Text+"\n")
				case "push":
					golden(t, "push/"+loc+".txt", "Title: "+m.Title+"\nLink: "+m.Link+"\n\n"+m.Text+"\n")
				}
			})
		}
	}
}

func TestGoldenPages(t *testing.T) {
	for _, loc := range locales {
		t.Run(loc, func(t *testing.T) {
			var page, index bytes.Buffer
			if err := RenderNoticePage(&page, demoPage(), loc); err != nil {
				t.Fatal(err)
			}
			golden(t, "page/notice."+loc+".html", page.String())
			if err := RenderNoticeIndex(&index, demoNotices(), loc); err != nil {
				t.Fatal(err)
			}
			golden(t, "page/index."+loc+".html", index.String())
		})
	}
	old := demoPage()
	old.Notice = old.History[0]
	var b bytes.Buffer
	if err := RenderNoticePage(&b, old, "en"); err != nil {
		t.Fatal(err)
	}
	golden(t, "page/notice-rev1.en.html", b.String())
}

func TestGoldenReport(t *testing.T) {
	var b bytes.Buffer
	if err := RenderReportHTML(&b, demoReport()); err != nil {
		t.Fatal(err)
	}
	golden(t, "report/report.html", b.String())
	golden(t, "report/report.txt", RenderReportText(demoReport()))
}
