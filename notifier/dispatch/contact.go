package dispatch

import (
	"net/mail"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/net/idna"

	"github.com/herald-notify/herald/incident"
)

// Reasons recorded for a contact no provider could deliver to. They are
// fixed strings so that the contact itself never reaches the ledger or a log.
const (
	reasonBadPhone = "invalid phone number"
	reasonBadEmail = "invalid email address"
)

// maxContactLen bounds the work done on one contact field; the subjects
// schema allows 32 characters for a phone and 254 for an email.
const maxContactLen = 254

// recipients lists the subject's contacts for a channel, normalised so that
// the provider receives what it expects: a phone in E.164 (read in the
// subject's country when written without +), an email with an ASCII
// domain, push tokens without the blank ones. A contact that cannot be
// normalised is returned as written, so that checkContact fails it as a
// permanent error instead of it passing for a missing contact.
func recipients(s incident.Subject, ch string) []string {
	switch ch {
	case incident.ChannelPush:
		return pushTokens(s.PushTokens)
	case incident.ChannelSMS:
		return single(normalisePhone(s.Phone, s.Jurisdiction))
	case incident.ChannelEmail:
		return single(normaliseEmail(s.Email))
	}
	return nil
}

// single wraps one contact, or none when it is empty.
func single(contact string) []string {
	if contact == "" {
		return nil
	}
	return []string{contact}
}

// pushTokens drops tokens that are empty or only blanks: FCM would reject
// them, and they are not a way to reach the person.
func pushTokens(tokens []string) []string {
	var kept []string
	for _, t := range tokens {
		if strings.TrimSpace(t) != "" {
			kept = append(kept, t)
		}
	}
	return kept
}

// checkContact rejects a contact no provider could deliver to, before any
// send: a permanent failure for that channel, never a crash. It expects
// what recipients returns, so a phone must already be in E.164. The reason
// never repeats the contact itself.
func checkContact(ch string, to []string) string {
	if len(to) == 0 {
		return ""
	}
	switch ch {
	case incident.ChannelSMS:
		if !isE164(to[0]) {
			return reasonBadPhone
		}
	case incident.ChannelEmail:
		if !isBareAddress(to[0]) {
			return reasonBadEmail
		}
	}
	return ""
}

// isE164 reports whether number is a valid number written exactly in E.164.
func isE164(number string) bool {
	n, ok := e164Number(number)
	return ok && phonenumbers.IsValidNumber(n) && phonenumbers.Format(n, phonenumbers.E164) == number
}

// e164Number reads a number written as E.164 ("+", then at most 15 digits)
// straight into phonenumbers' form. It checks what recipients produced, so
// a second phonenumbers.Parse would only repeat the work at several times
// the cost (its search for an extension alone is most of a parse).
func e164Number(s string) (*phonenumbers.PhoneNumber, bool) {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return nil, false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	// Country calling codes are prefix-free, so the first known one is it.
	digits := s[1:]
	for size := 1; size <= 3 && size < len(digits); size++ {
		code, _ := strconv.Atoi(digits[:size])
		if phonenumbers.GetRegionCodeForCountryCode(code) != phonenumbers.UNKNOWN_REGION {
			return withNationalNumber(int32(code), digits[size:]), true
		}
	}
	return nil, false
}

// withNationalNumber builds the number as Parse does: the national
// significant number as an integer, its leading zeros (Italy's) as flags.
func withNationalNumber(code int32, nsn string) *phonenumbers.PhoneNumber {
	national, _ := strconv.ParseUint(nsn, 10, 64)
	n := &phonenumbers.PhoneNumber{CountryCode: &code, NationalNumber: &national}
	if len(nsn) < 2 || nsn[0] != '0' {
		return n
	}
	leadingZero := true
	n.ItalianLeadingZero = &leadingZero
	zeros := 1 // an all-zero number keeps its last 0 as the number
	for zeros < len(nsn)-1 && nsn[zeros] == '0' {
		zeros++
	}
	if zeros > 1 {
		count := int32(zeros)
		n.NumberOfLeadingZeros = &count
	}
	return n
}

// isBareAddress reports whether addr is one deliverable address with
// nothing around it: no display name, no comment, no angle brackets, and a
// domain with at least one dot (a bare host name is never a person's
// mailbox). A Unicode domain must already be in its ASCII form.
func isBareAddress(addr string) bool {
	if len(addr) > maxContactLen {
		return false
	}
	a, err := mail.ParseAddress(addr)
	if err != nil || a.Address != addr {
		return false
	}
	domain := addr[strings.LastIndexByte(addr, '@')+1:]
	ascii, err := idna.Lookup.ToASCII(domain)
	return err == nil && ascii == domain && strings.Contains(domain, ".")
}

// normaliseEmail trims the address and puts a Unicode domain in its ASCII
// (punycode) form, which every SMTP server accepts; the local part is kept
// as written. An address it cannot read comes back trimmed and unchanged.
func normaliseEmail(addr string) string {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || len(addr) > maxContactLen {
		return addr
	}
	ascii, err := idna.Lookup.ToASCII(addr[at+1:])
	if err != nil {
		return addr
	}
	return addr[:at+1] + ascii
}

// normalisePhone returns the number in E.164 when it is a valid number,
// else the number as written (trimmed). A number without a leading + (or
// 00-style international prefix) is read in the country of the subject's
// jurisdiction, see phoneRegion.
func normalisePhone(number, jurisdiction string) string {
	number = strings.TrimSpace(number)
	if e164, ok := phoneE164(number, phoneRegion(jurisdiction)); ok {
		return e164
	}
	return number
}

// phoneE164 parses number, read in region when it has no country code, and
// returns it in E.164 if the numbering plan has it as a valid number.
// Letters are refused rather than read as a vanity number ("1-800-FLOWERS"):
// in a contact field they are a typo or an extension, not a phone to text.
func phoneE164(number, region string) (string, bool) {
	if number == "" || len(number) > maxContactLen || !phoneChars(number) {
		return "", false
	}
	n, err := phonenumbers.Parse(number, region)
	if err != nil || n.GetExtension() != "" || !phonenumbers.IsValidNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

// phoneChars reports whether s holds only what people write in a phone
// number: digits, a leading +, and the usual separators.
func phoneChars(s string) bool {
	for i, r := range s {
		switch {
		case '0' <= r && r <= '9', r == ' ', r == '-', r == '.', r == '(', r == ')', r == '/':
		case r == '+' && i == 0:
		default:
			return false
		}
	}
	return true
}

// phoneRegion is the region a national-format number is read in: the
// country of the subject's jurisdiction, "DE" or the "US" of an ISO 3166-2
// "US-CA", if the numbering plan knows it. Anything else ("EU", "", a
// name) gives none, and a number without a country code is then rejected
// rather than guessed. "UK" is taken as GB, its ISO code.
func phoneRegion(jurisdiction string) string {
	country, _, _ := strings.Cut(strings.TrimSpace(jurisdiction), "-")
	country = strings.ToUpper(country)
	if country == "UK" {
		country = "GB"
	}
	if len(country) != 2 || phonenumbers.GetCountryCodeForRegion(country) == 0 {
		return ""
	}
	return country
}
