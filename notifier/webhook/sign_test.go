package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/herald-notify/herald/notifier/webhook"
)

var (
	testSecret = []byte("0123456789abcdef-test-secret")
	testBody   = []byte(`{"incident_id":"INC-1","version":3,"fields":{"summary":"BODYMARKER"}}`)
	testTime   = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
)

const testDelivery = "INC-1/v3/de-bfdi"

// referenceSignature is the protocol's signature written out from the
// README, independently of Sign, so the two check each other.
func referenceSignature(secret []byte, unix int64, deliveryID string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "%d.%s.%s", unix, deliveryID, body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

func signedHeader(secret []byte, at time.Time, deliveryID string, body []byte) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderDelivery, deliveryID)
	h.Set(webhook.HeaderTimestamp, fmt.Sprint(at.Unix()))
	h.Set(webhook.HeaderSignature, webhook.Sign(secret, at, deliveryID, body))
	return h
}

func TestSignMatchesProtocol(t *testing.T) {
	got := webhook.Sign(testSecret, testTime, testDelivery, testBody)
	if want := referenceSignature(testSecret, testTime.Unix(), testDelivery, testBody); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	// Sub-second parts are not signed: the header carries whole seconds.
	if webhook.Sign(testSecret, testTime.Add(900*time.Millisecond), testDelivery, testBody) != got {
		t.Error("signature depends on sub-second time")
	}
}

func TestVerify(t *testing.T) {
	good := signedHeader(testSecret, testTime, testDelivery, testBody)
	with := func(key, value string) http.Header {
		h := good.Clone()
		h.Set(key, value)
		return h
	}
	without := func(key string) http.Header {
		h := good.Clone()
		h.Del(key)
		return h
	}
	altered := append([]byte(nil), testBody...)
	altered[len(altered)-3] = 'X'
	other := webhook.Sign([]byte("another-secret-0123456789"), testTime, testDelivery, testBody)

	cases := map[string]struct {
		secret []byte
		header http.Header
		body   []byte
		now    time.Time
		want   error // nil = verifies
	}{
		"valid":                    {testSecret, good, testBody, testTime, nil},
		"valid within tolerance":   {testSecret, good, testBody, testTime.Add(4 * time.Minute), nil},
		"clock behind sender":      {testSecret, good, testBody, testTime.Add(-4 * time.Minute), nil},
		"rotation: second matches": {testSecret, with(webhook.HeaderSignature, other+" "+good.Get(webhook.HeaderSignature)), testBody, testTime, nil},
		"unknown scheme ignored":   {testSecret, with(webhook.HeaderSignature, "v9=abc "+good.Get(webhook.HeaderSignature)), testBody, testTime, nil},
		"upper-case hex":           {testSecret, with(webhook.HeaderSignature, "v1="+strings.ToUpper(strings.TrimPrefix(good.Get(webhook.HeaderSignature), "v1="))), testBody, testTime, nil},
		"wrong secret":             {[]byte("another-secret-0123456789"), good, testBody, testTime, webhook.ErrBadSignature},
		"no secret":                {nil, good, testBody, testTime, webhook.ErrBadSignature},
		"altered body":             {testSecret, good, altered, testTime, webhook.ErrBadSignature},
		"other delivery id":        {testSecret, with(webhook.HeaderDelivery, "INC-1/v4/de-bfdi"), testBody, testTime, webhook.ErrBadSignature},
		"timestamp changed":        {testSecret, with(webhook.HeaderTimestamp, fmt.Sprint(testTime.Unix()+1)), testBody, testTime, webhook.ErrBadSignature},
		"only other signature":     {testSecret, with(webhook.HeaderSignature, other), testBody, testTime, webhook.ErrBadSignature},
		"no signature":             {testSecret, without(webhook.HeaderSignature), testBody, testTime, webhook.ErrBadSignature},
		"not hex":                  {testSecret, with(webhook.HeaderSignature, "v1=zz"), testBody, testTime, webhook.ErrBadSignature},
		"old timestamp":            {testSecret, good, testBody, testTime.Add(6 * time.Minute), webhook.ErrStale},
		"future timestamp":         {testSecret, good, testBody, testTime.Add(-6 * time.Minute), webhook.ErrStale},
		"no timestamp":             {testSecret, without(webhook.HeaderTimestamp), testBody, testTime, webhook.ErrMalformed},
		"negative timestamp":       {testSecret, with(webhook.HeaderTimestamp, "-5"), testBody, testTime, webhook.ErrMalformed},
		"fractional timestamp":     {testSecret, with(webhook.HeaderTimestamp, fmt.Sprintf("%d.5", testTime.Unix())), testBody, testTime, webhook.ErrMalformed},
		"no delivery id":           {testSecret, without(webhook.HeaderDelivery), testBody, testTime, webhook.ErrMalformed},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.header, tc.body, tc.now, 0)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyTolerance(t *testing.T) {
	h := signedHeader(testSecret, testTime, testDelivery, testBody)
	if err := webhook.Verify(testSecret, h, testBody, testTime.Add(50*time.Second), time.Minute); err != nil {
		t.Errorf("inside a 1m window: %v", err)
	}
	if err := webhook.Verify(testSecret, h, testBody, testTime.Add(70*time.Second), time.Minute); !errors.Is(err, webhook.ErrStale) {
		t.Errorf("outside a 1m window: %v, want ErrStale", err)
	}
}

// A dot in the delivery id would let a captured signature be replayed with
// bytes moved between the id and the body; Verify refuses such ids.
func TestVerifyRefusesShiftedDeliveryID(t *testing.T) {
	h := signedHeader(testSecret, testTime, "INC-1", []byte(`x.{"a":1}`))
	h.Set(webhook.HeaderDelivery, "INC-1.x")
	err := webhook.Verify(testSecret, h, []byte(`{"a":1}`), testTime, 0)
	if !errors.Is(err, webhook.ErrMalformed) {
		t.Fatalf("Verify = %v, want ErrMalformed", err)
	}
	for _, id := range []string{"a b", "ä", "x\ty", strings.Repeat("a", 257)} {
		h := signedHeader(testSecret, testTime, id, testBody)
		if err := webhook.Verify(testSecret, h, testBody, testTime, 0); !errors.Is(err, webhook.ErrMalformed) {
			t.Errorf("id %q: Verify = %v, want ErrMalformed", id, err)
		}
	}
}

func TestDeliveryID(t *testing.T) {
	cases := []struct {
		incident  string
		version   int
		authority string
		want      string
	}{
		{"INC-1", 3, "de-bfdi", "INC-1/v3/de-bfdi"},
		{"2026.03/7", 1, "fr-cnil", "2026%2E03%2F7/v1/fr-cnil"},
		{"a b%", 12, "x", "a%20b%25/v12/x"},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		got := webhook.DeliveryID(tc.incident, tc.version, tc.authority)
		if got != tc.want {
			t.Errorf("DeliveryID(%q, %d, %q) = %q, want %q", tc.incident, tc.version, tc.authority, got, tc.want)
		}
		seen[got] = true
		// Whatever the ids, the result is a delivery id Verify accepts.
		h := signedHeader(testSecret, testTime, got, testBody)
		if err := webhook.Verify(testSecret, h, testBody, testTime, 0); err != nil {
			t.Errorf("Verify with id %q: %v", got, err)
		}
	}
	// Escaping keeps distinct triples apart: "%2E" typed literally is not ".".
	if webhook.DeliveryID("a.b", 1, "x") == webhook.DeliveryID("a%2Eb", 1, "x") {
		t.Error("DeliveryID is not injective")
	}
}
