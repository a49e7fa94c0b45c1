package reportpdf

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/herald-notify/herald/incident"
)

// Serve answers an HTTP request with rep's PDF, shown inline under its
// Filename. The document is rendered in full before any header is sent,
// so a failure returns its error and the caller can still answer 500.
func Serve(w http.ResponseWriter, rep incident.Report) error {
	return serve(w, rep, PDF)
}

func serve(w http.ResponseWriter, rep incident.Report, pdf func(io.Writer, incident.Report) error) error {
	var b bytes.Buffer
	if err := pdf(&b, rep); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Content-Disposition", `inline; filename="`+Filename(rep)+`"`)
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	_, err := b.WriteTo(w)
	return err
}
