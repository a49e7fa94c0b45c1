package feed

import (
	"context"
	"fmt"

	"github.com/herald-notify/herald/incident"
)

// Source is the part of the store the feed reads (store.Store has it).
type Source interface {
	ListNotices(ctx context.Context) ([]incident.Notice, error)
	NoticeRevisions(ctx context.Context, incidentID string) ([]incident.Notice, error)
}

// AllRevisions reads every revision of every published notice: the
// feed's entries.
func AllRevisions(ctx context.Context, src Source) ([]incident.Notice, error) {
	latest, err := src.ListNotices(ctx)
	if err != nil {
		return nil, fmt.Errorf("list notices for the feed: %w", err)
	}
	var all []incident.Notice
	for _, n := range latest {
		revs, err := src.NoticeRevisions(ctx, n.IncidentID)
		if err != nil {
			return nil, fmt.Errorf("read revisions of notice %s for the feed: %w", n.IncidentID, err)
		}
		all = append(all, revs...)
	}
	return all, nil
}
