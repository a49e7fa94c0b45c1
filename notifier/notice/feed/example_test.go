package feed_test

import (
	"os"
	"time"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier/notice/feed"
)

func ExampleAtom() {
	published := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	n := incident.Notice{IncidentID: "INC-2026-0042", Revision: 1, Title: "Database accessed",
		PublishedAt: published, UpdatedAt: published,
		Facts: incident.Facts{Summary: "An attacker read records.",
			Controller: &incident.Controller{Name: "Example Corp", ContactPoint: "dpo@example.com"}}}
	_ = feed.Atom(os.Stdout, "https://notices.example.com", []incident.Notice{n}, published)
	// Output:
	// <?xml version="1.0" encoding="UTF-8"?>
	// <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
	//   <id>https://notices.example.com/notices/feed.atom</id>
	//   <title type="text">Security notices</title>
	//   <updated>2026-11-20T10:00:00Z</updated>
	//   <link rel="self" type="application/atom+xml" href="https://notices.example.com/notices/feed.atom"></link>
	//   <link rel="alternate" type="text/html" href="https://notices.example.com/notices/"></link>
	//   <entry>
	//     <id>tag:notices.example.com,2026-11-20:notice/INC-2026-0042/1</id>
	//     <title type="text">Database accessed (revision 1)</title>
	//     <updated>2026-11-20T10:00:00Z</updated>
	//     <published>2026-11-20T10:00:00Z</published>
	//     <author>
	//       <name>Example Corp</name>
	//     </author>
	//     <link rel="alternate" type="text/html" href="https://notices.example.com/notices/INC-2026-0042"></link>
	//     <summary type="text">An attacker read records.</summary>
	//     <content type="text">What happened&#xA;An attacker read records.&#xA;&#xA;Questions&#xA;Contact dpo@example.com.</content>
	//   </entry>
	// </feed>
}
