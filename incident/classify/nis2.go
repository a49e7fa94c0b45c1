package classify

import (
	"fmt"

	"github.com/herald-notify/herald/incident"
)

// NIS2 significance (Art. 23(3)): severe operational disruption or financial
// loss for the entity, or considerable damage to others. Implementing
// Regulation (EU) 2024/2690 sets numbers for digital-infrastructure entities;
// the facts carry no sector, so v1 takes the strictest reading that fits all:
//   - loss: Art. 3(1)(a), direct loss over EUR 500,000 (or 5% of turnover,
//     which the facts do not carry);
//   - malicious access: Art. 3(1)(e), successful, suspectedly malicious and
//     unauthorised access to network and information systems;
//   - disruption: Arts. 5-14 treat as significant a complete outage over
//     30 minutes or a degraded service over an hour; the facts do not say
//     which, so one hour of disruption counts;
//   - damage to others: a likely high risk to people under GDPR is the
//     considerable non-material damage of Art. 23(3)(b).
const (
	nis2DisruptionHours = 1
	nis2LossEUR         = 500_000
)

func significance(v view, d incident.Decision) []string {
	var why []string
	if v.disruption >= nis2DisruptionHours {
		why = append(why, fmt.Sprintf("service disrupted %s h (>= %d h)", num(v.disruption), nis2DisruptionHours))
	}
	if v.loss >= nis2LossEUR {
		why = append(why, fmt.Sprintf("financial loss EUR %s (>= 500000, IR 2024/2690 Art. 3(1)(a))", num(v.loss)))
	}
	altered := v.integrity == alteredRecover || v.integrity == alteredLost
	if v.malicious && (v.lost() || altered) {
		why = append(why, "suspectedly malicious unauthorised access (IR 2024/2690 Art. 3(1)(e))")
	}
	if d.Risk == incident.RiskHigh {
		why = append(why, "likely high risk to people: considerable damage to others (Art. 23(3)(b))")
	}
	return why
}
