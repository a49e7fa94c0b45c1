package templates

import (
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// TestLoadOverride: a set read from another directory replaces the
// wording without a rebuild.
func TestLoadOverride(t *testing.T) {
	m := fstest.MapFS{}
	err := fs.WalkDir(embedded, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, path)
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	en := string(m["i18n/en.yaml"].Data)
	en = strings.Replace(en, `subject: "Important: a security incident at {controller} may affect your data"`,
		`subject: "Security incident at {controller}"`, 1)
	m["i18n/en.yaml"] = &fstest.MapFile{Data: []byte(en)}
	s, err := Load(m)
	if err != nil {
		t.Fatal(err)
	}
	msg, _, err := s.Render("email", "en", demoData())
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "Security incident at Example Corp" {
		t.Errorf("subject = %q", msg.Subject)
	}

	delete(m, "i18n/fr.yaml")
	if _, err := Load(m); err == nil {
		t.Error("Load without a locale file: want an error")
	}
	m["i18n/fr.yaml"] = &fstest.MapFile{Data: []byte("email: [not, text]\n")}
	if _, err := Load(m); err == nil || !strings.Contains(err.Error(), "email") {
		t.Errorf("Load with a bad catalog: err = %v", err)
	}
}
