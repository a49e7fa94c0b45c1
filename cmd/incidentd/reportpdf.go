package main

import (
	"net/http"

	"github.com/herald-notify/herald/templates/reportpdf"
)

// reportPDF serves one regulator report as a PDF.
func (a *httpAPI) reportPDF(w http.ResponseWriter, r *http.Request) {
	rep, err := a.findReport(r)
	if err != nil {
		a.fail(w, err)
		return
	}
	if err := reportpdf.Serve(w, rep); err != nil {
		a.fail(w, err)
	}
}
