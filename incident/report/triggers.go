package report

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	"github.com/herald-notify/herald/incident"
)

// milestones are the shares of the people processed (told, or found
// unreachable or uncertain) that the authorities hear of (RULES.md §6:
// notification progress).
var milestones = []int{50, 100}

// stateNow is what an incident's reports are compared with and say: read
// once per Ensure (or Generate), and only when needed.
type stateNow struct {
	r          *Reporter
	inc        incident.Incident
	milestones bool

	noticeRead   bool
	notice       *incident.Notice
	progressRead bool
	progress     incident.Progress
}

// updateTriggers lists why the obligation's authority should hear again,
// since its last report (mine is not empty).
func (st *stateNow) updateTriggers(ctx context.Context, ob incident.Obligation, mine []incident.Report) ([]string, error) {
	var triggers []string
	last := mine[len(mine)-1]
	if substance(Build(Input{Incident: st.inc, Obligation: ob, Phase: last.Phase}).Fields) != substance(last.Fields) {
		triggers = append(triggers, TriggerUpdated)
	}
	notice, err := st.publicNotice(ctx)
	if err != nil {
		return nil, err
	}
	if notice != nil && !anyReportHas(mine, "public_notice") {
		triggers = append(triggers, TriggerNotice)
	}
	// Counting the people is the costly part (about half a second for
	// 500,000): skipped once the last milestone has been reported.
	if reported := reportedMilestone(mine); st.milestones && st.inc.Decision.NotifySubjects && reported < milestones[len(milestones)-1] {
		p, err := st.notificationProgress(ctx)
		if err != nil {
			return nil, err
		}
		if reached := milestoneOf(p); reached > reported {
			triggers = append(triggers, fmt.Sprintf("notification of people %d %% processed", reached))
		}
	}
	return triggers, nil
}

func (st *stateNow) publicNotice(ctx context.Context) (*incident.Notice, error) {
	if !st.noticeRead {
		n, err := st.r.Store.GetNotice(ctx, st.inc.ID)
		switch {
		case err == nil:
			st.notice = &n
		case incident.ErrorCode(err) != incident.CodeNotFound:
			return nil, fmt.Errorf("read notice: %w", err)
		}
		st.noticeRead = true
	}
	return st.notice, nil
}

func (st *stateNow) notificationProgress(ctx context.Context) (incident.Progress, error) {
	if !st.progressRead {
		p, err := st.r.Store.Progress(ctx, st.inc.ID)
		if err != nil {
			return p, fmt.Errorf("read progress: %w", err)
		}
		st.progress, st.progressRead = p, true
	}
	return st.progress, nil
}

// volatileFields change without the incident changing: progress, the
// notice (a trigger of its own), and what depends on the phase or the
// report's own making.
var volatileFields = []string{"notification_progress", "public_notice", "trigger", "reasons_for_delay",
	"more_to_follow", "decision_version"}

// substance hashes what a report says about the incident itself: a
// stored report's fields (decoded JSON) and a built one's (Go values) hash
// alike, since hash writes canonical JSON.
func substance(fields map[string]any) string {
	rest := maps.Clone(fields)
	for _, k := range volatileFields {
		delete(rest, k)
	}
	return hash(rest)
}

func anyReportHas(reports []incident.Report, field string) bool {
	for _, r := range reports {
		if _, ok := r.Fields[field]; ok {
			return true
		}
	}
	return false
}

// milestoneOf is the highest milestone the progress has reached, or 0.
func milestoneOf(p incident.Progress) int {
	if p.Subjects == 0 {
		return 0
	}
	processed := p.Subjects - p.Pending
	reached := 0
	for _, m := range milestones {
		if processed*100 >= m*p.Subjects {
			reached = m
		}
	}
	return reached
}

// reportedMilestone is the highest milestone any of the reports showed.
func reportedMilestone(reports []incident.Report) int {
	best := 0
	for _, r := range reports {
		var p incident.Progress
		b, err := json.Marshal(r.Fields["notification_progress"])
		if err != nil || json.Unmarshal(b, &p) != nil {
			continue
		}
		best = max(best, milestoneOf(p))
	}
	return best
}

func joinTriggers(triggers []string) string { return strings.Join(triggers, "; ") }
