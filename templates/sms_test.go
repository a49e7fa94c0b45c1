package templates

import (
	"strings"
	"testing"
	"unicode/utf16"
)

// smsUnits is the length of text in its SMS encoding: GSM-7 septets, or
// UTF-16 code units for UCS-2.
func smsUnits(text string) int {
	if n, ok := gsmLength(text); ok {
		return n
	}
	return len(utf16.Encode([]rune(text)))
}

func encoding(gsm7 bool) string {
	if gsm7 {
		return "GSM-7"
	}
	return "UCS-2"
}

func TestSMSSegments(t *testing.T) {
	const (
		han   = "个" // one UCS-2 code unit
		kana  = "あ"
		emoji = "🔒" // outside the BMP: a surrogate pair, two code units
	)
	tests := []struct {
		name     string
		text     string
		segments int
		gsm7     bool
	}{
		{"empty", "", 0, true},
		{"gsm 160", strings.Repeat("a", 160), 1, true},
		{"gsm 161", strings.Repeat("a", 161), 2, true},
		{"gsm 306", strings.Repeat("a", 306), 2, true},
		{"gsm 307", strings.Repeat("a", 307), 3, true},
		{"gsm escape counts twice", strings.Repeat("€", 80), 1, true},
		{"gsm escape 81", strings.Repeat("€", 81), 2, true},
		// 152 septets, then an escaped € that would straddle the first
		// boundary: it moves whole into part two, and part three begins.
		{"gsm escape not split", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), 3, true},
		{"ucs2 70", strings.Repeat(han, 70), 1, false},
		{"ucs2 71", strings.Repeat(han, 71), 2, false},
		{"ucs2 134", strings.Repeat(kana, 134), 2, false},
		{"ucs2 135", strings.Repeat(kana, 135), 3, false},
		{"ucs2 one accent is enough", strings.Repeat("a", 69) + han, 1, false},
		{"ucs2 emoji counts twice", strings.Repeat(emoji, 35), 1, false},
		{"ucs2 emoji 36", strings.Repeat(emoji, 36), 2, false},
		// 134 code units, but the pair at 67/68 moves whole into part two.
		{"surrogate pair not split", strings.Repeat(han, 66) + emoji + strings.Repeat(han, 66), 3, false},
		{"surrogate pair at the end of a part", strings.Repeat(han, 65) + emoji + strings.Repeat(han, 67), 2, false},
	}
	for _, tt := range tests {
		segs, gsm := SMSSegments(tt.text)
		if segs != tt.segments || gsm != tt.gsm7 {
			t.Errorf("%s: SMSSegments = %d, gsm7 %v; want %d, %v", tt.name, segs, gsm, tt.segments, tt.gsm7)
		}
	}
}

// TestSMSOverStraddle: a text within 2*67 code units whose surrogate pair
// would need a third part counts as over, so fitTitle shortens it.
func TestSMSOverStraddle(t *testing.T) {
	text := strings.Repeat("个", 66) + "🔒" + strings.Repeat("个", 66)
	if got := smsOver(text, 2); got != 1 {
		t.Errorf("smsOver = %d, want 1", got)
	}
	if got := smsOver(strings.Repeat("个", 130), 2); got != -4 {
		t.Errorf("smsOver(130 han) = %d, want -4", got)
	}
	if got := smsOver(strings.Repeat("a", 310), 2); got != 4 {
		t.Errorf("smsOver(310 gsm) = %d, want 4", got)
	}
}

// TestSMSDenseLocales: Chinese and Japanese go out as UCS-2 within two
// segments (134 code units, link included), with an incident written in
// their own language. A title that fits is kept; one that does not is
// cut with "…" (one code unit; "..." would cost three); the rest of the
// message and the link are always whole.
func TestSMSDenseLocales(t *testing.T) {
	tests := []struct {
		loc, controller, title string
		wantTitle              string // what of the title the SMS shows
	}{
		{"zh-CN", "示例科技有限公司", "客户支持数据库遭未授权访问", "（客户支持数据库遭未授权访问）"},
		{"zh-CN", "示例科技有限公司", strings.Repeat("客户支持数据库遭未授权访问，", 5), "（客户支持数据库遭未授权访问，客户支持数据库…）"},
		{"ja", "株式会社サンプル", "顧客DBへの不正アクセス", "（顧客DBへの不正アクセス）"},
		{"ja", "株式会社サンプル", "顧客サポート用データベースへの不正アクセス", "（顧客サポート用データベース…）"},
		// An English title in a Japanese SMS with an English name: no room
		// left for twelve characters of it, so the short wording is used.
		{"ja", "Example Corp", "Unauthorised access to the customer-support database", "】個人情報"},
	}
	for _, tt := range tests {
		d := demoData()
		d.Controller, d.Title = tt.controller, tt.title
		m, id, err := Render("sms", tt.loc, d)
		if err != nil {
			t.Fatal(err)
		}
		segs, gsm := SMSSegments(m.Text)
		t.Logf("%s: %d UCS-2 units, %d segments: %s", id, smsUnits(m.Text), segs, m.Text)
		if gsm || segs > 2 || smsUnits(m.Text) > 2*ucs2Part {
			t.Errorf("%s: gsm7=%v, %d segments, %d units; want UCS-2 within 134 (2 segments)", id, gsm, segs, smsUnits(m.Text))
		}
		for _, want := range []string{"【" + tt.controller + "】", tt.wantTitle, "：" + m.Link + " "} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s: sms lacks %q:\n%s", id, want, m.Text)
			}
		}
		if strings.Contains(m.Text, "...") {
			t.Errorf("%s: GSM-7 ellipsis in a UCS-2 message:\n%s", id, m.Text)
		}
	}
}

// TestPushDenseLocales: a Chinese or Japanese push is a title and one
// short sentence with the link, with no breach details.
func TestPushDenseLocales(t *testing.T) {
	d := demoData()
	for _, loc := range []string{"zh-CN", "ja"} {
		m, _, err := Render("push", loc, d)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(m.Text, m.Link) || strings.Count(m.Text, "。") > 1 {
			t.Errorf("%s: want one sentence ending in the link: %q", loc, m.Text)
		}
		for _, detail := range append(append(d.Advice, d.MeasuresTaken...), d.Remedies...) {
			if strings.Contains(m.Text, detail) {
				t.Errorf("%s: push carries a detail of the breach: %q", loc, detail)
			}
		}
	}
}
