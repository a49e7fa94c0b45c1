package fanout

import (
	"context"

	"github.com/segmentio/kafka-go"
	"go.uber.org/zap"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// Deliver handles one job: nil once the person's outcome is final and
// recorded, an error to have the job tried again later
// (dispatch.Dispatcher.Deliver).
type Deliver func(ctx context.Context, key store.DeliveryKey) error

// Handler adapts deliver to a consumer of the jobs topic. A message that is
// not a job is logged and acknowledged: retrying it cannot help, and it
// names nobody who could be lost (people are queued from the store).
func Handler(deliver Deliver, log *zap.Logger) func(context.Context, kafka.Message) error {
	return func(ctx context.Context, m kafka.Message) error {
		key, err := Decode(m)
		if err != nil {
			log.Error("delivery job dropped", zap.Int("partition", m.Partition), zap.Int64("offset", m.Offset),
				zap.String("field", incident.ErrorField(err)), zap.Error(err))
			return nil
		}
		return deliver(ctx, key)
	}
}
