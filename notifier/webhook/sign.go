package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names of the protocol.
const (
	HeaderDelivery  = "Herald-Delivery"
	HeaderTimestamp = "Herald-Timestamp"
	HeaderSignature = "Herald-Signature"
)

// DefaultTolerance is Verify's replay window when it is given none: how far
// a request's timestamp may be from the receiver's clock, either way.
const DefaultTolerance = 5 * time.Minute

// maxDeliveryID bounds a delivery id; real ones are a few dozen bytes.
const maxDeliveryID = 256

// Verify's failures; each returned error wraps exactly one of them.
var (
	ErrMalformed    = errors.New("webhook request malformed") // a Herald header missing or unreadable
	ErrStale        = errors.New("webhook timestamp outside tolerance")
	ErrBadSignature = errors.New("webhook signature mismatch")
)

// Sign returns the Herald-Signature value of one request:
// "v1=" and the hex HMAC-SHA256, keyed with secret, of
// "<unix seconds>.<deliveryID>.<body>".
func Sign(secret []byte, timestamp time.Time, deliveryID string, body []byte) string {
	return "v1=" + hex.EncodeToString(mac(secret, timestamp.Unix(), deliveryID, body))
}

func mac(secret []byte, unix int64, deliveryID string, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(unix, 10)))
	m.Write([]byte{'.'})
	m.Write([]byte(deliveryID))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Verify checks a received request's Herald headers against its body: the
// delivery id is well formed, the timestamp is within tolerance of now
// (DefaultTolerance when tolerance <= 0), and one of the space-separated
// signatures in Herald-Signature is a v1 signature made with secret (more
// than one lets a sender sign with an old and a new secret while rotating).
// The error wraps ErrMalformed, ErrStale or ErrBadSignature.
func Verify(secret []byte, header http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if len(secret) == 0 {
		return fmt.Errorf("%w: no secret to check with", ErrBadSignature)
	}
	id := header.Get(HeaderDelivery)
	if err := checkDeliveryID(id); err != nil {
		return fmt.Errorf("%w: %s %v", ErrMalformed, HeaderDelivery, err)
	}
	unix, err := parseUnix(header.Get(HeaderTimestamp))
	if err != nil {
		return fmt.Errorf("%w: %s %v", ErrMalformed, HeaderTimestamp, err)
	}
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	if age := now.Sub(time.Unix(unix, 0)); age > tolerance || age < -tolerance {
		return fmt.Errorf("%w: %s is %s from now", ErrStale, HeaderTimestamp, age.Round(time.Second))
	}
	want := mac(secret, unix, id, body)
	for _, sig := range strings.Fields(header.Get(HeaderSignature)) {
		hexMAC, ok := strings.CutPrefix(sig, "v1=")
		if !ok {
			continue // another scheme: not ours to judge
		}
		if got, err := hex.DecodeString(hexMAC); err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}

// parseUnix reads decimal unix seconds, nothing else (no sign, no fraction).
func parseUnix(v string) (int64, error) {
	if v == "" {
		return 0, errors.New("missing")
	}
	if len(v) > 12 || strings.Trim(v, "0123456789") != "" {
		return 0, errors.New("not unix seconds")
	}
	return strconv.ParseInt(v, 10, 64)
}

// checkDeliveryID accepts 1 to 256 bytes of visible ASCII except '.':
// without dots, "<timestamp>.<id>.<body>" can be split only one way, so a
// signature cannot be replayed with bytes moved between id and body.
func checkDeliveryID(id string) error {
	if id == "" {
		return errors.New("missing")
	}
	if len(id) > maxDeliveryID {
		return errors.New("too long")
	}
	for i := range len(id) {
		if c := id[i]; c <= ' ' || c > '~' || c == '.' {
			return errors.New("must be visible ASCII without '.'")
		}
	}
	return nil
}

// DeliveryID builds the Herald-Delivery value of one report version to one
// authority, "<incidentID>/v<version>/<authorityID>" (e.g. INC-1/v3/de-bfdi).
// Bytes other than letters, digits and "-_~:@" in the two ids are written
// %XX, so the result is always a valid delivery id and two different
// triples never share one.
func DeliveryID(incidentID string, version int, authorityID string) string {
	return escapeID(incidentID) + "/v" + strconv.Itoa(version) + "/" + escapeID(authorityID)
}

func escapeID(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_~:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}
