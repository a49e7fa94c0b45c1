package dispatch

import (
	"context"
	"fmt"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// settled turns a ledger row found for a channel into that channel's final
// status. A row still claimed belongs either to a live sender (the job is
// not final: ErrClaimHeld, try again later) or, once older than the lease,
// to a crashed one: it is resolved as uncertain, and the person is never
// sent to blindly a second time.
func (d *Dispatcher) settled(ctx context.Context, a store.Attempt) (string, error) {
	if a.Status != incident.AttemptClaimed || a.Error != "" {
		return a.Status, nil // final, or a claim already resolved
	}
	expired := d.cfg.Now().Add(-d.cfg.ClaimLease)
	if a.ClaimedAt.After(expired) {
		return "", ErrClaimHeld
	}
	n, err := d.store.ResolveStaleClaims(ctx, expired)
	if err != nil {
		return "", fmt.Errorf("resolve stale claim: %w", err)
	}
	if n > 0 {
		return claimResolvedHere, nil
	}
	return incident.AttemptClaimed, nil // resolved meanwhile by someone else
}

// claimResolvedHere is settled's status when its own ResolveStaleClaims
// turned the person uncertain: the outcome is recorded, only the observer
// is still to hear of it.
const claimResolvedHere = "claimed, resolved as uncertain here"
