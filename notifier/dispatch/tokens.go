package dispatch

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
)

// contacts lists the subject's usable contacts for a channel, without push
// tokens FCM has reported unregistered, and the reason they are unusable
// when they are.
func (d *Dispatcher) contacts(ctx context.Context, s incident.Subject, ch string) ([]string, string, error) {
	to := recipients(s, ch)
	if ch == incident.ChannelPush && len(to) > 0 {
		live, err := d.store.LiveTokens(ctx, to)
		if err != nil {
			return nil, "", fmt.Errorf("check retired push tokens: %w", err)
		}
		to = live
	}
	return to, checkContact(ch, to), nil
}

// retireTokens records the tokens FCM said are gone, so no later notice
// tries them again. A failure only costs a wasted try later: logged, not
// fatal.
func (d *Dispatcher) retireTokens(ctx context.Context, log *zap.Logger, tokens []string) {
	if len(tokens) == 0 {
		return
	}
	if err := d.store.RetireTokens(ctx, tokens); err != nil {
		log.Warn("retire unregistered push tokens", zap.Int("tokens", len(tokens)), zap.Error(err))
		return
	}
	log.Info("unregistered push tokens retired", zap.Int("tokens", len(tokens)))
}
