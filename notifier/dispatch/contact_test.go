package dispatch

import (
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/herald-notify/herald/incident"
)

// phoneCase is one phone contact as a subject gives it, and the E.164
// number it must be sent to ("" when it must be refused).
type phoneCase struct {
	phone, jurisdiction, want string
}

// Numbers are in ranges reserved for drama and documentation: NANP
// 555-0100..0199, Berlin 030 23125 xxx, Paris 01 99 00 xx xx, London
// 020 7946 0xxx, Australian mobiles 0491 570 xxx.
var validPhones = map[string]phoneCase{
	"E.164 as is":                {"+12015550123", "", "+12015550123"},
	"spaces and dashes":          {"+1 201-555-0123", "", "+12015550123"},
	"dots":                       {"+1.201.555.0123", "", "+12015550123"},
	"US national in US-CA":       {"(310) 555-0142", "US-CA", "+13105550142"},
	"lower-case jurisdiction":    {"310 555 0142", "us-ca", "+13105550142"},
	"DE national":                {"030 23125 100", "DE", "+493023125100"},
	"DE trunk zero in brackets":  {"+49 (0)30 23125 100", "", "+493023125100"},
	"DE slash":                   {"030/23125100", "DE", "+493023125100"},
	"DE international prefix 00": {"0049 30 23125100", "DE", "+493023125100"},
	"FR national":                {"01 99 00 01 05", "FR", "+33199000105"},
	"GB national":                {"020 7946 0123", "GB", "+442079460123"},
	"UK read as GB":              {"020 7946 0123", "UK", "+442079460123"},
	"GB subdivision":             {"020 7946 0123", "GB-SCT", "+442079460123"},
	"AU mobile national":         {"0491 570 156", "AU", "+61491570156"},
	"+ wins over jurisdiction":   {"+61 491 570 156", "DE", "+61491570156"},
	"surrounding blanks":         {"  +33 1 99 00 01 05\t", "", "+33199000105"},
	"national number, jurisdiction with blanks": {"030 23125 100", " DE ", "+493023125100"},
}

var invalidPhones = map[string]phoneCase{
	"national, no jurisdiction":     {"030 23125 100", "", ""},
	"national, jurisdiction EU":     {"030 23125 100", "EU", ""},
	"national, unknown region ZZ":   {"030 23125 100", "ZZ", ""},
	"national, jurisdiction a name": {"030 23125 100", "Germany", ""},
	"national, alpha-3 code":        {"030 23125 100", "DEU", ""},
	"too short DE":                  {"+49 123", "", ""},
	"too short ES":                  {"+34 12", "", ""},
	"five digits in US":             {"12345", "US-CA", ""},
	"too long":                      {"+1201555012345678", "", ""},
	"far too long":                  {"+" + strings.Repeat("1", 300), "", ""},
	"555 is no area code":           {"+1 555 555 0123", "", ""},
	"no such country code":          {"+999 1234 5678", "", ""},
	"country code 0":                {"+0 201 555 0123", "", ""},
	"letters (vanity)":              {"+1 201 555 CALL", "", ""},
	"extension":                     {"+1 201 555 0123 ext. 7", "", ""},
	"RFC 3966 extension":            {"+12015550123;ext=7", "", ""},
	"two plus signs":                {"++12015550123", "", ""},
	"plus in the middle":            {"1+2015550123", "US", ""},
	"non-ASCII digits":              {"+١٢٠١٥٥٥٠١٢٣", "", ""},
	"letters only":                  {"not a number", "DE", ""},
	"blank":                         {"   ", "DE", ""},
	"plus alone":                    {"+", "", ""},
}

func TestPhoneRecipientsAreE164(t *testing.T) {
	for name, c := range validPhones {
		t.Run(name, func(t *testing.T) {
			s := incident.Subject{ID: "s1", Phone: c.phone, Jurisdiction: c.jurisdiction}
			to := recipients(s, incident.ChannelSMS)
			if !slices.Equal(to, []string{c.want}) {
				t.Fatalf("recipients(%q, %q) = %q, want [%s]", c.phone, c.jurisdiction, to, c.want)
			}
			if reason := checkContact(incident.ChannelSMS, to); reason != "" {
				t.Errorf("normalised %s refused: %s", c.want, reason)
			}
		})
	}
}

func TestPhoneInvalidIsPermanentAndNotEchoed(t *testing.T) {
	for name, c := range invalidPhones {
		t.Run(name, func(t *testing.T) {
			s := incident.Subject{ID: "s1", Phone: c.phone, Jurisdiction: c.jurisdiction}
			to := recipients(s, incident.ChannelSMS)
			if strings.TrimSpace(c.phone) == "" {
				if len(to) != 0 {
					t.Fatalf("a blank phone gave recipients %q", to)
				}
				return
			}
			if len(to) != 1 {
				t.Fatalf("an invalid phone must still be handed on to be refused, got %q", to)
			}
			if reason := checkContact(incident.ChannelSMS, to); reason != reasonBadPhone {
				t.Errorf("checkContact = %q, want %q", reason, reasonBadPhone)
			}
		})
	}
}

func TestPhoneCheckWantsExactE164(t *testing.T) {
	for number, want := range map[string]string{
		"+12015550123":    "",
		"+442079460123":   "",
		"+1 201 555 0123": reasonBadPhone, // valid, but not what providers take
		"2015550123":      reasonBadPhone, // no country: recipients reads it first
		"+15555550123":    reasonBadPhone,
		"":                reasonBadPhone,
	} {
		if got := checkContact(incident.ChannelSMS, []string{number}); got != want {
			t.Errorf("checkContact(sms, %q) = %q, want %q", number, got, want)
		}
	}
	if got := checkContact(incident.ChannelSMS, nil); got != "" {
		t.Errorf("no recipient is not an invalid one, got %q", got)
	}
}

// TestPhoneEveryRegionRoundTrips takes the numbering plan's own example
// number of each type for every region and non-geographic code, written as
// people write them, and checks that recipients gives the E.164 number and
// that checkContact (which reads E.164 without phonenumbers.Parse) accepts it.
func TestPhoneEveryRegionRoundTrips(t *testing.T) {
	types := []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE,
		phonenumbers.TOLL_FREE, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.UAN}
	checked := 0
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			if n := phonenumbers.GetExampleNumberForType(region, typ); n != nil {
				checkRoundTrip(t, region, n)
				checked++
			}
		}
	}
	for code := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		if n := phonenumbers.GetExampleNumberForNonGeoEntity(code); n != nil {
			checkRoundTrip(t, "", n)
			checked++
		}
	}
	if checked < 500 {
		t.Fatalf("only %d example numbers checked: the metadata is not loaded", checked)
	}
}

func checkRoundTrip(t *testing.T, region string, n *phonenumbers.PhoneNumber) {
	t.Helper()
	want := phonenumbers.Format(n, phonenumbers.E164)
	if !phonenumbers.IsValidNumber(n) {
		return // a few plans' examples are not valid by their own rules
	}
	written := map[string]string{"international": phonenumbers.Format(n, phonenumbers.INTERNATIONAL)}
	national := phonenumbers.Format(n, phonenumbers.NATIONAL)
	if back, err := phonenumbers.Parse(national, region); region != "" && err == nil &&
		phonenumbers.Format(back, phonenumbers.E164) == want {
		written["national"] = national // not for AR mobiles: Parse cannot read its own national form
	}
	for form, number := range written {
		to := recipients(incident.Subject{ID: "s1", Phone: number, Jurisdiction: region}, incident.ChannelSMS)
		if !slices.Equal(to, []string{want}) {
			t.Errorf("%s %s %q: recipients = %q, want %s", region, form, number, to, want)
			continue
		}
		if reason := checkContact(incident.ChannelSMS, to); reason != "" {
			t.Errorf("%s %s: %s refused: %s", region, form, want, reason)
		}
	}
}

func TestPhoneRegionFromJurisdiction(t *testing.T) {
	for jurisdiction, want := range map[string]string{
		"DE": "DE", "de": "DE", " US-CA ": "US", "GB-SCT": "GB", "UK": "GB", "AU": "AU",
		"EU": "", "ZZ": "", "DEU": "", "": "", "Germany": "", "-CA": "", "001": "",
	} {
		if got := phoneRegion(jurisdiction); got != want {
			t.Errorf("phoneRegion(%q) = %q, want %q", jurisdiction, got, want)
		}
	}
}

func TestEmailRecipients(t *testing.T) {
	for email, want := range map[string]string{
		"anna@example.com":               "anna@example.com",
		"  anna@example.com\t":           "anna@example.com",
		"first.last+tag@sub.example.org": "first.last+tag@sub.example.org",
		"Anna@EXAMPLE.com":               "Anna@example.com", // domains are case-blind, local parts are not
		"anna@bücher.example":            "anna@xn--bcher-kva.example",
		"müller@example.com":             "müller@example.com",
	} {
		to := recipients(incident.Subject{ID: "s1", Email: email}, incident.ChannelEmail)
		if !slices.Equal(to, []string{want}) {
			t.Errorf("recipients(email %q) = %q, want [%s]", email, to, want)
			continue
		}
		if reason := checkContact(incident.ChannelEmail, to); reason != "" {
			t.Errorf("%q refused: %s", want, reason)
		}
	}
}

func TestEmailInvalid(t *testing.T) {
	for _, email := range []string{
		"Anna <anna@example.com>", "<anna@example.com>", "anna@example.com (Anna)",
		"anna.example.com", "anna@", "@example.com", "anna@@example.com", "anna@localhost",
		"a b@example.com", "anna@exa mple.com", "anna@-example.com", "anna@exa_mple.com",
		"anna@example..com", "a@example.com, b@example.com", "anna@example.com.",
		strings.Repeat("a", 250) + "@example.com",
	} {
		to := recipients(incident.Subject{ID: "s1", Email: email}, incident.ChannelEmail)
		if len(to) != 1 {
			t.Errorf("recipients(email %q) = %q, want it handed on to be refused", email, to)
			continue
		}
		if reason := checkContact(incident.ChannelEmail, to); reason != reasonBadEmail {
			t.Errorf("checkContact(email %q) = %q, want %q", email, reason, reasonBadEmail)
		}
	}
	if to := recipients(incident.Subject{ID: "s1", Email: "  "}, incident.ChannelEmail); len(to) != 0 {
		t.Errorf("a blank email gave recipients %q", to)
	}
}

func TestPushRecipientsDropBlankTokens(t *testing.T) {
	s := incident.Subject{ID: "s1", PushTokens: []string{"", "tok-1", "  ", "tok-2"}}
	to := recipients(s, incident.ChannelPush)
	if !slices.Equal(to, []string{"tok-1", "tok-2"}) {
		t.Errorf("recipients(push) = %q", to)
	}
	if reason := checkContact(incident.ChannelPush, to); reason != "" {
		t.Errorf("push tokens refused: %s", reason)
	}
	if to := recipients(incident.Subject{ID: "s1", PushTokens: []string{"", " "}}, incident.ChannelPush); len(to) != 0 {
		t.Errorf("only blank tokens gave recipients %q", to)
	}
}

func TestRecipientsUnknownChannel(t *testing.T) {
	s := incident.Subject{ID: "s1", Email: "a@example.com", Phone: "+12015550123"}
	if to := recipients(s, "fax"); to != nil {
		t.Errorf("recipients(fax) = %q", to)
	}
}

// FuzzContact feeds any phone, email and jurisdiction through the same
// calls the dispatcher makes: they must not panic, must give one of the
// fixed reasons (so never the contact), and what they accept must be
// stable when read again.
func FuzzContact(f *testing.F) {
	for _, c := range validPhones {
		f.Add(c.phone, c.jurisdiction)
	}
	for _, c := range invalidPhones {
		f.Add(c.phone, c.jurisdiction)
	}
	for _, e164 := range []string{"+390612345678", "+3906123456789", "+78005553535", "+4930231251001", "+8001234567"} {
		f.Add(e164, "")
	}
	f.Add("anna@bücher.example", "DE")
	f.Add("Anna <anna@example.com>", "")
	f.Fuzz(func(t *testing.T, contact, jurisdiction string) {
		s := incident.Subject{ID: "s1", Phone: contact, Email: contact, Jurisdiction: jurisdiction,
			PushTokens: []string{contact}}
		if checkContact(incident.ChannelSMS, []string{contact}) == "" {
			samePhoneCheckAsParse(t, contact)
		}
		for ch, bad := range map[string]string{incident.ChannelSMS: reasonBadPhone,
			incident.ChannelEmail: reasonBadEmail, incident.ChannelPush: ""} {
			to := recipients(s, ch)
			reason := checkContact(ch, to)
			if reason != "" && reason != bad {
				t.Fatalf("%s: reason %q is not the fixed one", ch, reason)
			}
			if reason != "" || len(to) == 0 {
				continue
			}
			again := recipients(incident.Subject{ID: "s1", Phone: to[0], Email: to[0]}, ch)
			if ch != incident.ChannelPush && !slices.Equal(again, to[:1]) {
				t.Fatalf("%s: accepted %q normalises again to %q", ch, to[0], again)
			}
		}
	})
}

// samePhoneCheckAsParse holds checkContact's own E.164 reader to what
// phonenumbers.Parse makes of a number it accepted.
func samePhoneCheckAsParse(t *testing.T, number string) {
	t.Helper()
	n, err := phonenumbers.Parse(number, "")
	if err != nil || !phonenumbers.IsValidNumber(n) || phonenumbers.Format(n, phonenumbers.E164) != number {
		t.Fatalf("checkContact accepted %q, which Parse reads otherwise", number)
	}
}

// BenchmarkPhoneContact is the per-person cost of the SMS contact: read and
// normalise the number (recipients), then check what will be sent
// (checkContact), for a mix of E.164, national and invalid numbers.
func BenchmarkPhoneContact(b *testing.B) {
	subjects := []incident.Subject{
		{ID: "s1", Phone: "+12015550123"},
		{ID: "s2", Phone: "030 23125 100", Jurisdiction: "DE"},
		{ID: "s3", Phone: "(310) 555-0142", Jurisdiction: "US-CA"},
		{ID: "s4", Phone: "+49 123"},
	}
	b.Run("recipients+check", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			checkContact(incident.ChannelSMS, recipients(subjects[i%len(subjects)], incident.ChannelSMS))
		}
	})
	b.Run("check", func(b *testing.B) {
		to := []string{"+12015550123"}
		b.ReportAllocs()
		for b.Loop() {
			checkContact(incident.ChannelSMS, to)
		}
	})
}

func BenchmarkEmailContact(b *testing.B) {
	s := incident.Subject{ID: "s1", Email: "first.last@example.com"}
	b.ReportAllocs()
	for b.Loop() {
		checkContact(incident.ChannelEmail, recipients(s, incident.ChannelEmail))
	}
}
