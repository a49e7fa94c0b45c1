// Package fanout turns the people an incident must tell into delivery jobs
// on the security.notifications topic, one per person (key = subject), so
// that notifier workers in any incidentd process can share them; and reads
// those jobs back.
package fanout

import (
	"encoding/json"

	"github.com/segmentio/kafka-go"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/store"
)

// Encode makes the job message for one person. The key is the subject id,
// so one person's jobs (a first try, a re-queue after a late failure) stay
// on one partition, in order. The value names the job only: contact details
// stay in the store and never travel through Kafka.
func Encode(key store.DeliveryKey) kafka.Message {
	v, _ := json.Marshal(key) // two strings: cannot fail
	return kafka.Message{Key: []byte(key.SubjectID), Value: v}
}

// Decode reads a job message. A message that is not a job is CodeInvalid.
func Decode(m kafka.Message) (store.DeliveryKey, error) {
	var key store.DeliveryKey
	if err := json.Unmarshal(m.Value, &key); err != nil {
		return key, incident.Invalid("job", "not a delivery job: %v", err)
	}
	if key.IncidentID == "" {
		return key, incident.Invalid("job.incident_id", "required")
	}
	if key.SubjectID == "" {
		return key, incident.Invalid("job.subject_id", "required")
	}
	return key, nil
}
