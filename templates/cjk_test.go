package templates

import (
	"regexp"
	"strings"
	"testing"

	"github.com/herald-notify/herald/incident"
)

// cjkData is the demo incident as a Chinese or Japanese response team
// would write it, so that any Latin letters left in a rendering come from
// the wording.
func cjkData(loc string) NoticeData {
	d := demoData()
	text := map[string][]string{
		"zh-CN": {"示例科技有限公司", "张伟", "客户支持数据库遭未授权访问", "攻击者利用泄露的密钥读取了客户支持数据库中的记录。", "吊销了泄露的密钥", "轮换全部客服人员的凭据", "请修改密码", "免费提供十二个月的信用监控服务"},
		"ja":    {"株式会社サンプル", "山田太郎", "顧客サポート用データベースへの不正アクセス", "攻撃者が漏えいした鍵を使用し、記録を閲覧しました。", "漏えいした鍵を無効化しました", "サポート担当者の認証情報を更新します", "パスワードを変更してください", "12か月間の信用情報モニタリングを無償で提供します"},
	}[loc]
	d.Controller, d.Name, d.Title, d.Summary = text[0], text[1], text[2], text[3]
	d.MeasuresTaken, d.MeasuresPlanned = []string{text[4]}, []string{text[5]}
	d.Advice, d.Remedies = []string{text[6], "advice.phishing"}, []string{text[7]}
	d.ContactPoint = "privacy@example.com"
	return d
}

// latinAllowed are the Latin-script words the wording may rightly keep:
// the link, the host of the notice page, the contact point, the incident
// id, abbreviations written so in Chinese and Japanese (PIN码, SMS, UTC),
// and the name of the feed format (Atom).
var latinAllowed = regexp.MustCompile(`https://\S+|notices\.example\.com|privacy@example\.com|INC-\d+-\d+|\b(PIN|SMS|UTC|DB|Atom|CSAF|JSON)\b`)

var latinLetter = regexp.MustCompile(`[A-Za-z]+`)

// TestDenseLocalesNoEnglish: with the incident written in the person's
// language, no English wording is left in any Chinese or Japanese output.
func TestDenseLocalesNoEnglish(t *testing.T) {
	for _, loc := range []string{"zh-CN", "ja"} {
		d := cjkData(loc)
		outputs := map[string]string{}
		for _, ch := range []string{"email", "sms", "push"} {
			m, _, err := Render(ch, loc, d)
			if err != nil {
				t.Fatal(err)
			}
			outputs[ch] = strings.Join([]string{m.Subject, m.Title, m.Text}, "\n")
			if m.HTML != "" {
				outputs[ch+" html"] = parseHTML(t, m.HTML).text()
			}
		}
		var page strings.Builder
		n := demoNotice()
		n.Title, n.Facts.Title, n.Facts.Summary = d.Title, d.Title, d.Summary
		n.Facts.Controller.Name, n.Facts.Controller.ContactPoint = d.Controller, d.ContactPoint
		n.Facts.Measures.Taken, n.Facts.Measures.Planned = d.MeasuresTaken, d.MeasuresPlanned
		n.Facts.Advice, n.Facts.Remediation = d.Advice, d.Remedies
		if err := RenderNoticePage(&page, NoticePage{Notice: n, History: []incident.Notice{n}, BaseURL: demoBaseURL}, loc); err != nil {
			t.Fatal(err)
		}
		outputs["page"] = parseHTML(t, page.String()).text()
		for name, out := range outputs {
			rest := latinAllowed.ReplaceAllString(out, "")
			// The language switcher names every language in its own.
			rest = strings.NewReplacer("English", "", "Deutsch", "", "Français", "", "Español", "", "Português (Brasil)", "").Replace(rest)
			if w := latinLetter.FindAllString(rest, -1); len(w) > 0 {
				t.Errorf("%s %s: English left in the wording: %v\n%s", loc, name, w, out)
			}
		}
	}
}
