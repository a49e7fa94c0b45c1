package main

import (
	"fmt"
	"net/http"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/templates/reportpdf"
)

// noFonts in report_font_file sets report PDFs in Helvetica.
const noFonts = "none"

// reportRenderer loads the fonts of report_font_file, or the system's
// (reportpdf.FindFont) when it is empty, so the reports print the
// team's words in any script those fonts cover.
func (m *Main) reportRenderer() (*reportpdf.Renderer, error) {
	files := m.Config.ReportFontFile
	switch files {
	case noFonts:
		files = ""
	case "":
		files = reportpdf.FindFont()
	}
	r, err := reportpdf.NewRenderer(files)
	if err != nil {
		return nil, fmt.Errorf("report_font_file: %w", err)
	}
	if len(r.FontFiles()) == 0 {
		m.Log.Warn("no TrueType font for report PDFs: characters outside Windows-1252 print as '?' " +
			"(install fonts-dejavu-core and fonts-droid-fallback, or set report_font_file)")
	} else {
		m.Log.Info("report PDF fonts", zap.Strings("fonts", r.FontFiles()))
	}
	return r, nil
}

// reportPDF serves one regulator report as a PDF.
func (a *httpAPI) reportPDF(w http.ResponseWriter, r *http.Request) {
	rep, err := a.findReport(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := a.pdf.Serve(w, rep); err != nil {
		a.fail(w, err)
	}
}
