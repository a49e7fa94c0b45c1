package classify

import (
	"errors"
	"strconv"
	"strings"

	"github.com/herald-notify/herald/incident"
	cvss30 "github.com/pandatix/go-cvss/30"
	cvss31 "github.com/pandatix/go-cvss/31"
	cvss40 "github.com/pandatix/go-cvss/40"
)

// The Security Advisory rates the flaw, the breach severity rates what
// happened to people's data: a critical flaw nobody exploited is no breach,
// and a breach through a medium flaw can still be very severe. The two are
// computed and reported apart, and neither moves the other.

// errVector is any vector go-cvss refuses; its own message is not passed on.
var errVector = errors.New("not a CVSS 3.0, 3.1 or 4.0 base vector")

// cvssBase is what the base metric group of a vector gives.
type cvssBase struct {
	version string  // "3.0" | "3.1" | "4.0"
	score   float64 // 0..10, one decimal
	extra   bool    // the vector carries threat, temporal or environmental metrics
}

// advisory rates the vulnerability in the facts, if they carry a vector. The
// contract refuses a bad vector at the door; facts that reach Classify some
// other way get a review signal instead.
func advisory(f incident.Facts, n *notes) *incident.Advisory {
	var vuln incident.Vulnerability
	if f.Vulnerability != nil {
		vuln = *f.Vulnerability
	}
	if vuln.CVSSVector == "" {
		if f.Kind == incident.KindVulnerability {
			n.flag("vulnerability.cvss_vector unknown: no Security Advisory rating")
		}
		return nil
	}
	b, err := scoreVector(vuln.CVSSVector)
	if err != nil {
		n.flag("vulnerability.cvss_vector %s: no Security Advisory rating", err)
		return nil
	}
	a := &incident.Advisory{
		CVE: vuln.CVE, Vector: vuln.CVSSVector, CVSSVersion: b.version,
		BaseScore: b.score, Rating: cvssRating(b.score),
	}
	n.add("advisory: CVSS %s base %s -> %s (kept apart from the breach severity)",
		a.CVSSVersion, strconv.FormatFloat(a.BaseScore, 'f', 1, 64), a.Rating)
	if b.extra {
		n.add("advisory: threat, temporal and environmental metrics in the vector are not part of the base score")
	}
	return a
}

// scoreVector parses a CVSS vector by its prefix and returns its base score.
func scoreVector(vector string) (cvssBase, error) {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		c, err := cvss30.ParseVector(vector)
		if err != nil {
			return cvssBase{}, errVector
		}
		return cvssBase{"3.0", c.BaseScore(), metricCount(vector) > 8}, nil
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		c, err := cvss31.ParseVector(vector)
		if err != nil {
			return cvssBase{}, errVector
		}
		return cvssBase{"3.1", c.BaseScore(), metricCount(vector) > 8}, nil
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return scoreV4(vector)
	}
	return cvssBase{}, errVector
}

// v4Base are the CVSS 4.0 base metrics, in the order the spec writes them.
var v4Base = []string{"AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"}

// scoreV4 scores the base metrics alone (CVSS-B). go-cvss scores a 4.0
// vector with whatever threat and environmental metrics it carries
// (CVSS-BT, -BE, -BTE), which is not the advisory's base score; so the base
// metrics are read back and scored on their own.
func scoreV4(vector string) (cvssBase, error) {
	c, err := cvss40.ParseVector(vector)
	if err != nil {
		return cvssBase{}, errVector
	}
	var b strings.Builder
	b.WriteString("CVSS:4.0")
	for _, m := range v4Base {
		val, err := c.Get(m)
		if err != nil {
			return cvssBase{}, errVector
		}
		b.WriteString("/" + m + ":" + val)
	}
	base, err := cvss40.ParseVector(b.String())
	if err != nil {
		return cvssBase{}, errVector
	}
	return cvssBase{"4.0", base.Score(), c.Nomenclature() != "CVSS-B"}, nil
}

// metricCount counts the metrics of a vector, the version prefix aside.
func metricCount(vector string) int { return strings.Count(vector, "/") }

// cvssRating is the qualitative scale CVSS 3.x and 4.0 share, in lower case
// as the decision spells its enums. A base score is always within 0..10.
func cvssRating(score float64) string {
	r, err := cvss31.Rating(score)
	if err != nil {
		return "none"
	}
	return strings.ToLower(r)
}
