// Package templates holds the words Herald sends: notices to people by
// email, SMS and push in their language, the regulator status report, and
// the public Security Notice pages.
//
// The templates and the per-locale wording (i18n/<locale>.yaml) are
// embedded; Load reads a replacement set from a directory with the same
// layout, so wording can change without a rebuild:
//
//	notice/email.txt.tmpl  notice/email.html.tmpl  notice/sms.txt.tmpl  notice/push.txt.tmpl
//	page/notice.html.tmpl  page/index.html.tmpl    page/common.html.tmpl
//	report/report.html.tmpl  report/report.txt.tmpl
//	i18n/en.yaml  i18n/de.yaml  i18n/fr.yaml  i18n/es.yaml  i18n/pt-BR.yaml
//	i18n/zh-CN.yaml  i18n/ja.yaml
//
// Text is escaped by html/template in every HTML output; plain text goes
// through text/template.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"sync"
	texttemplate "text/template"
)

// Version is part of every template id ("email/de@v1"); bump it when the
// wording changes in a way the delivery record should show.
const Version = "v1"

//go:embed notice page report i18n
var embedded embed.FS

// Set is one loaded set of templates and wording. It is safe for
// concurrent use.
type Set struct {
	cats       map[string]*catalog
	text       map[string]*texttemplate.Template // by locale: notice/*.txt.tmpl
	html       map[string]*htmltemplate.Template // by locale: notice/*.html.tmpl, page/*
	report     *htmltemplate.Template
	reportText *texttemplate.Template
}

var loadDefault = sync.OnceValues(func() (*Set, error) { return Load(embedded) })

// Default returns the embedded set.
func Default() (*Set, error) { return loadDefault() }

// Load parses a set from fsys (see the package comment for its layout).
func Load(fsys fs.FS) (*Set, error) {
	cats, err := loadCatalogs(fsys)
	if err != nil {
		return nil, err
	}
	s := &Set{cats: cats, text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	if err := s.parseNotices(fsys); err != nil {
		return nil, err
	}
	if err := s.parseReport(fsys); err != nil {
		return nil, err
	}
	return s, nil
}

// parseNotices parses the localized templates once, then clones them per
// locale so that each clone's "t" reads that locale's wording.
func (s *Set) parseNotices(fsys fs.FS) error {
	text, err := texttemplate.New("notice").Funcs(textFuncs(s.cats[locales[0]])).
		ParseFS(fsys, "notice/*.txt.tmpl")
	if err != nil {
		return fmt.Errorf("parse notice templates: %w", err)
	}
	html, err := htmltemplate.New("notice").Funcs(htmlFuncs(s.cats[locales[0]])).
		ParseFS(fsys, "notice/*.html.tmpl", "page/*.html.tmpl")
	if err != nil {
		return fmt.Errorf("parse html templates: %w", err)
	}
	for _, l := range locales {
		t, err := text.Clone()
		if err != nil {
			return fmt.Errorf("clone notice templates: %w", err)
		}
		h, err := html.Clone()
		if err != nil {
			return fmt.Errorf("clone html templates: %w", err)
		}
		s.text[l] = t.Funcs(textFuncs(s.cats[l]))
		s.html[l] = h.Funcs(htmlFuncs(s.cats[l]))
	}
	return nil
}

func (s *Set) parseReport(fsys fs.FS) error {
	var err error
	s.report, err = htmltemplate.New("report").ParseFS(fsys, "report/*.html.tmpl")
	if err != nil {
		return fmt.Errorf("parse report template: %w", err)
	}
	s.reportText, err = texttemplate.New("report").Funcs(texttemplate.FuncMap{"underline": underline}).
		ParseFS(fsys, "report/*.txt.tmpl")
	if err != nil {
		return fmt.Errorf("parse report text template: %w", err)
	}
	return nil
}

// execText runs one localized text template.
func (s *Set) execText(locale, name string, data any) (string, error) {
	var b bytes.Buffer
	if err := s.text[locale].ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("execute %s: %w", name, err)
	}
	return b.String(), nil
}

// execHTML runs one localized HTML template.
func (s *Set) execHTML(locale, name string, data any) (string, error) {
	var b bytes.Buffer
	if err := s.html[locale].ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("execute %s: %w", name, err)
	}
	return b.String(), nil
}
