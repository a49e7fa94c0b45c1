package outbox

import (
	"context"
	"strings"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/notifier"
)

// writeAttachments puts each email attachment in its own file beside the
// .eml (which holds them too, base64 encoded), so an operator can open the
// PDF a regulator would receive. They are written before the .eml: once the
// message file is there, so are its attachments. Only email carries
// attachments.
func (n *Notifier) writeAttachments(ctx context.Context, d notifier.Delivery) error {
	if n.channel != incident.ChannelEmail {
		return nil
	}
	base := FileName(d.IncidentID, d.SubjectID, n.channel)
	for _, a := range d.Message.Attachments {
		if err := writeAtomic(ctx, n.dir, AttachmentName(base, a.Name), a.Data); err != nil {
			return err
		}
	}
	return nil
}

// AttachmentName is the file an attachment is written to: the message's
// base name (see FileName), "_", and the attachment's own name with
// anything but letters, digits, '-', '_' and '.' replaced, so it stays
// inside the outbox directory and keeps its extension.
func AttachmentName(base, name string) string {
	const maxLen = 96
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= maxLen {
			break
		}
		if r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	clean := strings.TrimLeft(b.String(), ".")
	if clean == "" {
		clean = "attachment"
	}
	return base + "_" + clean
}
