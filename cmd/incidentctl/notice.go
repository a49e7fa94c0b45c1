package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/herald-notify/herald/incident"
)

func runNotice(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 {
		switch args[0] {
		case "publish":
			return runNoticePublish(ctx, e, args[1:])
		case "export":
			return runNoticeExport(ctx, e, args[1:])
		}
	}
	return usagef("the subcommands are: notice publish INCIDENT_ID [--reason TEXT], notice export DIR")
}

// runNoticePublish tells incidentd that the response team wants a public
// notice for the incident: an `updated` event setting notice_requested,
// which the notice decision honours whatever its rules say.
func runNoticePublish(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet("notice publish", e)
	reason := fs.String("reason", "", "why the team publishes the notice (kept as the update's change_reason)")
	id, err := parseIncidentID(fs, args)
	if err != nil {
		return err
	}
	value, ev, err := noticeRequestEvent(id, *reason)
	if err != nil {
		return err
	}
	if err := sendOne(ctx, e, id, value); err != nil {
		return err
	}
	printSent(e, ev.Type, ev.ID, id)
	return nil
}

// noticeRequestEvent builds the validated `updated` event that asks for the
// notice, through the same path as `incidentctl update`.
func noticeRequestEvent(id, reason string) ([]byte, incident.Event, error) {
	patch := map[string]any{"incident_id": id, "notice_requested": true}
	if reason != "" {
		patch["change_reason"] = reason
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return nil, incident.Event{}, fmt.Errorf("encode notice request: %w", err)
	}
	value, ev, _, err := factsEvent(raw, incident.TypeUpdated)
	return value, ev, err
}
