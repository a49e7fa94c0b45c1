package contract

import (
	"strings"

	"github.com/herald-notify/herald/incident"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

// The schema can only say that cvss_vector is a string. Whether it is a
// vector the Security Advisory can be scored from is checked here, with the
// same library the classifier scores it with, so that an event the pipeline
// accepts never reaches the classifier with a vector it cannot rate.

// vetFacts applies the checks a schema cannot express to decoded facts.
// root is the JSON path of the facts in the input ("data" in an event, ""
// for bare facts). On failure the facts are dropped with the error.
func vetFacts(f incident.Facts, root string) (incident.Facts, error) {
	if f.Vulnerability == nil || f.Vulnerability.CVSSVector == "" {
		return f, nil
	}
	if !validVector(f.Vulnerability.CVSSVector) {
		// The value is not repeated: error text may end up in a DLQ header.
		return incident.Facts{}, incident.Invalid(fieldPath(root, []string{"vulnerability", "cvss_vector"}, nil),
			"must be a CVSS 3.0, 3.1 or 4.0 vector with every base metric")
	}
	return f, nil
}

// validVector reports whether go-cvss parses the vector under the version
// its prefix names. CVSS 2 vectors carry no prefix and are refused.
func validVector(v string) bool {
	var err error
	switch {
	case strings.HasPrefix(v, "CVSS:3.0/"):
		_, err = cvss30.ParseVector(v)
	case strings.HasPrefix(v, "CVSS:3.1/"):
		_, err = cvss31.ParseVector(v)
	case strings.HasPrefix(v, "CVSS:4.0/"):
		_, err = cvss40.ParseVector(v)
	default:
		return false
	}
	return err == nil
}
